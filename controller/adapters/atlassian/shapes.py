"""Atlassian response shapes -> inventory models (DESIGN §4). Pure: no I/O, no clock.

The v2 directory API is camelCase, v1 and last-active-dates are snake_case (atlassian-api.md §6.7:
mixing them up silently drops data), so each reader names the exact fields it takes. Activity is
keyed by site *and* product: a product-access `id` is `ari:cloud:<product>::site/<cloudId>`, the
cloudId names the site through the Organization's sites, and the product comes from the ARI
(falling back to `key`, which v2 abbreviates to `jira`). Activity on a site outside the
Organization has no site name in the snapshot and is left out.

Groups come from the v2 group search (`MultiDirectoryGroup`, jira.js
`src/admin/models/multiDirectoryGroup.ts`), products they grant beyond Jira from each group's v2
role assignments (`MultiDirectoryGroupRoleAssignment`: `{resourceId, resourceOwner, defaultRole,
roles}`, `resourceId` a product-instance ARI). Assumed where jira.js says nothing: a role grants a
seat when it is `atlassian/user` or `atlassian/admin` (the others are non-billable or grant no
product access, atlassian-api.md §2.1, §2.3), and the Admin API reports no seat limits, so a
non-Jira product's limit is None (unknown, written as unlimited).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

from controller.adapters.http_boundary.errors import UnexpectedResponse
from controller.core.snapshot import (
    Account,
    AccountStatus,
    AccountType,
    Activity,
    GroupManager,
    Seats,
    Site,
)

JsonObject = dict[str, Any]
ACCOUNT_TYPES: tuple[str, ...] = get_args(AccountType)
DEACTIVATED_STATUSES = frozenset({"deactivated", "for_deletion"})
CLOSED_ACCOUNT_STATUSES = frozenset({"inactive", "closed"})
SEAT_ROLES = frozenset({"atlassian/user", "atlassian/admin"})


@dataclass(frozen=True)
class ProductRole:
    """One Jira application role on one site: which groups grant it, how many seats exist."""

    site: str
    product: str
    group_ids: tuple[str, ...]
    group_names: Mapping[str, str]
    seats: Seats


@dataclass(frozen=True)
class DirectoryGroup:
    """One group of the v2 group search: who it is, and whether an IdP owns its members."""

    id: str
    name: str
    managed_by: GroupManager


def site_product_of(
    entry: JsonObject, *, sites_by_cloud_id: Mapping[str, Site]
) -> tuple[str, str] | None:
    """(site name, product key) of a product-access entry; None for a site we do not manage."""
    product, cloud_id = parse_resource_ari(entry.get("id"))
    site = sites_by_cloud_id.get(cloud_id or "")
    key = product or entry.get("key")
    if site is None or not isinstance(key, str) or not key:
        return None
    return site.name, key


def parse_resource_ari(ari: Any) -> tuple[str | None, str | None]:
    """`ari:cloud:jira-software::site/<cloudId>` -> ("jira-software", "<cloudId>")."""
    if not isinstance(ari, str) or not ari.startswith("ari:cloud:"):
        return None, None
    product, _, resource = ari.removeprefix("ari:cloud:").partition("::")
    kind, _, cloud_id = resource.partition("/")
    if kind != "site" or not cloud_id:
        return product or None, None
    return product or None, cloud_id


def activity_of(
    entries: Iterable[JsonObject],
    *,
    sites_by_cloud_id: Mapping[str, Site],
    timestamp_fields: tuple[str, ...],
) -> tuple[Activity, ...]:
    """Latest activity per (site, product); entries without a timestamp mean never active."""
    latest: dict[tuple[str, str], datetime] = {}
    for entry in entries:
        where = site_product_of(entry, sites_by_cloud_id=sites_by_cloud_id)
        when = first_instant(entry, timestamp_fields)
        if where is None or when is None:
            continue
        latest[where] = max(when, latest.get(where, when))
    return tuple(
        Activity(site=site, product=product, last_active=when)
        for (site, product), when in latest.items()
    )


def account_from_v2_user(user: JsonObject, *, activity: tuple[Activity, ...]) -> Account:
    """A v2 directory user (with `expand: groups, platformRoles`) as an inventory account."""
    account_id = user.get("accountId")
    if not isinstance(account_id, str) or not account_id:
        raise UnexpectedResponse("a directory user without accountId")
    return Account(
        account_id=account_id,
        email=user.get("email") or None,
        name=str(user.get("name") or ""),
        account_type=account_type_of(user.get("accountType")),
        status=account_status_of(user),
        platform_roles=tuple(str(role) for role in user.get("platformRoles") or ()),
        added_to_org=first_instant(user, ("addedToOrg",)),
        groups=tuple(str(g["id"]) for g in user.get("groups") or () if isinstance(g, dict)),
        activity=activity,
    )


def account_type_of(value: Any) -> AccountType:
    return value if value in ACCOUNT_TYPES else "unknown"


def account_status_of(user: JsonObject) -> AccountStatus:
    """Deactivated wins over suspended wins over active (v2 `status` is a composite)."""
    status = user.get("status")
    if status in DEACTIVATED_STATUSES or user.get("accountStatus") in CLOSED_ACCOUNT_STATUSES:
        return "deactivated"
    if status == "suspended" or user.get("membershipStatus") == "suspended":
        return "suspended"
    return "active"


def first_instant(entry: JsonObject, fields: tuple[str, ...]) -> datetime | None:
    """The first field holding an ISO-8601 instant or date (dates are midnight UTC)."""
    for name in fields:
        value = entry.get(name)
        if isinstance(value, str) and value:
            return parse_instant_or_date(value)
    return None


def parse_instant_or_date(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UnexpectedResponse(f"not an ISO-8601 instant: {value[:40]!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def product_role_of(role: JsonObject, *, site: str) -> ProductRole:
    """A Jira `applicationrole` entry: granting groups by id (`groupDetails`) and seat limit."""
    details = [
        d for d in role.get("groupDetails") or () if isinstance(d, dict) and d.get("groupId")
    ]
    names = {str(d["groupId"]): str(d.get("name") or "") for d in details}
    product = str(role.get("key") or "")
    if not product:
        raise UnexpectedResponse("an application role without key")
    unlimited = bool(role.get("hasUnlimitedSeats"))
    seats_bought = role.get("numberOfSeats")
    limit = None if unlimited or not isinstance(seats_bought, int) else seats_bought
    return ProductRole(
        site=site,
        product=product,
        group_ids=tuple(names),
        group_names=names,
        seats=Seats(site=site, product=product, limit=limit),
    )


def directory_group_of(item: JsonObject) -> DirectoryGroup:
    """A v2 group-search item; `externalSynced` ("created via IdP Sync") or `managedBy: external`
    marks a SCIM group (jira.js models/multiDirectoryGroup.ts), never to be edited through us."""
    group_id = item.get("id")
    if not isinstance(group_id, str) or not group_id:
        raise UnexpectedResponse("a directory group without id")
    synced = item.get("externalSynced") is True or item.get("managedBy") == "external"
    return DirectoryGroup(
        id=group_id, name=str(item.get("name") or ""), managed_by="idp" if synced else "atlassian"
    )


def covered_by_application_roles(product: str) -> bool:
    """Jira's `applicationrole` speaks for Jira products only (atlassian-api.md §2.2)."""
    return product.startswith("jira")


