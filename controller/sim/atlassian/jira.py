"""Jira Cloud REST v3, at the site and through the API gateway.

Two doors to the same handlers, as Atlassian has them: `/site/{site}/rest/api/3/...` stands in for
`https://<site>.atlassian.net/rest/api/3/...` (classic API tokens) and
`/ex/jira/{cloudId}/rest/api/3/...` is the gateway (scoped tokens and service accounts; each
endpoint asks for the OAuth scopes Atlassian's OpenAPI document lists for it, classic or
granular). `/site/{site}/_edge/tenant_info` gives a site's cloud ID to anyone.

Shapes follow Atlassian's OpenAPI document (shared/reference/jira-openapi-subset.json; a test
validates every answer against it): pages are `{startAt, maxResults, total, isLast, values}`,
`users/search` is a bare array, errors are `{"errorMessages": [...], "errors": {}}`. Groups
are directory-wide, so every site sees all of them; `applicationKey` filters and application
roles speak of the groups granting a product on *this* site. A role's default groups are the
granting groups named `<product>-users…`, the convention of Atlassian's default groups.
The account behind the token holds `SimConfig.jira_permissions` (a Jira administrator unless a
test says less): `applicationrole` answers 403 without Administer Jira, `group/member` without
it or Browse users and groups, and `mypermissions` says which global permissions it holds.
Choices where Atlassian documents nothing, all UNCONFIRMED: adding a member twice and removing a
non-member are 400s; an unlimited role reports `numberOfSeats` and `remainingSeats` as -1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from controller.core.snapshot import Account, Group, Site, product_name
from controller.sim.atlassian.admin_v2 import json_object
from controller.sim.atlassian.config import JIRA_GLOBAL_PERMISSIONS, SITE_PATH
from controller.sim.atlassian.gateway import ApiError, Scopes, Simulation, api_route
from controller.sim.atlassian.org_state import SimRefusal
from controller.sim.atlassian.paging import page_of, query_bool, query_int
from controller.sim.atlassian.products import (
    JIRA_PRODUCTS,
    avatar_urls,
    time_zone,
)

R = TypeVar("R")
GATEWAY_PREFIX = "/ex/jira/{cloud_id}/rest/api/3"
SITE_PREFIX = f"{SITE_PATH}/rest/api/3"
REFUSALS = {
    "unknown-account": 404,
    "unknown-group": 404,
    "idp-managed": 403,
    "seat-limit": 400,
    "already-member": 400,
    "not-member": 400,
    "not-groupable": 400,
    "deactivated": 400,
}
ACCESS_TYPES = ("user", "admin", "site-admin")
# Per endpoint, the scopes a token through the gateway needs: Jira's classic scope, or the
# granular ones (Atlassian's OpenAPI document, `x-atlassian-oauth2-scopes`).
READ_USERS: Scopes = (
    ("read:jira-user",),
    ("read:application-role:jira", "read:avatar:jira", "read:group:jira", "read:user:jira"),
)
CONFIGURATION = ("manage:jira-configuration",)
SCOPES: dict[tuple[str, str], Scopes] = {
    ("GET", "/myself"): READ_USERS,
    ("GET", "/mypermissions"): (("read:jira-work",), ("read:permission:jira",)),
    ("GET", "/applicationrole"): (CONFIGURATION, ("read:application-role:jira",)),
    ("GET", "/applicationrole/{key}"): (CONFIGURATION, ("read:application-role:jira",)),
    ("GET", "/group/bulk"): (("read:jira-user",), ("read:group:jira",)),
    ("GET", "/group/member"): (
        CONFIGURATION,
        ("read:avatar:jira", "read:group:jira", "read:user:jira"),
    ),
    ("POST", "/group/user"): (
        CONFIGURATION,
        ("read:avatar:jira", "read:group:jira", "read:user:jira", "write:group:jira"),
    ),
    ("DELETE", "/group/user"): (CONFIGURATION, ("write:group:jira",)),
    ("GET", "/users/search"): READ_USERS,
    ("GET", "/user/groups"): (("read:jira-user",), ("read:group:jira",)),
}


def jira_routes(sim: Simulation) -> list[Route]:
    table = [
        ("GET", "/myself", myself),
        ("GET", "/mypermissions", my_permissions),
        ("GET", "/applicationrole", application_roles),
        ("GET", "/applicationrole/{key}", application_role),
        ("GET", "/group/bulk", groups_bulk),
        ("GET", "/group/member", group_members),
        ("POST", "/group/user", add_user_to_group),
        ("DELETE", "/group/user", remove_user_from_group),
        ("GET", "/users/search", users_search),
        ("GET", "/user/groups", user_groups),
    ]
    gateway = [
        api_route(
            sim,
            family="jira",
            method=method,
            path=GATEWAY_PREFIX + path,
            handler=handler,
            door="jira-gateway",
            scopes=SCOPES[(method, path)],
        )
        for method, path, handler in table
    ]
    at_site = [
        api_route(
            sim,
            family="jira",
            method=method,
            path=SITE_PREFIX + path,
            handler=handler,
            door="jira-site",
        )
        for method, path, handler in table
    ]
    tenant_info = api_route(
        sim,
        family="jira",
        method="GET",
        path=f"{SITE_PATH}/_edge/tenant_info",
        handler=site_tenant_info,
        door="public",
    )
    return [*gateway, *at_site, tenant_info]


def _site(request: Request, sim: Simulation) -> Site:
    """The site a request is for: by cloud ID through the gateway, by name at the site."""
    if "site" in request.path_params:
        site = sim.state.site_by_name(str(request.path_params["site"]))
    else:
        site = sim.state.site_by_cloud_id(str(request.path_params["cloud_id"]))
    if site is None:
        raise ApiError(404, "No Jira site exists for this cloud id.")
    return site


def _api_base(request: Request) -> str:
    """Where this request's door serves Jira's REST API (for `self` links)."""
    path = request.url.path
    return f"{str(request.base_url).rstrip('/')}{path[: path.index('/rest/api/3') + 11]}"


async def site_tenant_info(request: Request, sim: Simulation) -> Response:
    """`GET https://<site>.atlassian.net/_edge/tenant_info`: `{"cloudId": ...}`, no login."""
    site = _site(request, sim)
    return JSONResponse({"cloudId": site.cloud_id})


# -- users -----------------------------------------------------------------------------------


def user_json(account: Account, *, api: str, full: bool) -> dict[str, Any]:
    """Jira's User (`full`) or UserDetails; a hidden e-mail is left out, as Jira does."""
    user: dict[str, Any] = {
        "self": f"{api}/user?{urlencode({'accountId': account.account_id})}",
        "accountId": account.account_id,
        "accountType": account.account_type,
        "avatarUrls": avatar_urls(account),
        "displayName": account.name,
        "active": account.status == "active",
        "timeZone": time_zone(account.account_id),
    }
    if account.email is not None:
        user["emailAddress"] = account.email
    if full:
        user["locale"] = "en_US"
    else:
        user.update({"key": "", "name": ""})
    return user


