"""The GitHub simulator starts the repository's workflows as GitHub does: for pushes, pull
requests opened and pull requests synchronized by an app or a person, never for those made with
the repository's GITHUB_TOKEN. Pushes go over the simulator's git endpoint, as a job's do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from controller.sim.github import ADMIN_TOKEN, APP_TOKEN
from tests.integration.git_sandbox import (
    REPOSITORY,
    TOKEN,
    Origin,
    clone_over_http,
    commit_file,
    git,
    set_up_as_documented,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]
WORKFLOWS = {
    ".github/workflows/ci.yml": (
        "name: ci\non:\n  push:\n    branches: [main]\n  pull_request:\n"
        "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n"
    ),
    ".github/workflows/preview.yml": (
        "name: preview\non:\n  pull_request:\n    paths: ['policies/**']\n"
        "jobs:\n  preview:\n    name: Preview\n    runs-on: ubuntu-latest\n    steps: []\n"
    ),
}
# Each token, and who the runs its events start are by (None: they start none).
KINDS = [(TOKEN, None), (APP_TOKEN, "accessctl-app[bot]"), (ADMIN_TOKEN, "octo-admin")]
KIND_IDS = ["actions-token", "app-token", "person"]


@pytest.fixture
def served(
    bare_origin: Callable[..., Origin], github_sim: Callable[..., str]
) -> tuple[Origin, str]:
    origin = bare_origin(files={"README.md": "hi\n", **WORKFLOWS})
    return origin, github_sim(origin, settings=set_up_as_documented())


def runs(base_url: str) -> list[tuple[str, str, str]]:
    answer = httpx.get(f"{base_url}/__sim/workflow-runs", timeout=10).json()
    return [(run["name"], run["event"], run["actor"]) for run in answer]


def push_change(clone: Path, branch: str, path: str) -> str:
    git(clone, "switch", "--quiet", "-C", branch)
    sha = commit_file(clone, path, f"{branch}\n", message=f"change {path}")
    git(clone, "push", "--quiet", "origin", branch)
    return sha


def open_pull(base_url: str, token: str, head: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/repos/{REPOSITORY}/pulls",
        json={"title": "Plan", "head": head, "base": "main"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


@pytest.mark.parametrize(("token", "actor"), KINDS, ids=KIND_IDS)
def test_a_push_to_main_starts_the_push_workflows_unless_made_with_the_actions_token(
    served: tuple[Origin, str], token: str, actor: str | None
) -> None:
    origin, base_url = served
    clone = clone_over_http(origin, base_url, token=token, name="job")
    push_change(clone, "main", "README.md")

    assert runs(base_url) == ([("ci", "push", actor)] if actor else [])


@pytest.mark.parametrize(("token", "actor"), KINDS, ids=KIND_IDS)
@pytest.mark.parametrize(
    ("path", "workflows"),
    [("state/plans/p.yaml", ["ci"]), ("policies/org.yaml", ["ci", "preview"])],
    ids=["plan-file", "policy-file"],
)
def test_a_pull_request_opened_starts_the_workflows_its_paths_call_for(
    served: tuple[Origin, str], token: str, actor: str | None, path: str, workflows: list[str]
) -> None:
    origin, base_url = served
    clone = clone_over_http(origin, base_url, token=token, name="job")
    push_change(clone, "accessctl/plan", path)
    opened = open_pull(base_url, token, "accessctl/plan")

    assert opened.status_code == 201, opened.text
    assert runs(base_url) == (
        [(name, "pull_request", actor) for name in workflows] if actor else []
    )


@pytest.mark.parametrize(("token", "actor"), KINDS, ids=KIND_IDS)
def test_a_push_to_an_open_pull_requests_branch_synchronizes_it(
    served: tuple[Origin, str], token: str, actor: str | None
) -> None:
    origin, base_url = served
    admin = clone_over_http(origin, base_url, token=ADMIN_TOKEN, name="admin")
    push_change(admin, "topic", "a.txt")
    open_pull(base_url, ADMIN_TOKEN, "topic")
    opened = runs(base_url)
    job = clone_over_http(origin, base_url, token=token, name="job")
    git(job, "switch", "--quiet", "topic")
    head = push_change(job, "topic", "b.txt")
    after = httpx.get(f"{base_url}/__sim/workflow-runs", timeout=10).json()[len(opened) :]

    assert opened == [("ci", "pull_request", "octo-admin")]
    assert [(run["event"], run["actor"], run["head_sha"]) for run in after] == (
        [("pull_request", actor, head)] if actor else []
    )


@pytest.mark.parametrize(("token", "actor"), KINDS, ids=KIND_IDS)
def test_a_merge_is_a_push_to_the_base_by_whoever_merged(
    served: tuple[Origin, str], token: str, actor: str | None
) -> None:
    origin, base_url = served
    push_change(clone_over_http(origin, base_url, token=ADMIN_TOKEN, name="a"), "topic", "a.txt")
    number = open_pull(base_url, ADMIN_TOKEN, "topic").json()["number"]
    merged = httpx.put(
        f"{base_url}/repos/{REPOSITORY}/pulls/{number}/merge",
        json={},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )

    assert merged.status_code == 200, merged.text
    pushes = [run for run in runs(base_url) if run[1] == "push"]
    assert pushes == ([("ci", "push", actor)] if actor else [])


def as_(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("token", "actor"), KINDS, ids=KIND_IDS)
def test_a_pull_request_reopened_starts_its_workflows_again(
    served: tuple[Origin, str], token: str, actor: str | None
) -> None:
    origin, base_url = served
    push_change(clone_over_http(origin, base_url, token=ADMIN_TOKEN, name="a"), "topic", "a.txt")
    number = open_pull(base_url, ADMIN_TOKEN, "topic").json()["number"]
    pull = f"{base_url}/repos/{REPOSITORY}/pulls/{number}"
    httpx.patch(pull, json={"state": "closed"}, headers=as_(ADMIN_TOKEN), timeout=10)
    before = len(runs(base_url))
    reopened = httpx.patch(pull, json={"state": "open"}, headers=as_(token), timeout=10)

    assert reopened.status_code == 200, reopened.text
    assert runs(base_url)[before:] == ([("ci", "pull_request", actor)] if actor else [])


@pytest.mark.parametrize(("token", "actor"), KINDS, ids=KIND_IDS)
def test_moving_a_branch_through_the_refs_api_is_a_push(
    served: tuple[Origin, str], token: str, actor: str | None
) -> None:
    origin, base_url = served
    clone = origin.clone("on-disk")  # the server's own hand: no event
    sha = push_change(clone, "topic", "a.txt")
    moved = httpx.patch(
        f"{base_url}/repos/{REPOSITORY}/git/refs/heads/main",
        json={"sha": sha},
        headers=as_(token),
        timeout=10,
    )

    assert moved.status_code == 200, moved.text
    assert runs(base_url) == ([("ci", "push", actor)] if actor else [])


POLICY_PUSH_WORKFLOW = {
    ".github/workflows/policies.yml": (
        "name: policies\non:\n  push:\n    paths: ['policies/**']\n"
        "jobs:\n  check:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n"
    ),
}


def commit_on_disk(origin: Origin, *, files: dict[str, str], parent: str | None) -> str:
    """A commit made by the server's own hand (no event): `files` over the workflow file."""
    clone = origin.clone(f"disk-{len(list(origin.workspace.iterdir()))}")
    if parent is None:
        git(clone, "switch", "--quiet", "--orphan", "unrelated")
    else:
        git(clone, "switch", "--quiet", "--detach", parent)
    for path, text in {**POLICY_PUSH_WORKFLOW, **files}.items():
        (clone / path).parent.mkdir(parents=True, exist_ok=True)
        (clone / path).write_text(text)
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "-m", f"write {', '.join(files)}")
    sha = git(clone, "rev-parse", "HEAD")
    git(clone, "push", "--quiet", "origin", f"{sha}:refs/heads/disk-{sha[:8]}")
    return sha


