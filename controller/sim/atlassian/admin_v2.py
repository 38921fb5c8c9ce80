"""Admin API v2 (camelCase): directories, workspaces, user search with `expand`, suspend/restore,
memberships.

The search pages with `links.self/prev/next` holding bare CURSOR values (atlassian-api.md §1.3).
A cursor carries the query it was made for, so a client that sends back only `{cursor}` keeps
its filters, as the documented GET list does.

Directories: the organization's own holds every account and group; `SimConfig.extra_directories`
adds empty ones, so a client must pick. `-` ("every directory") is served on reads and refused on
changes, which Atlassian documents as taking a real directory ID (atlassian-api.md §8).

Choices where Atlassian documents nothing, all UNCONFIRMED: `limit` above 100 is a 400; more
`accountIds` than `SimConfig.max_account_ids` in one search is a 400; a change to `-` is
`400 ADMIN-400-24`; adding a member twice is `409 ADMIN-409-28`; removing a non-member is
`404 ADMIN-404-1`; every change answers 200 `{"message": ...}`; a workspace's `id` is its
product-instance ARI and its `hostUrl` the site's host.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from controller.core.snapshot import Account
from controller.sim.atlassian.admin_v1 import require_org
from controller.sim.atlassian.gateway import ApiError, Handler, Scopes, Simulation, api_route
from controller.sim.atlassian.org_state import SimRefusal
from controller.sim.atlassian.paging import (
    Page,
    cursor_offset,
    decode_cursor,
    encode_cursor,
    page_of,
    query_int,
)
from controller.sim.atlassian.products import (
    V2_STATUSES,
    instant,
    is_managed,
    parse_site_ari,
    site_ari,
    stable_fraction,
)

R = TypeVar("R")
PREFIX = "/admin/v2/orgs/{org_id}/directories"
LIST_FILTERS = (
    "accountIds",
    "status",
    "accountStatus",
    "membershipStatus",
    "groupIds",
    "resourceIds",
    "emails",
    "roleIds",
)
TEXT_FILTERS = ("claimStatus", "searchTerm")
EXPANDS = ("productAccess", "groups", "platformRoles")
REFUSALS = {
    "unknown-account": (404, "ADMIN-404-8"),
    "unknown-group": (404, "ADMIN-404-10"),
    "idp-managed": (403, "ADMIN-403-5"),
    "seat-limit": (409, "ADMIN-409-3"),
    "already-member": (409, "ADMIN-409-28"),
    "not-member": (404, "ADMIN-404-1"),
    "not-groupable": (400, "ADMIN-400-24"),
    "deactivated": (409, "ADMIN-409-28"),
}


def admin_v2_routes(sim: Simulation) -> list[Route]:
    user = f"{PREFIX}/{{directory_id}}/users/{{account_id}}"
    memberships = f"{PREFIX}/{{directory_id}}/groups/{{group_id}}/memberships"
    # The scope an API key with scopes needs for each (none named: a key without scopes only).
    directories_scope: Scopes = (("read:directories:admin",),)
    table: list[tuple[str, str, Handler, Scopes]] = [
        ("GET", PREFIX, directories, directories_scope),
        ("POST", "/admin/v2/orgs/{org_id}/workspaces", workspaces, (("read:workspaces:admin",),)),
        ("POST", f"{PREFIX}/{{directory_id}}/users/search", search_users, directories_scope),
        ("GET", f"{PREFIX}/{{directory_id}}/users/count", count_users, directories_scope),
        ("POST", f"{user}/suspend", suspend, ()),
        ("POST", f"{user}/restore", restore, ()),
        ("POST", memberships, add_membership, ()),
        ("DELETE", f"{memberships}/{{account_id}}", remove_membership, ()),
    ]
    return [
        api_route(sim, family="admin-v2", method=method, path=path, handler=handler, scopes=scopes)
        for method, path, handler, scopes in table
    ]


ALL_DIRECTORIES = "-"


def org_directory_id(org_id: str, name: str | None = None) -> str:
    """The ID of an organization's own directory, or of the extra one called `name`."""
    which = "directory" if name is None else f"directory:{name}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"atlassian-sim:{org_id}:{which}"))