def _caller(sim: Simulation) -> Account:
    known = sim.state.account(sim.caller_id)
    if known is not None:
        return known
    return Account(account_id=sim.caller_id, email=sim.config.jira_email, name="accessctl bot")


async def myself(request: Request, sim: Simulation) -> Response:
    _site(request, sim)
    caller = _caller(sim)
    user = user_json(caller, api=_api_base(request), full=True)
    user["groups"] = {"size": len(caller.groups), "items": []}
    user["applicationRoles"] = {"size": len(sim.state.seats_of(caller)), "items": []}
    user["expand"] = "groups,applicationRoles"
    return JSONResponse(user)


async def my_permissions(request: Request, sim: Simulation) -> Response:
    """`GET /mypermissions?permissions=A,B`: whether the caller holds each (global ones only)."""
    _site(request, sim)
    asked = [key for key in request.query_params.get("permissions", "").split(",") if key]
    if not asked:
        raise ApiError(400, "The permissions query parameter is required.")
    unknown = sorted(set(asked) - JIRA_GLOBAL_PERMISSIONS)
    if unknown:
        raise ApiError(400, f"Invalid permission key(s): {', '.join(unknown)}.")
    held = set(sim.config.jira_permissions)
    return JSONResponse({"permissions": {key: _permission(key, held=held) for key in asked}})


def _permission(key: str, *, held: set[str]) -> dict[str, Any]:
    return {
        "id": str(sorted(JIRA_GLOBAL_PERMISSIONS).index(key)),
        "key": key,
        "name": key.replace("_", " ").title(),
        "type": "GLOBAL",
        "description": f"The {key} global permission.",
        "havePermission": key in held,
    }


def _require(sim: Simulation, *permissions: str) -> None:
    """Jira's 403 when the caller holds none of `permissions` (Administer Jira, mostly)."""
    if not set(permissions) & set(sim.config.jira_permissions):
        raise ApiError(
            403, "You are not authorized to perform this action. Administrator rights required."
        )