def granted_seats_of(
    assignments: Iterable[JsonObject], *, sites_by_cloud_id: Mapping[str, Site]
) -> set[tuple[str, str]]:
    """(site, product) a group's role assignments grant a seat on, for our sites only."""
    granted: set[tuple[str, str]] = set()
    for assignment in assignments:
        roles = assignment.get("roles") or ()
        if SEAT_ROLES.isdisjoint(r for r in roles if isinstance(r, str)):
            continue
        where = site_product_of(
            {"id": assignment.get("resourceId")}, sites_by_cloud_id=sites_by_cloud_id
        )
        if where is not None:
            granted.add(where)
    return granted


def product_roles_from_assignments(
    granted: Mapping[str, set[tuple[str, str]]], *, names: Mapping[str, str]
) -> tuple[ProductRole, ...]:
    """Per (site, product), the groups granting it; seat limit unknown (None)."""
    by_seat: dict[tuple[str, str], list[str]] = {}
    for group_id, seats in granted.items():
        for seat in seats:
            by_seat.setdefault(seat, []).append(group_id)
    return tuple(
        ProductRole(
            site=site,
            product=product,
            group_ids=tuple(sorted(group_ids)),
            group_names={g: names.get(g, "") for g in group_ids},
            seats=Seats(site=site, product=product, limit=None),
        )
        for (site, product), group_ids in sorted(by_seat.items())
    )
