"""The GitHub simulator speaks GitHub's REST description: every route, and a third-party SDK.

Every answer of every GitHub simulator in the suite is validated by the fixture in
tests/conftest.py; here each route the simulator serves is driven on purpose, success and
refusal alike, the validated answers are counted per route and printed, and a route nobody
exercised fails the test. Then githubkit, an SDK whose models are generated from GitHub's OpenAPI
description, drives the plan pull request's life cycle and parses every answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from githubkit import GitHub
from starlette.routing import Route

from controller.sim.github import ADMIN_TOKEN, APP_TOKEN
from controller.sim.github.repo_settings import RepositorySettings
from tests.integration.git_sandbox import (
    REPOSITORY,
    TOKEN,
    Origin,
    github_app,
    push_branch,
    set_up_as_documented,
)
from tests.integration.github_conformance import (
    SEEN,
    Record,
    check_response,
    template_of,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]
OWNER, NAME = REPOSITORY.split("/")
REPO = f"/repos/{REPOSITORY}"
API_VERSION = "2022-11-28"


@pytest.fixture
def origin(bare_origin: Callable[..., Origin]) -> Origin:
    return bare_origin(files={"policies/org.yaml": "version: 1\n", "README.md": "hi\n"})


RELEASE_RULESET = 42  # on a branch the other calls leave alone


@pytest.fixture
def served(origin: Origin, github_sim: Callable[..., str]) -> tuple[str, list[Route]]:
    """The simulator's base URL, and the routes it serves (read off the same app, unserved)."""
    from controller.sim.github import Ruleset

    settings = set_up_as_documented()
    settings.add_ruleset(
        Ruleset(id=RELEASE_RULESET, name="release", branches=("release",),
                require_pull_request=True, bypass_app_ids=frozenset({1}), bypass_admins=True)
    )  # fmt: skip
    routes = github_app(origin, settings=settings).routes
    return github_sim(origin, settings=settings), [r for r in routes if isinstance(r, Route)]


def client(base_url: str, token: str = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    return httpx.Client(base_url=base_url, headers=headers, timeout=10)


def github_routes(routes: list[Route]) -> set[str]:
    """`METHOD template` of each GitHub API route the simulator serves."""
    served = set()
    for route in routes:
        if route.path.startswith("/__sim/") or ".git/" in route.path:
            continue  # the simulator's own controls, and git's protocol (not REST)
        sample = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: "7" if m[2] == ":int" else "x", route.path)
        template = template_of(sample.replace("/repos/x/x", REPO))
        assert template is not None, f"{route.path} is not in GitHub's description"
        served |= {f"{method} {template}" for method in route.methods or () if method != "HEAD"}
    return served


