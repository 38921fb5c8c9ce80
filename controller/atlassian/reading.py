"""Reading the organization into an `Inventory` (DESIGN §4) with as few calls as it takes.

The calls, and why each is needed:

1. `POST /admin/v2/orgs/{org}/directories/{dir}/users/search` with `expand: productAccess,
   groups, platformRoles`, 100 a page: every account with its status, roles, groups and
   per-product activity. The directory is the authoritative population (a Jira site's user list
   is not), and it pages by cursor, so this one listing is sequential.
2. Jira `GET applicationrole`, once per site: which groups grant which Jira product there, and the
   seats bought. Its `X-AAccountId` header names the caller (`fetched_by`), sparing `GET myself`.
3. Jira `GET group/bulk` (50 a page; one call for most orgs): every group's id and name, including
   groups nobody is in and that grant nothing, which policies may still name.
4. `GET /admin/v1/.../last-active-dates`, one per account, ONLY for accounts holding a seat
   (active, in a group granting a product on a site) whose search result lacks activity for it:
   the search's activity is not promised complete, the per-account endpoint is.

2 and 3 run while 1 pages; 4 starts for each page as it arrives, on the other workers.

IdP-synced groups: the APIs we read carry no group-level flag, only `managementSource` per user
(`synced` = provisioned from the IdP). SCIM groups hold only synced users, so a group with any
managed member that was *invited* is Atlassian-managed; a group whose managed members are all
synced is taken as IdP-managed, which errs on the safe side (never edited, reported).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TypeVar

from controller.atlassian.client import AtlassianClient, decode_json
from controller.atlassian.errors import UnexpectedResponse
from controller.atlassian.pagination import (
    JsonObject,
    cursor_of,
    jira_offset_pages,
    v2_pages,
)
from controller.atlassian.shapes import (
    ProductRole,
    account_from_v2_user,
    activity_of,
    product_role_of,
)
from controller.inventory import (
    SEATLESS_TYPES,
    Account,
    Activity,
    Group,
    GroupManager,
    Inventory,
    Site,
)
from controller.policy.models import Organization

SEARCH_PAGE_SIZE = 100  # the largest page the v2 search serves
GROUP_PAGE_SIZE = 50  # Jira's cap for group/bulk
ACCOUNT_IDS_PER_SEARCH = 100  # one page of a search by accountIds
SEARCH_EXPAND = ("productAccess", "groups", "platformRoles")
V2_ACTIVITY_FIELDS = ("lastActiveTimestamp",)
V1_ACTIVITY_FIELDS = ("last_active_timestamp", "last_active")

Progress = Callable[[int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class SiteRoles:
    """What one site's `applicationrole` said, and whose credentials read it."""

    roles: tuple[ProductRole, ...]
    caller: str | None


