"""Reading the organization into an `Inventory` (DESIGN §4) with as few calls as it takes.

The calls, and why each is needed:

0. With `directory: auto`, `GET /admin/v2/orgs/{org}/directories` once: the directory every
   call below (and every change `AtlassianDirectory` writes) names.
1. `POST /admin/v2/orgs/{org}/directories/{dir}/users/search` with `expand: productAccess,
   groups, platformRoles`, 100 a page: every account with its status, roles, groups and
   per-product activity. The directory is the authoritative population (a Jira site's user list
   is not), and it pages by cursor, so this one listing is sequential. Apply's re-check of some
   accounts sends one search per `ACCOUNT_IDS_PER_SEARCH` of them (`batch_sizes`).
2. Jira `GET applicationrole`, once per site (at the site or through the gateway, as the
   Organization's `jira_api` says): which groups grant which Jira product there, and the
   seats bought. Its `X-AAccountId` header names the caller (`fetched_by`), sparing `GET myself`.
3. `POST /admin/v2/.../groups/search` (100 a page; one call for most orgs): every group's id,
   name and whether it is synced from an IdP (`externalSynced`), including groups nobody is in
   and that grant nothing, which policies may still name.
4. `GET /admin/v2/.../groups/{groupId}/role-assignments`, one per group, all at once: the
   products beyond Jira (Confluence) each group grants, which `applicationrole` cannot tell.
   The Admin API has no seat limits, so those products' limits are None.
5. `GET /admin/v1/.../last-active-dates`, one per account, ONLY for accounts holding a seat
   (active, in a group granting a product on a site) whose search result lacks activity for it,
   and only for seats whose activity can change a decision (`ActivityNeeds`, from the policies
   and the ledger: the governed products, and every seat of the few accounts the ledger or an
   access grant names; `EVERY_SEAT` asks for all): the search's activity is not promised
   complete, the per-account endpoint is.

2, 3 and 4 run while 1 pages; 5 starts for each page as it arrives (once 2-4 have said which
groups grant seats), on the other workers. Only the calling thread waits for one read to
settle before submitting another; a worker waits on nothing but its own requests, so a re-check
of any number of account batches runs on a pool of any size.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from controller.adapters.atlassian.batch_sizes import (
    ACCOUNT_IDS_PER_SEARCH,
    GROUPS_PAGE,
    USERS_SEARCH_PAGE,
)
from controller.adapters.atlassian.client import AtlassianClient, decode_json
from controller.adapters.atlassian.discovery import DirectoryResolver
from controller.adapters.atlassian.pagination import JsonObject, cursor_of, v2_pages
from controller.adapters.atlassian.shapes import (
    DirectoryGroup,
    ProductRole,
    account_from_v2_user,
    activity_of,
    covered_by_application_roles,
    directory_group_of,
    granted_seats_of,
    product_role_of,
    product_roles_from_assignments,
)
from controller.adapters.http_boundary.errors import UnexpectedResponse
from controller.core.policy.models import Organization
from controller.core.reconcile.activity_needs import EVERY_SEAT, ActivityNeeds
from controller.core.snapshot import (
    SEATLESS_TYPES,
    Account,
    Activity,
    Group,
    GroupGrant,
    GroupManager,
    Inventory,
    Site,
)

SEARCH_EXPAND = ("productAccess", "groups", "platformRoles")
V2_ACTIVITY_FIELDS = ("lastActiveTimestamp",)
V1_ACTIVITY_FIELDS = ("last_active_timestamp", "last_active")

Progress = Callable[[int], None]
T = TypeVar("T")
Granting = dict[str, set[tuple[str, str]]]  # group id -> (site, product) it grants a seat on


@dataclass(frozen=True)
class SiteRoles:
    """What one site's `applicationrole` said, and whose credentials read it."""

    roles: tuple[ProductRole, ...]
    caller: str | None


@dataclass
class _Found:
    """Accounts as the searches returned them, plus what the fallback added."""

    users: dict[str, JsonObject] = field(default_factory=dict)
    extra_activity: dict[str, tuple[Activity, ...]] = field(default_factory=dict)


