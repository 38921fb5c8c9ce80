"""The reads `accessctl doctor` makes of Atlassian: one of each kind a run depends on, none that
changes anything, each answered as the pure judges of `controller.core.doctor.atlassian` take it.

Every function sends one or two small requests through the shared `AtlassianClient` (so the
same credentials, pacing, retries and secret scrubbing apply) and raises its `ServiceError` when
refused; the command turns that into a `Refused` for the judge.
"""

from __future__ import annotations

from typing import Any

from controller.adapters.atlassian.client import AtlassianClient
from controller.adapters.atlassian.discovery import organization_by_id
from controller.adapters.http_boundary.errors import UnexpectedResponse
from controller.core.doctor.atlassian import OrganizationSeen, UsersSeen
from controller.core.policy.models import JiraApi
from controller.core.snapshot import Site

ADMINISTER = "ADMINISTER"


def organization(client: AtlassianClient, org_id: str) -> OrganizationSeen:
    found = organization_by_id(client, org_id)
    return OrganizationSeen(id=found.id or org_id, name=found.name)


def users(client: AtlassianClient, *, org_id: str, directory: str) -> UsersSeen:
    """One account of the directory, and one the organization manages (for the read-back)."""
    path = f"v2/orgs/{org_id}/directories/{directory}/users/search"
    anyone = _first_id(client.json(client.admin_call("POST", path, body={"limit": 1})))
    managed_only = {"limit": 1, "claimStatus": "managed"}
    managed = _first_id(client.json(client.admin_call("POST", path, body=managed_only)))
    return UsersSeen(sample=anyone, managed=managed)


def last_active_dates(client: AtlassianClient, *, org_id: str, account_id: str) -> int:
    """How many products one account's last-active dates name (the first page)."""
    path = f"v1/orgs/{org_id}/directory/users/{account_id}/last-active-dates"
    data = _object(client.json(client.admin_call("GET", path)), "data")
    return len(data.get("product_access") or [])


def groups(client: AtlassianClient, *, org_id: str, directory: str) -> int:
    path = f"v2/orgs/{org_id}/directories/{directory}/groups/search"
    body = client.json(client.admin_call("POST", path, body={"limit": 1}))
    return len(_list(body, "data"))


def management_privileges(client: AtlassianClient, account_id: str) -> tuple[str, ...]:
    """`GET /users/{accountId}/manage`: what the key may change on this managed account."""
    body = client.json(client.management_call(f"{account_id}/manage"))
    if not isinstance(body, dict):
        raise UnexpectedResponse("GET /users/{accountId}/manage: expected an object")
    return tuple(sorted(key for key, value in body.items() if _allowed(value)))


def jira_caller(client: AtlassianClient, site: Site, *, via: JiraApi) -> str:
    """Whose token it is, as Jira says at this site's door (`GET /myself`)."""
    body = client.json(client.jira_call(site, "myself", via=via))
    return str(body.get("accountId") or "") if isinstance(body, dict) else ""


def jira_administers(client: AtlassianClient, site: Site, *, via: JiraApi) -> bool:
    params = {"permissions": ADMINISTER}
    body = client.json(client.jira_call(site, "mypermissions", via=via, params=params))
    held = _object(_object(body, "permissions"), ADMINISTER)
    return held.get("havePermission") is True


def jira_roles(client: AtlassianClient, site: Site, *, via: JiraApi) -> tuple[str, ...]:
    body = client.json(client.jira_call(site, "applicationrole", via=via))
    if not isinstance(body, list):
        raise UnexpectedResponse("Jira GET /rest/api/3/applicationrole: expected a list")
    return tuple(sorted(str(role.get("key")) for role in body if isinstance(role, dict)))


def _allowed(value: Any) -> bool:
    """A privilege is `{"allowed": true}`; `profile` nests one per field."""
    if isinstance(value, dict) and "allowed" in value:
        return value["allowed"] is True
    return isinstance(value, dict) and any(_allowed(v) for v in value.values())


def _first_id(body: Any) -> str | None:
    found = _list(body, "data")
    first = found[0] if found else None
    return str(first["accountId"]) if isinstance(first, dict) and first.get("accountId") else None


def _object(body: Any, key: str) -> dict[str, Any]:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise UnexpectedResponse(f"expected an object under {key!r}")
    return value


def _list(body: Any, key: str) -> list[Any]:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, list):
        raise UnexpectedResponse(f"expected a list under {key!r}")
    return value