@dataclass
class _Found:
    """Accounts as the searches returned them, plus what the fallback added (thread-safe)."""

    users: dict[str, JsonObject] = field(default_factory=dict)
    extra_activity: dict[str, tuple[Activity, ...]] = field(default_factory=dict)
    fallbacks: list[Future[None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class OrganizationReader:
    """Reads one Organization's accounts, groups, seats and activity through the client."""

    def __init__(
        self,
        client: AtlassianClient,
        organization: Organization,
        *,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.organization = organization
        self.sites = tuple(
            Site(name=s.name, url=s.url, cloud_id=s.cloud_id) for s in organization.sites
        )
        self.sites_by_cloud_id = {s.cloud_id: s for s in self.sites}
        self._progress = progress or (lambda _count: None)

    @property
    def directory_path(self) -> str:
        org = self.organization
        return f"v2/orgs/{org.org_id}/directories/{org.directory}"

    # --- the two reads ---------------------------------------------------------------------

    def inventory(self, *, taken_at: datetime) -> Inventory:
        """The whole organization."""
        found, known = self._search_all([{}])
        managed_by = idp_groups(found.users.values())
        return self._assemble(found, known, managed_by=managed_by, taken_at=taken_at)

    def inventory_of(self, account_ids: Iterable[str], *, taken_at: datetime) -> Inventory:
        """Only these accounts; groups, seats and sites complete (for apply's re-check).

        A handful of accounts cannot tell which groups are IdP-synced, so each group's managed
        members are sampled with one search per group (see `idp_groups`).
        """
        wanted = sorted(set(account_ids))
        batches: list[JsonObject] = [
            {"accountIds": wanted[i : i + ACCOUNT_IDS_PER_SEARCH]}
            for i in range(0, len(wanted), ACCOUNT_IDS_PER_SEARCH)
        ]
        found, known = self._search_all(batches)
        managed_by = self._sampled_idp_groups(known.group_names)
        return self._assemble(found, known, managed_by=managed_by, taken_at=taken_at)

    # --- the calls -------------------------------------------------------------------------

    def _search_all(self, searches: Sequence[JsonObject]) -> tuple[_Found, _Known]:
        """Searches, roles and group names side by side; fallbacks as pages arrive."""
        found = _Found()
        with ThreadPoolExecutor(max_workers=self.client.max_in_flight + 1) as pool:
            roles = [pool.submit(self.site_roles, site) for site in self.sites]
            names = pool.submit(self.group_names)
            searching = [
                pool.submit(self._search, filters, found=found, roles=roles, pool=pool)
                for filters in searches
            ]
            try:
                _results(searching)
                _results(found.fallbacks)  # complete: every search has finished adding to it
                known = _Known(site_roles=_results(roles), group_names=names.result())
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)  # fail fast: drop queued calls
                raise
        return found, known

    def site_roles(self, site: Site) -> SiteRoles:
        """One site's application roles; the caller's accountId from the same response."""
        call = self.client.jira_call(site.cloud_id, "applicationrole")
        response = self.client.send(call)
        data = decode_json(response, call)
        if not isinstance(data, list):
            raise UnexpectedResponse(f"{call.label}: expected a list of application roles")
        roles = tuple(product_role_of(r, site=site.name) for r in data if isinstance(r, dict))
        caller = response.headers.get("x-aaccountid") or self._myself(site)
        return SiteRoles(roles=roles, caller=caller)

    def _myself(self, site: Site) -> str | None:
        me = self.client.json(self.client.jira_call(site.cloud_id, "myself"))
        return str(me["accountId"]) if isinstance(me, dict) and me.get("accountId") else None

    def group_names(self) -> dict[str, str]:
        """Every group of the directory (groups are directory-wide: any site lists them all)."""
        call = self.client.jira_call(self.sites[0].cloud_id, "group/bulk")
        names: dict[str, str] = {}
        for page in jira_offset_pages(self.client, call, page_size=GROUP_PAGE_SIZE):
            names.update(
                {str(g["groupId"]): str(g.get("name") or "") for g in page if g.get("groupId")}
            )
        return names

    def _search(
        self,
        filters: JsonObject,
        *,
        found: _Found,
        roles: Sequence[Future[SiteRoles]],
        pool: ThreadPoolExecutor,
    ) -> None:
        body = {**filters, "limit": SEARCH_PAGE_SIZE, "expand": list(SEARCH_EXPAND)}
        call = self.client.admin_call("POST", f"{self.directory_path}/users/search", body=body)
        granting: dict[str, set[tuple[str, str]]] | None = None
        for page in v2_pages(self.client, call):
            # The first page and the roles travel together; later pages need the roles.
            granting = granting if granting is not None else _granting_by_group(_results(roles))
            needing = [u for u in page if self._needs_activity_fallback(u, granting=granting)]
            with found.lock:
                found.users.update({str(u.get("accountId")): u for u in page})
                found.fallbacks += [pool.submit(self._fallback, u, found=found) for u in needing]
            self._progress(len(page))

    def _needs_activity_fallback(
        self, user: JsonObject, *, granting: Mapping[str, set[tuple[str, str]]]
    ) -> bool:
        """Holds a seat (active person in a granting group) without activity for it."""
        if user.get("accountType") in SEATLESS_TYPES or user.get("status") != "active":
            return False
        held = {seat for group_id in _group_ids(user) for seat in granting.get(group_id, ())}
        seen = {(a.site, a.product) for a in self._search_activity(user)}
        return not held <= seen

    def _fallback(self, user: JsonObject, *, found: _Found) -> None:
        account_id = str(user["accountId"])
        activity = activity_of(
            self.last_active_entries(account_id),
            sites_by_cloud_id=self.sites_by_cloud_id,
            timestamp_fields=V1_ACTIVITY_FIELDS,
        )
        with found.lock:
            found.extra_activity[account_id] = activity

    def last_active_entries(self, account_id: str) -> list[JsonObject]:
        """`product_access` of v1 last-active-dates, every page of it."""
        path = f"v1/orgs/{self.organization.org_id}/directory/users/{account_id}/last-active-dates"
        call = self.client.admin_call("GET", path)
        entries: list[JsonObject] = []
        while True:
            page = self.client.json(call)
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, dict):
                raise UnexpectedResponse(f"{call.label}: expected an object with data")
            entries += [e for e in data.get("product_access") or () if isinstance(e, dict)]
            links = page.get("links")
            cursor = cursor_of(links.get("next")) if isinstance(links, dict) else None
            if not cursor:
                return entries
            call = self.client.admin_call("GET", path, params={"cursor": cursor})

    def _sampled_idp_groups(self, group_names: Mapping[str, str]) -> dict[str, GroupManager]:
        """One page of each group's managed members decides whether it is IdP-synced."""
        samples = self.client.run_all(
            [partial(self._managed_members, group_id) for group_id in group_names]
        )
        managed_by: dict[str, GroupManager] = {}
        for sample in samples:
            managed_by.update(idp_groups(sample))
        return managed_by

    def _managed_members(self, group_id: str) -> list[JsonObject]:
        body = {
            "groupIds": [group_id],
            "claimStatus": "managed",
            "limit": SEARCH_PAGE_SIZE,
            "expand": ["groups"],
        }
        call = self.client.admin_call("POST", f"{self.directory_path}/users/search", body=body)
        page = self.client.json(call)
        data = page.get("data") if isinstance(page, dict) else None
        members = [u for u in data or () if isinstance(u, dict)]
        # Only this group's verdict counts: the members' other groups are sampled on their own.
        return [{**u, "groups": [{"id": group_id}]} for u in members]

    # --- assembling ------------------------------------------------------------------------

    def _search_activity(self, user: JsonObject) -> tuple[Activity, ...]:
        entries = [e for e in user.get("productAccess") or () if isinstance(e, dict)]
        return activity_of(
            entries, sites_by_cloud_id=self.sites_by_cloud_id, timestamp_fields=V2_ACTIVITY_FIELDS
        )

    def _account(self, user: JsonObject, *, extra: tuple[Activity, ...]) -> Account:
        activity = merge_activity(self._search_activity(user), extra)
        return account_from_v2_user(user, activity=activity)

    def _assemble(
        self,
        found: _Found,
        known: _Known,
        *,
        managed_by: Mapping[str, GroupManager],
        taken_at: datetime,
    ) -> Inventory:
        roles = [role for site in known.site_roles for role in site.roles]
        names = _all_names(known.group_names, roles, found.users.values())
        accounts = [
            self._account(user, extra=found.extra_activity.get(account_id, ()))
            for account_id, user in found.users.items()
        ]
        return Inventory(
            taken_at=taken_at,
            org_id=self.organization.org_id,
            fetched_by=next((s.caller for s in known.site_roles if s.caller), None),
            sites=self.sites,
            groups=tuple(groups_of(roles=roles, names=names, managed_by=managed_by)),
            seats=tuple(role.seats for role in roles),
            accounts=tuple(accounts),
        )


@dataclass(frozen=True)
class _Known:
    """What every read learns besides the accounts: roles per site and group names."""

    site_roles: list[SiteRoles]
    group_names: dict[str, str]


def merge_activity(*sources: Iterable[Activity]) -> tuple[Activity, ...]:
    """The latest instant per (site, product) over every source."""
    latest: dict[tuple[str, str], Activity] = {}
    for activity in (a for source in sources for a in source):
        key = (activity.site, activity.product)
        if key not in latest or activity.last_active > latest[key].last_active:
            latest[key] = activity
    return tuple(latest.values())


def idp_groups(users: Iterable[JsonObject]) -> dict[str, GroupManager]:
    """Groups whose managed members are all `synced` (and at least one is): `idp`.

    SCIM groups hold only synced people, so one invited managed member proves a group is
    Atlassian-managed. The converse is a presumption that errs towards never editing a group.
    """
    all_synced: dict[str, bool] = {}
    for user in users:
        if user.get("claimStatus") != "managed":
            continue
        synced = user.get("managementSource") == "synced"
        for group_id in _group_ids(user):
            all_synced[group_id] = all_synced.get(group_id, True) and synced
    return {group_id: "idp" for group_id, synced in all_synced.items() if synced}


def groups_of(
    *,
    roles: Sequence[ProductRole],
    names: Mapping[str, str],
    managed_by: Mapping[str, GroupManager],
) -> list[Group]:
    """Every group with the site and products it grants there (the first site by name)."""
    grants: dict[str, tuple[str, set[str]]] = {}
    for role in sorted(roles, key=lambda r: (r.site, r.product)):
        for group_id in role.group_ids:
            site, products = grants.setdefault(group_id, (role.site, set()))
            if site == role.site:
                products.add(role.product)
    return [
        Group(
            id=group_id,
            name=name,
            site=grants[group_id][0] if group_id in grants else None,
            grants=tuple(sorted(grants[group_id][1])) if group_id in grants else (),
            managed_by=managed_by.get(group_id, "atlassian"),
        )
        for group_id, name in names.items()
    ]


def _all_names(
    listed: Mapping[str, str], roles: Sequence[ProductRole], users: Iterable[JsonObject]
) -> dict[str, str]:
    """Group names from the listing, completed by roles and memberships (a listing may lag)."""
    names: dict[str, str] = {}
    for role in roles:
        names.update(role.group_names)
    for user in users:
        for group in user.get("groups") or ():
            if isinstance(group, dict) and group.get("id"):
                names.setdefault(str(group["id"]), str(group.get("name") or ""))
    names.update(listed)
    return names


def _group_ids(user: JsonObject) -> list[str]:
    return [str(g["id"]) for g in user.get("groups") or () if isinstance(g, dict) and g.get("id")]


def _granting_by_group(site_roles: list[SiteRoles]) -> dict[str, set[tuple[str, str]]]:
    granting: dict[str, set[tuple[str, str]]] = {}
    for site in site_roles:
        for role in site.roles:
            for group_id in role.group_ids:
                granting.setdefault(group_id, set()).add((role.site, role.product))
    return granting


def _results(futures: Sequence[Future[T]]) -> list[T]:
    return [future.result() for future in futures]
