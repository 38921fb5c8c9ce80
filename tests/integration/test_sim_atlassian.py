"""The Atlassian Cloud simulator over real HTTP: documented shapes, paging, auth, shared state."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from controller.core.snapshot import Account, Group, Inventory, Seats
from controller.sim.atlassian import SimConfig
from controller.sim.atlassian.jira import SCOPES
from controller.sim.generate import generate_org
from tests.integration.sim_atlassian_support import (
    ACME,
    ADMIN,
    API,
    BOB,
    CAROL,
    DIR,
    DIRECTORY,
    JIRA,
    JIRA_AT_SITE,
    JSW_ACME,
    NOW,
    ORG,
    PEGGY,
    SITE_API,
    SSO,
    V1,
    V2,
    active_on,
    assert_error_collection,
    assert_matches_openapi,
    example,
    openapi,
    org_with,
    people,
    snapshot,
)

pytestmark = pytest.mark.integration
SPEC = "/rest/api/3"


@pytest.fixture
def sim(atlassian_api: Callable[..., httpx.Client]) -> httpx.Client:
    return atlassian_api()


# -- Jira: every endpoint validates against Atlassian's OpenAPI --------------------------------

JIRA_READS: list[tuple[str, dict[str, Any], str]] = [
    ("myself", {}, "/myself"),
    ("mypermissions", {"permissions": "ADMINISTER,USER_PICKER"}, "/mypermissions"),
    ("applicationrole", {}, "/applicationrole"),
    ("applicationrole/jira-software", {}, "/applicationrole/{key}"),
    ("group/bulk", {"applicationKey": "jira-software", "accessType": "user"}, "/group/bulk"),
    ("group/member", {"groupId": JSW_ACME, "maxResults": 5}, "/group/member"),
    ("group/member", {"groupname": "staff", "includeInactiveUsers": "true"}, "/group/member"),
    ("users/search", {"maxResults": 1000}, "/users/search"),
    ("user/groups", {"accountId": BOB}, "/user/groups"),
]


DOORS = {"gateway": (API, JIRA), "site": (SITE_API, JIRA_AT_SITE)}


@pytest.mark.parametrize("door", sorted(DOORS))
@pytest.mark.parametrize(
    ("endpoint", "params", "spec_path"), JIRA_READS, ids=[f"{e}-{len(p)}" for e, p, _ in JIRA_READS]
)
def test_jira_reads_match_the_openapi_document(
    sim: httpx.Client, endpoint: str, params: dict[str, Any], spec_path: str, door: str
) -> None:
    prefix, auth = DOORS[door]
    response = sim.get(f"{prefix}/{endpoint}", params=params, auth=auth)

    assert response.status_code == 200, response.text
    assert_matches_openapi(response.json(), path=SPEC + spec_path)
    assert response.headers["X-AAccountId"] == example().fetched_by


def test_jira_group_user_add_and_remove_match_the_openapi_document(sim: httpx.Client) -> None:
    added = sim.post(
        f"{API}/group/user",
        params={"groupId": "7d1e0a53-jira-testers"},
        json={"accountId": BOB},
        auth=JIRA,
    )
    removed = sim.delete(
        f"{API}/group/user", params={"groupname": "jira-testers", "accountId": BOB}, auth=JIRA
    )

    assert added.status_code == 201
    assert_matches_openapi(added.json(), path=f"{SPEC}/group/user", method="post", status=201)
    assert added.json()["name"] == "jira-testers"
    assert removed.status_code == 200
    assert removed.content == b""


def test_hidden_email_is_left_out_of_jira_users(sim: httpx.Client) -> None:
    users = sim.get(f"{API}/users/search", params={"maxResults": 100}, auth=JIRA).json()
    peggy = next(u for u in users if u["accountId"] == PEGGY)

    assert "emailAddress" not in peggy
    assert len(users) == len(example().accounts)


def test_myself_is_the_snapshot_reader(sim: httpx.Client) -> None:
    me = sim.get(f"{API}/myself", auth=JIRA).json()

    assert me["accountId"] == example().fetched_by
    assert me["emailAddress"] == "accessctl-bot@acme.example"


def test_myself_without_a_reader_is_a_generated_bot(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    client = atlassian_api(example().model_copy(update={"fetched_by": None}))
    response = client.get(f"{API}/myself", auth=JIRA)

    assert_matches_openapi(response.json(), path=f"{SPEC}/myself")
    assert response.json()["accountId"].startswith("557058:")
    assert response.json()["emailAddress"] == "bot@example.com"
    assert response.headers["X-AAccountId"] == response.json()["accountId"]


def test_application_roles_come_from_seats_and_granting_groups(sim: httpx.Client) -> None:
    roles = {r["key"]: r for r in sim.get(f"{API}/applicationrole", auth=JIRA).json()}

    software = roles["jira-software"]
    assert set(roles) == {"jira-software", "jira-servicedesk"}  # Confluence is not a Jira role
    assert software["numberOfSeats"] == 25
    assert software["userCount"] == 16  # controller.core.snapshot.seat_counts of the example
    assert software["remainingSeats"] == 9
    assert software["hasUnlimitedSeats"] is False
    assert software["defaultGroups"] == ["jira-software-users-acme"]
    assert set(software["groups"]) == {
        "engineering-sso",
        "jira-administrators",
        "jira-software-users-acme",
        "jira-testers",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"applicationKey": "jira-servicedesk"}, ["jira-servicedesk-users-acme"]),
        ({"accessType": "admin"}, ["jira-administrators"]),
        ({"groupName": ["staff", "contractors"]}, ["contractors", "staff"]),
        ({"groupId": SSO}, ["engineering-sso"]),
    ],
    ids=["application", "admin", "names", "id"],
)
def test_group_bulk_filters(sim: httpx.Client, params: dict[str, Any], expected: list[str]) -> None:
    page = sim.get(f"{API}/group/bulk", params=params, auth=JIRA).json()

    assert [g["name"] for g in page["values"]] == expected


def test_group_bulk_site_admin_access_type_fails_as_documented(sim: httpx.Client) -> None:
    response = sim.get(f"{API}/group/bulk", params={"accessType": "site-admin"}, auth=JIRA)

    assert response.status_code == 500
    assert response.json()["errorMessages"] == [
        "Couldn't retrieve groups with the site-admin accessType."
    ]


@pytest.mark.parametrize(
    ("method", "endpoint", "params", "status"),
    [
        ("GET", "group/member", {}, 400),
        ("GET", "group/member", {"groupname": "no-such-group"}, 404),
        ("GET", "group/member", {"groupId": JSW_ACME, "startAt": "x"}, 400),
        ("GET", "user/groups", {"accountId": "557058:nobody"}, 404),
        ("GET", "applicationrole/confluence", {}, 404),
        ("DELETE", "group/user", {"groupId": JSW_ACME, "accountId": "557058:nobody"}, 404),
        ("DELETE", "group/user", {"groupId": "7d1e0a53-jira-testers", "accountId": BOB}, 400),
        ("GET", "no/such/endpoint", {}, 404),
    ],
    ids=[
        "no-group",
        "unknown-group",
        "bad-int",
        "unknown-user",
        "unknown-role",
        "delete-unknown",
        "not-a-member",
        "unknown-path",
    ],
)
def test_jira_errors_are_error_collections(
    sim: httpx.Client, method: str, endpoint: str, params: dict[str, Any], status: int
) -> None:
    response = sim.request(method, f"{API}/{endpoint}", params=params, auth=JIRA)

    assert response.status_code == status
    assert_error_collection(response.json())


def test_unknown_cloud_id_is_404(sim: httpx.Client) -> None:
    response = sim.get("/ex/jira/not-a-site/rest/api/3/myself", auth=JIRA)

    assert response.status_code == 404
    assert_error_collection(response.json())


# -- Admin API shapes ---------------------------------------------------------------------------


def test_v1_users_are_managed_accounts_in_snake_case(sim: httpx.Client) -> None:
    body = sim.get(f"{V1}/users", headers=ADMIN).json()
    carol = next(u for u in body["data"] if u["account_id"] == CAROL)

    assert set(carol) == {
        "account_id",
        "account_type",
        "account_status",
        "name",
        "picture",
        "email",
        "access_billable",
        "last_active",
        "product_access",
        "links",
    }
    assert carol["last_active"] == "2026-11-22T08:00:00Z"
    assert carol["product_access"][0] == {
        "key": "confluence",
        "name": "Confluence",
        "url": "https://acme.atlassian.net",
        "last_active": "2026-11-22",
    }
    ids = {u["account_id"] for u in body["data"]}
    assert PEGGY not in ids  # hidden e-mail: an external, unmanaged account
    assert all(u["account_type"] == "atlassian" for u in body["data"])
    assert body["meta"]["total"] == len(body["data"])
    assert body["links"]["next"] is None


def test_v1_last_active_dates_name_site_aris(sim: httpx.Client) -> None:
    body = sim.get(f"{V1}/directory/users/{CAROL}/last-active-dates", headers=ADMIN).json()

    assert body == {
        "data": {
            "product_access": [
                {
                    "id": f"ari:cloud:confluence::site/{ACME}",
                    "key": "confluence",
                    "last_active": "2026-11-22",
                    "last_active_timestamp": "2026-11-22T08:00:00Z",
                },
                {
                    "id": f"ari:cloud:jira-software::site/{ACME}",
                    "key": "jira-software",
                    "last_active": "2026-07-15",
                    "last_active_timestamp": "2026-07-15T12:00:00Z",
                },
            ],
            "added_to_org": "2024-01-15",
            "added_to_org_timestamp": "2024-01-15T09:00:00Z",
        },
        "links": {"next": None},
    }


def test_v2_directories_and_search_with_every_expand(sim: httpx.Client) -> None:
    directories = sim.get(V2, headers=ADMIN).json()
    directory = directories["data"][0]["directoryId"]
    body = {"accountIds": [CAROL], "expand": ["productAccess", "groups", "platformRoles"]}
    found = sim.post(f"{V2}/{directory}/users/search", headers=ADMIN, json=body).json()
    carol = found["data"][0]

    assert set(directories["links"]) == {"self", "prev", "next"}
    assert carol["accountId"] == CAROL
    assert carol["status"] == carol["accountStatus"] == carol["membershipStatus"] == "active"
    assert carol["email"] == "carol@acme.example"
    assert carol["claimStatus"] == "managed"
    assert carol["managementSource"] == "invited"
    assert carol["addedToOrg"] == "2024-01-15T09:00:00Z"
    assert carol["platformRoles"] == []
    assert carol["productAccess"] == [
        {
            "key": "confluence",
            "id": f"ari:cloud:confluence::site/{ACME}",
            "lastActiveTimestamp": "2026-11-22T08:00:00Z",
        },
        {
            "key": "jira-software",
            "id": f"ari:cloud:jira-software::site/{ACME}",
            "lastActiveTimestamp": "2026-07-15T12:00:00Z",
        },
    ]
    assert {"id": JSW_ACME, "name": "jira-software-users-acme", "description": None} in carol[
        "groups"
    ]
    assert found["links"]["next"] is None


def test_v2_search_leaves_out_unrequested_expansions_and_hidden_email(sim: httpx.Client) -> None:
    found = sim.post(f"{V2}/-/users/search", headers=ADMIN, json={"accountIds": [PEGGY]}).json()
    peggy = found["data"][0]

    assert "email" not in peggy
    assert peggy["claimStatus"] == "unmanaged"
    assert not {"productAccess", "groups", "platformRoles"} & set(peggy)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"emails": ["BOB@acme.example"]}, [BOB]),
        ({"groupIds": ["7d1e0a53-jira-testers"]}, ["557058:00000017-0000-4000-8000-000000000017"]),
        ({"status": ["suspended"]}, ["557058:00000013-0000-4000-8000-000000000013"]),
        (
            {"resourceIds": [f"ari:cloud:jira-servicedesk::site/{ACME}"]},
            [
                "557058:00000018-0000-4000-8000-000000000018",
                "557058:00000019-0000-4000-8000-000000000019",
            ],
        ),
        ({"roleIds": ["atlassian/site-admin"]}, ["557058:00000008-0000-4000-8000-000000000008"]),
    ],
    ids=["emails", "groupIds", "status", "resourceIds", "roleIds"],
)
def test_v2_search_filters(sim: httpx.Client, body: dict[str, Any], expected: list[str]) -> None:
    found = sim.post(f"{V2}/-/users/search", headers=ADMIN, json=body).json()

    assert [u["accountId"] for u in found["data"]] == expected


def test_v2_group_search_names_every_group_and_its_idp_flag(sim: httpx.Client) -> None:
    found = sim.post(f"{V2}/-/groups/search", headers=ADMIN, json={"limit": 100}).json()
    by_id = {g["id"]: g for g in found["data"]}

    assert set(by_id) == {g.id for g in example().groups}
    assert by_id[SSO]["name"] == "engineering-sso"
    assert by_id[SSO]["externalSynced"] is True
    assert by_id[SSO]["managedBy"] == "external"
    assert by_id[SSO]["managementAccess"]["modifiable"] is False
    assert by_id[JSW_ACME]["externalSynced"] is False
    assert by_id[JSW_ACME]["managedBy"] == "admins"
    assert set(by_id[JSW_ACME]) >= {"id", "name", "description", "directoryId", "links"}
    assert found["links"]["next"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"groupIds": [SSO, "no-such-group"]}, ["engineering-sso"]),
        ({"groupNames": ["STAFF"]}, ["staff"]),
        ({"searchTerm": "confluence"}, ["confluence-users-acme"]),
    ],
    ids=["groupIds", "groupNames", "searchTerm"],
)
def test_v2_group_search_filters(
    sim: httpx.Client, body: dict[str, Any], expected: list[str]
) -> None:
    found = sim.post(f"{V2}/-/groups/search", headers=ADMIN, json=body).json()

    assert [g["name"] for g in found["data"]] == expected


def test_v2_group_search_defaults_to_20_a_page(atlassian_api: Callable[..., httpx.Client]) -> None:
    groups = tuple(Group(id=f"g{i:02d}", name=f"group-{i}") for i in range(25))
    client = atlassian_api(org_with(groups=groups, seats=()))
    first = client.post(f"{V2}/-/groups/search", headers=ADMIN, json={}).json()
    cursor = {"cursor": first["links"]["next"]}
    rest = client.post(f"{V2}/-/groups/search", headers=ADMIN, json=cursor).json()

    assert len(first["data"]) == 20
    assert len(rest["data"]) == 5
    assert rest["links"]["next"] is None


def test_v2_group_role_assignments_name_each_product_instance(sim: httpx.Client) -> None:
    path = f"{V2}/-/groups/{SSO}/role-assignments"
    found = sim.get(path, headers=ADMIN).json()
    org_wide = sim.get(f"{V2}/-/groups/7d1e0a59-staff/role-assignments", headers=ADMIN).json()

    assert found["data"] == [
        {
            "resourceId": f"ari:cloud:confluence::site/{ACME}",
            "resourceOwner": "confluence",
            "defaultRole": "atlassian/user",
            "roles": ["atlassian/user"],
        },
        {
            "resourceId": f"ari:cloud:jira-software::site/{ACME}",
            "resourceOwner": "jira",
            "defaultRole": "atlassian/user",
            "roles": ["atlassian/user"],
        },
    ]
    assert found["links"]["next"] is None
    assert org_wide["data"] == []


def test_v2_group_role_assignments_page_by_cursor(sim: httpx.Client) -> None:
    path = f"{V2}/-/groups/{SSO}/role-assignments"
    first = sim.get(path, headers=ADMIN, params={"limit": 1}).json()
    second = sim.get(path, headers=ADMIN, params={"cursor": first["links"]["next"]}).json()

    assert [a["resourceId"] for a in first["data"] + second["data"]] == [
        f"ari:cloud:confluence::site/{ACME}",
        f"ari:cloud:jira-software::site/{ACME}",
    ]
    assert second["links"]["next"] is None


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"{V2}/-/groups/no-such-group/role-assignments", 404, "ADMIN-404-10"),
        (f"{V2}/-/groups/{SSO}/role-assignments?limit=101", 400, None),
        (f"{V2}/-/groups/{SSO}/role-assignments?cursor=garbage", 400, "ADMIN-400-1"),
        (f"{V2}/other-directory/groups/{SSO}/role-assignments", 404, "ADMIN-404-1"),
    ],
    ids=["group", "limit", "cursor", "directory"],
)
def test_v2_group_role_assignment_errors(
    sim: httpx.Client, path: str, status: int, code: str | None
) -> None:
    response = sim.get(path, headers=ADMIN)

    assert response.status_code == status
    if code is not None:
        assert response.json()["errors"][0]["code"] == code


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        (f"{V2}/-/users/search", {"limit": 101}, 400, None),
        (f"{V2}/-/users/search", {"emails": ["a@b"], "searchTerm": "a"}, 400, None),
        (f"{V2}/-/users/search", {"expand": ["PRODUCT_ACCESS"]}, 400, None),
        (f"{V2}/-/users/search", {"cursor": "not-a-cursor"}, 400, "ADMIN-400-1"),
        (f"{V2}/-/users/search", {"resourceIds": ["acme"]}, 400, "ADMIN-400-4"),
        (f"{V2}/-/users/search", {"unknownFilter": []}, 400, None),
        (f"{V2}/other-directory/users/search", {}, 404, "ADMIN-404-1"),
        ("/admin/v2/orgs/other-org/directories/-/users/search", {}, 404, "ADMIN-404-2"),
        (f"{V2}/-/groups/search", {"limit": 101}, 400, None),
        (f"{V2}/-/groups/search", {"groupNames": ["a"], "groupIds": ["b"]}, 400, None),
        (f"{V2}/-/groups/search", {"resourceIds": []}, 400, None),
        (f"{V2}/-/groups/search", {"cursor": "not-a-cursor"}, 400, "ADMIN-400-1"),
        ("/admin/v2/orgs/other-org/directories/-/groups/search", {}, 404, "ADMIN-404-2"),
    ],
    ids=[
        "limit",
        "emails-and-term",
        "expand-case",
        "cursor",
        "resource",
        "unknown-key",
        "directory",
        "org",
        "groups-limit",
        "groups-names-and-ids",
        "groups-unserved-filter",
        "groups-cursor",
        "groups-org",
    ],
)
def test_admin_errors_use_the_admin_error_shape(
    sim: httpx.Client, path: str, body: dict[str, Any], status: int, code: str | None
) -> None:
    response = sim.post(path, headers=ADMIN, json=body)
    errors = response.json()["errors"]

    assert response.status_code == status
    assert errors[0]["status"] == str(status)
    assert errors[0]["detail"]
    if code is not None:
        assert errors[0]["code"] == code


def test_v1_unknown_user_and_org(sim: httpx.Client) -> None:
    user = sim.get(f"{V1}/directory/users/557058:nobody/last-active-dates", headers=ADMIN)
    org = sim.get("/admin/v1/orgs/other/users", headers=ADMIN)

    assert (user.status_code, user.json()["errors"][0]["code"]) == (404, "ADMIN-404-8")
    assert (org.status_code, org.json()["errors"][0]["code"]) == (404, "ADMIN-404-2")


# -- pagination at the boundaries: 0, 1, a page, a page and one ---------------------------------

PAGE = 3
BOUNDARIES = [0, 1, PAGE, PAGE + 1]


def pages_needed(count: int) -> int:
    return max(1, -(-count // PAGE))


def v1_users(client: httpx.Client) -> tuple[int, list[str]]:
    pages, ids = 0, list[str]()
    url: str | None = f"{V1}/users"
    while url is not None:
        body = client.get(url, headers=ADMIN).json()
        pages, ids = pages + 1, ids + [u["account_id"] for u in body["data"]]
        url = body["links"]["next"]
        assert url is None or url.startswith("http://127.0.0.1:")  # v1: a FULL URL
    return pages, ids


def v2_search(client: httpx.Client) -> tuple[int, list[str]]:
    pages, ids = 0, list[str]()
    request: dict[str, Any] = {"limit": PAGE}
    while True:
        body = client.post(f"{V2}/-/users/search", headers=ADMIN, json=request).json()
        pages, ids = pages + 1, ids + [u["accountId"] for u in body["data"]]
        if body["links"]["next"] is None:
            return pages, ids
        assert not body["links"]["next"].startswith("http")  # v2: a bare cursor
        request = {"cursor": body["links"]["next"]}


def jira_members(client: httpx.Client) -> tuple[int, list[str]]:
    pages, ids, start = 0, list[str](), 0
    while True:
        params: dict[str, str | int] = {"groupId": JSW_ACME, "startAt": start, "maxResults": PAGE}
        body = client.get(f"{API}/group/member", params=params, auth=JIRA).json()
        assert_matches_openapi(body, path=f"{SPEC}/group/member")
        pages, ids = pages + 1, ids + [u["accountId"] for u in body["values"]]
        if body["isLast"]:
            assert "nextPage" not in body
            return pages, ids
        assert f"startAt={start + PAGE}" in body["nextPage"]
        start += PAGE


def jira_users(client: httpx.Client) -> tuple[int, list[str]]:
    pages, ids, start = 0, list[str](), 0
    while True:
        params = {"startAt": start, "maxResults": PAGE}
        batch = client.get(f"{API}/users/search", params=params, auth=JIRA).json()
        pages, ids = pages + 1, ids + [u["accountId"] for u in batch]
        if len(batch) < PAGE:  # a bare array: a short page is the last
            return pages, ids
        start += PAGE


STYLES: dict[str, Callable[[httpx.Client], tuple[int, list[str]]]] = {
    "v1-users": v1_users,
    "v2-search": v2_search,
    "jira-group-member": jira_members,
    "jira-users-search": jira_users,
}


@pytest.mark.parametrize("count", BOUNDARIES)
@pytest.mark.parametrize("style", sorted(STYLES))
def test_account_pagination_boundaries(
    atlassian_api: Callable[..., httpx.Client], style: str, count: int
) -> None:
    accounts = people(count)
    config = {"v1_users_page_size": PAGE, "jira_page_max": PAGE}

    client = atlassian_api(org_with(accounts=accounts), **config)
    pages, ids = STYLES[style](client)

    expected_pages = pages_needed(count)
    if style == "jira-users-search" and count and count % PAGE == 0:
        expected_pages += 1  # a full last page needs one more (empty) call to be sure
    assert sorted(ids) == sorted(a.account_id for a in accounts)
    assert pages == expected_pages


@pytest.mark.parametrize("count", BOUNDARIES)
def test_group_bulk_pagination_boundaries(
    atlassian_api: Callable[..., httpx.Client], count: int
) -> None:
    groups = tuple(Group(id=f"g{i}", name=f"group-{i}") for i in range(count))
    client = atlassian_api(org_with(groups=groups, seats=()))
    pages, names, start = 0, list[str](), 0
    while True:
        params = {"startAt": start, "maxResults": PAGE}
        body = client.get(f"{API}/group/bulk", params=params, auth=JIRA).json()
        assert_matches_openapi(body, path=f"{SPEC}/group/bulk")
        pages, names = pages + 1, names + [g["name"] for g in body["values"]]
        if body["isLast"]:
            break
        start += PAGE

    assert names == [g.name for g in groups]
    assert pages == pages_needed(count)


@pytest.mark.parametrize("count", BOUNDARIES)
def test_last_active_dates_pagination_boundaries(
    atlassian_api: Callable[..., httpx.Client], count: int
) -> None:
    places = [
        ("acme", "confluence"),
        ("acme", "jira-servicedesk"),
        ("acme", "jira-software"),
        ("acme-labs", "jira-software"),
    ][:count]
    account = replace(people(1)[0], activity=active_on(*places))
    client = atlassian_api(org_with(accounts=(account,)), last_active_page_size=PAGE)
    pages, keys, cursor = 0, list[str](), None
    while True:
        params: dict[str, str] = {"cursor": cursor} if cursor else {}
        url = f"{V1}/directory/users/{account.account_id}/last-active-dates"
        body = client.get(url, headers=ADMIN, params=params).json()
        pages, keys = pages + 1, keys + [p["key"] for p in body["data"]["product_access"]]
        cursor = body["links"]["next"]
        if cursor is None:
            break

    assert keys == [product for _, product in places]
    assert pages == pages_needed(count)


def test_v2_default_and_maximum_limit(atlassian_api: Callable[..., httpx.Client]) -> None:
    client = atlassian_api(org_with(accounts=people(120)))
    default = client.post(f"{V2}/-/users/search", headers=ADMIN, json={}).json()
    most = client.post(f"{V2}/-/users/search", headers=ADMIN, json={"limit": 100}).json()

    assert len(default["data"]) == 50
    assert len(most["data"]) == 100


# -- credentials --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers", "auth"),
    [
        (f"{V1}/users", {}, None),
        (f"{V1}/users", {"Authorization": "Bearer wrong"}, None),
        (f"{V1}/users", {}, JIRA),
        (f"{V2}", {"Authorization": "sim-admin-key"}, None),
        (f"{V2}/-/groups/{SSO}/role-assignments", {"Authorization": "Bearer wrong"}, None),
        (f"{API}/myself", {}, None),
        (f"{API}/myself", {}, ("bot@example.com", "wrong-token")),
        (f"{API}/myself", ADMIN, None),
        (f"{API}/myself", {"Authorization": "Basic !!!"}, None),
        (f"{SITE_API}/myself", {}, None),
        (f"{SITE_API}/myself", {}, ("bot@example.com", "wrong-token")),
        (f"{SITE_API}/myself", ADMIN, None),
    ],
    ids=[
        "admin-none",
        "admin-wrong",
        "admin-basic",
        "admin-no-bearer",
        "admin-role-assignments",
        "gateway-none",
        "gateway-wrong",
        "gateway-bearer",
        "gateway-garbage",
        "site-none",
        "site-wrong",
        "site-bearer",
    ],
)
def test_wrong_credentials_are_401_in_each_doors_style(
    sim: httpx.Client, path: str, headers: dict[str, str], auth: tuple[str, str] | None
) -> None:
    response = sim.get(path, headers=headers, auth=auth)

    assert response.status_code == 401
    assert "X-AAccountId" not in response.headers
    if path.startswith("/site/"):
        assert_error_collection(response.json())
    elif path.startswith("/ex/jira/"):
        assert response.json() == {"code": 401, "message": "Unauthorized"}  # the gateway's own
    else:
        assert response.json()["errors"][0]["status"] == "401"


@pytest.mark.parametrize(
    ("prefix", "token", "status"),
    [
        (SITE_API, "sim-jira-token", 200),
        (SITE_API, "sim-jira-scoped-token", 401),
        (API, "sim-jira-scoped-token", 200),
        (API, "sim-jira-token", 401),
    ],
    ids=["classic-at-site", "scoped-at-site", "scoped-via-gateway", "classic-via-gateway"],
)
def test_each_token_kind_works_only_where_atlassian_takes_it(
    sim: httpx.Client, prefix: str, token: str, status: int
) -> None:
    response = sim.get(f"{prefix}/applicationrole", auth=("bot@example.com", token))

    assert response.status_code == status


@pytest.mark.parametrize(
    ("scopes", "myself", "roles"),
    [
        (SimConfig().jira_token_scopes, 200, 200),  # what accessctl asks for: granular
        (("manage:jira-configuration", "read:jira-user"), 200, 200),  # classic
        (("read:jira-user",), 200, 401),
        (("read:application-role:jira",), 401, 200),
    ],
    ids=["accessctl-granular", "classic", "no-application-roles", "no-user-reads"],
)
def test_a_scoped_token_reaches_only_what_its_scopes_cover(
    atlassian_api: Callable[..., httpx.Client], scopes: tuple[str, ...], myself: int, roles: int
) -> None:
    client = atlassian_api(jira_token_scopes=scopes)
    me = client.get(f"{API}/myself", auth=JIRA)
    role = client.get(f"{API}/applicationrole", auth=JIRA)

    assert (me.status_code, role.status_code) == (myself, roles)
    if roles == 401:
        assert role.json() == {"code": 401, "message": "Unauthorized; scope does not match"}


@pytest.mark.parametrize(
    ("held", "administer", "roles", "members"),
    [
        (("ADMINISTER", "USER_PICKER"), True, 200, 200),
        (("USER_PICKER",), False, 403, 200),
        ((), False, 403, 403),
    ],
    ids=["jira-administrator", "browse-users-only", "no-global-permission"],
)
def test_jira_answers_by_the_callers_global_permissions(
    atlassian_api: Callable[..., httpx.Client],
    held: tuple[str, ...],
    administer: bool,
    roles: int,
    members: int,
) -> None:
    client = atlassian_api(jira_permissions=held)
    mine = client.get(f"{API}/mypermissions", params={"permissions": "ADMINISTER"}, auth=JIRA)
    role = client.get(f"{API}/applicationrole", auth=JIRA)
    member = client.get(f"{API}/group/member", params={"groupId": JSW_ACME}, auth=JIRA)

    assert mine.json()["permissions"]["ADMINISTER"]["havePermission"] is administer
    assert (role.status_code, member.status_code) == (roles, members)
    if members == 403:  # Atlassian documents the status, not a body: Jira's ErrorCollection
        assert member.json()["errorMessages"]


@pytest.mark.parametrize(
    "permissions", ["", "ADMINISTER,NOT_A_PERMISSION"], ids=["none-asked", "unknown-key"]
)
def test_mypermissions_refuses_what_jira_refuses(sim: httpx.Client, permissions: str) -> None:
    response = sim.get(f"{API}/mypermissions", params={"permissions": permissions}, auth=JIRA)

    assert response.status_code == 400
    assert_matches_openapi(response.json(), path=f"{SPEC}/mypermissions", status=400)


def test_the_scopes_each_endpoint_asks_for_are_atlassians() -> None:
    for (method, path), accepted in SCOPES.items():
        operation = openapi()["paths"][f"{SPEC}{path}"][method.lower()]
        documented = {tuple(sorted(s["scopes"])) for s in operation["x-atlassian-oauth2-scopes"]}
        assert {tuple(sorted(s)) for s in accepted} == documented, (method, path)


def test_credentials_are_configurable(atlassian_api: Callable[..., httpx.Client]) -> None:
    options = {"admin_key": "k", "jira_email": "me@x", "jira_token": "t", "jira_scoped_token": "s"}
    client = atlassian_api(**options)
    admin = client.get(f"{V1}/users", headers={"Authorization": "Bearer k"})
    at_site = client.get(f"{SITE_API}/myself", auth=("me@x", "t"))
    via_gateway = client.get(f"{API}/myself", auth=("me@x", "s"))
    default = client.get(f"{V1}/users", headers=ADMIN)

    statuses = (admin.status_code, at_site.status_code, via_gateway.status_code)
    assert (*statuses, default.status_code) == (200, 200, 200, 401)


def test_a_sites_tenant_info_gives_its_cloud_id_to_anyone(sim: httpx.Client) -> None:
    found = {s.name: sim.get(f"/site/{s.name}/_edge/tenant_info").json() for s in example().sites}
    unknown = sim.get("/site/nowhere/_edge/tenant_info")

    assert found == {s.name: {"cloudId": s.cloud_id} for s in example().sites}
    assert unknown.status_code == 404


# -- state changes are real and shared by both API families ------------------------------------


def jsw_role(client: httpx.Client) -> dict[str, Any]:
    roles = client.get(f"{API}/applicationrole", auth=JIRA).json()
    return next(r for r in roles if r["key"] == "jira-software")


def test_jira_group_removal_frees_the_seat_everywhere(sim: httpx.Client) -> None:
    before = jsw_role(sim)

    response = sim.delete(
        f"{API}/group/user", params={"groupId": JSW_ACME, "accountId": BOB}, auth=JIRA
    )

    after = jsw_role(sim)
    assert response.status_code == 200
    assert after["userCount"] == before["userCount"] - 1
    assert after["remainingSeats"] == before["remainingSeats"] + 1
    found = sim.post(
        f"{V2}/-/users/search", headers=ADMIN, json={"accountIds": [BOB], "expand": ["groups"]}
    ).json()
    assert JSW_ACME not in [g["id"] for g in found["data"][0]["groups"]]
    assert_only_groups_changed(sim, BOB, removed={JSW_ACME})


def test_admin_membership_removal_shows_in_jira(sim: httpx.Client) -> None:
    response = sim.delete(f"{DIR}/groups/{JSW_ACME}/memberships/{BOB}", headers=ADMIN)

    members = sim.get(
        f"{API}/group/member", params={"groupId": JSW_ACME, "maxResults": 50}, auth=JIRA
    ).json()
    assert response.status_code == 200
    assert "message" in response.json()
    assert BOB not in [m["accountId"] for m in members["values"]]
    assert BOB in [m["accountId"] for m in sim.get(f"{API}/users/search", auth=JIRA).json()]
    assert_only_groups_changed(sim, BOB, removed={JSW_ACME})


def test_admin_membership_add_then_duplicate(sim: httpx.Client) -> None:
    path = f"{DIR}/groups/7d1e0a53-jira-testers/memberships"

    first = sim.post(path, headers=ADMIN, json={"accountId": BOB})
    second = sim.post(path, headers=ADMIN, json={"accountId": BOB})

    assert first.status_code == 200
    assert (second.status_code, second.json()["errors"][0]["code"]) == (409, "ADMIN-409-28")
    assert "7d1e0a53-jira-testers" in account(snapshot(sim), BOB).groups


def assert_only_groups_changed(client: httpx.Client, account_id: str, *, removed: set[str]) -> None:
    now = snapshot(client)
    seed = example()
    assert now.model_copy(update={"accounts": ()}) == seed.model_copy(update={"accounts": ()})
    changed = [a for a, b in zip(now.accounts, seed.accounts, strict=True) if a != b]
    assert [a.account_id for a in changed] == [account_id]
    assert set(account(seed, account_id).groups) - set(changed[0].groups) == removed


def account(inventory: Inventory, account_id: str) -> Account:
    return next(a for a in inventory.accounts if a.account_id == account_id)


@pytest.mark.parametrize(
    ("method", "via"),
    [("POST", "jira"), ("DELETE", "jira"), ("POST", "admin"), ("DELETE", "admin")],
)
def test_idp_managed_group_cannot_be_edited(sim: httpx.Client, method: str, via: str) -> None:
    niaj = "557058:00000012-0000-4000-8000-000000000012"
    target = BOB if method == "POST" else niaj
    if via == "jira":
        params = {"groupId": SSO} | ({"accountId": target} if method == "DELETE" else {})
        body = {"accountId": target} if method == "POST" else None
        response = sim.request(method, f"{API}/group/user", params=params, json=body, auth=JIRA)
        assert_error_collection(response.json())
        message = response.json()["errorMessages"][0]
    else:
        path = f"{DIR}/groups/{SSO}/memberships" + (f"/{target}" if method == "DELETE" else "")
        body = {"accountId": target} if method == "POST" else None
        response = sim.request(method, path, headers=ADMIN, json=body)
        assert response.json()["errors"][0]["code"] == "ADMIN-403-5"
        message = response.json()["errors"][0]["detail"]

    assert response.status_code == 403
    assert "identity provider" in message
    assert snapshot(sim) == example()


def limited_org(limit: int) -> Inventory:
    seats = (Seats(site="acme", product="jira-software", limit=limit),)
    holders = people(1)
    others = tuple(replace(a, groups=()) for a in people(6)[1:])  # seatless people
    return org_with(accounts=holders + others, seats=seats)


def test_adding_beyond_the_seat_limit_fails_and_changes_nothing(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    client = atlassian_api(limited_org(1))
    jira = client.post(
        f"{API}/group/user",
        params={"groupId": JSW_ACME},
        json={"accountId": "557058:p0001"},
        auth=JIRA,
    )
    admin = client.post(
        f"{DIR}/groups/{JSW_ACME}/memberships",
        headers=ADMIN,
        json={"accountId": "557058:p0002"},
    )
    unchanged = snapshot(client) == limited_org(1)

    assert jira.status_code == 400
    assert "exceed" in jira.json()["errorMessages"][0]
    assert (admin.status_code, admin.json()["errors"][0]["code"]) == (409, "ADMIN-409-3")
    assert unchanged


def test_concurrent_additions_never_exceed_the_seat_limit(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    results: list[int] = []
    client = atlassian_api(limited_org(3))
    base_url = str(client.base_url)

    def add(account_id: str) -> None:
        with httpx.Client(base_url=base_url, timeout=5) as own:
            response = own.post(
                f"{DIR}/groups/{JSW_ACME}/memberships",
                headers=ADMIN,
                json={"accountId": account_id},
            )
            results.append(response.status_code)

    threads = [threading.Thread(target=add, args=(f"557058:p{i:04d}",)) for i in range(1, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    role = jsw_role(client)

    assert sorted(results) == [200, 200, 409, 409, 409]
    assert (role["userCount"], role["remainingSeats"]) == (3, 0)


def test_suspend_and_restore_change_status_and_seats(sim: httpx.Client) -> None:
    seats_before = jsw_role(sim)["userCount"]

    suspended = sim.post(f"{DIR}/users/{BOB}/suspend", headers=ADMIN)  # no body at all
    during = sim.post(f"{V2}/-/users/search", headers=ADMIN, json={"accountIds": [BOB]}).json()
    seats_during = jsw_role(sim)["userCount"]
    jira_user = next(
        u for u in sim.get(f"{API}/users/search", auth=JIRA).json() if u["accountId"] == BOB
    )
    restored = sim.post(f"{DIR}/users/{BOB}/restore", headers=ADMIN, json={})

    assert (suspended.status_code, restored.status_code) == (200, 200)
    assert "message" in suspended.json()
    assert during["data"][0]["status"] == "suspended"
    assert during["data"][0]["membershipStatus"] == "suspended"
    assert jira_user["active"] is False
    assert seats_during == seats_before - 1
    assert jsw_role(sim)["userCount"] == seats_before
    assert snapshot(sim) == example()


def test_suspend_unknown_user_is_404(sim: httpx.Client) -> None:
    response = sim.post(f"{DIR}/users/557058:nobody/suspend", headers=ADMIN, json={})

    assert (response.status_code, response.json()["errors"][0]["code"]) == (404, "ADMIN-404-8")


# -- activity the v2 search does not return ----------------------------------------------------


def test_product_access_gap_hides_activity_only_from_the_search(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    org = generate_org(200, 3, now=NOW)
    client = atlassian_api(org, product_access_gap=0.25, fault_seed=1)
    found = v2_all(client, expand=["productAccess"])
    gaps = [u for u in found if not u["productAccess"] and has_activity(org, u["accountId"])]
    truth = client.get(
        f"{V1}/directory/users/{gaps[0]['accountId']}/last-active-dates", headers=ADMIN
    ).json()
    again = v2_all(client, expand=["productAccess"])

    assert 0.1 * len(found) < len(gaps) < 0.4 * len(found)
    assert truth["data"]["product_access"]  # the per-account endpoint is complete
    assert again == found  # the same accounts every time


def v2_all(client: httpx.Client, *, expand: list[str]) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    request: dict[str, Any] = {"limit": 100, "expand": expand}
    while True:
        body = client.post(f"{V2}/-/users/search", headers=ADMIN, json=request).json()
        users += body["data"]
        if body["links"]["next"] is None:
            return users
        request = {"cursor": body["links"]["next"]}


def has_activity(org: Inventory, account_id: str) -> bool:
    return bool(account(org, account_id).activity)


# -- simulator endpoints ------------------------------------------------------------------------


def test_stats_count_requests_per_route_template(sim: httpx.Client) -> None:
    sim.get(f"{V1}/users", headers=ADMIN)
    sim.get(f"{V1}/users", headers=ADMIN)
    sim.get(f"{API}/myself", auth=JIRA)

    stats = sim.get("/__sim/stats").json()

    assert stats["requests"] == {
        "GET /admin/v1/orgs/{org_id}/users": 2,
        "GET /ex/jira/{cloud_id}/rest/api/3/myself": 1,
    }
    assert stats["statuses"] == {"200": 3}
    assert (stats["responses_429"], stats["faults_total"]) == (0, 0)


def test_reset_returns_to_the_seed(sim: httpx.Client) -> None:
    sim.delete(f"{DIR}/groups/{JSW_ACME}/memberships/{BOB}", headers=ADMIN)

    sim.post("/__sim/reset")

    assert snapshot(sim) == example()
    assert sim.get("/__sim/stats").json()["requests_total"] == 0


def test_generated_org_is_served_consistently(atlassian_api: Callable[..., httpx.Client]) -> None:
    org = generate_org(300, 11, now=NOW)
    client = atlassian_api(org)
    roles = {r["key"]: r for r in client.get(f"{API}/applicationrole", auth=JIRA).json()}
    served = snapshot(client)

    assert served == org
    software = roles["jira-software"]
    assert software["userCount"] <= software["numberOfSeats"]
    assert software["remainingSeats"] == software["numberOfSeats"] - software["userCount"]


# -- organizations, directories, workspaces: what a key reaches ---------------------------------


def test_the_key_lists_its_organization_and_reads_it_by_id(sim: httpx.Client) -> None:
    listed = sim.get("/admin/v1/orgs", headers=ADMIN).json()
    one = sim.get(f"/admin/v1/orgs/{ORG}", headers=ADMIN).json()
    other = sim.get("/admin/v1/orgs/someone-else", headers=ADMIN)

    assert [(o["id"], o["type"]) for o in listed["data"]] == [(ORG, "orgs")]
    assert listed["links"]["next"] is None
    assert one["data"]["id"] == ORG
    assert one["data"]["attributes"]["name"]
    assert (other.status_code, other.json()["errors"][0]["code"]) == (404, "ADMIN-404-2")


def test_a_key_may_list_other_organizations_or_none(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    client = atlassian_api(extra_orgs=(("org-2", "Other"),))
    several = client.get("/admin/v1/orgs", headers=ADMIN).json()
    client = atlassian_api(lists_its_org=False)
    none = client.get("/admin/v1/orgs", headers=ADMIN).json()
    still_readable = client.get(f"/admin/v1/orgs/{ORG}", headers=ADMIN).status_code

    assert [o["id"] for o in several["data"]] == [ORG, "org-2"]
    assert (none["data"], still_readable) == ([], 200)


def test_directories_are_listed_and_the_extra_ones_are_empty(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    client = atlassian_api(extra_directories=("Contractors",))
    listed = client.get(V2, headers=ADMIN).json()["data"]
    extra = next(d["directoryId"] for d in listed if d["name"] == "Contractors")
    found = client.post(f"{V2}/{extra}/users/search", headers=ADMIN, json={}).json()
    groups = client.post(f"{V2}/{extra}/groups/search", headers=ADMIN, json={}).json()
    write = client.delete(f"{V2}/{extra}/groups/{JSW_ACME}/memberships/{BOB}", headers=ADMIN)

    assert [d["directoryId"] for d in listed] == [DIRECTORY, extra]
    assert (found["data"], groups["data"]) == ([], [])
    assert write.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"{V2}/-/groups/7d1e0a53-jira-testers/memberships", {"accountId": BOB}),
        ("DELETE", f"{V2}/-/groups/{JSW_ACME}/memberships/{BOB}", None),
        ("POST", f"{V2}/-/users/{BOB}/suspend", {}),
        ("POST", f"{V2}/-/users/{BOB}/restore", {}),
    ],
    ids=["add", "remove", "suspend", "restore"],
)
def test_a_change_to_every_directory_is_refused(
    sim: httpx.Client, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = sim.request(method, path, headers=ADMIN, json=body)

    assert response.status_code == 400
    assert "for reads only" in response.json()["errors"][0]["detail"]
    assert snapshot(sim) == example()


def test_a_search_by_more_account_ids_than_allowed_is_refused(sim: httpx.Client) -> None:
    ids = [f"557058:p{i:04d}" for i in range(11)]
    too_many = sim.post(f"{V2}/-/users/search", headers=ADMIN, json={"accountIds": ids})
    enough = sim.post(f"{V2}/-/users/search", headers=ADMIN, json={"accountIds": ids[:10]})

    assert (too_many.status_code, enough.status_code) == (400, 200)


def test_workspaces_list_each_product_of_each_site_page_by_page(sim: httpx.Client) -> None:
    path = f"/admin/v2/orgs/{ORG}/workspaces"
    first = sim.post(path, headers=ADMIN, json={"limit": 2}).json()
    pages, cursor = [first], first["links"]["next"]
    while cursor:
        pages.append(sim.post(path, headers=ADMIN, json={"cursor": cursor}).json())
        cursor = pages[-1]["links"]["next"]
    both = sim.post(path, headers=ADMIN, json={"cursor": first["links"]["next"], "limit": 2})

    listed = {
        (w["attributes"]["hostUrl"], w["attributes"]["typeKey"])
        for page in pages
        for w in page["data"]
    }
    sites = {s.name: s.url.removeprefix("https://") for s in example().sites}
    assert ("acme.atlassian.net", "jira-software") in listed
    assert ("acme.atlassian.net", "confluence") in listed
    assert {host for host, _ in listed} == set(sites.values())
    assert first["meta"]["total"] == len(listed)
    assert both.status_code == 400  # with a cursor, nothing else may be sent


# -- Admin API keys with scopes, and the user management API's permission read-back ----------

READ_SCOPES = (
    "read:orgs:admin",
    "read:directories:admin",
    "read:groups:admin",
    "read:workspaces:admin",
)


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        (None, (200, 200, 200, 200, 200)),
        (READ_SCOPES, (200, 200, 200, 403, 403)),
        (("read:orgs:admin",), (200, 403, 403, 403, 403)),
    ],
    ids=["key-without-scopes", "read-scopes", "organization-only"],
)
def test_a_key_with_scopes_reaches_what_they_name_and_nothing_atlassian_names_none_for(
    atlassian_api: Callable[..., httpx.Client],
    scopes: tuple[str, ...] | None,
    expected: tuple[int, ...],
) -> None:
    client = atlassian_api(admin_key_scopes=scopes)
    answers = (
        client.get(V1, headers=ADMIN),
        client.post(f"{DIR}/users/search", json={"limit": 1}, headers=ADMIN),
        client.post(f"{DIR}/groups/search", json={"limit": 1}, headers=ADMIN),
        client.get(f"{V1}/directory/users/{BOB}/last-active-dates", headers=ADMIN),
        client.get(f"/users/{BOB}/manage", headers=ADMIN),
    )

    assert tuple(answer.status_code for answer in answers) == expected
    refused = [answer.json() for answer in answers if answer.status_code == 403]
    assert all(body["errors"][0]["title"] == "Forbidden" for body in refused)


def test_the_management_permissions_of_a_managed_account_and_of_another(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    client = atlassian_api()
    managed = client.get(f"/users/{BOB}/manage", headers=ADMIN)
    hidden = client.get(f"/users/{PEGGY}/manage", headers=ADMIN)  # e-mail hidden: external
    nobody = client.get("/users/557058:nobody/manage", headers=ADMIN)

    assert managed.status_code == 200
    assert managed.json()["lifecycle.enablement"] == {"allowed": True}
    assert (hidden.status_code, nobody.status_code) == (403, 404)
