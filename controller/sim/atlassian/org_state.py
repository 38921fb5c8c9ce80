"""The simulated organization's mutable state, shared by the Admin API and Jira REST handlers.

Seeded from an `Inventory` snapshot and readable back as one (`snapshot()`), so a test can check
that an apply changed exactly what the plan said. Seat holders are kept per (site, product) and
updated account by account: a removal from the last granting group frees the seat at once, and
Jira's `applicationrole` counts follow. Every method takes the lock, so handlers on any thread see
a consistent organization.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import replace
from typing import Literal, TypeVar, cast

from controller.core.snapshot import SEATLESS_TYPES, Account, Group, Inventory, Seats, Site

T = TypeVar("T")
MEMO_LIMIT = 256
Seat = tuple[str, str]  # (site name, product key)

Refusal = Literal[
    "unknown-account",
    "unknown-group",
    "idp-managed",
    "seat-limit",
    "already-member",
    "not-member",
    "not-groupable",
    "deactivated",
]


class SimRefusal(Exception):
    """A change the real service refuses; each API family words it in its own error style."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class OrgState:
    """Accounts, groups and seats of one organization, safe to use from several threads."""

    def __init__(self, inventory: Inventory) -> None:
        self._lock = threading.RLock()
        self._seed = inventory
        self._load(inventory)

    def _load(self, inventory: Inventory) -> None:
        # Sorted by id once: no account comes or goes, and replacing one keeps its place.
        ordered = sorted(inventory.accounts, key=lambda a: a.account_id)
        self._accounts = {a.account_id: a for a in ordered}
        self._groups = {g.id: g for g in inventory.groups}
        self._groups_by_name = {g.name: g for g in inventory.groups}
        self._members: dict[str, set[str]] = {g.id: set() for g in inventory.groups}
        for account in inventory.accounts:
            for group_id in account.groups:
                self._members.setdefault(group_id, set()).add(account.account_id)
        self._limits = {(s.site, s.product): s.limit for s in inventory.seats}
        self._holders: dict[Seat, set[str]] = {}
        for account in inventory.accounts:
            for seat in self.seats_of(account):
                self._holders.setdefault(seat, set()).add(account.account_id)
        self._version = 0
        self._memo: dict[Hashable, object] = {}

    # -- reading -----------------------------------------------------------------------------

    @property
    def org_id(self) -> str:
        return self._seed.org_id

    @property
    def fetched_by(self) -> str | None:
        return self._seed.fetched_by

    @property
    def taken_at_text(self) -> str:
        return self._seed.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def sites(self) -> tuple[Site, ...]:
        return self._seed.sites

    @property
    def version(self) -> int:
        """Grows with every change; page caches and cursors key on it."""
        return self._version

    def site_by_cloud_id(self, cloud_id: str) -> Site | None:
        return next((s for s in self._seed.sites if s.cloud_id == cloud_id), None)

    def site_by_name(self, name: str) -> Site | None:
        return next((s for s in self._seed.sites if s.name == name), None)

    def account(self, account_id: str) -> Account | None:
        with self._lock:
            return self._accounts.get(account_id)

    def group(self, group_id: str) -> Group | None:
        return self._groups.get(group_id)

    def group_named(self, name: str) -> Group | None:
        return self._groups_by_name.get(name)

    def groups(self) -> tuple[Group, ...]:
        return self._seed.groups

    def seats(self) -> tuple[Seats, ...]:
        return self._seed.seats

    def seat_count(self, site: str, product: str) -> int:
        with self._lock:
            return len(self._holders.get((site, product), ()))

    def products_on(self, site: str) -> list[str]:
        """Products the site runs: those with a seat count, or that some group grants there."""
        counted = {s.product for s in self._seed.seats if s.site == site}
        granted = {p for s, p in self._granted_by(self._groups) if s == site}
        return sorted(counted | granted)

    def seat_limit(self, site: str, product: str) -> int | None:
        return self._limits.get((site, product))

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value derived from the current state, computed once per version (big orgs page)."""
        with self._lock:
            if key not in self._memo:
                if len(self._memo) >= MEMO_LIMIT:
                    self._memo.clear()  # many one-off queries: keep memory bounded
                self._memo[key] = compute()
            return cast(T, self._memo[key])

    def accounts(self) -> list[Account]:
        """Every account, in accountId order (the order every listing pages through)."""
        with self._lock:
            return self.memo("accounts", lambda: list(self._accounts.values()))

    def members(self, group_id: str) -> list[Account]:
        """Members of a group in display-name order, as Jira lists them."""
        with self._lock:
            return self.memo(("members", group_id), lambda: self._sorted_members(group_id))

    def _sorted_members(self, group_id: str) -> list[Account]:
        accounts = (self._accounts[a] for a in self._members.get(group_id, ()))
        return sorted(accounts, key=lambda a: (a.name.lower(), a.account_id))

    def snapshot(self) -> Inventory:
        """The current state in the seed's own format (taken_at stays the seed's instant)."""
        with self._lock:
            return self._seed.model_copy(update={"accounts": tuple(self.accounts())})

    # -- changing ----------------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._load(self._seed)

    def add_member(self, *, group_id: str, account_id: str) -> Account:
        with self._lock:
            group, account = self._editable(group_id, account_id)
            if account.account_type == "customer":
                raise SimRefusal("not-groupable", "customer accounts cannot be added to groups")
            if group_id in account.groups:
                raise SimRefusal(
                    "already-member", f"user {account_id} is already a member of '{group.name}'"
                )
            changed = _with_groups(account, (*account.groups, group_id))
            self._check_seat_limits(account, changed)
            self._members.setdefault(group_id, set()).add(account_id)
            return self._replace(account, changed)

    def remove_member(self, *, group_id: str, account_id: str) -> Account:
        with self._lock:
            group, account = self._editable(group_id, account_id)
            if group_id not in account.groups:
                raise SimRefusal(
                    "not-member", f"user {account_id} is not a member of '{group.name}'"
                )
            self._members[group_id].discard(account_id)
            kept = tuple(g for g in account.groups if g != group_id)
            return self._replace(account, _with_groups(account, kept))

    def suspend(self, account_id: str) -> bool:
        """Suspend org access; False when the account already was suspended."""
        return self._set_status(account_id, "suspended")

    def restore(self, account_id: str) -> bool:
        """Lift a suspension; False when the account was not suspended."""
        return self._set_status(account_id, "active")

    def _set_status(self, account_id: str, status: Literal["active", "suspended"]) -> bool:
        with self._lock:
            account = self._known_account(account_id)
            if account.status == "deactivated":
                raise SimRefusal("deactivated", f"user {account_id} is deactivated")
            if account.status == status:
                return False
            self._replace(account, replace(account, status=status))
            return True

    def _editable(self, group_id: str, account_id: str) -> tuple[Group, Account]:
        group = self._groups.get(group_id)
        if group is None:
            raise SimRefusal("unknown-group", f"group {group_id} does not exist")
        account = self._known_account(account_id)
        if group.managed_by == "idp":
            raise SimRefusal(
                "idp-managed",
                f"group '{group.name}' is synced from your identity provider; "
                "change its members there",
            )
        return group, account

    def _known_account(self, account_id: str) -> Account:
        account = self._accounts.get(account_id)
        if account is None:
            raise SimRefusal("unknown-account", f"user {account_id} does not exist")
        return account

    def _check_seat_limits(self, before: Account, after: Account) -> None:
        for site, product in sorted(self.seats_of(after) - self.seats_of(before)):
            limit = self._limits.get((site, product))
            if limit is not None and len(self._holders.get((site, product), ())) >= limit:
                raise SimRefusal(
                    "seat-limit",
                    f"adding the user would exceed the {limit} licensed seats of "
                    f"{product} on {site}",
                )

    def _replace(self, before: Account, after: Account) -> Account:
        for seat in self.seats_of(before):
            self._holders[seat].discard(before.account_id)
        for seat in self.seats_of(after):
            self._holders.setdefault(seat, set()).add(after.account_id)
        self._accounts[after.account_id] = after
        self._version += 1
        self._memo.clear()
        return after

    def seats_of(self, account: Account) -> set[Seat]:
        """Seats an account holds: active people in a group granting a product on a site."""
        if account.status != "active" or account.account_type in SEATLESS_TYPES:
            return set()
        return set(self._granted_by(account.groups))

    def grants_of(self, account: Account) -> set[Seat]:
        """Products the account's groups grant, whatever its status (its role assignments)."""
        return set(self._granted_by(account.groups))

    def _granted_by(self, group_ids: Iterable[str]) -> Iterable[Seat]:
        for group_id in group_ids:
            group = self._groups.get(group_id)
            if group is not None:
                yield from group.seats


def _with_groups(account: Account, groups: Iterable[str]) -> Account:
    # Built outside validation, so keep the snapshot's sorted order by hand.
    return replace(account, groups=tuple(sorted(groups)))
