"""The GitHub simulator over real HTTP: GitHub's shapes, statuses and error bodies, real git."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.integration.git_sandbox import (
    REPOSITORY,
    TOKEN,
    Origin,
    commit_file,
    git,
    push_branch,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]
REPO = f"/repos/{REPOSITORY}"


@pytest.fixture
def origin(bare_origin: Callable[..., Origin]) -> Origin:
    return bare_origin(files={"policies/org.yaml": "version: 1\n", "README.md": "hi\n"})


@pytest.fixture
def api(origin: Origin, github_sim: Callable[..., str]) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"}
    with httpx.Client(base_url=github_sim(origin), headers=headers, timeout=10) as client:
        yield client


def open_pull(api: httpx.Client, head: str, *, title: str = "Plan") -> httpx.Response:
    return api.post(f"{REPO}/pulls", json={"title": title, "head": head, "base": "main"})


def test_repository_answers_with_default_branch_and_rate_limit_headers(api: httpx.Client) -> None:
    response = api.get(REPO)

    assert response.status_code == 200
    assert response.json()["default_branch"] == "main"
    assert response.json()["full_name"] == REPOSITORY
    assert int(response.headers["x-ratelimit-remaining"]) < int(
        response.headers["x-ratelimit-limit"]
    )
    assert response.headers["x-ratelimit-reset"].isdigit()


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("Bearer wrong-token", "Bad credentials"),
        (f"Basic {TOKEN}", "Bad credentials"),
        ("", "Requires authentication"),
    ],
    ids=["wrong-token", "wrong-scheme", "missing"],
)
def test_bad_credentials_are_401_with_githubs_body(
    api: httpx.Client, authorization: str, message: str
) -> None:
    response = api.get(REPO, headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.json()["message"] == message
    assert "documentation_url" in response.json()


def test_token_scheme_is_accepted_like_bearer(api: httpx.Client) -> None:
    assert api.get(REPO, headers={"Authorization": f"token {TOKEN}"}).status_code == 200


@pytest.mark.parametrize("path", ["/repos/acme/other", "/repos/acme/access/nothing-here"])
def test_unknown_repository_or_route_is_404_json(api: httpx.Client, path: str) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"


def test_ref_lookup_reads_the_bare_repository(api: httpx.Client, origin: Origin) -> None:
    response = api.get(f"{REPO}/git/ref/heads/main")

    assert response.status_code == 200
    assert response.json()["ref"] == "refs/heads/main"
    assert response.json()["object"] == {
        "sha": origin.branch_sha("main"),
        "type": "commit",
        "url": response.json()["object"]["url"],
    }
    assert api.get(f"{REPO}/git/ref/heads/absent").status_code == 404


def test_creating_a_ref_twice_is_422(api: httpx.Client, origin: Origin) -> None:
    body = {"ref": "refs/heads/accessctl/plan", "sha": origin.branch_sha("main")}

    first = api.post(f"{REPO}/git/refs", json=body)
    second = api.post(f"{REPO}/git/refs", json=body)

    assert first.status_code == 201
    assert origin.branch_sha("accessctl/plan") == origin.branch_sha("main")
    assert second.status_code == 422
    assert second.json()["message"] == "Reference already exists"
    matching = api.get(f"{REPO}/git/matching-refs/heads/accessctl/").json()
    assert [ref["ref"] for ref in matching] == ["refs/heads/accessctl/plan"]


def test_contents_are_base64_with_the_blob_sha(api: httpx.Client, origin: Origin) -> None:
    response = api.get(f"{REPO}/contents/policies/org.yaml", params={"ref": "main"})

    body = response.json()
    assert response.status_code == 200
    assert body["encoding"] == "base64"
    assert base64.b64decode(body["content"]) == b"version: 1\n"
    assert body["sha"] == git(origin.git_dir, "rev-parse", "main:policies/org.yaml")
    missing = api.get(f"{REPO}/contents/policies/absent.yaml", params={"ref": "main"})
    assert missing.status_code == 404


def test_pull_request_is_created_with_githubs_fields(api: httpx.Client, origin: Origin) -> None:
    head_sha = push_branch(origin.clone("a"), "accessctl/plan", files={"state/p.yaml": "x\n"})

    response = open_pull(api, "accessctl/plan")

    pull = response.json()
    assert response.status_code == 201
    assert pull["number"] == 1
    assert (pull["state"], pull["merged"], pull["merge_commit_sha"]) == ("open", False, None)
    assert pull["head"]["ref"] == "accessctl/plan"
    assert pull["head"]["sha"] == head_sha
    assert pull["base"]["sha"] == origin.branch_sha("main")
    assert pull["user"]["login"] == "github-actions[bot]"
    assert pull["html_url"].endswith(f"/{REPOSITORY}/pull/1")


def test_duplicate_open_pull_request_is_422_with_githubs_message(
    api: httpx.Client, origin: Origin
) -> None:
    push_branch(origin.clone("a"), "accessctl/plan", files={"state/p.yaml": "x\n"})
    open_pull(api, "accessctl/plan")

    response = open_pull(api, "acme:accessctl/plan")

    assert response.status_code == 422
    assert response.json()["message"] == "Validation Failed"
    assert response.json()["errors"] == [
        {
            "resource": "PullRequest",
            "code": "custom",
            "message": "A pull request already exists for acme:accessctl/plan.",
        }
    ]


def test_pull_request_from_a_missing_branch_is_422_invalid_head(api: httpx.Client) -> None:
    response = open_pull(api, "does-not-exist")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"resource": "PullRequest", "code": "invalid", "field": "head"}
    ]


def test_pull_request_without_commits_is_422(api: httpx.Client, origin: Origin) -> None:
    git(origin.git_dir, "branch", "empty", "main")

    response = open_pull(api, "empty")

    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "No commits between main and empty"


def test_head_sha_follows_force_pushes(api: httpx.Client, origin: Origin) -> None:
    clone = origin.clone("a")
    push_branch(clone, "accessctl/plan", files={"state/p.yaml": "one\n"})
    open_pull(api, "accessctl/plan")
    git(clone, "reset", "--quiet", "--hard", "origin/main")

    rewritten = push_branch(clone, "accessctl/plan", files={"state/p.yaml": "two\n"}, force=True)

    assert api.get(f"{REPO}/pulls/1").json()["head"]["sha"] == rewritten


def test_list_filters_by_head_base_and_state(api: httpx.Client, origin: Origin) -> None:
    clone = origin.clone("a")
    push_branch(clone, "one", files={"a.txt": "a\n"})
    push_branch(clone, "two", files={"b.txt": "b\n"})
    open_pull(api, "one")
    open_pull(api, "two")
    api.patch(f"{REPO}/pulls/1", json={"state": "closed"})

    def numbers(**params: str) -> list[int]:
        return [pull["number"] for pull in api.get(f"{REPO}/pulls", params=params).json()]

    assert numbers() == [2]
    assert numbers(state="all") == [2, 1]
    assert numbers(state="closed", head="acme:one") == [1]
    assert numbers(state="all", head="acme:two", base="main") == [2]
    assert numbers(state="all", base="other") == []


def test_update_changes_title_and_body(api: httpx.Client, origin: Origin) -> None:
    push_branch(origin.clone("a"), "accessctl/plan", files={"p.txt": "p\n"})
    open_pull(api, "accessctl/plan")

    response = api.patch(f"{REPO}/pulls/1", json={"title": "New", "body": "Text"})

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["body"]) == ("New", "Text")


def test_comments_page_with_link_headers_and_edit_in_place(
    api: httpx.Client, origin: Origin
) -> None:
    push_branch(origin.clone("a"), "accessctl/plan", files={"p.txt": "p\n"})
    open_pull(api, "accessctl/plan")
    created = [
        api.post(f"{REPO}/issues/1/comments", json={"body": f"c{i}"}).json() for i in range(3)
    ]

    first_page = api.get(f"{REPO}/issues/1/comments", params={"per_page": "2"})
    second_page = api.get(first_page.links["next"]["url"])
    edited = api.patch(f"{REPO}/issues/comments/{created[0]['id']}", json={"body": "edited"})

    assert [c["body"] for c in first_page.json()] == ["c0", "c1"]
    assert [c["body"] for c in second_page.json()] == ["c2"]
    assert "next" not in second_page.links
    assert edited.status_code == 200
    assert edited.json()["body"] == "edited"


def test_comment_over_githubs_limit_is_422(api: httpx.Client, origin: Origin) -> None:
    push_branch(origin.clone("a"), "accessctl/plan", files={"p.txt": "p\n"})
    open_pull(api, "accessctl/plan")

    response = api.post(f"{REPO}/issues/1/comments", json={"body": "x" * 65_537})

    assert response.status_code == 422
    assert "too long" in response.json()["errors"][0]["message"]


def test_adding_labels_creates_unknown_ones(api: httpx.Client, origin: Origin) -> None:
    push_branch(origin.clone("a"), "accessctl/plan", files={"p.txt": "p\n"})
    open_pull(api, "accessctl/plan")
    api.post(f"{REPO}/labels", json={"name": "accessctl", "color": "0e8a16"})

    response = api.post(f"{REPO}/issues/1/labels", json={"labels": ["accessctl", "plan"]})

    assert response.status_code == 200
    assert [label["name"] for label in response.json()] == ["accessctl", "plan"]
    assert [label["name"] for label in api.get(f"{REPO}/labels").json()] == ["accessctl", "plan"]
    assert [label["name"] for label in api.get(f"{REPO}/pulls/1").json()["labels"]] == [
        "accessctl",
        "plan",
    ]
    duplicate = api.post(f"{REPO}/labels", json={"name": "Plan"})
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["code"] == "already_exists"


def test_merge_makes_a_real_merge_commit(api: httpx.Client, origin: Origin) -> None:
    head_sha = push_branch(origin.clone("a"), "accessctl/plan", files={"state/p.yaml": "p\n"})
    old_main = origin.branch_sha("main")
    open_pull(api, "accessctl/plan", title="Revoke 3 seats")

    response = api.put(f"{REPO}/pulls/1/merge", json={"commit_title": "Apply plan"})

    assert response.status_code == 200
    assert response.json()["merged"] is True
    merge_sha = response.json()["sha"]
    assert origin.branch_sha("main") == merge_sha
    assert git(origin.git_dir, "log", "-1", "--format=%P %s", merge_sha) == (
        f"{old_main} {head_sha} Apply plan"
    )
    pull = api.get(f"{REPO}/pulls/1").json()
    assert (pull["state"], pull["merged"], pull["merge_commit_sha"]) == ("closed", True, merge_sha)
    assert api.get(f"{REPO}/pulls/1/merge").status_code == 204
    again = api.put(f"{REPO}/pulls/1/merge", json={})
    assert again.status_code == 405


def test_conflicting_pull_request_is_405_not_mergeable(api: httpx.Client, origin: Origin) -> None:
    clone = origin.clone("a")
    push_branch(clone, "edit", files={"README.md": "theirs\n"})
    git(clone, "switch", "--quiet", "main")
    commit_file(clone, "README.md", "ours\n", message="edit on main")
    git(clone, "push", "--quiet", "origin", "main")
    open_pull(api, "edit")

    response = api.put(f"{REPO}/pulls/1/merge", json={})

    assert response.status_code == 405
    assert response.json()["message"] == "Pull Request is not mergeable"
    assert api.get(f"{REPO}/pulls/1").json()["mergeable"] is False


def moved_main_and_a_two_commit_branch(origin: Origin) -> str:
    """`topic` with two commits, and a commit on main since it branched: old main's sha."""
    clone = origin.clone("a")
    push_branch(clone, "topic", files={"a.txt": "a\n", "b.txt": "b\n"})
    git(clone, "switch", "--quiet", "main")
    commit_file(clone, "c.txt", "c\n", message="meanwhile on main")
    git(clone, "push", "--quiet", "origin", "main")
    return origin.branch_sha("main")