def directory_id(sim: Simulation, name: str | None = None) -> str:
    return org_directory_id(sim.state.org_id, name)


def _directories(sim: Simulation) -> list[tuple[str, str]]:
    own = (directory_id(sim), "Managed accounts directory")
    return [own, *((directory_id(sim, name), name) for name in sim.config.extra_directories)]


def require_directory(request: Request, sim: Simulation) -> str:
    """The directory a read names (`-` reads every one); 404 for one the org lacks."""
    require_org(request, sim)
    given = str(request.path_params["directory_id"])
    if given == ALL_DIRECTORIES:
        return directory_id(sim)
    if given not in {d for d, _ in _directories(sim)}:
        raise ApiError(404, f"Directory {given} not found", code="ADMIN-404-1")
    return given


def require_writable_directory(request: Request, sim: Simulation) -> str:
    """The directory a change names: one real directory, never `-`."""
    if request.path_params["directory_id"] == ALL_DIRECTORIES:
        raise ApiError(
            400,
            "Directory ID '-' is for reads only; a change needs the ID of one directory "
            "(GET /admin/v2/orgs/{orgId}/directories)",
            code="ADMIN-400-24",
        )
    return require_directory(request, sim)


def holds_everyone(directory: str, sim: Simulation) -> bool:
    """Accounts and groups live in the organization's own directory; the others are empty."""
    return directory == directory_id(sim)


async def directories(request: Request, sim: Simulation) -> Response:
    require_org(request, sim)
    found = _directories(sim)
    limit = v2_limit(query_int(request, "limit", default=sim.config.v2_default_limit), sim)
    start = cursor_offset(request.query_params.get("cursor"))
    page = page_of(found, start=start, size=limit)
    data = [{"directoryId": d, "name": name, "icon": None} for d, name in page.items]
    return JSONResponse({"data": data, "links": _offset_links(page)})


def _offset_links(page: Page[Any]) -> dict[str, str | None]:
    def cursor(offset: int | None) -> str | None:
        return None if offset is None else encode_cursor({"offset": offset})

    return {
        "self": cursor(page.start),
        "prev": cursor(page.prev_start),
        "next": cursor(page.next_start),
    }


# -- workspaces ------------------------------------------------------------------------------


async def workspaces(request: Request, sim: Simulation) -> Response:
    """`POST /admin/v2/orgs/{orgId}/workspaces`: one workspace per product of each site."""
    require_org(request, sim)
    body = await json_object(request)
    if "cursor" in body and len(body) > 1:
        raise ApiError(400, "When a cursor is given, no other property may be present")
    if "cursor" in body:
        start, limit = _workspace_cursor(body["cursor"])
    else:
        start, limit = 0, v2_limit(body.get("limit", 20), sim)
    page = page_of(_workspace_list(sim), start=start, size=limit)
    links = {
        "self": encode_cursor({"offset": page.start, "limit": limit}),
        "prev": None,
        "next": None
        if page.next_start is None
        else encode_cursor({"offset": page.next_start, "limit": limit}),
    }
    meta = {"pageSize": limit, "startIndex": page.start, "total": page.total}
    return JSONResponse({"data": list(page.items), "links": links, "meta": meta})


def _workspace_cursor(cursor: Any) -> tuple[int, int]:
    if not isinstance(cursor, str):
        raise ApiError(400, "cursor must be a string", code="ADMIN-400-1")
    payload = decode_cursor(cursor)
    return int(payload["offset"]), int(payload.get("limit", 20))


def _workspace_list(sim: Simulation) -> list[dict[str, Any]]:
    return [
        {
            "id": site_ari(product, site.cloud_id),
            "type": "workspaces",
            "attributes": {
                "name": site.name,
                "typeKey": product,
                "type": "jira" if product.startswith("jira") else product,
                "owner": sim.state.org_id,
                "status": "online",
                "hostUrl": urlsplit(site.url).netloc,
                "realm": "us",
            },
            "links": {"self": f"/admin/v2/orgs/{sim.state.org_id}/workspaces/{site.cloud_id}"},
        }
        for site in sim.state.sites
        for product in sim.state.products_on(site.name)
    ]


