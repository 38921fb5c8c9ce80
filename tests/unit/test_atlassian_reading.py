"""Reading an inventory: activity per site and product, and the last-active fallback only where
a seat holder's activity is missing. A small fake Atlassian answers over MockTransport."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from controller.adapters.atlassian import AtlassianDirectory, fetch_inventory
from controller.adapters.atlassian.batch_sizes import ACCOUNT_IDS_PER_SEARCH
from controller.adapters.http_boundary.errors import Rejected
from controller.core.policy.models import Organization
from controller.core.reconcile.activity_needs import ActivityNeeds
from controller.core.snapshot import Activity, Inventory
from tests.unit.atlassian_fakes import make_client

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
ORG = Organization.model_validate(
    {
        "version": 1,
        "kind": "Organization",
        "org_id": "org-1",
        "sites": [
            {"name": "acme", "url": "https://acme.atlassian.net", "cloud_id": "cloud-acme"},
            {"name": "labs", "url": "https://labs.atlassian.net", "cloud_id": "cloud-labs"},
        ],
    }
)
GROUPS = {"g-jsw": "jira-software-users", "g-labs": "jira-software-users-labs", "g-staff": "staff"}
ROLES: dict[str, list[tuple[str, list[str], int | None]]] = {
    "cloud-acme": [("jira-software", ["g-jsw"], 10)],
    "cloud-labs": [("jira-software", ["g-labs"], None)],
}
# Admin API v2 role assignments: (product, cloud, roles) per group; Jira ones repeat ROLES.
ASSIGNMENTS: dict[str, list[tuple[str, str, list[str]]]] = {
    "g-jsw": [("jira-software", "cloud-acme", ["atlassian/user"])],
    "g-labs": [
        ("jira-software", "cloud-labs", ["atlassian/user"]),
        ("confluence", "cloud-labs", ["atlassian/guest"]),  # no seat
    ],
    "g-conf": [
        ("confluence", "cloud-acme", ["atlassian/user"]),
        ("confluence", "cloud-elsewhere", ["atlassian/user"]),  # not our site
    ],
}
GROUPS["g-conf"] = "confluence-users"
CLOUD_OF_HOST = {"acme.atlassian.net": "cloud-acme", "labs.atlassian.net": "cloud-labs"}


def access(product: str, cloud: str, when: str, key: str = "jira") -> dict[str, str]:
    return {"key": key, "id": f"ari:cloud:{product}::site/{cloud}", "lastActiveTimestamp": when}


def user(account_id: str, *groups: str, **fields: Any) -> dict[str, Any]:
    base = {
        "accountId": account_id,
        "accountType": "atlassian",
        "status": "active",
        "claimStatus": "managed",
        "managementSource": "invited",
        "name": account_id.title(),
        "email": f"{account_id}@acme.example",
        "addedToOrg": "2024-01-02T00:00:00Z",
        "platformRoles": [],
        "groups": [{"id": g, "name": GROUPS[g]} for g in groups],
        "productAccess": [],
    }
    return {**base, **fields}


class FakeAtlassian:
    """Just enough of the Admin API and Jira to read an inventory; records every request."""

    def __init__(self, users: list[dict[str, Any]], *, last_active: dict[str, Any] | None = None):
        self.users = users
        self.last_active = last_active or {}
        self.requests: list[httpx.Request] = []
        self.caller_header = True
        self.synced_groups: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/directories"):
            directory = {"directoryId": "dir-1", "name": "Managed accounts"}
            return httpx.Response(200, json={"data": [directory], "links": {"next": None}})
        if path.endswith("/users/search"):
            return self.search(json.loads(request.content))
        if path.endswith("/groups/search"):
            return httpx.Response(200, json={"data": self.groups(), "links": {"next": None}})
        if path.endswith("/role-assignments"):
            group_id = path.split("/")[-2]
            return httpx.Response(200, json={"data": self.assignments(group_id), "links": {}})
        if path.endswith("/last-active-dates"):
            account_id = path.split("/")[-2]
            data = {"product_access": self.last_active.get(account_id, [])}
            return httpx.Response(200, json={"data": data, "links": {"next": None}})
        cloud = CLOUD_OF_HOST.get(request.url.host) or path.split("/")[3]
        headers = {"X-AAccountId": "bot-1"} if self.caller_header else {}
        if path.endswith("/applicationrole"):
            return httpx.Response(200, json=self.roles(cloud), headers=headers)
        if path.endswith("/myself"):
            return httpx.Response(200, json={"accountId": "bot-from-myself"})
        return httpx.Response(404, json={"errorMessages": ["no such endpoint"]})

    def search(self, body: dict[str, Any]) -> httpx.Response:
        wanted = body.get("accountIds")
        assert wanted is None or len(wanted) <= ACCOUNT_IDS_PER_SEARCH
        found = [u for u in self.users if wanted is None or u["accountId"] in wanted]
        return httpx.Response(200, json={"data": found, "links": {"next": None}})

    def groups(self) -> list[dict[str, Any]]:
        return [
            {"id": i, "name": n, "externalSynced": i in self.synced_groups}
            for i, n in GROUPS.items()
        ]

    @staticmethod
    def assignments(group_id: str) -> list[dict[str, Any]]:
        return [
            {"resourceId": f"ari:cloud:{product}::site/{cloud}", "roles": roles}
            for product, cloud, roles in ASSIGNMENTS.get(group_id, [])
        ]

    @staticmethod
    def roles(cloud: str) -> list[dict[str, Any]]:
        return [
            {
                "key": key,
                "groupDetails": [{"groupId": g, "name": GROUPS[g]} for g in groups],
                "numberOfSeats": -1 if seats is None else seats,
                "hasUnlimitedSeats": seats is None,
            }
            for key, groups, seats in ROLES[cloud]
        ]

    def last_active_calls(self) -> set[str]:
        return {r.url.path.split("/")[-2] for r in self.requests if "last-active" in r.url.path}


def read(fake: FakeAtlassian) -> Inventory:
    return fetch_inventory(ORG, client=make_client(fake), taken_at=NOW)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_activity_stays_per_site_and_product() -> None:
    alice = user(
        "alice",
        "g-jsw",
        "g-labs",
        productAccess=[
            access("jira-software", "cloud-acme", "2026-11-01T10:00:00Z"),
            access("jira-software", "cloud-labs", "2026-11-20T10:00:00Z"),
            access("confluence", "cloud-acme", "2026-11-22T10:00:00Z", key="confluence"),
            access("jira-software", "cloud-elsewhere", "2026-11-23T00:00:00Z"),
        ],
    )
    account = read(FakeAtlassian([alice])).accounts[0]
    assert account.last_active("acme", "jira-software") == instant("2026-11-01T10:00:00Z")
    assert account.last_active("labs", "jira-software") == instant("2026-11-20T10:00:00Z")
    assert account.last_active("acme", "confluence") == instant("2026-11-22T10:00:00Z")
    assert len(account.activity) == 3  # the site outside the Organization is left out


def test_product_key_falls_back_to_key_when_the_ari_names_none() -> None:
    entry = {
        "key": "jira-servicedesk",
        "id": "ari:cloud:::site/cloud-acme",
        "lastActiveTimestamp": "2026-11-01T00:00:00Z",
    }
    bob = user("bob", "g-staff", productAccess=[entry])
    account = read(FakeAtlassian([bob])).accounts[0]
    assert account.last_active("acme", "jira-servicedesk") == instant("2026-11-01T00:00:00Z")


@pytest.mark.parametrize(
    ("account", "needs_fallback"),
    [
        (
            user(
                "seated-active",
                "g-jsw",
                productAccess=[access("jira-software", "cloud-acme", "2026-11-01T00:00:00Z")],
            ),
            False,
        ),
        (user("seated-missing", "g-jsw"), True),
        (
            user(
                "seated-other-site-only",
                "g-jsw",
                "g-labs",
                productAccess=[access("jira-software", "cloud-labs", "2026-11-01T00:00:00Z")],
            ),
            True,
        ),
        (user("no-seat", "g-staff"), False),
        (user("suspended", "g-jsw", status="suspended", membershipStatus="suspended"), False),
        (user("app", "g-jsw", accountType="app"), False),
        (user("customer", accountType="customer"), False),
    ],
    ids=lambda value: value["accountId"] if isinstance(value, dict) else str(value),
)
def test_last_active_dates_only_for_seat_holders_missing_activity(
    account: dict[str, Any], needs_fallback: bool
) -> None:
    fake = FakeAtlassian([account])
    read(fake)
    assert fake.last_active_calls() == ({account["accountId"]} if needs_fallback else set())


def test_fallback_activity_is_merged_with_the_search() -> None:
    carol = user(
        "carol",
        "g-jsw",
        "g-labs",
        productAccess=[access("jira-software", "cloud-labs", "2026-11-20T00:00:00Z")],
    )
    v1 = [
        {"id": "ari:cloud:jira-software::site/cloud-acme", "last_active": "2026-10-01"},
        {
            "id": "ari:cloud:jira-software::site/cloud-labs",
            "last_active_timestamp": "2026-11-10T00:00:00Z",
        },
    ]
    account = read(FakeAtlassian([carol], last_active={"carol": v1})).accounts[0]
    assert account.activity == (
        Activity(site="acme", product="jira-software", last_active=instant("2026-10-01T00:00:00Z")),
        Activity(site="labs", product="jira-software", last_active=instant("2026-11-20T00:00:00Z")),
    )


def test_groups_seats_status_and_caller() -> None:
    dave = user("dave", "g-jsw", status="deactivated", accountStatus="inactive")
    erin = user("erin", "g-staff", platformRoles=["atlassian/site-admin"], email=None)
    inventory = read(FakeAtlassian([dave, erin]))
    assert inventory.fetched_by == "bot-1"
    assert {(g.id, g.seats) for g in inventory.groups} == {
        ("g-jsw", (("acme", "jira-software"),)),
        ("g-labs", (("labs", "jira-software"),)),
        ("g-conf", (("acme", "confluence"),)),
        ("g-staff", ()),
    }
    assert {(s.site, s.product, s.limit) for s in inventory.seats} == {
        ("acme", "jira-software", 10),
        ("labs", "jira-software", None),
        ("acme", "confluence", None),  # the Admin API reports no seat limits
    }
    by_id = {a.account_id: a for a in inventory.accounts}
    assert by_id["dave"].status == "deactivated"
    assert by_id["erin"].email is None
    assert by_id["erin"].platform_roles == ("atlassian/site-admin",)


@pytest.mark.parametrize(
    ("jira_api", "urls"),
    [
        (
            "site",
            {
                "https://acme.atlassian.net/rest/api/3/applicationrole",
                "https://labs.atlassian.net/rest/api/3/applicationrole",
            },
        ),
        (
            "gateway",
            {
                "https://api.test/ex/jira/cloud-acme/rest/api/3/applicationrole",
                "https://api.test/ex/jira/cloud-labs/rest/api/3/applicationrole",
            },
        ),
    ],
)
def test_jira_is_read_where_the_token_kind_says(jira_api: str, urls: set[str]) -> None:
    fake = FakeAtlassian([user("ivy", "g-jsw")])
    organization = ORG.model_copy(update={"jira_api": jira_api})
    inventory = fetch_inventory(organization, client=make_client(fake), taken_at=NOW)
    assert {str(r.url) for r in fake.requests if "/rest/api/3/" in r.url.path} == urls
    assert inventory.fetched_by == "bot-1"
    assert all(
        "/directories/dir-1/" in str(r.url)
        for r in fake.requests
        if "/v2/" in r.url.path and not r.url.path.endswith("/directories")
    )


def test_caller_comes_from_myself_when_the_header_is_missing() -> None:
    fake = FakeAtlassian([user("frank", "g-staff")])
    fake.caller_header = False
    assert read(fake).fetched_by == "bot-from-myself"


def test_idp_synced_groups_come_from_the_group_search_not_from_members() -> None:
    fake = FakeAtlassian([user("a", "g-jsw", managementSource="synced"), user("b", "g-staff")])
    fake.synced_groups = {"g-staff"}
    managed_by = {g.id: g.managed_by for g in read(fake).groups}
    assert managed_by == {
        "g-jsw": "atlassian",
        "g-labs": "atlassian",
        "g-conf": "atlassian",
        "g-staff": "idp",
    }


def test_a_confluence_seat_holder_without_confluence_activity_gets_the_fallback() -> None:
    used_labs_jira = [access("jira-software", "cloud-labs", "2026-11-01T00:00:00Z")]
    hank = user("hank", "g-labs", productAccess=used_labs_jira)
    fake = FakeAtlassian([user("gina", "g-conf"), hank])
    read(fake)
    # gina holds a Confluence seat on acme; hank's Confluence role on labs is a guest's (no seat).
    assert fake.last_active_calls() == {"gina"}


# --- more searches than workers ---------------------------------------------------------------


def seat_holders(count: int) -> list[dict[str, Any]]:
    return [user(f"p{index:04d}", "g-jsw") for index in range(count)]


@pytest.mark.timeout(20)
@pytest.mark.parametrize("max_in_flight", [1, 2, 4])
def test_a_recheck_of_many_batches_never_waits_on_work_queued_behind_it(
    max_in_flight: int,
) -> None:
    fake = FakeAtlassian(seat_holders(1_250))  # 13 searches of 100; every one needs a fallback
    directory = AtlassianDirectory(make_client(fake, max_in_flight=max_in_flight), ORG)
    fetched = directory.fetch_accounts(u["accountId"] for u in fake.users)
    assert len(fetched.accounts) == 1_250
    assert len(fake.last_active_calls()) == 1_250


class Failing(FakeAtlassian):
    """The fake, with one kind of call answering 400 every time."""

    def __init__(self, users: list[dict[str, Any]], *, failing: str) -> None:
        super().__init__(users)
        self.failing = failing

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(self.failing):
            self.requests.append(request)
            return httpx.Response(400, json={"errors": [{"title": "refused"}]})
        return super().__call__(request)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("failing", ["/users/search", "/groups/search", "/role-assignments"])
def test_a_failed_read_among_many_batches_ends_the_recheck_with_its_error(failing: str) -> None:
    fake = Failing(seat_holders(1_250), failing=failing)
    directory = AtlassianDirectory(make_client(fake, max_in_flight=2), ORG)
    with pytest.raises(Rejected, match="refused"):
        directory.fetch_accounts(u["accountId"] for u in fake.users)


# --- only where the answer can decide ---------------------------------------------------------

FOR_A_PLAN = ActivityNeeds(
    governed=frozenset({("acme", "jira-software")}),
    anywhere=frozenset({"named@acme.example", "557058:named-by-id"}),
)


@pytest.mark.parametrize(
    ("account", "needs_fallback"),
    [
        (user("governed-missing", "g-jsw"), True),
        (user("ungoverned-missing", "g-conf"), False),
        (user("other-site-missing", "g-labs"), False),
        (user("named", "g-conf", email="Named@ACME.example"), True),
        (user("557058:Named-By-Id", "g-conf", email=None), True),
        (
            user(
                "governed-seen",
                "g-jsw",
                "g-conf",
                productAccess=[access("jira-software", "cloud-acme", "2026-11-01T00:00:00Z")],
            ),
            False,
        ),
    ],
    ids=lambda value: value["accountId"] if isinstance(value, dict) else str(value),
)
def test_last_active_dates_only_where_the_answer_can_change_a_decision(
    account: dict[str, Any], needs_fallback: bool
) -> None:
    fake = FakeAtlassian([account])
    fetch_inventory(ORG, client=make_client(fake), taken_at=NOW, needs=FOR_A_PLAN)
    assert fake.last_active_calls() == ({account["accountId"]} if needs_fallback else set())
