"""Actual state: a snapshot of the organization (DESIGN §4).

The connector (`controller.adapters.atlassian`) produces it, `accessctl inventory --out` writes it,
`accessctl plan --inventory` reads it, and the simulator serves it. One format, one schema
(`schemas/inventory.schema.json`). Pure: no I/O beyond (de)serialising bytes.

The format is version 2: a group lists every (site, product) it grants a seat on, since one
group may grant several products on several sites. Version 1 (one site per group) is read and
converted. Files are written one site, group or account per line (`dump_inventory`).

A snapshot is canonical: every list sorted, each account and group once, every group an account
is in listed, every site a group grants on listed, instants in UTC to the second. Reading a file
is on the hot path of `accessctl plan` (100,000 accounts), so it is shaped for pydantic-core to
do the work in Rust: the per-account records are slotted dataclasses, instants are checked as
UTC without a Python call, and files written canonical are only *verified* in one pass, not
re-sorted. Values built in Python (the connector, the generator, tests) are normalised instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from itertools import pairwise
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

import pydantic_core
from pydantic import (
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from controller.core.errors import BadInput
from controller.core.model_base import Frozen, UtcInstant, as_utc

AccountType = Literal["atlassian", "app", "customer", "unknown"]
AccountStatus = Literal["active", "suspended", "deactivated"]
GroupManager = Literal["atlassian", "idp"]
Seat = tuple[str, str]  # (site, product)
# The per-account records refuse unknown keys, as every file format in accessctl does.
RECORD_CONFIG = ConfigDict(extra="forbid")
UTF8_BOM = b"\xef\xbb\xbf"


class Site(Frozen):
    name: str = Field(description="Short name of the site, e.g. `acme` for acme.atlassian.net.")
    url: str
    cloud_id: str


class GroupGrant(Frozen):
    """One product on one site that membership of a group gives a seat on."""

    site: str
    product: str = Field(description="Product key, e.g. jira-software, confluence.")


class Group(Frozen):
    id: str
    name: str
    grants: tuple[GroupGrant, ...] = Field(
        default=(),
        description="Every (site, product) the group grants a seat on; a group may grant several "
        "products and sites, and org-wide groups grant none.",
    )
    managed_by: GroupManager = Field(
        default="atlassian",
        description="`idp` for groups synced from an identity provider (SCIM): never edited.",
    )

    @field_validator("grants")
    @classmethod
    def _sorted_grants(cls, value: tuple[GroupGrant, ...]) -> tuple[GroupGrant, ...]:
        return tuple(sorted(set(value), key=lambda g: (g.site, g.product)))

    @property
    def seats(self) -> tuple[Seat, ...]:
        """The (site, product) pairs it grants."""
        return tuple((g.site, g.product) for g in self.grants)

    @property
    def sites(self) -> frozenset[str]:
        return frozenset(g.site for g in self.grants)

    def grants_seat(self, site: str, product: str) -> bool:
        return any(g.site == site and g.product == product for g in self.grants)


class GroupV1(Frozen):
    """A group in version 1 of the format: products on at most one site (read, then converted)."""

    id: str
    name: str
    site: str | None = None
    grants: tuple[str, ...] = ()
    managed_by: GroupManager = "atlassian"

    @property
    def sites(self) -> frozenset[str]:
        return frozenset({self.site} if self.site is not None and self.grants else ())

    def upgraded(self) -> Group:
        pairs = [GroupGrant(site=self.site, product=p) for p in self.grants if self.site]
        return Group(id=self.id, name=self.name, grants=tuple(pairs), managed_by=self.managed_by)


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity:
    """When an account last used one product of one site."""

    __pydantic_config__: ClassVar[ConfigDict] = RECORD_CONFIG

    site: str
    product: str
    last_active: UtcInstant


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    """One person, app or customer of the organization, with its groups and activity."""

    __pydantic_config__: ClassVar[ConfigDict] = RECORD_CONFIG

    account_id: str
    email: Annotated[str | None, Field(description="Null when hidden by privacy settings.")] = None
    name: str = ""
    account_type: AccountType = "atlassian"
    status: AccountStatus = "active"
    platform_roles: tuple[str, ...] = ()
    added_to_org: UtcInstant | None = None
    groups: Annotated[
        tuple[str, ...], Field(description="Ids of the groups the account is in.")
    ] = ()
    activity: tuple[Activity, ...] = ()

    def last_active(self, site: str, product: str) -> datetime | None:
        """Last activity on one product of one site; activity elsewhere does not count."""
        for entry in self.activity:
            if entry.site == site and entry.product == product:
                return entry.last_active
        return None

    @property
    def label(self) -> str:
        """How a person recognises the account in messages: e-mail, else accountId."""
        return self.email or self.account_id


class Seats(Frozen):
    """Licence figures of one product on one site (Jira `applicationrole`)."""

    site: str
    product: str
    limit: int | None = Field(default=None, description="Seats bought; null for unlimited.")


class _CanonicalLists(Frozen):
    """What every version of the format checks: lists sorted, nothing twice, nothing unknown."""

    @field_validator("sites", check_fields=False)
    @classmethod
    def _sorted_sites(cls, value: tuple[Site, ...]) -> tuple[Site, ...]:
        return _sorted_once(value, key=lambda s: s.name, what="site")

    @field_validator("groups", check_fields=False)
    @classmethod
    def _sorted_groups(
        cls, value: tuple[Group | GroupV1, ...], info: ValidationInfo
    ) -> tuple[Group | GroupV1, ...]:
        groups = _sorted_once(value, key=lambda g: g.id, what="group")
        sites = info.data.get("sites")
        if sites is not None:
            _check_group_sites(groups, sites=frozenset(s.name for s in sites))
        return groups

    @field_validator("seats", check_fields=False)
    @classmethod
    def _sorted_seats(cls, value: tuple[Seats, ...]) -> tuple[Seats, ...]:
        return _sorted_once(value, key=lambda s: f"{s.product} on {s.site}", what="seat limit")

    @field_validator("accounts", check_fields=False)
    @classmethod
    def _canonical_accounts(
        cls, value: tuple[Account, ...], info: ValidationInfo
    ) -> tuple[Account, ...]:
        groups = info.data.get("groups")
        known = None if groups is None else frozenset(g.id for g in groups)
        if info.mode == "python":
            value = tuple(_normalised(a) for a in value)
        return canonical_accounts(value, group_ids=known)


FORMAT_VERSION = 2


class Inventory(_CanonicalLists):
    version: Literal[2] = Field(
        default=2, description="Format version: 2 (groups grant (site, product) pairs)."
    )
    taken_at: UtcInstant
    org_id: str
    fetched_by: str | None = Field(
        default=None, description="accountId of the credentials that read the org (never touched)."
    )
    sites: tuple[Site, ...] = ()
    groups: tuple[Group, ...] = ()
    seats: tuple[Seats, ...] = ()
    accounts: tuple[Account, ...] = ()

    def granting_groups(self, site: str, product: str) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.grants_seat(site, product))

    @cached_property
    def digest(self) -> str:
        """See `inventory_digest`; not a field, so equality and the file ignore it."""
        return _sha256(pydantic_core.to_json(self))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with `update`, it is another snapshot, so its digest is worked out anew."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied.__dict__.pop("digest", None)
        return copied


class InventoryV1(_CanonicalLists):
    """Version 1 of the format, as accessctl 0.1 wrote it: read, and converted to version 2."""

    version: Literal[1]
    taken_at: UtcInstant
    org_id: str
    fetched_by: str | None = None
    sites: tuple[Site, ...] = ()
    groups: tuple[GroupV1, ...] = ()
    seats: tuple[Seats, ...] = ()
    accounts: tuple[Account, ...] = ()

    def upgraded(self) -> Inventory:
        """The same snapshot in version 2; every part was already checked, so none is again."""
        fields = {name: getattr(self, name) for name in Inventory.model_fields}
        groups = tuple(g.upgraded() for g in self.groups)
        return Inventory.model_construct(**{**fields, "version": 2, "groups": groups})


# Any version of the file, told apart by its `version`; pydantic-core looks the tag up in Rust.
_ANY_VERSION: TypeAdapter[Inventory | InventoryV1] = TypeAdapter(
    Annotated[Inventory | InventoryV1, Field(discriminator="version")]
)


# --- canonical form and integrity ------------------------------------------------------------

T = TypeVar("T")


def _sorted_once(items: tuple[T, ...], *, key: Callable[[T], str], what: str) -> tuple[T, ...]:
    """Sorted by `key`; two items with one key are refused (which one would count?)."""
    ordered = tuple(sorted(items, key=key))
    for before, after in pairwise(ordered):
        if key(before) == key(after):
            raise ValueError(f"{what} {key(after)!r} is listed twice; list each {what} once")
    return ordered


def _check_group_sites(groups: Iterable[Group | GroupV1], *, sites: frozenset[str]) -> None:
    for group in groups:
        unknown = sorted(group.sites - sites)
        if unknown:
            raise ValueError(
                f"group {group.name!r} ({group.id}) grants on site {unknown[0]!r}, which the "
                "snapshot's `sites` do not list"
            )


def canonical_accounts(
    accounts: tuple[Account, ...], *, group_ids: frozenset[str] | None
) -> tuple[Account, ...]:
    """Accounts in accountId order, each once, every list inside sorted, every group known,
    every instant to the second.

    One pass that only compares when the input is already canonical, as the files accessctl
    writes are; anything out of order is sorted, fractions of seconds are dropped. Duplicates
    and unknown groups are refused.
    """
    fixed: dict[int, Account] = {}
    ordered = True
    previous = ""
    for index, account in enumerate(accounts):
        ident = account.account_id
        if ident <= previous:
            ordered = False
        previous = ident
        groups = account.groups
        if group_ids is not None and groups and not group_ids.issuperset(groups):
            _refuse_unknown_group(account, group_ids=group_ids)
        canonical = account
        if len(groups) > 1 or len(account.activity) > 1 or len(account.platform_roles) > 1:
            canonical = _with_sorted_lists(account)
        if _has_fractions(canonical):
            canonical = _normalised(canonical)
        if canonical is not account:
            fixed[index] = canonical
    if fixed:
        accounts = tuple(fixed.get(i, a) for i, a in enumerate(accounts))
    if not ordered:
        accounts = _sorted_once(accounts, key=_account_id, what="account")
    return accounts


def _account_id(account: Account) -> str:
    return account.account_id


def _refuse_unknown_group(account: Account, *, group_ids: frozenset[str]) -> None:
    unknown = sorted(set(account.groups) - group_ids)
    raise ValueError(
        f"account {account.account_id} is in group {unknown[0]!r}, which the snapshot's "
        "`groups` do not list"
    )


def _with_sorted_lists(account: Account) -> Account:
    """The account itself when its lists are sorted (the common case), else a sorted copy."""
    groups, roles, activity = account.groups, account.platform_roles, account.activity
    if _increasing(groups) and _increasing(roles) and _activity_increasing(activity):
        return account
    places = [(a.site, a.product) for a in activity]
    for site, product in places:
        if places.count((site, product)) > 1:
            raise ValueError(
                f"account {account.account_id} has two activity entries for {product} on "
                f"{site}; keep the latest"
            )
    return replace(
        account,
        groups=tuple(sorted(set(groups))),
        platform_roles=tuple(sorted(set(roles))),
        activity=tuple(sorted(activity, key=lambda a: (a.site, a.product))),
    )


def _has_fractions(account: Account) -> bool:
    """Whether an instant has fractions of a second (the connector and our files have none)."""
    added = account.added_to_org
    if added is not None and added.microsecond:
        return True
    for entry in account.activity:  # a loop, not any(): a generator costs 100,000 times
        if entry.last_active.microsecond:
            break
    else:
        return False
    return True


def _increasing(items: tuple[str, ...]) -> bool:
    """Sorted without repeats; the comparisons are spelled out for the short lists most are."""
    if len(items) < 2:
        return True
    if len(items) == 2:
        return items[0] < items[1]
    return all(map(str.__lt__, items, items[1:]))


def _activity_increasing(activity: tuple[Activity, ...]) -> bool:
    for before, after in pairwise(activity):
        if before.site > after.site or (
            before.site == after.site and before.product >= after.product
        ):
            return False
    return True


def _normalised(account: Account) -> Account:
    """An account built in Python: its instants in UTC, to the second (files already are)."""
    added = account.added_to_org
    return replace(
        account,
        added_to_org=None if added is None else as_utc(added),
        activity=tuple(replace(a, last_active=as_utc(a.last_active)) for a in account.activity),
    )


# --- files -----------------------------------------------------------------------------------


# The lists of a snapshot, written one record per line.
_RECORD_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "sites": TypeAdapter(Site),
    "groups": TypeAdapter(Group),
    "seats": TypeAdapter(Seats),
    "accounts": TypeAdapter(Account),
}


def dump_inventory(inventory: Inventory) -> bytes:
    """The canonical file: one key per line, and each site, group, seat and account a compact
    line of its own, so a diff shows one line per changed account and 100,000 accounts stay a
    third smaller than indented JSON (the reader accepts any layout)."""
    lines = [b"{"]
    for name in Inventory.model_fields:
        value = getattr(inventory, name)
        key = b'  "' + name.encode() + b'": '
        if isinstance(value, tuple) and value:
            adapter = _RECORD_ADAPTERS[name]
            records = b",\n".join(b"    " + adapter.dump_json(item) for item in value)
            lines.append(key + b"[\n" + records + b"\n  ],")
        else:
            lines.append(key + pydantic_core.to_json(value) + b",")
    lines[-1] = lines[-1].removesuffix(b",")
    return b"\n".join(lines) + b"\n}\n"


def inventory_digest(inventory: Inventory) -> str:
    """sha256 of the snapshot: of the file's bytes when it was read from one (`sha256sum` of
    the file a plan was made from matches the plan's `inventory_digest`), else of its canonical
    compact JSON (a live read; the same digest whatever order the API listed things in)."""
    return inventory.digest


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_inventory(data: bytes, *, source: str) -> Inventory:
    """Read a snapshot; a malformed one is bad input with the first problems named."""
    digest = _sha256(data)
    if data.startswith(UTF8_BOM):  # as for policies: some editors on Windows write one
        data = data[len(UTF8_BOM) :]
    try:
        read = _ANY_VERSION.validate_json(data)
    except ValidationError as error:
        raise BadInput(
            f"{source}: not a valid inventory snapshot ({_first_problems(error)}); "
            "write one with `accessctl inventory --out FILE`"
        ) from None
    inventory = read.upgraded() if isinstance(read, InventoryV1) else read
    inventory.__dict__["digest"] = digest  # the cached property, known without re-serialising
    return inventory


def _first_problems(error: ValidationError) -> str:
    shown = []
    for problem in error.errors()[:3]:
        loc = problem["loc"][1:] if problem["loc"][:1] in ((1,), (2,)) else problem["loc"]
        where = ".".join(str(p) for p in loc) or "(top)"
        shown.append(f"{where}: {_said(problem)}")
    return "; ".join(shown)


def _said(problem: ErrorDetails) -> str:
    if problem["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return f'expected `"version": {FORMAT_VERSION}` (version 1 is read too)'
    return str(problem["msg"]).removeprefix("Value error, ")


# --- seats -----------------------------------------------------------------------------------

SEATLESS_TYPES = frozenset({"app", "customer"})

# The product keys Atlassian grants seats of through groups, with their display names: Jira's
# application roles (`applicationrole`) and the Admin API's product keys. A policy naming a key
# outside this list would match no group (see `controller.core.policy.checks`).
PRODUCT_NAMES = {
    "jira-software": "Jira Software",
    "jira-servicedesk": "Jira Service Management",
    "jira-core": "Jira Work Management",
    "jira-product-discovery": "Jira Product Discovery",
    "confluence": "Confluence",
    "bitbucket": "Bitbucket",
    "compass": "Compass",
    "opsgenie": "Opsgenie",
    "statuspage": "Statuspage",
    "trello": "Trello",
}


def product_name(key: str) -> str:
    return PRODUCT_NAMES.get(key, key)


@dataclass(slots=True)
class SeatHolders:
    """Everyone who holds one seat (an active account in a group granting it), each once, with
    the last time each used it; two parallel lists, as 100,000 pairs would cost memory."""

    accounts: list[Account] = field(default_factory=list)
    last_active: list[datetime | None] = field(default_factory=list)
    seats_used: int = 0  # apps and customers hold one without taking a licence

    def pairs(self) -> Iterator[tuple[Account, datetime | None]]:
        return zip(self.accounts, self.last_active, strict=True)

    def people(self) -> set[str]:
        """The accounts that count against the licence."""
        return {a.account_id for a in self.accounts if a.account_type not in SEATLESS_TYPES}


def seat_holders(inventory: Inventory) -> dict[Seat, SeatHolders]:
    """Every seat's holders, in one pass over the accounts (the index every rule starts from)."""
    seats_of = _SeatsOfGroups(inventory.groups)
    index: dict[Seat, SeatHolders] = {}
    for account in inventory.accounts:
        if account.status != "active":
            continue
        for seat in seats_of[account.groups]:
            holders = index.get(seat) or index.setdefault(seat, SeatHolders())
            holders.accounts.append(account)
            holders.last_active.append(account.last_active(*seat))
            holders.seats_used += account.account_type not in SEATLESS_TYPES
    return index


class _SeatsOfGroups(dict[tuple[str, ...], tuple[Seat, ...]]):
    """The seats a set of groups grants, each once; worked out once per distinct set, since
    most accounts share their set of groups with many others."""

    def __init__(self, groups: Iterable[Group]) -> None:
        super().__init__()
        self.by_group = {g.id: g.seats for g in groups if g.grants}

    def __missing__(self, group_ids: tuple[str, ...]) -> tuple[Seat, ...]:
        seats = tuple(dict.fromkeys(s for g in group_ids for s in self.by_group.get(g, ())))
        self[group_ids] = seats
        return seats


def holders_by_seat(inventory: Inventory) -> dict[Seat, set[str]]:
    """Who holds each (site, product): active people in at least one group granting it."""
    return {seat: holders.people() for seat, holders in seat_holders(inventory).items()}


def seat_counts(inventory: Inventory) -> dict[Seat, int]:
    """Seats in use per (site, product)."""
    return {seat: len(people) for seat, people in holders_by_seat(inventory).items()}