# -- search ----------------------------------------------------------------------------------


async def search_users(request: Request, sim: Simulation) -> Response:
    directory = require_directory(request, sim)
    body = await json_object(request)
    query, offset, cursor_limit = _query_and_offset(body)
    limit = v2_limit(body.get("limit", cursor_limit or sim.config.v2_default_limit), sim)
    _check_account_ids(query.get("accountIds", []), sim)
    if not holds_everyone(directory, sim):
        query = {**query, "accountIds": []}  # an empty directory: nobody matches
    found = sim.state.memo(("v2-search", json.dumps(query, sort_keys=True)), _finder(query, sim))
    page = page_of(found, start=offset, size=limit)
    expand = set(query.get("expand", ()))
    users = [
        _v2_user(account, sim, expand=expand, position=page.start + index, query=query)
        for index, account in enumerate(page.items)
    ]
    links = _page_links(page, query=query, limit=limit)
    return JSONResponse({"data": users, "links": links})


async def count_users(request: Request, sim: Simulation) -> Response:
    """`GET .../users/count`: the search's filters as query parameters, `{"count": n}`."""
    require_directory(request, sim)
    params = request.query_params
    unknown = sorted(set(params) - {*LIST_FILTERS, *TEXT_FILTERS})
    if unknown:
        raise ApiError(400, f"Unknown query parameter(s): {', '.join(unknown)}")
    body: dict[str, Any] = {name: params.getlist(name) for name in LIST_FILTERS if name in params}
    body |= {name: params[name] for name in TEXT_FILTERS if name in params}
    query = _parse_query(body)
    found = sim.state.memo(("v2-search", json.dumps(query, sort_keys=True)), _finder(query, sim))
    return JSONResponse({"count": len(found)})


def _query_and_offset(body: dict[str, Any]) -> tuple[dict[str, Any], int, int | None]:
    """The query and where to start: from the cursor when there is one, else from the body."""
    cursor = body.get("cursor")
    if cursor is None:
        return _parse_query(body), 0, None
    if not isinstance(cursor, str):
        raise ApiError(400, "cursor must be a string", code="ADMIN-400-1")
    payload = decode_cursor(cursor)
    query = payload.get("query", {})
    if not isinstance(query, dict):
        raise ApiError(400, "Invalid page cursor", code="ADMIN-400-1")
    limit = payload.get("limit")
    return query, int(payload["offset"]), limit if isinstance(limit, int) else None


def _page_links(page: Page[Account], *, query: dict[str, Any], limit: int) -> dict[str, Any]:
    """v2 links are bare cursors, each carrying the query so a page can be fetched alone."""

    def cursor(offset: int | None) -> str | None:
        if offset is None:
            return None
        return encode_cursor({"offset": offset, "query": query, "limit": limit})

    return {
        "self": cursor(page.start),
        "prev": cursor(page.prev_start),
        "next": cursor(page.next_start),
    }


def v2_limit(limit: Any, sim: Simulation) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise ApiError(400, "limit must be an integer")
    if not 1 <= limit <= sim.config.v2_max_limit:
        raise ApiError(400, f"limit must be between 1 and {sim.config.v2_max_limit}")
    return limit


def _parse_query(body: dict[str, Any]) -> dict[str, Any]:
    allowed = {*LIST_FILTERS, *TEXT_FILTERS, "expand", "limit", "cursor"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, f"Unknown field(s) in the request body: {', '.join(unknown)}")
    if "emails" in body and "searchTerm" in body:
        raise ApiError(400, "emails and searchTerm cannot be used together")
    query: dict[str, Any] = {}
    for name in (*LIST_FILTERS, "expand"):
        if name in body:
            query[name] = sorted(string_list(body[name], name))
    for name in TEXT_FILTERS:
        if name in body:
            query[name] = _text(body[name], name)
    _check_expand(query.get("expand", []))
    _check_resources(query.get("resourceIds", []))
    return query