@pytest.mark.parametrize(
    ("method", "log"),
    [
        ("squash", ["Plan (#1)"]),  # one commit, titled as GitHub titles a squash
        ("rebase", ["change b.txt", "change a.txt"]),  # each commit replayed, in order
    ],
)
def test_squash_and_rebase_write_a_linear_main(
    api: httpx.Client, origin: Origin, method: str, log: list[str]
) -> None:
    old_main = moved_main_and_a_two_commit_branch(origin)
    open_pull(api, "topic")

    response = api.put(f"{REPO}/pulls/1/merge", json={"merge_method": method})

    assert response.status_code == 200, response.text
    sha = response.json()["sha"]
    assert origin.branch_sha("main") == sha
    assert git(origin.git_dir, "log", "--format=%s", f"{old_main}..{sha}").splitlines() == log
    assert git(origin.git_dir, "rev-list", "--merges", f"{old_main}..{sha}") == ""
    files = git(origin.git_dir, "ls-tree", "--name-only", sha).split()
    assert {"a.txt", "b.txt", "c.txt"} <= set(files)
    pull = api.get(f"{REPO}/pulls/1").json()
    assert (pull["merged"], pull["merge_commit_sha"]) == (True, sha)


def test_a_rebase_that_conflicts_is_405_and_an_unknown_method_422(
    api: httpx.Client, origin: Origin
) -> None:
    clone = origin.clone("a")
    push_branch(clone, "edit", files={"README.md": "theirs\n"})
    git(clone, "switch", "--quiet", "main")
    commit_file(clone, "README.md", "ours\n", message="edit on main")
    git(clone, "push", "--quiet", "origin", "main")
    open_pull(api, "edit")

    rebase = api.put(f"{REPO}/pulls/1/merge", json={"merge_method": "rebase"})
    unknown = api.put(f"{REPO}/pulls/1/merge", json={"merge_method": "octopus"})

    assert (rebase.status_code, rebase.json()["message"]) == (405, "Pull Request is not mergeable")
    assert unknown.status_code == 422
    assert api.get(f"{REPO}/pulls/1").json()["merged"] is False


