"""Admin API v1 (snake_case): organizations, managed accounts and per-account last-active dates.

`GET /admin/v1/orgs` lists the organizations the key reaches in the JSON:API shape Atlassian
documents (`{id, type: "orgs", attributes: {name}, links}`); `GET /admin/v1/orgs/{orgId}` reads
one. The simulator serves one organization; `SimConfig.extra_orgs` adds others to the listing
only (reading them answers 404), and `lists_its_org=False` leaves its own out, as a key made for
one organization may (ACCESS-966).

`GET /admin/v1/orgs/{orgId}/users` pages with `links.next` as a FULL URL carrying `cursor`;
`GET .../directory/users/{accountId}/last-active-dates` pages its `product_access` with a bare
cursor in `links.next`. Unlike the v2 search, last-active-dates always reports every activity.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from controller.core.snapshot import Account, Activity, product_name
from controller.sim.atlassian.gateway import ApiError, Scopes, Simulation, api_route
from controller.sim.atlassian.paging import (
    cursor_offset,
    encode_cursor,
    page_of,
)
from controller.sim.atlassian.products import (
    V1_ACCOUNT_STATUS,
    avatar_urls,
    day,
    instant,
    is_managed,
    site_ari,
)

PREFIX = "/admin/v1/orgs/{org_id}"
ORGS: Scopes = (("read:orgs:admin",),)
# The user management API's answer to `GET /users/{account_id}/manage`: what the key may do to
# a managed account (an organization admin's key: everything).
MANAGEMENT_PRIVILEGES = (
    "profile.read",
    "profile.write",
    "email.set",
    "lifecycle.enablement",
    "lifecycle.delete",
    "apiToken.read",
    "apiToken.delete",
)
PROFILE_FIELDS = ("name", "nickname", "zoneinfo", "locale")


def admin_v1_routes(sim: Simulation) -> list[Route]:
    return [
        api_route(
            sim, family="admin-v1", method="GET", path="/admin/v1/orgs", handler=orgs, scopes=ORGS
        ),
        api_route(sim, family="admin-v1", method="GET", path=PREFIX, handler=one_org, scopes=ORGS),
        api_route(
            sim,
            family="admin-v1",
            method="GET",
            path=f"{PREFIX}/users",
            handler=users,
            scopes=(("read:accounts:admin",),),
        ),
        # Atlassian names no scope for last-active dates: a key without scopes only.
        api_route(
            sim,
            family="admin-v1",
            method="GET",
            path=f"{PREFIX}/directory/users/{{account_id}}/last-active-dates",
            handler=last_active_dates,
        ),
        api_route(
            sim,
            family="admin-v1",
            method="GET",
            path="/users/{account_id}/manage",
            handler=management_permissions,
        ),
    ]


def _org_json(org_id: str, name: str, *, base: str) -> dict[str, Any]:
    url = f"{base}/admin/v1/orgs/{org_id}"
    return {
        "id": org_id,
        "type": "orgs",
        "attributes": {"name": name},
        "relationships": {
            "domains": {"links": {"related": f"{url}/domains"}},
            "users": {"links": {"related": f"{url}/users"}},
        },
        "links": {"self": url},
    }


def _listed_orgs(sim: Simulation) -> list[tuple[str, str]]:
    own = [(sim.state.org_id, org_name(sim))] if sim.config.lists_its_org else []
    return [*own, *sim.config.extra_orgs]


def org_name(sim: Simulation) -> str:
    """The organization's display name: the first site's, as most orgs are named."""
    first = sim.state.sites[0].name if sim.state.sites else sim.state.org_id
    return first.replace("-", " ").title()


async def orgs(request: Request, sim: Simulation) -> Response:
    base = str(request.base_url).rstrip("/")
    start = cursor_offset(request.query_params.get("cursor"))
    page = page_of(_listed_orgs(sim), start=start, size=sim.config.v1_users_page_size)
    listing = f"{base}/admin/v1/orgs"
    return JSONResponse(
        {
            "data": [_org_json(org_id, name, base=base) for org_id, name in page.items],
            "links": {
                "self": _page_url(listing, page.start),
                "prev": None if page.prev_start is None else _page_url(listing, page.prev_start),
                "next": None if page.next_start is None else _page_url(listing, page.next_start),
            },
        }
    )


async def one_org(request: Request, sim: Simulation) -> Response:
    require_org(request, sim)
    base = str(request.base_url).rstrip("/")
    return JSONResponse({"data": _org_json(sim.state.org_id, org_name(sim), base=base)})


def require_org(request: Request, sim: Simulation) -> None:
    if request.path_params["org_id"] != sim.state.org_id:
        raise ApiError(404, "Organization not found", code="ADMIN-404-2")


async def users(request: Request, sim: Simulation) -> Response:
    require_org(request, sim)
    managed = sim.state.memo("v1-managed", lambda: _managed_accounts(sim))
    start = cursor_offset(request.query_params.get("cursor"))
    page = page_of(managed, start=start, size=sim.config.v1_users_page_size)
    base = f"{str(request.base_url).rstrip('/')}{request.url.path}"
    return JSONResponse(
        {
            "data": [_v1_user(a, sim, users_url=base) for a in page.items],
            "meta": {"total": page.total},
            "links": {
                "self": _page_url(base, page.start),
                "prev": None if page.prev_start is None else _page_url(base, page.prev_start),
                "next": None if page.next_start is None else _page_url(base, page.next_start),
            },
        }
    )


def _managed_accounts(sim: Simulation) -> list[Account]:
    return [a for a in sim.state.accounts() if is_managed(a)]


def _page_url(base: str, offset: int) -> str:
    return f"{base}?cursor={encode_cursor({'offset': offset})}"


def _v1_user(account: Account, sim: Simulation, *, users_url: str) -> dict[str, Any]:
    user: dict[str, Any] = {
        "account_id": account.account_id,
        "account_type": account.account_type,
        "account_status": V1_ACCOUNT_STATUS[account.status],
        "name": account.name,
        "picture": avatar_urls(account)["48x48"],
        "access_billable": bool(sim.state.seats_of(account)),
        "product_access": [_v1_product(a, sim) for a in account.activity],
        "links": {"self": f"{users_url}/{account.account_id}"},
    }
    if account.email is not None:
        user["email"] = account.email
    if account.activity:
        user["last_active"] = instant(max(a.last_active for a in account.activity))
    return user


def _v1_product(activity: Activity, sim: Simulation) -> dict[str, str]:
    site = sim.state.site_by_name(activity.site)
    return {
        "key": activity.product,
        "name": product_name(activity.product),
        "url": site.url if site else "",
        "last_active": day(activity.last_active),
    }


async def last_active_dates(request: Request, sim: Simulation) -> Response:
    require_org(request, sim)
    account = sim.state.account(request.path_params["account_id"])
    if account is None:
        raise ApiError(404, "User not found", code="ADMIN-404-8")
    start = cursor_offset(request.query_params.get("cursor"))
    page = page_of(account.activity, start=start, size=sim.config.last_active_page_size)
    data: dict[str, Any] = {"product_access": [_last_active(a, sim) for a in page.items]}
    if account.added_to_org is not None:
        data["added_to_org"] = day(account.added_to_org)
        data["added_to_org_timestamp"] = instant(account.added_to_org)
    following = page.next_start
    next_cursor = None if following is None else encode_cursor({"offset": following})
    return JSONResponse({"data": data, "links": {"next": next_cursor}})


def _last_active(activity: Activity, sim: Simulation) -> dict[str, str]:
    site = sim.state.site_by_name(activity.site)
    cloud_id = site.cloud_id if site else activity.site
    return {
        "id": site_ari(activity.product, cloud_id),
        "key": activity.product,
        "last_active": day(activity.last_active),
        "last_active_timestamp": instant(activity.last_active),
    }


async def management_permissions(request: Request, sim: Simulation) -> Response:
    """User management API, `GET /users/{account_id}/manage`: what the API key may change on
    this account; 403 for an account the organization does not manage (no verified domain)."""
    account = sim.state.account(str(request.path_params["account_id"]))
    if account is None:
        raise ApiError(404, "The account does not exist")
    if not is_managed(account):
        raise ApiError(403, "You do not have permission to manage this account")
    allowed = {"allowed": True}
    body: dict[str, Any] = {"profile": dict.fromkeys(PROFILE_FIELDS, allowed)}
    body.update(dict.fromkeys(MANAGEMENT_PRIVILEGES, allowed))
    return JSONResponse(body)