def exercise_every_route(api: httpx.Client, admin: httpx.Client, origin: Origin) -> None:
    """Each route once or more, with the refusals GitHub documents for it."""
    head = push_branch(origin.clone("work"), "accessctl/plan", files={"state/p.yaml": "a: 1\n"})
    api.get(REPO)
    api.get(f"{REPO}/git/ref/heads/main")
    api.get(f"{REPO}/git/ref/heads/nothing")
    api.get(f"{REPO}/git/matching-refs/heads/")
    api.post(f"{REPO}/git/refs", json={"ref": "refs/heads/spare", "sha": head})
    api.post(f"{REPO}/git/refs", json={"ref": "refs/heads/spare", "sha": head})
    api.patch(f"{REPO}/git/refs/heads/spare", json={"sha": head, "force": True})
    api.delete(f"{REPO}/git/refs/heads/spare")
    api.delete(f"{REPO}/git/refs/heads/spare")
    api.get(f"{REPO}/contents/policies/org.yaml")
    api.get(f"{REPO}/contents/policies")
    api.get(f"{REPO}/contents/nothing.yaml")
    number = api.post(
        f"{REPO}/pulls", json={"title": "Plan", "head": "accessctl/plan", "base": "main"}
    ).json()["number"]
    api.post(f"{REPO}/pulls", json={"title": "Plan", "head": "accessctl/plan", "base": "main"})
    api.get(f"{REPO}/pulls", params={"state": "all"})
    api.get(f"{REPO}/pulls/{number}")
    api.get(f"{REPO}/pulls/999")
    api.patch(f"{REPO}/pulls/{number}", json={"body": "refreshed"})
    api.patch(f"{REPO}/pulls/{number}", json={"state": "sideways"})
    comment = api.post(f"{REPO}/issues/{number}/comments", json={"body": "hello"}).json()
    api.post(f"{REPO}/issues/{number}/comments", json={})
    api.post(f"{REPO}/issues/999/comments", json={"body": "x"})
    api.get(f"{REPO}/issues/{number}/comments")
    api.get(f"{REPO}/issues/comments/{comment['id']}")
    api.get(f"{REPO}/issues/comments/1")
    api.patch(f"{REPO}/issues/comments/{comment['id']}", json={"body": "hello again"})
    api.patch(f"{REPO}/issues/comments/{comment['id']}", json={"body": ""})
    api.post(f"{REPO}/labels", json={"name": "accessctl-plan", "color": "0e8a16"})
    api.post(f"{REPO}/labels", json={"name": "accessctl-plan"})
    api.get(f"{REPO}/labels")
    api.post(f"{REPO}/issues/{number}/labels", json={"labels": ["accessctl-plan", "new"]})
    api.post(f"{REPO}/issues/{number}/labels", json={"labels": [1]})
    api.get(f"{REPO}/issues/{number}/labels")
    api.post(f"{REPO}/pulls/{number}/reviews", json={"event": "APPROVE"})
    admin.post(f"{REPO}/pulls/{number}/reviews", json={"event": "APPROVE", "body": "ok"})
    api.get(f"{REPO}/pulls/{number}/reviews")
    exercise_settings(api, admin)
    api.get(f"{REPO}/pulls/{number}/merge")
    api.put(f"{REPO}/pulls/{number}/merge", json={"sha": "0" * 40})
    admin.put(f"{REPO}/pulls/{number}/merge", json={"merge_method": "merge"})
    api.put(f"{REPO}/pulls/{number}/merge", json={})
    api.get(f"{REPO}/pulls/{number}/merge")
    api.get(f"{REPO}/pulls/{number}")
    merge_commit = api.get(f"{REPO}/pulls/{number}").json()["merge_commit_sha"]
    api.get(f"{REPO}/commits/{merge_commit}/pulls")
    api.get(f"{REPO}/commits/{'0' * 40}/pulls")
    exercise_issues(api, pull=number)
    api.get(REPO, headers={"Authorization": "Bearer wrong"})
    api.get(f"{REPO}/nothing-here")


def exercise_issues(api: httpx.Client, *, pull: int) -> None:
    """Issues, and a pull request seen through the issues endpoints."""
    created = api.post(f"{REPO}/issues", json={"title": "Access request", "labels": ["x"]})
    number = created.json()["number"]
    api.post(f"{REPO}/issues", json={"body": "no title"})
    api.get(f"{REPO}/issues", params={"state": "all", "labels": "x"})
    api.get(f"{REPO}/issues/{number}")
    api.get(f"{REPO}/issues/{pull}")
    api.get(f"{REPO}/issues/999")
    api.post(f"{REPO}/issues/{number}/comments", json={"body": "answered"})
    api.patch(f"{REPO}/issues/{number}", json={"state": "closed", "state_reason": "not_planned"})
    api.patch(f"{REPO}/issues/{number}", json={"state_reason": "sideways"})
    api.patch(f"{REPO}/issues/999", json={"state": "closed"})