def test_merge_with_a_stale_head_sha_is_409(api: httpx.Client, origin: Origin) -> None:
    push_branch(origin.clone("a"), "accessctl/plan", files={"p.txt": "p\n"})
    open_pull(api, "accessctl/plan")

    response = api.put(f"{REPO}/pulls/1/merge", json={"sha": origin.branch_sha("main")})

    assert response.status_code == 409


def test_exhausted_rate_limit_is_403_with_zero_remaining(
    origin: Origin, github_sim: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    base_url = github_sim(origin, rate_limit=1)
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        assert client.get(REPO).status_code == 200
        response = client.get(REPO)

    assert response.status_code == 403
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert "rate limit exceeded" in response.json()["message"]


def commits_in(origin: Origin, *, since: str, until: str) -> list[str]:
    return git(origin.git_dir, "rev-list", f"{since}..{until}").split()


@pytest.mark.parametrize("method", ["merge", "squash", "rebase"])
def test_commit_pulls_name_the_pull_request_for_any_of_its_commits(
    api: httpx.Client, origin: Origin, method: str
) -> None:
    old_main = moved_main_and_a_two_commit_branch(origin)
    branch_commits = commits_in(origin, since=old_main, until="topic")
    open_pull(api, "topic")
    while_open = {sha: pulls_of(api, sha) for sha in branch_commits}
    sha = api.put(f"{REPO}/pulls/1/merge", json={"merge_method": method}).json()["sha"]
    on_main = commits_in(origin, since=old_main, until=sha)

    after = {commit: pulls_of(api, commit) for commit in [*branch_commits, *on_main]}

    assert len(branch_commits) == 2
    assert while_open == {commit: [1] for commit in branch_commits}
    assert after == {commit: [1] for commit in [*branch_commits, *on_main]}
    assert pulls_of(api, old_main) == []


def test_commit_pulls_of_a_commit_on_main_name_only_the_pull_request_that_merged_it(
    api: httpx.Client, origin: Origin
) -> None:
    clone = origin.clone("a")
    git(clone, "push", "--quiet", "origin", "HEAD:refs/heads/release")
    shared = push_branch(clone, "first", files={"a.txt": "a\n"})
    own = push_branch(clone, "second", files={"b.txt": "b\n"})  # holds `shared` too
    open_pull(api, "first")
    api.post(f"{REPO}/pulls", json={"title": "Next", "head": "second", "base": "release"})
    before = pulls_of(api, shared)
    api.put(f"{REPO}/pulls/1/merge", json={})

    assert before == [2, 1]
    assert pulls_of(api, shared) == [1]
    assert pulls_of(api, own) == [2]


def pulls_of(api: httpx.Client, sha: str) -> list[int]:
    response = api.get(f"{REPO}/commits/{sha}/pulls")
    assert response.status_code == 200, response.text
    return [pull["number"] for pull in response.json()]