class OrganizationReader:
    """Reads one Organization's accounts, groups, seats and activity through the client."""

    def __init__(
        self,
        client: AtlassianClient,
        organization: Organization,
        *,
        needs: ActivityNeeds = EVERY_SEAT,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.organization = organization
        self.needs = needs
        self.sites = tuple(
            Site(name=s.name, url=s.url, cloud_id=s.cloud_id) for s in organization.sites
        )
        self.sites_by_cloud_id = {s.cloud_id: s for s in self.sites}
        self._progress = progress or (lambda _count: None)
        self._directory = DirectoryResolver(client, organization)

    @property
    def directory_path(self) -> str:
        """`v2/orgs/{org}/directories/{id}`: the directory the Organization names, or with
        `directory: auto` its only one, looked up on first use (once per reader)."""
        return f"v2/orgs/{self.organization.org_id}/directories/{self._directory.directory_id()}"

    # --- the two reads ---------------------------------------------------------------------

    def inventory(self, *, taken_at: datetime) -> Inventory:
        """The whole organization."""
        found, known = self._search_all([{}])
        return self._assemble(found, known, taken_at=taken_at)

    def inventory_of(self, account_ids: Iterable[str], *, taken_at: datetime) -> Inventory:
        """Only these accounts; groups, seats and sites complete (for apply's re-check)."""
        wanted = sorted(set(account_ids))
        batches: list[JsonObject] = [
            {"accountIds": wanted[i : i + ACCOUNT_IDS_PER_SEARCH]}
            for i in range(0, len(wanted), ACCOUNT_IDS_PER_SEARCH)
        ]
        found, known = self._search_all(batches)
        return self._assemble(found, known, taken_at=taken_at)

    # --- the calls -------------------------------------------------------------------------

    def _search_all(self, searches: Sequence[JsonObject]) -> tuple[_Found, _Known]:
        """Searches, roles, groups and their assignments side by side; fallbacks as pages arrive.

        No worker ever waits on another task: the searches only page and hand each page over,
        and this (calling) thread, which is not a worker, waits for which groups grant seats,
        then submits each page's fallbacks. Any number of searches fits any pool size.
        """
        pages: queue.SimpleQueue[list[JsonObject] | Future[None]] = queue.SimpleQueue()
        stop = threading.Event()
        self._directory.directory_id()  # looked up here, before any worker needs it
        with ThreadPoolExecutor(max_workers=self.client.max_in_flight + 1) as pool:
            try:
                roles = [pool.submit(self.site_roles, site) for site in self.sites]
                listing = pool.submit(self.directory_groups)
                searching = [
                    pool.submit(self._search, filters, pages=pages, stop=stop)
                    for filters in searches
                ]
                for search in searching:
                    # Runs once the search has ended (a failure included): the end marker.
                    search.add_done_callback(pages.put)
                known = self._known(pool, roles=roles, listing=listing)
                return self._collect(pages, searches=len(searching), known=known, pool=pool), known
            except BaseException:
                stop.set()  # running searches end at their next page
                pool.shutdown(wait=False, cancel_futures=True)  # fail fast: drop queued calls
                raise

    def _known(
        self,
        pool: ThreadPoolExecutor,
        *,
        roles: Sequence[Future[SiteRoles]],
        listing: Future[dict[str, DirectoryGroup]],
    ) -> _Known:
        """Roles, groups and each group's role assignments (submitted once groups are known)."""
        groups = listing.result()
        assigned = [pool.submit(self.group_grants, group_id) for group_id in groups]
        return _Known(
            site_roles=_results(roles),
            groups=groups,
            assigned=dict(zip(groups, _results(assigned), strict=True)),
        )

    def _collect(
        self,
        pages: queue.SimpleQueue[list[JsonObject] | Future[None]],
        *,
        searches: int,
        known: _Known,
        pool: ThreadPoolExecutor,
    ) -> _Found:
        """Take the pages until every search has ended; submit the fallbacks each page needs."""
        granting = _granting_by_group(known.roles)
        found = _Found()
        fallbacks: list[Future[tuple[str, tuple[Activity, ...]]]] = []
        ended = 0
        while ended < searches:
            item = pages.get()
            if isinstance(item, Future):
                item.result()  # a failed search fails the read
                ended += 1
                continue
            found.users.update({str(u.get("accountId")): u for u in item})
            needing = [u for u in item if self._needs_activity_fallback(u, granting=granting)]
            fallbacks += [pool.submit(self._fallback, u) for u in needing]
            self._progress(len(item))
        found.extra_activity.update(_results(fallbacks))
        return found

    def site_roles(self, site: Site) -> SiteRoles:
        """One site's application roles; the caller's accountId from the same response."""
        call = self.client.jira_call(site, "applicationrole", via=self.organization.jira_api)
        response = self.client.send(call)
        data = decode_json(response, call)
        if not isinstance(data, list):
            raise UnexpectedResponse(f"{call.label}: expected a list of application roles")
        roles = tuple(product_role_of(r, site=site.name) for r in data if isinstance(r, dict))
        caller = response.headers.get("x-aaccountid") or self._myself(site)
        return SiteRoles(roles=roles, caller=caller)

    def _myself(self, site: Site) -> str | None:
        call = self.client.jira_call(site, "myself", via=self.organization.jira_api)
        me = self.client.json(call)
        return str(me["accountId"]) if isinstance(me, dict) and me.get("accountId") else None

    def directory_groups(self) -> dict[str, DirectoryGroup]:
        """Every group of the directory with its IdP flag (groups are directory-wide)."""
        body: JsonObject = {"limit": GROUPS_PAGE}
        call = self.client.admin_call("POST", f"{self.directory_path}/groups/search", body=body)
        groups = (directory_group_of(item) for page in v2_pages(self.client, call) for item in page)
        return {group.id: group for group in groups}

    def group_grants(self, group_id: str) -> set[tuple[str, str]]:
        """(site, product) the group grants a seat on, for products `applicationrole` misses."""
        path = f"{self.directory_path}/groups/{group_id}/role-assignments"
        call = self.client.admin_call("GET", path, params={"limit": GROUPS_PAGE})
        assignments = [item for page in v2_pages(self.client, call) for item in page]
        seats = granted_seats_of(assignments, sites_by_cloud_id=self.sites_by_cloud_id)
        return {
            (site, product) for site, product in seats if not covered_by_application_roles(product)
        }

    def _search(
        self,
        filters: JsonObject,
        *,
        pages: queue.SimpleQueue[list[JsonObject] | Future[None]],
        stop: threading.Event,
    ) -> None:
        """Page one search and hand every page over; waits on nothing but its own requests."""
        body = {**filters, "limit": USERS_SEARCH_PAGE, "expand": list(SEARCH_EXPAND)}
        call = self.client.admin_call("POST", f"{self.directory_path}/users/search", body=body)
        for page in v2_pages(self.client, call):
            if stop.is_set():
                return
            pages.put(page)

    def _needs_activity_fallback(
        self, user: JsonObject, *, granting: Mapping[str, set[tuple[str, str]]]
    ) -> bool:
        """Holds a seat (active person in a granting group) whose activity can change a
        decision, and the search shows none for it."""
        if user.get("accountType") in SEATLESS_TYPES or user.get("status") != "active":
            return False
        held = {seat for group_id in _group_ids(user) for seat in granting.get(group_id, ())}
        deciding = self.needs.seats_that_decide(held, refs=_refs(user))
        seen = {(a.site, a.product) for a in self._search_activity(user)}
        return not deciding <= seen

    def _fallback(self, user: JsonObject) -> tuple[str, tuple[Activity, ...]]:
        account_id = str(user["accountId"])
        activity = activity_of(
            self.last_active_entries(account_id),
            sites_by_cloud_id=self.sites_by_cloud_id,
            timestamp_fields=V1_ACTIVITY_FIELDS,
        )
        return account_id, activity

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
        taken_at: datetime,
    ) -> Inventory:
        roles = known.roles
        listed = {group.id: group.name for group in known.groups.values()}
        managed_by = {group.id: group.managed_by for group in known.groups.values()}
        names = _all_names(listed, roles, users=found.users.values())
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
    """What every read learns besides the accounts: roles per site, groups, their other grants."""

    site_roles: list[SiteRoles]
    groups: dict[str, DirectoryGroup]
    assigned: dict[str, set[tuple[str, str]]]

    @property
    def roles(self) -> list[ProductRole]:
        """Jira's application roles, then the other products from the role assignments."""
        names = {group.id: group.name for group in self.groups.values()}
        jira = [role for site in self.site_roles for role in site.roles]
        return [*jira, *product_roles_from_assignments(self.assigned, names=names)]