def string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, f"{name} must be an array of strings")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string")
    return value


def _check_account_ids(account_ids: list[str], sim: Simulation) -> None:
    most = sim.config.max_account_ids
    if len(account_ids) > most:
        raise ApiError(400, f"accountIds takes at most {most} IDs (got {len(account_ids)})")


def _check_expand(expand: list[str]) -> None:
    wrong = [e for e in expand if e not in EXPANDS]
    if wrong:
        raise ApiError(400, f"Unknown expand value(s) {wrong}; allowed: {', '.join(EXPANDS)}")


def _check_resources(resource_ids: list[str]) -> None:
    for ari in resource_ids:
        if parse_site_ari(ari) is None:
            raise ApiError(400, f"Invalid resource {ari!r}", code="ADMIN-400-4")


def _finder(query: dict[str, Any], sim: Simulation) -> Callable[[], list[Account]]:
    def find() -> list[Account]:
        return [a for a in _candidates(query, sim) if _matches(a, query=query, sim=sim)]

    return find


def _candidates(query: dict[str, Any], sim: Simulation) -> list[Account]:
    """Accounts worth checking; a lookup by id must not scan a 100,000-account org."""
    if "accountIds" not in query:
        return sim.state.accounts()
    found = (sim.state.account(account_id) for account_id in sorted(set(query["accountIds"])))
    return [account for account in found if account is not None]


def _matches(account: Account, *, query: dict[str, Any], sim: Simulation) -> bool:
    status, account_status, membership = V2_STATUSES[account.status]
    checks: dict[str, Callable[[Any], bool]] = {
        "accountIds": lambda v: account.account_id in v,
        "status": lambda v: status in v,
        "accountStatus": lambda v: account_status in v,
        "membershipStatus": lambda v: membership in v,
        "groupIds": lambda v: not set(account.groups).isdisjoint(v),
        "resourceIds": lambda v: not _resources(account, sim).isdisjoint(v),
        "emails": lambda v: (account.email or "").lower() in {e.lower() for e in v},
        "roleIds": lambda v: not _roles(account, sim).isdisjoint(v),
        "claimStatus": lambda v: _claim_status(account) == v,
        "searchTerm": lambda v: _mentions(account, v),
    }
    return all(checks[name](value) for name, value in query.items() if name in checks)


def _resources(account: Account, sim: Simulation) -> set[str]:
    clouds = {s.name: s.cloud_id for s in sim.state.sites}
    return {site_ari(product, clouds[site]) for site, product in sim.state.grants_of(account)}


def _roles(account: Account, sim: Simulation) -> set[str]:
    granted = {"atlassian/user"} if sim.state.grants_of(account) else set()
    return granted | set(account.platform_roles)


def _claim_status(account: Account) -> str:
    return "managed" if is_managed(account) else "unmanaged"


def _mentions(account: Account, term: str) -> bool:
    haystack = f"{account.name} {_nickname(account)} {account.email or ''}".lower()
    return term.lower() in haystack


def _nickname(account: Account) -> str:
    return account.name.split()[0] if account.name.strip() else account.account_id


# -- user item -------------------------------------------------------------------------------


def _v2_user(
    account: Account, sim: Simulation, *, expand: set[str], position: int, query: dict[str, Any]
) -> dict[str, Any]:
    user = _v2_base(account, sim)
    user["links"] = {"self": encode_cursor({"offset": position, "query": query, "limit": 1})}
    if "platformRoles" in expand:
        user["platformRoles"] = list(account.platform_roles)
    if "productAccess" in expand:
        user["productAccess"] = _product_access(account, sim)
    if "groups" in expand:
        user["groups"] = _groups(account, sim)
    return user


