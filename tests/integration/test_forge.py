"""The GitHub client against the simulator over real HTTP, with real pushes to a bare origin."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from controller.adapters.github import (
    ForgeSettings,
    GitHubForge,
    NotMergeable,
    RateLimited,
    RetryPolicy,
    Unauthorized,
)
from controller.core.errors import ExitCode
from tests.integration.git_sandbox import (
    REPOSITORY,
    TOKEN,
    Origin,
    commit_file,
    git,
    push_branch,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]
PLAN_BRANCH = "accessctl/plan"
MARKER = "<!-- accessctl:preview -->"


@pytest.fixture
def origin(bare_origin: Callable[..., Origin]) -> Origin:
    return bare_origin(files={"README.md": "policies\n"})


@pytest.fixture
def base_url(origin: Origin, github_sim: Callable[..., str]) -> str:
    return github_sim(origin)


@pytest.fixture
def forge(base_url: str) -> Iterator[GitHubForge]:
    environ = {"GITHUB_API_URL": base_url, "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_TOKEN": TOKEN}
    with GitHubForge.from_env(environ) as client:
        yield client


def pushed_plan(origin: Origin, text: str = "plan\n") -> str:
    """The plan branch on origin with one plan file; its head sha."""
    return push_branch(origin.clone("planner"), PLAN_BRANCH, files={"state/plans/p.yaml": text})


def comment_as_a_person(base_url: str, number: int, body: str) -> int:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base_url, headers=headers) as person:
        answer = person.post(f"/repos/{REPOSITORY}/issues/{number}/comments", json={"body": body})
    return int(answer.json()["id"])


def test_open_or_update_creates_then_refreshes_the_same_pull(
    forge: GitHubForge, origin: Origin
) -> None:
    pushed_plan(origin)

    created = forge.open_or_update_pull(
        head=PLAN_BRANCH, base="main", title="Plan: 3", body="first", labels=["accessctl"]
    )
    updated = forge.open_or_update_pull(
        head=PLAN_BRANCH, base="main", title="Plan: 5", body="second", labels=["accessctl"]
    )

    assert created.number == updated.number
    assert (updated.title, updated.body) == ("Plan: 5", "second")
    assert updated.label_names == {"accessctl"}
    assert forge.get_pull(created.number).title == "Plan: 5"


def test_find_open_pull_matches_head_and_base_only(forge: GitHubForge, origin: Origin) -> None:
    pushed_plan(origin)
    pull = forge.open_or_update_pull(head=PLAN_BRANCH, base="main", title="Plan", body="b")

    found = forge.find_open_pull(PLAN_BRANCH, "main")

    assert found is not None
    assert found.number == pull.number
    assert forge.find_open_pull("other", "main") is None
    assert forge.find_open_pull(PLAN_BRANCH, "release") is None


def test_pull_created_concurrently_is_found_and_updated(base_url: str, origin: Origin) -> None:
    """Another run opens the pull request between our look-up and our create (422 race)."""
    pushed_plan(origin)
    stale_lookups = {"left": 1}

    def racing(request: httpx.Request) -> httpx.Response:
        lookup = request.method == "GET" and request.url.path.endswith("/pulls")
        if lookup and stale_lookups["left"]:
            stale_lookups["left"] -= 1
            with httpx.Client(base_url=base_url, headers=request.headers) as other_run:
                other_run.post(
                    f"/repos/{REPOSITORY}/pulls",
                    json={"title": "theirs", "head": PLAN_BRANCH, "base": "main"},
                )
            return httpx.Response(200, json=[], request=request)
        return real.handle_request(request)

    settings = ForgeSettings(repository=REPOSITORY, token=TOKEN, api_url=base_url)
    with (
        httpx.HTTPTransport() as real,
        GitHubForge.connect(settings, transport=httpx.MockTransport(racing)) as forge,
    ):
        pull = forge.open_or_update_pull(head=PLAN_BRANCH, base="main", title="ours", body="b")

    assert stale_lookups["left"] == 0
    assert (pull.number, pull.title) == (1, "ours")


def test_upsert_comment_keeps_one_comment_per_marker(
    forge: GitHubForge, origin: Origin, base_url: str
) -> None:
    pushed_plan(origin)
    pull = forge.open_or_update_pull(head=PLAN_BRANCH, base="main", title="Plan", body="b")
    person = comment_as_a_person(base_url, pull.number, "LGTM")

    runs = [forge.upsert_comment(pull.number, marker=MARKER, body=f"run {i}") for i in range(3)]
    other = forge.upsert_comment(pull.number, marker="<!-- accessctl:impact -->", body="impact")

    comments = forge.list_comments(pull.number)
    assert len({comment.id for comment in runs}) == 1
    assert [c.body for c in comments] == ["LGTM", f"{MARKER}\nrun 2", other.body]
    assert comments[0].id == person


def test_upsert_comment_with_the_same_body_changes_nothing(
    forge: GitHubForge, origin: Origin
) -> None:
    pushed_plan(origin)
    pull = forge.open_or_update_pull(head=PLAN_BRANCH, base="main", title="Plan", body="b")
    first = forge.upsert_comment(pull.number, marker=MARKER, body=f"{MARKER}\nsame")

    second = forge.upsert_comment(pull.number, marker=MARKER, body=f"{MARKER}\nsame")

    assert second == first


def test_add_labels_returns_all_labels_of_the_pull(forge: GitHubForge, origin: Origin) -> None:
    pushed_plan(origin)
    pull = forge.open_or_update_pull(
        head=PLAN_BRANCH, base="main", title="Plan", body="b", labels=["accessctl"]
    )

    labels = forge.add_labels(pull.number, ["revocations"])

    assert [label.name for label in labels] == ["accessctl", "revocations"]


def test_merge_creates_a_merge_commit_visible_in_a_fresh_clone(
    forge: GitHubForge, origin: Origin
) -> None:
    head_sha = pushed_plan(origin, "revoke: 3\n")
    old_main = origin.branch_sha("main")
    pull = forge.open_or_update_pull(head=PLAN_BRANCH, base="main", title="Plan", body="b")

    result = forge.merge_pull(pull.number, title="Apply plan", expected_head_sha=head_sha)

    fresh = origin.clone("fresh")
    assert result.merged
    assert git(fresh, "rev-parse", "HEAD") == result.sha
    assert git(fresh, "log", "-1", "--format=%P") == f"{old_main} {head_sha}"
    assert (fresh / "state/plans/p.yaml").read_text() == "revoke: 3\n"
    merged = forge.get_pull(pull.number)
    assert (merged.state, merged.merged, merged.merge_commit_sha) == ("closed", True, result.sha)


def test_conflicting_pull_request_is_not_mergeable(forge: GitHubForge, origin: Origin) -> None:
    clone = origin.clone("a")
    push_branch(clone, PLAN_BRANCH, files={"README.md": "theirs\n"})
    git(clone, "switch", "--quiet", "main")
    commit_file(clone, "README.md", "ours\n", message="edit main")
    git(clone, "push", "--quiet", "origin", "main")
    pull = forge.open_or_update_pull(head=PLAN_BRANCH, base="main", title="Plan", body="b")

    with pytest.raises(NotMergeable, match="not mergeable") as raised:
        forge.merge_pull(pull.number, title="Apply plan")

    assert raised.value.exit_code == ExitCode.FAILURE


def test_close_pull_comments_then_closes(forge: GitHubForge, origin: Origin) -> None:
    pushed_plan(origin)
    pull = forge.open_or_update_pull(head=PLAN_BRANCH, base="main", title="Plan", body="b")

    closed = forge.close_pull(pull.number, "Superseded: nothing left to revoke.")

    assert closed.state == "closed"
    assert not closed.merged
    assert [c.body for c in forge.list_comments(pull.number)] == [
        "Superseded: nothing left to revoke."
    ]
    assert forge.find_open_pull(PLAN_BRANCH, "main") is None


def test_branches_and_files_are_read_from_the_repository(
    forge: GitHubForge, origin: Origin
) -> None:
    assert forge.repository().default_branch == "main"
    assert forge.branch_sha("main") == origin.branch_sha("main")
    assert forge.branch_sha("absent") is None
    readme = forge.read_file("README.md", ref="main")
    assert readme is not None
    assert readme.text == "policies\n"
    assert forge.read_file("absent.md", ref="main") is None


def test_wrong_token_says_check_github_token_without_leaking_it(base_url: str) -> None:
    secret = "ghp_this-is-a-secret-token"
    settings = ForgeSettings(repository=REPOSITORY, token=secret, api_url=base_url)

    with GitHubForge.connect(settings) as forge, pytest.raises(Unauthorized) as raised:
        forge.repository()

    assert raised.value.exit_code == ExitCode.FAILURE
    assert "GITHUB_TOKEN" in raised.value.message
    assert "401" in raised.value.message
    assert secret not in raised.value.message
    assert secret not in repr(settings)


def test_exhausted_rate_limit_says_when_it_resets(
    origin: Origin, github_sim: Callable[..., str]
) -> None:
    limited = github_sim(origin, rate_limit=1)
    settings = ForgeSettings(repository=REPOSITORY, token=TOKEN, api_url=limited)
    no_waiting = RetryPolicy(max_attempts=3, max_server_wait=0)
    with GitHubForge.connect(settings, retry=no_waiting) as forge:
        forge.repository()
        with pytest.raises(RateLimited, match=r"resets at \d{4}-\d\d-\d\dT") as raised:
            forge.repository()

    assert raised.value.resets_at is not None


def test_who_merged_and_who_approved_are_read_back(base_url: str, origin: Origin) -> None:
    from controller.sim.github import ADMIN_TOKEN

    pushed_plan(origin)
    environ = {"GITHUB_API_URL": base_url, "GITHUB_REPOSITORY": REPOSITORY}
    with (
        GitHubForge.from_env({**environ, "GITHUB_TOKEN": TOKEN}) as bot,
        GitHubForge.from_env({**environ, "GITHUB_TOKEN": ADMIN_TOKEN}) as admin,
    ):
        pull = bot.open_or_update_pull(head=PLAN_BRANCH, base="main", title="Plan", body="b")
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        httpx.post(
            f"{base_url}/repos/{REPOSITORY}/pulls/{pull.number}/reviews",
            json={"event": "APPROVE"},
            headers=headers,
        )
        merged = admin.merge_pull(pull.number, title="Merge")
        found = bot.pulls_of_commit(merged.sha)
        full = bot.get_pull(pull.number)
        reviews = bot.reviews(pull.number)
        from_branch = bot.pulls_from(PLAN_BRANCH)

    assert [p.number for p in found] == [pull.number]
    assert full.merged_by is not None
    assert full.merged_by.login == "octo-admin"
    assert [(r.user.login if r.user else None, r.state) for r in reviews] == [
        ("octo-admin", "APPROVED")
    ]
    assert [p.number for p in from_branch] == [pull.number]


def test_access_request_issues_are_listed_without_pulls_and_closed_with_a_reason(
    forge: GitHubForge, base_url: str, origin: Origin
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    create = f"{base_url}/repos/{REPOSITORY}/issues"
    number = httpx.post(
        create, json={"title": "Seat", "labels": ["access-request"]}, headers=headers
    ).json()["number"]
    httpx.post(create, json={"title": "Other"}, headers=headers)
    pushed_plan(origin)
    pull = forge.open_or_update_pull(
        head=PLAN_BRANCH, base="main", title="Plan", body="b", labels=["access-request"]
    )

    listed = forge.open_issues(label="access-request")
    closed = forge.close_issue(number, reason="not_planned")

    assert [issue.number for issue in listed] == [number]
    assert forge.get_issue(pull.number).is_pull
    assert (closed.state, closed.state_reason) == ("closed", "not_planned")
    assert forge.open_issues(label="access-request") == []
