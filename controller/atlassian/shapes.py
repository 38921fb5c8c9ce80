"""Atlassian response shapes -> inventory models (DESIGN §4). Pure: no I/O, no clock.

The v2 directory API is camelCase, v1 and last-active-dates are snake_case (atlassian-api.md §6.7:
mixing them up silently drops data), so each reader names the exact fields it takes. Activity is
keyed by site *and* product: a product-access `id` is `ari:cloud:<product>::site/<cloudId>`, the
cloudId names the site through the Organization's sites, and the product comes from the ARI
(falling back to `key`, which v2 abbreviates to `jira`). Activity on a site outside the
Organization has no site name in the snapshot and is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

from controller.atlassian.errors import UnexpectedResponse
from controller.inventory import Account, AccountStatus, AccountType, Activity, Seats, Site

JsonObject = dict[str, Any]
ACCOUNT_TYPES: tuple[str, ...] = get_args(AccountType)
DEACTIVATED_STATUSES = frozenset({"deactivated", "for_deletion"})
CLOSED_ACCOUNT_STATUSES = frozenset({"inactive", "closed"})


@dataclass(frozen=True)
class ProductRole:
    """One Jira application role on one site: which groups grant it, how many seats exist."""

    site: str
    product: str
    group_ids: tuple[str, ...]
    group_names: Mapping[str, str]
    seats: Seats


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