@pytest.mark.parametrize(
    ("history", "started"),
    [
        # Tip against tip (two dots), as GitHub compares a push to an existing branch: moving
        # back past a policy change changes policies/ although nothing new was committed.
        pytest.param("back-past-a-policy-change", True, id="back-past-a-policy-change"),
        # No common history to compare from: GitHub runs the workflow.
        pytest.param("unrelated", True, id="unrelated-history"),
        pytest.param("forward-without-policies", False, id="forward-without-policies"),
    ],
)
def test_a_force_update_compares_the_branch_tips_as_github_does(
    bare_origin: Callable[..., Origin],
    github_sim: Callable[..., str],
    history: str,
    started: bool,
) -> None:
    origin = bare_origin(files={"README.md": "hi\n", **POLICY_PUSH_WORKFLOW})
    main = origin.branch_sha("main")
    changed = commit_on_disk(origin, files={"policies/org.yaml": "x\n"}, parent=main)
    git(origin.git_dir, "update-ref", "refs/heads/topic", changed)
    target = {
        "back-past-a-policy-change": main,
        "unrelated": commit_on_disk(origin, files={"other.txt": "y\n"}, parent=None),
        "forward-without-policies": commit_on_disk(origin, files={"b.txt": "z\n"}, parent=changed),
    }[history]
    base_url = github_sim(origin)
    moved = httpx.patch(
        f"{base_url}/repos/{REPOSITORY}/git/refs/heads/topic",
        json={"sha": target, "force": True},
        headers=as_(ADMIN_TOKEN),
        timeout=10,
    )

    assert moved.status_code == 200, moved.text
    assert runs(base_url) == ([("policies", "push", "octo-admin")] if started else [])


def test_the_default_branch_cannot_be_deleted_through_the_refs_api(
    bare_origin: Callable[..., Origin], github_sim: Callable[..., str]
) -> None:
    origin = bare_origin()
    main = origin.branch_sha("main")
    base_url = github_sim(origin)
    deleted = httpx.delete(
        f"{base_url}/repos/{REPOSITORY}/git/refs/heads/main", headers=as_(ADMIN_TOKEN), timeout=10
    )

    assert deleted.status_code == 422, deleted.text
    assert origin.branch_sha("main") == main