def _v2_base(account: Account, sim: Simulation) -> dict[str, Any]:
    status, account_status, membership = V2_STATUSES[account.status]
    user: dict[str, Any] = {
        "accountId": account.account_id,
        "accountType": account.account_type,
        "status": status,
        "accountStatus": account_status,
        "membershipStatus": membership,
        "name": account.name,
        "nickname": _nickname(account),
        "emailVerified": account.email is not None,
        "claimStatus": _claim_status(account),
        "managementSource": _management_source(account, sim),
        "mfaEnabled": stable_fraction(f"mfa:{account.account_id}") < 0.7,
        "deactivatedOn": sim.state.taken_at_text if account.status == "deactivated" else None,
        "forDeletion": False,
    }
    if account.added_to_org is not None:
        user["addedToOrg"] = instant(account.added_to_org)
    if account.email is not None:
        user["email"] = account.email
    return user


def _management_source(account: Account, sim: Simulation) -> str | None:
    if not is_managed(account):
        return None
    synced = any(
        (group := sim.state.group(g)) is not None and group.managed_by == "idp"
        for g in account.groups
    )
    return "synced" if synced else "invited"


def _product_access(account: Account, sim: Simulation) -> list[dict[str, str]]:
    gap = sim.config.product_access_gap
    if gap > 0 and stable_fraction(f"{sim.config.fault_seed}:{account.account_id}") < gap:
        return []
    clouds = {s.name: s.cloud_id for s in sim.state.sites}
    return [
        {
            "key": a.product,
            "id": site_ari(a.product, clouds.get(a.site, a.site)),
            "lastActiveTimestamp": instant(a.last_active),
        }
        for a in account.activity
    ]


def _groups(account: Account, sim: Simulation) -> list[dict[str, str | None]]:
    groups = (sim.state.group(g) for g in account.groups)
    return [{"id": g.id, "name": g.name, "description": None} for g in groups if g is not None]


# -- changes ---------------------------------------------------------------------------------


async def suspend(request: Request, sim: Simulation) -> Response:
    directory = _require_holding_directory(request, sim)
    await json_object(request)
    account_id = str(request.path_params["account_id"])
    changed = _refused_as_admin(lambda: sim.state.suspend(account_id))
    verb = "suspended" if changed else "was already suspended"
    return _message(f"User {account_id} {verb} in directory {directory}")


async def restore(request: Request, sim: Simulation) -> Response:
    directory = _require_holding_directory(request, sim)
    await json_object(request)
    account_id = str(request.path_params["account_id"])
    changed = _refused_as_admin(lambda: sim.state.restore(account_id))
    verb = "restored" if changed else "was not suspended"
    return _message(f"User {account_id} {verb} in directory {directory}")


async def add_membership(request: Request, sim: Simulation) -> Response:
    _require_holding_directory(request, sim)
    body = await json_object(request)
    account_id = body.get("accountId")
    if not isinstance(account_id, str) or not account_id:
        raise ApiError(400, "accountId is required")
    group_id = str(request.path_params["group_id"])
    _refused_as_admin(lambda: sim.state.add_member(group_id=group_id, account_id=account_id))
    return _message(f"User {account_id} added to group {group_id}")


async def remove_membership(request: Request, sim: Simulation) -> Response:
    _require_holding_directory(request, sim)
    account_id = str(request.path_params["account_id"])
    group_id = str(request.path_params["group_id"])
    _refused_as_admin(lambda: sim.state.remove_member(group_id=group_id, account_id=account_id))
    return _message(f"User {account_id} removed from group {group_id}")


def _require_holding_directory(request: Request, sim: Simulation) -> str:
    """A change's directory, which must hold the account and the group it names."""
    directory = require_writable_directory(request, sim)
    if not holds_everyone(directory, sim):
        account = request.path_params.get("account_id", "the user")
        raise ApiError(404, f"User {account} is not in directory {directory}", code="ADMIN-404-8")
    return directory


def _refused_as_admin(change: Callable[[], R]) -> R:
    try:
        return change()
    except SimRefusal as refusal:
        status, code = REFUSALS[refusal.reason]
        raise ApiError(status, refusal.message, code=code) from None


def _message(text: str) -> Response:
    return JSONResponse({"message": text})


async def json_object(request: Request) -> dict[str, Any]:
    """The JSON object body; an empty body counts as `{}` (Atlassian accepts both for actions)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body
