"""Who approved a plan, from GitHub itself: recorded when the plan is applied, read back offline.

A bot merging (an app, a merge queue) makes the merge commit's author a bot, and a squash or a
rebase credits the bot that wrote the plan branch; the person who approved the pull request is
only known to GitHub. `apply` asks GitHub which pull request the
merge commit merged, who merged it and who approved it in a review, and records that in the
plan's applied marker; `audit` and `report` read it back with no network at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from controller.adapters.github import GitHubForge
from controller.adapters.state_dir import StateDir
from controller.core.errors import ExitCode
from controller.core.snapshot import parse_inventory
from controller.core.state_records import PullRequestApproval
from controller.sim.github import ADMIN_TOKEN, APP_TOKEN
from tests.integration.git_sandbox import REPOSITORY, git
from tests.integration.policy_repo import EXAMPLE_INVENTORY, NOW, PolicyRepo, accessctl
from tests.integration.sim_atlassian_support import ServeAtlassian

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
APPLIED_AT = "2026-11-23T07:00:00Z"


def review(repo: PolicyRepo, number: int, *, token: str, event: str) -> None:
    answer = httpx.post(
        f"{repo.base_url}/repos/{REPOSITORY}/pulls/{number}/reviews",
        json={"event": event},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def merge_as(repo: PolicyRepo, number: int, *, token: str, method: str = "merge") -> str:
    if method == "merge":
        environ = {**repo.environ(), "GITHUB_TOKEN": token}
        with GitHubForge.from_env(environ) as merger:
            return merger.merge_pull(number, title=f"Merge plan pull request #{number}").sha
    answer = httpx.put(
        f"{repo.base_url}/repos/{REPOSITORY}/pulls/{number}/merge",
        json={"merge_method": method},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["sha"])


@pytest.fixture
def proposed(
    policy_repo: Callable[..., PolicyRepo], atlassian_sim: ServeAtlassian
) -> tuple[PolicyRepo, int]:
    """The plan pull request, opened by the daily job with the Actions token."""
    atlassian_sim(parse_inventory(EXAMPLE_INVENTORY.read_bytes(), source="example"))
    repo = policy_repo()
    result = accessctl("propose", "--now", NOW)
    assert result.exit_code == ExitCode.OK, result.stderr
    (pull,) = repo.open_pulls()
    return repo, pull.number


@pytest.mark.parametrize(
    ("method", "author"),
    [
        ("merge", "accessctl-app[bot]"),  # the merge commit is the merging app's
        ("squash", "github-actions[bot]"),  # the squash is the pull request author's
        ("rebase", "accessctl"),  # replayed commits keep the author of the plan branch
    ],
)
def test_apply_records_the_approving_reviewer_when_a_bot_merges(
    proposed: tuple[PolicyRepo, int], monkeypatch: pytest.MonkeyPatch, method: str, author: str
) -> None:
    repo, number = proposed
    review(repo, number, token=ADMIN_TOKEN, event="APPROVE")
    sha = merge_as(repo, number, token=APP_TOKEN, method=method)
    git(repo.clone, "pull", "--quiet", "--ff-only", "origin", "main")

    result = accessctl("apply", "--pending", "--push", "--now", APPLIED_AT)

    assert result.exit_code == ExitCode.OK, result.stderr
    assert git(repo.clone, "log", "-1", "--format=%an", sha) == author
    assert git(repo.clone, "log", "-1", "--format=%P", sha).count(" ") == (method == "merge")
    (marker,) = StateDir(repo.clone / "state").applied_markers()
    assert marker.approval == PullRequestApproval(
        pull=number,
        url=f"{repo.base_url}/{REPOSITORY}/pull/{number}",
        merged_by="accessctl-app[bot]",
        approved_by=("octo-admin",),
        merge_commit=sha,
        merged_at=marker.approval.merged_at if marker.approval else None,
    )

    for name in ("GITHUB_API_URL", "GITHUB_TOKEN", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(name)  # read back offline
    trail = json.loads(accessctl("audit", "--format", "json").stdout)
    approvals = {json.dumps(e["approved_by"], sort_keys=True) for e in trail["events"]}
    (shown,) = (json.loads(a) for a in approvals)
    assert (shown["source"], shown["name"], shown["approved_by"], shown["pull"]) == (
        "pull-request",
        "accessctl-app[bot]",
        ["octo-admin"],
        number,
    )


def test_without_github_settings_apply_goes_on_and_git_tells_the_approver(
    proposed: tuple[PolicyRepo, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, number = proposed
    merge_as(repo, number, token=ADMIN_TOKEN)
    git(repo.clone, "pull", "--quiet", "--ff-only", "origin", "main")
    monkeypatch.delenv("GITHUB_TOKEN")

    result = accessctl("apply", "--pending", "--push", "--now", APPLIED_AT)

    assert result.exit_code == ExitCode.OK, result.stderr
    (marker,) = StateDir(repo.clone / "state").applied_markers()
    assert marker.approval is None
    report = json.loads(accessctl("audit", "--format", "json").stdout)
    assert {e["approved_by"]["source"] for e in report["events"]} == {"git"}
    assert {e["approved_by"]["name"] for e in report["events"]} == {"Octo Admin"}


def test_an_unreachable_github_costs_the_record_not_the_apply(
    proposed: tuple[PolicyRepo, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, number = proposed
    merge_as(repo, number, token=ADMIN_TOKEN)
    git(repo.clone, "pull", "--quiet", "--ff-only", "origin", "main")
    monkeypatch.setenv("GITHUB_TOKEN", "not-a-token")

    result = accessctl("apply", "--pending", "--push", "--now", APPLIED_AT)

    assert result.exit_code == ExitCode.OK, result.stderr
    assert "is not recorded" in result.stderr
    assert "not-a-token" not in result.stderr
    (marker,) = StateDir(repo.clone / "state").applied_markers()
    assert marker.approval is None