def merge_activity(*sources: Iterable[Activity]) -> tuple[Activity, ...]:
    """The latest instant per (site, product) over every source."""
    latest: dict[tuple[str, str], Activity] = {}
    for activity in (a for source in sources for a in source):
        key = (activity.site, activity.product)
        if key not in latest or activity.last_active > latest[key].last_active:
            latest[key] = activity
    return tuple(latest.values())


def groups_of(
    *,
    roles: Sequence[ProductRole],
    names: Mapping[str, str],
    managed_by: Mapping[str, GroupManager],
) -> list[Group]:
    """Every group with every (site, product) it grants a seat on."""
    grants: dict[str, list[GroupGrant]] = {}
    for role in roles:
        for group_id in role.group_ids:
            grants.setdefault(group_id, []).append(GroupGrant(site=role.site, product=role.product))
    return [
        Group(
            id=group_id,
            name=name,
            grants=tuple(grants.get(group_id, ())),
            managed_by=managed_by.get(group_id, "atlassian"),
        )
        for group_id, name in names.items()
    ]


def _all_names(
    listed: Mapping[str, str], roles: Sequence[ProductRole], *, users: Iterable[JsonObject]
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


def _refs(user: JsonObject) -> set[str]:
    """How the ledger and the policies may name the account: id and e-mail, lower-case."""
    return {str(user.get(key)).lower() for key in ("accountId", "email") if user.get(key)}


def _group_ids(user: JsonObject) -> list[str]:
    return [str(g["id"]) for g in user.get("groups") or () if isinstance(g, dict) and g.get("id")]


def _granting_by_group(roles: Iterable[ProductRole]) -> Granting:
    granting: Granting = {}
    for role in roles:
        for group_id in role.group_ids:
            granting.setdefault(group_id, set()).add((role.site, role.product))
    return granting


def _results(futures: Sequence[Future[T]]) -> list[T]:
    return [future.result() for future in futures]
