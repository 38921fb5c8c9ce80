"""Actual state: a snapshot of the organization (DESIGN §4).

The connector (`controller.adapters.atlassian`) produces it, `accessctl inventory --out` writes it,
`accessctl plan --inventory` reads it, and the simulator serves it. One format, one schema
(`schemas/inventory.schema.json`). Pure: no I/O beyond (de)serialising bytes.
"""

from __future__ import annotations

import hashlib
from typing import Literal

import pydantic_core
from pydantic import Field, ValidationError, field_validator

from controller.core.errors import BadInput
from controller.core.model_base import Frozen, Instant

AccountType = Literal["atlassian", "app", "customer", "unknown"]
AccountStatus = Literal["active", "suspended", "deactivated"]
GroupManager = Literal["atlassian", "idp"]


class Site(Frozen):
    name: str = Field(description="Short name of the site, e.g. `acme` for acme.atlassian.net.")
    url: str
    cloud_id: str


class Group(Frozen):
    id: str
    name: str
    site: str | None = Field(
        default=None, description="Site whose products the group grants; null for org-wide groups."
    )
    grants: tuple[str, ...] = Field(
        default=(), description="Product keys this group grants on its site (e.g. jira-software)."
    )
    managed_by: GroupManager = Field(
        default="atlassian",
        description="`idp` for groups synced from an identity provider (SCIM): never edited.",
    )

    @field_validator("grants")
    @classmethod
    def _sorted_grants(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(value))


class Activity(Frozen):
    site: str
    product: str
    last_active: Instant


class Account(Frozen):
    account_id: str
    email: str | None = Field(default=None, description="Null when hidden by privacy settings.")
    name: str = ""
    account_type: AccountType = "atlassian"
    status: AccountStatus = "active"
    platform_roles: tuple[str, ...] = ()
    added_to_org: Instant | None = None
    groups: tuple[str, ...] = Field(default=(), description="Ids of the groups the account is in.")
    activity: tuple[Activity, ...] = ()

    @field_validator("platform_roles", "groups")
    @classmethod
    def _sorted_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(value))

    @field_validator("activity")
    @classmethod
    def _sorted_activity(cls, value: tuple[Activity, ...]) -> tuple[Activity, ...]:
        return tuple(sorted(value, key=lambda a: (a.site, a.product)))

    def last_active(self, site: str, product: str) -> Instant | None:
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


class Inventory(Frozen):
    version: Literal[1] = 1
    taken_at: Instant
    org_id: str
    fetched_by: str | None = Field(
        default=None, description="accountId of the credentials that read the org (never touched)."
    )
    sites: tuple[Site, ...] = ()
    groups: tuple[Group, ...] = ()
    seats: tuple[Seats, ...] = ()
    accounts: tuple[Account, ...] = ()

    @field_validator("sites")
    @classmethod
    def _sorted_sites(cls, value: tuple[Site, ...]) -> tuple[Site, ...]:
        return tuple(sorted(value, key=lambda s: s.name))

    @field_validator("groups")
    @classmethod
    def _sorted_groups(cls, value: tuple[Group, ...]) -> tuple[Group, ...]:
        return tuple(sorted(value, key=lambda g: g.id))

    @field_validator("seats")
    @classmethod
    def _sorted_seats(cls, value: tuple[Seats, ...]) -> tuple[Seats, ...]:
        return tuple(sorted(value, key=lambda s: (s.site, s.product)))

    @field_validator("accounts")
    @classmethod
    def _sorted_accounts(cls, value: tuple[Account, ...]) -> tuple[Account, ...]:
        return tuple(sorted(value, key=lambda a: a.account_id))

    def granting_groups(self, site: str, product: str) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.site == site and product in g.grants)


def dump_inventory(inventory: Inventory) -> bytes:
    """Canonical JSON bytes (lists are sorted on construction), two-space indent, newline."""
    text = inventory.model_dump_json(indent=2)
    return text.encode() + b"\n"


def inventory_digest(inventory: Inventory) -> str:
    """sha256 of the canonical compact JSON of the snapshot.

    Lists are sorted when a snapshot is validated (read from a file or built by the connector);
    `model_copy(update=...)` skips validation, so build changed snapshots with `model_validate`.
    """
    compact = pydantic_core.to_json(inventory)  # the same bytes as model_dump_json, no str copy
    return "sha256:" + hashlib.sha256(compact).hexdigest()


def parse_inventory(data: bytes, *, source: str) -> Inventory:
    """Read a snapshot; a malformed one is bad input with the first problems named."""
    try:
        return Inventory.model_validate_json(data)
    except ValidationError as error:
        first = error.errors()[:3]
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in first
        )
        raise BadInput(
            f"{source}: not a valid inventory snapshot ({detail}); "
            "write one with `accessctl inventory --out FILE`"
        ) from None


SEATLESS_TYPES = frozenset({"app", "customer"})

# Atlassian's display names of the product keys; keys the mapping lacks are shown as they are.
PRODUCT_NAMES = {
    "jira-software": "Jira Software",
    "jira-servicedesk": "Jira Service Management",
    "jira-core": "Jira Work Management",
    "jira-product-discovery": "Jira Product Discovery",
    "confluence": "Confluence",
}


def product_name(key: str) -> str:
    return PRODUCT_NAMES.get(key, key)


def holders_by_seat(inventory: Inventory) -> dict[tuple[str, str], set[str]]:
    """Who holds each (site, product): active people in at least one group granting it."""
    grants_by_group: dict[str, list[tuple[str, str]]] = {}
    for group in inventory.groups:
        if group.site is not None:
            grants_by_group[group.id] = [(group.site, product) for product in group.grants]
    holders: dict[tuple[str, str], set[str]] = {}
    for account in inventory.accounts:
        if account.status != "active" or account.account_type in SEATLESS_TYPES:
            continue
        for group_id in account.groups:
            for seat in grants_by_group.get(group_id, ()):
                holders.setdefault(seat, set()).add(account.account_id)
    return holders


def seat_counts(inventory: Inventory) -> dict[tuple[str, str], int]:
    """Seats in use per (site, product)."""
    return {seat: len(people) for seat, people in holders_by_seat(inventory).items()}
