"""Shared pieces for the Atlassian simulator tests: seeds, credentials, a served client, OpenAPI.

`AtlassianSim` is the simulator as the other integration tests meet it, started by the
`atlassian_sim` fixture (tests/integration/conftest.py): a base URL, the environment the CLI
reads, and the organization as the simulator holds it now.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from controller.adapters.atlassian import Credentials
from controller.adapters.atlassian.credentials import connector_environment
from controller.core.policy.models import JiraApi
from controller.core.snapshot import Account, Activity, Group, Inventory, Seats, parse_inventory
from controller.sim.atlassian import SimConfig, create_app, org_directory_id, site_url_template
from controller.sim.server import running

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "policies" / "examples" / "inventory.json"
OPENAPI = Path(__file__).parent / "jira_openapi_subset.json"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
ADMIN = {"Authorization": "Bearer sim-admin-key"}
JIRA = ("bot@example.com", "sim-jira-scoped-token")  # through the gateway
JIRA_AT_SITE = ("bot@example.com", "sim-jira-token")  # a classic token, at the site


@cache
def example() -> Inventory:
    return parse_inventory(EXAMPLE.read_bytes(), source=str(EXAMPLE))


ORG = example().org_id
ACME = example().sites[0].cloud_id
JSW_ACME = "7d1e0a52-jsw-acme"
SSO = "7d1e0a58-eng-sso"
BOB = "557058:00000002-0000-4000-8000-000000000002"
CAROL = "557058:00000003-0000-4000-8000-000000000003"
PEGGY = "557058:00000014-0000-4000-8000-000000000014"
V1 = f"/admin/v1/orgs/{ORG}"
V2 = f"/admin/v2/orgs/{ORG}/directories"
DIRECTORY = org_directory_id(ORG)
DIR = f"{V2}/{DIRECTORY}"  # where changes go: one real directory, never `-`
API = f"/ex/jira/{ACME}/rest/api/3"
SITE_API = "/site/acme/rest/api/3"


@dataclass(frozen=True)
class AtlassianSim:
    """A running Atlassian simulator."""

    base_url: str
    config: SimConfig

    def environ(self, *, jira_api: JiraApi = "site", **overrides: str) -> dict[str, str]:
        """What `accessctl` reads to reach it (DESIGN §3: base URLs may be overridden), with
        the Jira token of the kind `jira_api` takes: classic at the site, scoped through the
        gateway."""
        return {
            **connector_environment(
                api_base=self.base_url,
                site_url_template=site_url_template(self.base_url),
                admin_key=self.config.admin_key,
                jira_email=self.config.jira_email,
                jira_token=self.jira_token(jira_api),
            ),
            **overrides,
        }

    def jira_token(self, jira_api: JiraApi) -> str:
        return self.config.jira_token if jira_api == "site" else self.config.jira_scoped_token

    def credentials(self, *, jira_api: JiraApi = "site", **wrong: str) -> Credentials:
        values = {
            "admin_api_key": self.config.admin_key,
            "jira_email": self.config.jira_email,
            "jira_api_token": self.jira_token(jira_api),
            **wrong,
        }
        template = site_url_template(self.base_url)
        return Credentials(api_base=self.base_url, site_url_template=template, **values)

    def stats(self) -> dict[str, Any]:
        """The simulator's request and fault counters."""
        answer = httpx.get(f"{self.base_url}/__sim/stats", timeout=10)
        answer.raise_for_status()
        return dict(answer.json())

    def inventory(self) -> Inventory:
        """The organization as the simulator holds it now, changes included."""
        answer = httpx.get(f"{self.base_url}/__sim/inventory", timeout=10)
        answer.raise_for_status()
        return parse_inventory(answer.content, source="simulator")

    def reset(self) -> None:
        """Back to the seed, every counter at zero."""
        httpx.post(f"{self.base_url}/__sim/reset", timeout=10).raise_for_status()


ServeAtlassian = Callable[..., AtlassianSim]  # the `atlassian_sim` fixture: (organization, config)
QUICK = SimConfig(latency_ms=0)  # the `atlassian_sim` fixture's config unless a test gives one


# A scoped token with Jira's classic scopes reaches every endpoint the simulator serves.
EVERY_JIRA_SCOPE = ("manage:jira-configuration", "read:jira-user", "read:jira-work")


@contextmanager
def serving(inventory: Inventory | None = None, **config: Any) -> Iterator[httpx.Client]:
    """The simulator on a free loopback port, with a plain httpx client pointed at it; the
    scoped token (`JIRA`) may call every Jira endpoint unless `jira_token_scopes` say less."""
    settings = {"jira_token_scopes": EVERY_JIRA_SCOPE, **config}
    app = create_app(inventory or example(), SimConfig(**settings))
    with running(app) as base_url, httpx.Client(base_url=base_url, timeout=5) as client:
        yield client


def snapshot(client: httpx.Client) -> Inventory:
    return parse_inventory(client.get("/__sim/inventory").content, source="simulator")


def people(count: int, *, groups: tuple[str, ...] = (JSW_ACME,)) -> tuple[Account, ...]:
    return tuple(
        Account(
            account_id=f"557058:p{index:04d}",
            email=f"person{index}@acme.example",
            name=f"Person {index:04d}",
            groups=groups,
        )
        for index in range(count)
    )


def org_with(
    *,
    accounts: tuple[Account, ...] = (),
    groups: tuple[Group, ...] | None = None,
    seats: tuple[Seats, ...] | None = None,
) -> Inventory:
    base = example()
    update: dict[str, Any] = {"accounts": accounts}
    if groups is not None:
        update["groups"] = groups
    if seats is not None:
        update["seats"] = seats
    return base.model_copy(update=update)


def active_on(*places: tuple[str, str]) -> tuple[Activity, ...]:
    return tuple(Activity(site=s, product=p, last_active=NOW) for s, p in places)


# -- OpenAPI -------------------------------------------------------------------------------------


@cache
def openapi() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(OPENAPI.read_text())
    return loaded


def assert_matches_openapi(body: Any, *, path: str, method: str = "get", status: int = 200) -> None:
    """Validate a Jira answer against the response schema Atlassian publishes for it."""
    response = openapi()["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    assert_matches_schema(body, schema)


def assert_matches_schema(body: Any, schema: dict[str, Any]) -> None:
    # `$ref`s point into `#/components/schemas`, so the document's components ride along.
    rooted = {**schema, "components": openapi()["components"]}
    jsonschema.Draft7Validator(rooted).validate(body)


def assert_error_collection(body: Any) -> None:
    assert_matches_schema(body, {"$ref": "#/components/schemas/ErrorCollection"})
    assert body["errorMessages"]
