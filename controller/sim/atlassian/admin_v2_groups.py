"""Admin API v2 group reads: the group search and each group's role assignments.

Shapes follow jira.js `src/admin/api/groups.ts` (searchDirectoryGroups, getGroupRoleAssignments)
and its models (atlassian-api.md §2.3):

- `POST .../directories/{dir}/groups/search`, body `{limit, cursor, groupIds, groupNames,
  searchTerm}`; items `MultiDirectoryGroup` `{id, name, description, directoryId,
  managementAccess, externalSynced, managedBy, links}`. `externalSynced` is documented as
  "Indication if group was created via IdP Sync" and `managedBy` as "external, admins,
  team-members, or open" (models/multiDirectoryGroup.ts); an IdP-synced group has both.
  `limit` "Defaults to 20" (models/multiDirectoryGroupSearchRequest.ts).
- `GET .../directories/{dir}/groups/{groupId}/role-assignments`, query `cursor` (when present
  every other parameter is ignored) and `limit`; items `MultiDirectoryGroupRoleAssignment`
  `{resourceId, resourceOwner, defaultRole, roles}` (models/multiDirectoryGroupRoleAssignment.ts)
  with `resourceId` a product-instance ARI (`ari:cloud:confluence::site/<cloudId>`).

Simulator choices, UNCONFIRMED: every grant is the `atlassian/user` role; `resourceOwner` is the
product's family (`jira`, `confluence`); the other documented filters of the group search are a
400 saying the simulator does not serve them; `limit` above the v2 maximum is a 400, as for users.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from controller.core.snapshot import Group
from controller.sim.atlassian.admin_v2 import (
    PREFIX,
    holds_everyone,
    json_object,
    require_directory,
    string_list,
    v2_limit,
)
from controller.sim.atlassian.gateway import ApiError, Simulation, api_route
from controller.sim.atlassian.paging import Page, decode_cursor, encode_cursor, page_of, query_int
from controller.sim.atlassian.products import site_ari

GROUP_SEARCH_DEFAULT_LIMIT = 20
GROUP_FILTERS = ("groupIds", "groupNames")
UNSERVED_FILTERS = (
    "sortBy",
    "accountIds",
    "directoryIds",
    "roleIds",
    "resourceOwners",
    "resourceIds",
    "expand",
)
GRANTED_ROLE = "atlassian/user"


def admin_v2_group_routes(sim: Simulation) -> list[Route]:
    groups = f"{PREFIX}/{{directory_id}}/groups"
    table = [
        ("POST", f"{groups}/search", search_groups),
        ("GET", f"{groups}/{{group_id}}/role-assignments", group_role_assignments),
    ]
    return [
        api_route(
            sim,
            family="admin-v2",
            method=method,
            path=path,
            handler=handler,
            scopes=(("read:groups:admin",),),
        )
        for method, path, handler in table
    ]


# -- group search ----------------------------------------------------------------------------


async def search_groups(request: Request, sim: Simulation) -> Response:
    directory = require_directory(request, sim)
    body = await json_object(request)
    query, offset, limit = _group_query(body, sim)
    groups = sim.state.groups() if holds_everyone(directory, sim) else ()
    found = [g for g in groups if _group_matches(g, query)]
    page = page_of(found, start=offset, size=limit)
    data = [
        _v2_group(group, directory=directory, self_cursor=_cursor(page.start + i, query, 1))
        for i, group in enumerate(page.items)
    ]
    return JSONResponse({"data": data, "links": _links(page, query=query, limit=limit)})


def _group_query(body: dict[str, Any], sim: Simulation) -> tuple[dict[str, Any], int, int]:
    """The query, where to start and the page size: from the cursor when there is one."""
    cursor = body.get("cursor")
    if cursor is not None:
        payload = _decoded(cursor)
        query = payload.get("query", {})
        if not isinstance(query, dict):
            raise ApiError(400, "Invalid page cursor", code="ADMIN-400-1")
        limit = body.get("limit", payload.get("limit", GROUP_SEARCH_DEFAULT_LIMIT))
        return query, int(payload["offset"]), v2_limit(limit, sim)
    return _parse_group_query(body), 0, v2_limit(body.get("limit", GROUP_SEARCH_DEFAULT_LIMIT), sim)


def _parse_group_query(body: dict[str, Any]) -> dict[str, Any]:
    unserved = sorted(set(body) & set(UNSERVED_FILTERS))
    if unserved:
        raise ApiError(400, f"The simulator does not serve the filter(s) {', '.join(unserved)}")
    unknown = sorted(set(body) - {*GROUP_FILTERS, "searchTerm", "limit", "cursor"})
    if unknown:
        raise ApiError(400, f"Unknown field(s) in the request body: {', '.join(unknown)}")
    if "groupNames" in body and ("groupIds" in body or "searchTerm" in body):
        raise ApiError(400, "groupNames cannot be combined with groupIds or searchTerm")
    query: dict[str, Any] = {}
    for name in GROUP_FILTERS:
        if name in body:
            query[name] = sorted(string_list(body[name], name))
    if "searchTerm" in body:
        if not isinstance(body["searchTerm"], str):
            raise ApiError(400, "searchTerm must be a string")
        query["searchTerm"] = body["searchTerm"]
    return query


def _group_matches(group: Group, query: dict[str, Any]) -> bool:
    if "groupIds" in query and group.id not in query["groupIds"]:
        return False
    if "groupNames" in query and group.name.lower() not in {n.lower() for n in query["groupNames"]}:
        return False
    return query.get("searchTerm", "").lower() in group.name.lower()


def _v2_group(group: Group, *, directory: str, self_cursor: str) -> dict[str, Any]:
    synced = group.managed_by == "idp"
    return {
        "id": group.id,
        "name": group.name,
        "description": "",
        "directoryId": directory,
        # Default access groups cannot be deleted (atlassian-api.md §2.1); synced ones not edited.
        "managementAccess": {
            "deletable": not synced and not group.grants,
            "modifiable": not synced,
            "readable": True,
        },
        "externalSynced": synced,
        "managedBy": "external" if synced else "admins",
        "links": {"self": self_cursor},
    }


# -- role assignments ------------------------------------------------------------------------


async def group_role_assignments(request: Request, sim: Simulation) -> Response:
    require_directory(request, sim)
    group_id = str(request.path_params["group_id"])
    group = sim.state.group(group_id)
    if group is None:
        raise ApiError(404, f"Group {group_id} not found", code="ADMIN-404-10")
    cursor = request.query_params.get("cursor")
    if cursor:
        payload = _decoded(cursor)
        offset, limit = int(payload["offset"]), v2_limit(payload.get("limit"), sim)
    else:
        default = sim.config.v2_default_limit
        offset, limit = 0, v2_limit(query_int(request, "limit", default=default, minimum=1), sim)
    page = page_of(_assignments(group, sim), start=offset, size=limit)
    links = {
        "self": _cursor(page.start, {}, limit),
        "prev": None if page.prev_start is None else _cursor(page.prev_start, {}, limit),
        "next": None if page.next_start is None else _cursor(page.next_start, {}, limit),
    }
    return JSONResponse({"data": list(page.items), "links": links})


def _assignments(group: Group, sim: Simulation) -> list[dict[str, Any]]:
    return [
        {
            "resourceId": site_ari(grant.product, site.cloud_id),
            "resourceOwner": "jira" if grant.product.startswith("jira") else grant.product,
            "defaultRole": GRANTED_ROLE,
            "roles": [GRANTED_ROLE],
        }
        for grant in group.grants
        if (site := sim.state.site_by_name(grant.site)) is not None
    ]


# -- shared ----------------------------------------------------------------------------------


def _decoded(cursor: Any) -> dict[str, Any]:
    if not isinstance(cursor, str):
        raise ApiError(400, "cursor must be a string", code="ADMIN-400-1")
    return decode_cursor(cursor)


def _cursor(offset: int, query: dict[str, Any], limit: int) -> str:
    return encode_cursor({"offset": offset, "query": query, "limit": limit})


def _links(page: Page[Group], *, query: dict[str, Any], limit: int) -> dict[str, str | None]:
    def cursor(offset: int | None) -> str | None:
        return None if offset is None else _cursor(offset, query, limit)

    return {
        "self": cursor(page.start),
        "prev": cursor(page.prev_start),
        "next": cursor(page.next_start),
    }