def exercise_settings(api: httpx.Client, admin: httpx.Client) -> None:
    """The settings `doctor` reads, as an admin and as the Actions token."""
    protection = {
        "required_status_checks": {"strict": False, "contexts": ["ci"]},
        "enforce_admins": False,
        "required_pull_request_reviews": {
            "required_approving_review_count": 0,
            "bypass_pull_request_allowances": {"users": [], "apps": ["accessctl-app"]},
        },
        "restrictions": None,
    }
    admin.get(f"{REPO}/branches/main/protection")
    admin.put(f"{REPO}/branches/main/protection", json=protection)
    admin.put(f"{REPO}/branches/main/protection", json={"enforce_admins": True})
    admin.get(f"{REPO}/branches/main/protection")
    api.get(f"{REPO}/branches/main/protection")
    admin.get(f"{REPO}/branches/nothing/protection")
    api.get(f"{REPO}/rules/branches/main")
    api.get(f"{REPO}/rulesets/{RELEASE_RULESET}")
    admin.get(f"{REPO}/rulesets/{RELEASE_RULESET}")
    api.get(f"{REPO}/rulesets/999")
    admin.get(f"{REPO}/actions/permissions/workflow")
    api.get(f"{REPO}/actions/permissions/workflow")
    workflow = {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": True}
    admin.put(f"{REPO}/actions/permissions/workflow", json=workflow)
    api.put(f"{REPO}/actions/permissions/workflow", json=workflow)
    admin.get("/user")
    api.get("/user")
    admin.delete(f"{REPO}/branches/main/protection")
    admin.delete(f"{REPO}/branches/main/protection")


def test_every_route_answers_as_githubs_description_says(
    served: tuple[str, list[Route]], origin: Origin, capsys: pytest.CaptureFixture[str]
) -> None:
    base_url, routes = served
    before = Counter(SEEN.counts)
    with client(base_url) as api, client(base_url, ADMIN_TOKEN) as admin:
        exercise_every_route(api, admin, origin)
    counted = Counter(SEEN.counts) - before

    with capsys.disabled():
        print("\nGitHub simulator answers validated, per route and status:")
        for route, count in sorted(counted.items()):
            print(f"  {count:>3}  {route}")
        print(f"  {sum(counted.values()):>3}  in all, on {len(counted)} routes and statuses")
    exercised = {" ".join(route.split()[:2]) for route in counted}
    assert github_routes(routes) - exercised == set()
    assert not any(route.endswith("(basic-error)") and " 2" in route for route in counted)


def test_rulesets_are_served_as_githubs_detailed_rules(
    origin: Origin, github_sim: Callable[..., str]
) -> None:
    from controller.sim.github import Ruleset

    settings = RepositorySettings()
    settings.add_ruleset(
        Ruleset(id=7, name="main", branches=("main",), require_pull_request=True,
                required_checks=("ci",), bypass_app_ids=frozenset({1}))
    )  # fmt: skip
    with client(github_sim(origin, settings=settings)) as api:
        rules = api.get(f"{REPO}/rules/branches/main").json()
        none = api.get(f"{REPO}/rules/branches/elsewhere").json()

    assert [rule["type"] for rule in rules] == [
        "deletion",
        "non_fast_forward",
        "pull_request",
        "required_status_checks",
    ]
    assert {rule["ruleset_id"] for rule in rules} == {7}
    assert none == []


@pytest.mark.parametrize(
    ("token", "can_bypass", "shows_bypass_list"),
    [(TOKEN, "never", False), (APP_TOKEN, "always", False), (ADMIN_TOKEN, "always", True)],
    ids=["actions-token", "bypassing-app", "admin"],
)
def test_a_ruleset_tells_its_caller_whether_they_may_bypass_it(
    origin: Origin,
    github_sim: Callable[..., str],
    token: str,
    can_bypass: str,
    shows_bypass_list: bool,
) -> None:
    from controller.sim.github import Ruleset
    from controller.sim.github.accounts import APP_BOT

    settings = RepositorySettings()
    settings.add_ruleset(
        Ruleset(id=7, name="main", branches=("main",), require_pull_request=True,
                bypass_app_ids=frozenset({APP_BOT.app_id or 0}), bypass_admins=True)
    )  # fmt: skip
    with client(github_sim(origin, settings=settings), token) as api:
        ruleset = api.get(f"{REPO}/rulesets/7").json()

    assert ruleset["current_user_can_bypass"] == can_bypass
    assert ("bypass_actors" in ruleset) is shows_bypass_list
    assert [rule["type"] for rule in ruleset["rules"]] == [
        "deletion",
        "non_fast_forward",
        "pull_request",
    ]


@pytest.mark.parametrize(
    ("token", "push"), [(TOKEN, True), (ADMIN_TOKEN, True)], ids=["actions-token", "admin"]
)
def test_the_repository_shows_the_callers_own_rights(
    served: tuple[str, list[Route]], token: str, push: bool
) -> None:
    with client(served[0], token) as api:
        permissions = api.get(REPO).json()["permissions"]

    assert permissions["push"] is push
    assert permissions["admin"] is (token == ADMIN_TOKEN)


# --- the checker itself can fail --------------------------------------------------------------


def answer(body: bytes, *, path: str = f"{REPO}/labels", status: int = 201) -> list[str]:
    checked = check_response(
        method="POST", path=path, status=status, body=body, base="http://127.0.0.1:1"
    )
    assert checked is not None
    return checked[1]


LABEL = (
    b'{"id": 1, "node_id": "x", "url": "http://127.0.0.1:1/repos/acme/access/labels/a",'
    b' "name": "a", "description": null, "color": "ededed", "default": false}'
)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (LABEL.replace(b'"node_id": "x", ', b""), "'node_id' is a required property"),
        (LABEL.replace(b'"id": 1', b'"id": "1"'), "'1' is not of type 'integer'"),
        (LABEL.replace(b"127.0.0.1:1", b"api.github.com"), "URL off the simulator"),
        (LABEL.replace(b"http://127.0.0.1:1/repos", b"repos"), "is not a 'uri'"),
        (b"{nope", "not JSON"),
    ],
    ids=["missing-required", "wrong-type", "url-elsewhere", "relative-url", "not-json"],
)
def test_the_check_refuses_what_github_would_not_send(body: bytes, problem: str) -> None:
    assert any(problem in found for found in answer(body))


