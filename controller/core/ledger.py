"""Committed memory of what accessctl did: warnings sent and seats removed (DESIGN §7).

`state/ledger.json` is read by `reconcile` (a revoke needs a warning old enough; a restore needs a
recorded removal) and written by `apply` and `notify` (which also records the expiry reminders it
sent, so each is sent once). This module holds the model and its
canonical (de)serialisation; the audit log and the journal live in `controller.adapters.state_dir`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from controller.core.errors import BadInput
from controller.core.model_base import Frozen, Instant

LEDGER_FILE = "ledger.json"


class WarningRecord(Frozen):
    account_id: str
    email: str | None = None
    site: str
    product: str
    policy: str
    warned_at: Instant
    revoke_not_before: Instant


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group by id (what the API needs) and name (what a reviewer reads)."""

    id: str
    name: str


class RemovalRecord(Frozen):
    account_id: str
    email: str | None = None
    site: str
    product: str
    policy: str
    method: Literal["remove-from-groups", "suspend"] = "remove-from-groups"
    groups: tuple[GroupRef, ...] = ()
    removed_at: Instant
    plan_id: str


class ReminderRecord(Frozen):
    """An expiry reminder sent to an exclusion's owner: one per exclusion and expiry date, so
    moving the date out earns a new reminder before the new date."""

    subject: str  # the excluded account or group, as the Exclusions entry names it
    expires: date
    owner: str
    sent_at: Instant


class Ledger(Frozen):
    version: Literal[1] = 1
    warnings: tuple[WarningRecord, ...] = Field(default=())
    removals: tuple[RemovalRecord, ...] = Field(default=())
    reminders: tuple[ReminderRecord, ...] = Field(default=())

    def warning_for(self, account_id: str, *, site: str, product: str) -> WarningRecord | None:
        for record in self.warnings:
            if (record.account_id, record.site, record.product) == (account_id, site, product):
                return record
        return None

    def reminded(self, subject: str, expires: date) -> bool:
        return any((r.subject, r.expires) == (subject, expires) for r in self.reminders)


def canonical_ledger(ledger: Ledger) -> Ledger:
    def where(r: WarningRecord | RemovalRecord) -> tuple[str, str, str]:
        return (r.site, r.product, r.account_id)

    return ledger.model_copy(
        update={
            "warnings": tuple(sorted(ledger.warnings, key=where)),
            "removals": tuple(sorted(ledger.removals, key=lambda r: (*where(r), r.removed_at))),
            "reminders": tuple(sorted(ledger.reminders, key=lambda r: (r.subject, r.expires))),
        }
    )


def dump_ledger(ledger: Ledger) -> bytes:
    return canonical_ledger(ledger).model_dump_json(indent=2).encode() + b"\n"


def read_ledger(state_dir: Path) -> Ledger:
    """The ledger in a state directory; an absent file is an empty ledger."""
    path = state_dir / LEDGER_FILE
    if not path.exists():
        return Ledger()
    try:
        return Ledger.model_validate_json(path.read_bytes())
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise BadInput(
            f"{path}: {where}: {first['msg']}; "
            "the ledger is written by accessctl: restore it from git"
        ) from None
