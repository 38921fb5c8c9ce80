"""The `Directory` port: the only way `apply` changes the organization (STYLE: narrow ports).

The Atlassian adapter (`controller.adapters.atlassian`) implements it over HTTP; unit tests use an
in-memory fake. Every operation is idempotent: removing a non-member or adding a member is a
success that reports it changed nothing, so a re-run apply never fails on work already done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from controller.core.snapshot import Inventory

ChangeOutcome = Literal["done", "already"]


@dataclass(frozen=True)
class ChangeResult:
    """What an operation actually did: `done` changed something, `already` found it so."""

    outcome: ChangeOutcome
    detail: str = ""


class Directory(Protocol):
    def fetch_accounts(self, account_ids: Iterable[str]) -> Inventory:
        """A fresh snapshot limited to these accounts (groups and sites complete)."""
        ...

    def count_active_members(self, group_ids: Sequence[str]) -> int:
        """Active accounts in at least one of these groups, counted by the directory now (the
        seats in use of a product, for the safety guards of an apply)."""
        ...

    def remove_from_group(self, *, account_id: str, group_id: str) -> ChangeResult: ...

    def add_to_group(self, *, account_id: str, group_id: str) -> ChangeResult: ...

    def suspend(self, *, account_id: str) -> ChangeResult: ...

    def restore(self, *, account_id: str) -> ChangeResult: ...