async def users_search(request: Request, sim: Simulation) -> Response:
    _site(request, sim)
    start = query_int(request, "startAt", default=0)
    wanted = query_int(request, "maxResults", default=50, minimum=1)
    size = min(wanted, sim.config.jira_users_page_max)
    page = page_of(sim.state.accounts(), start=start, size=size)
    api = _api_base(request)
    return JSONResponse([user_json(a, api=api, full=True) for a in page.items])


async def user_groups(request: Request, sim: Simulation) -> Response:
    _site(request, sim)
    account_id = request.query_params.get("accountId")
    if not account_id:
        raise ApiError(400, "The accountId query parameter is required.")
    account = sim.state.account(account_id)
    if account is None:
        raise ApiError(404, f"The user with account ID '{account_id}' does not exist.")
    api = _api_base(request)
    groups = sorted((g for g in map(sim.state.group, account.groups) if g), key=lambda g: g.name)
    return JSONResponse([_group_name(g, api=api) for g in groups])


# -- groups ----------------------------------------------------------------------------------


def _group_name(group: Group, *, api: str) -> dict[str, str]:
    return {"groupId": group.id, "name": group.name, "self": f"{api}/group?groupId={group.id}"}


def _group_from_query(request: Request, sim: Simulation) -> Group:
    group_id = request.query_params.get("groupId")
    name = request.query_params.get("groupname")
    if group_id and name:
        raise ApiError(400, "Specify either groupId or groupname, not both.")
    if not group_id and not name:
        raise ApiError(400, "You must specify groupId or groupname.")
    group = sim.state.group(group_id) if group_id else sim.state.group_named(name or "")
    if group is None:
        raise ApiError(404, f"Group '{group_id or name}' does not exist.")
    return group


async def group_members(request: Request, sim: Simulation) -> Response:
    _site(request, sim)
    _require(sim, "ADMINISTER", "USER_PICKER")
    group = _group_from_query(request, sim)
    include_inactive = query_bool(request, "includeInactiveUsers", default=False)
    start = query_int(request, "startAt", default=0)
    size = min(query_int(request, "maxResults", default=50, minimum=1), sim.config.jira_page_max)
    members = sim.state.members(group.id)
    if not include_inactive:
        members = sim.state.memo(("active-members", group.id), lambda: _active(members))
    page = page_of(members, start=start, size=size)
    api = _api_base(request)
    body = _page_json(request, start=page.start, size=size, total=page.total, last=page.is_last)
    body["values"] = [user_json(a, api=api, full=False) for a in page.items]
    return JSONResponse(body)


def _active(accounts: list[Account]) -> list[Account]:
    return [a for a in accounts if a.status == "active"]


def _page_json(
    request: Request, *, start: int, size: int, total: int, last: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "self": _with_paging(request, start=start, size=size),
        "startAt": start,
        "maxResults": size,
        "total": total,
        "isLast": last,
    }
    if not last:
        body["nextPage"] = _with_paging(request, start=start + size, size=size)
    return body


def _with_paging(request: Request, *, start: int, size: int) -> str:
    return str(request.url.include_query_params(startAt=start, maxResults=size))


async def groups_bulk(request: Request, sim: Simulation) -> Response:
    site = _site(request, sim)
    start = query_int(request, "startAt", default=0)
    size = min(query_int(request, "maxResults", default=50, minimum=1), sim.config.jira_page_max)
    found = _filtered_groups(request, sim, site=site)
    page = page_of(found, start=start, size=size)
    body = _page_json(request, start=page.start, size=size, total=page.total, last=page.is_last)
    body["values"] = [{"groupId": g.id, "name": g.name} for g in page.items]
    return JSONResponse(body)


def _filtered_groups(request: Request, sim: Simulation, *, site: Site) -> list[Group]:
    params = request.query_params
    ids, names = set(params.getlist("groupId")), set(params.getlist("groupName"))
    access = params.get("accessType")
    application = params.get("applicationKey")
    if access == "site-admin":
        # Atlassian documents this very 500 for the site-admin accessType.
        raise ApiError(500, "Couldn't retrieve groups with the site-admin accessType.")
    if access is not None and access not in ACCESS_TYPES:
        raise ApiError(400, f"Invalid accessType '{access}'.")
    groups = sorted(sim.state.groups(), key=lambda g: g.name)
    return [
        g
        for g in groups
        if (not ids or g.id in ids)
        and (not names or g.name in names)
        and (application is None or _grants(g, site=site, product=application))
        and (access is None or _has_access_type(g, site=site, access=access))
    ]