def test_the_check_accepts_a_conforming_label_and_null_where_nullable() -> None:
    assert answer(LABEL) == []


def test_the_check_refuses_a_merged_pull_without_its_merge_commit() -> None:
    pull = b'{"number": 1, "head": {}, "state": "closed", "merged": true, "merged_at": null}'
    checked = check_response(
        method="GET", path=f"{REPO}/pulls/1", status=200, body=pull, base="http://x"
    )
    assert checked is not None
    assert any("merged=True merged_at=None" in problem for problem in checked[1])


def test_a_success_github_does_not_describe_is_refused() -> None:
    checked = check_response(method="GET", path=f"{REPO}/labels", status=202, body=b"", base="x")
    assert checked is not None
    assert checked[1] == ["GitHub's description has no such response"]


def test_timestamps_must_be_iso_8601() -> None:
    from tests.integration.github_conformance import schema_errors

    schema = {"type": "string", "format": "date-time"}
    assert schema_errors("2026-11-23T06:00:00Z", schema) == []
    assert schema_errors("23/11/2026 06:00", schema) != []


def test_a_record_counts_routes_and_keeps_failures() -> None:
    record = Record()
    record.add("GET /x 200", [])
    record.add("GET /x 200", ["bad"])
    assert record.counts["GET /x 200"] == 2
    assert record.take_failures() == ["GET /x 200: bad"]
    assert record.take_failures() == []


# --- a third-party SDK --------------------------------------------------------------------------


def parsed(response: Any) -> Any:
    """githubkit's model of the answer: parsing raises when GitHub's shape is not met."""
    return response.parsed_data


