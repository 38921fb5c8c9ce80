"""An in-memory `Directory` for unit tests of apply (integration tests use the real simulator).

It keeps the port's contract as the Atlassian adapter does, and
tests/integration/test_directory_contract.py holds both to the same cases: removing an account
the directory does not know is `already` done, any other change to it is an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from controller.core.directory_port import ChangeResult
from controller.core.errors import RunFailure
from controller.core.snapshot import Account, Inventory


class FakeDirectory:
    """Holds an inventory and changes it; counts the changes that really happened."""

    def __init__(
        self, inventory: Inventory, *, fail_for: Iterable[str] = (), crash_after: int | None = None
    ):
        self.inventory = inventory
        self.fail_for = set(fail_for)
        self.crash_after = crash_after
        self.changes: Counter[tuple[str, str, str]] = Counter()

    def fetch_accounts(self, account_ids: Iterable[str]) -> Inventory:
        wanted = set(account_ids)
        return self.inventory.model_copy(
            update={"accounts": tuple(a for a in self.inventory.accounts if a.account_id in wanted)}
        )

    def count_active_members(self, group_ids: Sequence[str]) -> int:
        wanted = set(group_ids)
        return sum(
            1
            for a in self.inventory.accounts
            if a.status == "active" and not wanted.isdisjoint(a.groups)
        )

    def _account(self, account_id: str) -> Account:
        found = next((a for a in self.inventory.accounts if a.account_id == account_id), None)
        if found is None:
            raise RunFailure(f"account {account_id} is not in the organization's directory")
        return found

    def _known(self, account_id: str) -> bool:
        return any(a.account_id == account_id for a in self.inventory.accounts)

    def _replace(self, account: Account) -> None:
        accounts = tuple(
            account if a.account_id == account.account_id else a for a in self.inventory.accounts
        )
        self.inventory = self.inventory.model_copy(update={"accounts": accounts})

    def _guard(self, account_id: str) -> None:
        if account_id in self.fail_for:
            raise RunFailure(f"the API refused the change for {account_id} (HTTP 500)")
        if self.crash_after is not None and sum(self.changes.values()) >= self.crash_after:
            raise KeyboardInterrupt  # the process is killed mid-apply

    def remove_from_group(self, *, account_id: str, group_id: str) -> ChangeResult:
        self._guard(account_id)
        if not self._known(account_id):
            return ChangeResult("already", "the account is no longer in the directory")
        account = self._account(account_id)
        if group_id not in account.groups:
            return ChangeResult("already", f"not in {group_id}")
        self._replace(replace(account, groups=tuple(g for g in account.groups if g != group_id)))
        self.changes[("remove", account_id, group_id)] += 1
        return ChangeResult("done", f"removed from {group_id}")

    def add_to_group(self, *, account_id: str, group_id: str) -> ChangeResult:
        self._guard(account_id)
        account = self._account(account_id)
        if group_id in account.groups:
            return ChangeResult("already", f"already in {group_id}")
        self._replace(replace(account, groups=tuple(sorted((*account.groups, group_id)))))
        self.changes[("add", account_id, group_id)] += 1
        return ChangeResult("done", f"added to {group_id}")

    def suspend(self, *, account_id: str) -> ChangeResult:
        self._guard(account_id)
        account = self._account(account_id)
        if account.status == "suspended":
            return ChangeResult("already", "already suspended")
        self._replace(replace(account, status="suspended"))
        self.changes[("suspend", account_id, "")] += 1
        return ChangeResult("done", "suspended")

    def restore(self, *, account_id: str) -> ChangeResult:
        self._guard(account_id)
        account = self._account(account_id)
        if account.status == "active":
            return ChangeResult("already", "already active")
        self._replace(replace(account, status="active"))
        self.changes[("restore", account_id, "")] += 1
        return ChangeResult("done", "restored")

    def set_activity(self, account: Account) -> None:
        self._replace(account)