def _grants(group: Group, *, site: Site, product: str) -> bool:
    return group.grants_seat(site.name, product)


def _has_access_type(group: Group, *, site: Site, access: str) -> bool:
    if access == "admin":
        return group.name.endswith("administrators")
    return any(_grants(group, site=site, product=p) for p in JIRA_PRODUCTS)


# -- membership changes ----------------------------------------------------------------------


async def add_user_to_group(request: Request, sim: Simulation) -> Response:
    _site(request, sim)
    group = _group_from_query(request, sim)
    body = await json_object(request)
    account_id = body.get("accountId")
    if not isinstance(account_id, str) or not account_id:
        raise ApiError(400, "You must specify the accountId of the user to add.")
    _refused_as_jira(lambda: sim.state.add_member(group_id=group.id, account_id=account_id))
    return JSONResponse(_group_json(group, sim, api=_api_base(request)), status_code=201)


async def remove_user_from_group(request: Request, sim: Simulation) -> Response:
    _site(request, sim)
    group = _group_from_query(request, sim)
    account_id = request.query_params.get("accountId")
    if not account_id:
        raise ApiError(400, "You must specify the accountId of the user to remove.")
    _refused_as_jira(lambda: sim.state.remove_member(group_id=group.id, account_id=account_id))
    return Response(status_code=200)


def _group_json(group: Group, sim: Simulation, *, api: str) -> dict[str, Any]:
    size = len(sim.state.members(group.id))
    users = {"size": size, "items": [], "max-results": 50, "start-index": 0, "end-index": 0}
    return {**_group_name(group, api=api), "users": users, "expand": "users"}


def _refused_as_jira(change: Callable[[], R]) -> R:
    try:
        return change()
    except SimRefusal as refusal:
        raise ApiError(REFUSALS[refusal.reason], _jira_wording(refusal)) from None


def _jira_wording(refusal: SimRefusal) -> str:
    if refusal.reason == "already-member":
        return f"Cannot add user. {refusal.message[0].upper()}{refusal.message[1:]}."
    return f"{refusal.message[0].upper()}{refusal.message[1:]}."


# -- application roles -----------------------------------------------------------------------


async def application_roles(request: Request, sim: Simulation) -> Response:
    site = _site(request, sim)
    _require(sim, "ADMINISTER")
    api = _api_base(request)
    return JSONResponse(
        [_role_json(p, site=site, sim=sim, api=api) for p in _jira_products(site, sim)]
    )


async def application_role(request: Request, sim: Simulation) -> Response:
    site = _site(request, sim)
    _require(sim, "ADMINISTER")
    key = str(request.path_params["key"])
    if key not in _jira_products(site, sim):
        raise ApiError(404, f"No application role with key '{key}' exists.")
    return JSONResponse(_role_json(key, site=site, sim=sim, api=_api_base(request)))


def _jira_products(site: Site, sim: Simulation) -> list[str]:
    seats = {s.product for s in sim.state.seats() if s.site == site.name}
    granted = {s.product for g in sim.state.groups() for s in g.grants if s.site == site.name}
    return sorted((seats | granted) & JIRA_PRODUCTS)


def _role_json(product: str, *, site: Site, sim: Simulation, api: str) -> dict[str, Any]:
    granting = (g for g in sim.state.groups() if _grants(g, site=site, product=product))
    groups = sorted(granting, key=_name)
    defaults = [g for g in groups if g.name.startswith(f"{product}-users")]
    used = sim.state.seat_count(site.name, product)
    limit = sim.state.seat_limit(site.name, product)
    noun = "agents" if product == "jira-servicedesk" else "users"
    return {
        "key": product,
        "name": product_name(product),
        "groups": [g.name for g in groups],
        "groupDetails": [_group_name(g, api=api) for g in groups],
        "defaultGroups": [g.name for g in defaults],
        "defaultGroupsDetails": [_group_name(g, api=api) for g in defaults],
        "numberOfSeats": -1 if limit is None else limit,
        "remainingSeats": -1 if limit is None else max(0, limit - used),
        "userCount": used,
        "userCountDescription": f"{used} {noun}",
        "hasUnlimitedSeats": limit is None,
        "platform": product == "jira-core",
        "selectedByDefault": False,
        "defined": False,
    }


def _name(group: Group) -> str:
    return group.name