def test_githubkit_drives_the_plan_pull_request_life_cycle(
    served: tuple[str, list[Route]], origin: Origin
) -> None:
    base_url, _ = served
    push_branch(origin.clone("work"), "accessctl/plan", files={"state/plans/p.yaml": "id: p\n"})
    before = sum(SEEN.counts.values())
    with GitHub(TOKEN, base_url=f"{base_url}/", http_cache=False, auto_retry=False) as bot:
        rest = bot.rest(API_VERSION)
        created = parsed(
            rest.pulls.create(
                OWNER, NAME, data={"title": "Plan", "head": "accessctl/plan", "base": "main"}
            )
        )
        listed = parsed(rest.pulls.list(OWNER, NAME, state="open", head=f"{OWNER}:accessctl/plan"))
        got = parsed(rest.pulls.get(OWNER, NAME, created.number))
        updated = parsed(
            rest.pulls.update(OWNER, NAME, created.number, data={"body": "revoke 2 seats"})
        )
        comment = parsed(
            rest.issues.create_comment(OWNER, NAME, created.number, data={"body": "planned"})
        )
        edited = parsed(
            rest.issues.update_comment(OWNER, NAME, comment.id, data={"body": "planned again"})
        )
        labels = parsed(
            rest.issues.add_labels(OWNER, NAME, created.number, data={"labels": ["accessctl-plan"]})
        )
        user = parsed(rest.repos.get(OWNER, NAME))
    with GitHub(ADMIN_TOKEN, base_url=f"{base_url}/", http_cache=False, auto_retry=False) as human:
        rest = human.rest(API_VERSION)
        merged = parsed(
            rest.pulls.merge(OWNER, NAME, created.number, data={"merge_method": "merge"})
        )
        check = rest.pulls.check_if_merged(OWNER, NAME, created.number)
        final = parsed(rest.pulls.get(OWNER, NAME, created.number))
        me = parsed(rest.users.get_authenticated())

    assert [pull.number for pull in listed] == [created.number]
    assert got.user is not None
    assert got.user.login == "github-actions[bot]"
    assert got.html_url.startswith(base_url)
    assert updated.body == "revoke 2 seats"
    assert edited.id == comment.id
    assert edited.body == "planned again"
    assert [label.name for label in labels] == ["accessctl-plan"]
    assert user.full_name == REPOSITORY
    assert merged.merged is True
    assert check.status_code == 204
    assert final.merged is True
    assert final.merge_commit_sha == merged.sha
    assert final.merged_at is not None
    assert final.merged_by is not None
    assert final.merged_by.login == "octo-admin"
    assert me.login == "octo-admin"
    assert sum(SEEN.counts.values()) - before == 12


def test_githubkit_reads_what_doctor_reads(origin: Origin, github_sim: Callable[..., str]) -> None:
    base_url = github_sim(origin, settings=RepositorySettings())
    with (
        GitHub(APP_TOKEN, base_url=f"{base_url}/", http_cache=False, auto_retry=False) as app_bot,
        GitHub(ADMIN_TOKEN, base_url=f"{base_url}/", http_cache=False, auto_retry=False) as human,
    ):
        permissions = parsed(
            human.rest(
                API_VERSION
            ).actions.get_github_actions_default_workflow_permissions_repository(OWNER, NAME)
        )
        rules = parsed(app_bot.rest(API_VERSION).repos.get_branch_rules(OWNER, NAME, "main"))

    assert permissions.default_workflow_permissions == "read"
    assert permissions.can_approve_pull_request_reviews is False
    assert rules == []


def test_githubkit_drives_an_access_request_issue(
    served: tuple[str, list[Route]], origin: Origin
) -> None:
    base_url, _ = served
    before = sum(SEEN.counts.values())
    with GitHub(TOKEN, base_url=f"{base_url}/", http_cache=False, auto_retry=False) as bot:
        rest = bot.rest(API_VERSION)
        opened = parsed(
            rest.issues.create(
                OWNER, NAME, data={"title": "Access request", "labels": ["access-request"]}
            )
        )
        listed = parsed(rest.issues.list_for_repo(OWNER, NAME, labels="access-request"))
        got = parsed(rest.issues.get(OWNER, NAME, opened.number))
        parsed(rest.issues.create_comment(OWNER, NAME, opened.number, data={"body": "Restored"}))
        closed = parsed(
            rest.issues.update(
                OWNER, NAME, opened.number, data={"state": "closed", "state_reason": "completed"}
            )
        )
        head = push_branch(origin.clone("work"), "feature", files={"a.txt": "a\n"})
        pulls = parsed(rest.repos.list_pull_requests_associated_with_commit(OWNER, NAME, head))

    assert [issue.number for issue in listed] == [opened.number]
    assert got.user is not None
    assert got.user.login == "github-actions[bot]"
    assert (closed.state, closed.state_reason) == ("closed", "completed")
    assert pulls == []
    assert sum(SEEN.counts.values()) - before == 6
