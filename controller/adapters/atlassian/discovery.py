"""What an Admin API key reaches: organizations, their directories, their sites and cloud IDs.

`accessctl init` writes an Organization policy from these answers, and every run that changes
the organization resolves `directory: auto` here (once per reader). The calls, as Atlassian
documents them (shared/reference/atlassian-api.md §1.3, §8):

- `GET /admin/v1/orgs`: the organizations the key reaches (`{id, attributes: {name}}`, v1 paging
  with full `links.next` URLs); `GET /admin/v1/orgs/{orgId}` reads one by ID. A key made for one
  organization may list nothing (ACCESS-966), so init also takes the ID.
- `GET /admin/v2/orgs/{orgId}/directories`: `{directoryId, name}` per directory. Changes are
  written to a real directory ID: `-` ("every directory") is documented for reads only.
- `POST /admin/v2/orgs/{orgId}/workspaces`: the product instances (`attributes.typeKey`, e.g.
  `jira-software`, and `hostUrl`); a page after the first is asked for with the cursor alone.
- `GET https://<site>.atlassian.net/_edge/tenant_info`: `{"cloudId": ...}`, unauthenticated.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from controller.adapters.atlassian.batch_sizes import DIRECTORIES_PAGE, WORKSPACES_PAGE
from controller.adapters.atlassian.client import AtlassianClient
from controller.adapters.atlassian.pagination import JsonObject, v1_pages, v2_pages
from controller.adapters.http_boundary.errors import UnexpectedResponse
from controller.core.doctor.atlassian import DirectorySeen, OrganizationSeen
from controller.core.errors import BadInput, RunFailure
from controller.core.policy.models import DIRECTORY_AUTO, Organization


@dataclass(frozen=True)
class SiteProducts:
    """One site (a host) and the products it runs, as the workspaces list them."""

    name: str
    url: str
    products: tuple[str, ...]

    @property
    def runs_jira(self) -> bool:
        return any(product.startswith("jira") for product in self.products)


# --- organizations ----------------------------------------------------------------------------


def reachable_organizations(client: AtlassianClient) -> list[OrganizationSeen]:
    """Every organization the key lists (possibly none: see ACCESS-966)."""
    call = client.admin_call("GET", "v1/orgs")
    return [_organization(item) for page in v1_pages(client, call) for item in page]


def organization_by_id(client: AtlassianClient, org_id: str) -> OrganizationSeen:
    """One organization; a 404 (unknown, or not this key's) is the shared NotFound."""
    body = client.json(client.admin_call("GET", f"v1/orgs/{org_id}"))
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise UnexpectedResponse(f"GET /admin/v1/orgs/{org_id}: expected an object with data")
    return _organization(data)


def _organization(item: JsonObject) -> OrganizationSeen:
    attributes = item.get("attributes")
    name = attributes.get("name") if isinstance(attributes, dict) else None
    return OrganizationSeen(id=str(item.get("id") or ""), name=str(name or ""))


# --- directories ------------------------------------------------------------------------------


def directories_of(client: AtlassianClient, org_id: str) -> list[DirectorySeen]:
    call = client.admin_call(
        "GET", f"v2/orgs/{org_id}/directories", params={"limit": DIRECTORIES_PAGE}
    )
    return [
        DirectorySeen(id=str(item.get("directoryId") or ""), name=str(item.get("name") or ""))
        for page in v2_pages(client, call)
        for item in page
        if item.get("directoryId")
    ]


def the_only_directory(found: Iterable[DirectorySeen], *, org_id: str) -> DirectorySeen:
    """`directory: auto` means the one directory; none or several cannot be guessed."""
    directories = sorted(found, key=lambda d: (d.name, d.id))
    if not directories:
        raise RunFailure(
            f"organization {org_id} shows the API key no directory; the key needs the "
            "read:directories:admin scope (or no scopes at all)"
        )
    if len(directories) > 1:
        listed = ", ".join(d.label for d in directories)
        raise BadInput(
            f"organization {org_id} has {len(directories)} directories ({listed}); name the "
            "one accessctl changes with `directory: <id>` in the Organization policy"
        )
    return directories[0]


class DirectoryResolver:
    """The directory an Organization's reads and writes use, found once (thread-safe)."""

    def __init__(self, client: AtlassianClient, organization: Organization) -> None:
        self._client = client
        self._organization = organization
        self._lock = threading.Lock()
        self._found: str | None = None

    def directory_id(self) -> str:
        if self._organization.directory != DIRECTORY_AUTO:
            return self._organization.directory
        with self._lock:
            if self._found is None:
                org_id = self._organization.org_id
                found = directories_of(self._client, org_id)
                self._found = the_only_directory(found, org_id=org_id).id
            return self._found


# --- sites ------------------------------------------------------------------------------------


def sites_of(client: AtlassianClient, org_id: str) -> list[SiteProducts]:
    """Every site with the products its workspaces run, by site name."""
    call = client.admin_call(
        "POST", f"v2/orgs/{org_id}/workspaces", body={"limit": WORKSPACES_PAGE}
    )
    products: dict[str, set[str]] = {}
    for page in v2_pages(client, call, cursor_alone=True):
        for item in page:
            attributes = item.get("attributes")
            if isinstance(attributes, dict) and attributes.get("hostUrl"):
                url = _site_url(str(attributes["hostUrl"]))
                products.setdefault(url, set()).add(str(attributes.get("typeKey") or ""))
    sites = [
        SiteProducts(name=_site_name(url), url=url, products=tuple(sorted(p for p in keys if p)))
        for url, keys in products.items()
    ]
    return sorted(sites, key=lambda s: s.name)


def cloud_id_of(client: AtlassianClient, *, site_base: str) -> str:
    """`GET <site>/_edge/tenant_info` → its `cloudId` (public: no credential is sent)."""
    call = client.public_call(f"{site_base}/_edge/tenant_info")
    body = client.json(call)
    cloud_id = body.get("cloudId") if isinstance(body, dict) else None
    if not isinstance(cloud_id, str) or not cloud_id:
        raise UnexpectedResponse(f"GET {call.url}: expected an object with a cloudId")
    return cloud_id


def _site_url(host_url: str) -> str:
    """`acme.atlassian.net` or `https://acme.atlassian.net/` → `https://acme.atlassian.net`."""
    with_scheme = host_url if "://" in host_url else f"https://{host_url}"
    parts = urlsplit(with_scheme)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _site_name(url: str) -> str:
    """The first label of the host, as a policy names the site: `acme` for acme.atlassian.net."""
    return urlsplit(url).netloc.split(".")[0].split(":")[0]
