"""`accessctl propose` end to end: real git repositories, the GitHub simulator over HTTP, and the
example organization (as a snapshot file and once through the Atlassian simulator)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from controller.adapters.git_workspace import PLAN_BRANCH
from controller.core.errors import ExitCode
from controller.core.plan import parse_plan
from controller.core.plan.seal import action_sealed, header_sealed
from controller.core.snapshot import parse_inventory
from tests.factories import PLAN_KEY
from tests.integration.git_sandbox import git
from tests.integration.policy_repo import (
    BOB,
    EXAMPLE_INVENTORY,
    NOW,
    TRENT,
    PolicyRepo,
    accessctl,
    ledger_text,
    matured_warning,
)
from tests.integration.sim_atlassian_support import ServeAtlassian

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]
LATER = "2026-11-24T06:00:00Z"


@pytest.fixture
def repo(policy_repo: Callable[..., PolicyRepo]) -> PolicyRepo:
    return policy_repo()


def propose(*args: str, inventory: Path = EXAMPLE_INVENTORY, now: str = NOW) -> tuple[int, str]:
    result = accessctl("propose", "--inventory", str(inventory), "--now", now, *args)
    return result.exit_code, result.stdout + result.stderr


def plan_files_on_origin(repo: PolicyRepo) -> list[str]:
    listed = git(repo.origin.git_dir, "ls-tree", "-r", "--name-only", PLAN_BRANCH, "state/plans")
    return sorted(listed.splitlines())


def quiet_inventory(tmp_path: Path) -> Path:
    """The example organization with only people who used their products this month."""
    data = json.loads(EXAMPLE_INVENTORY.read_text())
    recent = {"alice@acme.example", "sam.lee@acme.example", "walter@acme.example"}
    data["accounts"] = [a for a in data["accounts"] if a["email"] in recent]
    path = tmp_path / "quiet.json"
    path.write_text(json.dumps(data))
    return path


def test_opens_one_labelled_plan_pull_request_with_the_summary_as_body(repo: PolicyRepo) -> None:
    main_before = repo.origin.branch_sha("main")

    code, output = propose()

    assert code == ExitCode.OK, output
    [pull] = repo.pulls()
    assert pull.state == "open"
    assert pull.html_url in output
    assert (pull.head.ref, pull.base.ref) == (PLAN_BRANCH, "main")
    assert "accessctl-plan" in pull.label_names
    assert pull.title.startswith("accessctl: revoke 0, warn 8, restore 0")
    assert "(plan-20261123-060000-" in pull.title
    plan_id = pull.title.rsplit("(", 1)[1].rstrip(")")
    assert plan_files_on_origin(repo) == [
        f"state/plans/{plan_id}.md",
        f"state/plans/{plan_id}.yaml",
    ]
    summary = git(repo.origin.git_dir, "show", f"{PLAN_BRANCH}:state/plans/{plan_id}.md")
    assert pull.body is not None
    assert pull.body.strip() == summary.strip()
    assert "| warn | `bob@acme.example` |" in pull.body
    plan = parse_plan(
        git(repo.origin.git_dir, "show", f"{PLAN_BRANCH}:state/plans/{plan_id}.yaml").encode(),
        source="origin",
    )
    assert plan.base_commit == main_before
    assert header_sealed(plan, PLAN_KEY)
    assert all(action_sealed(plan.id, action, key=PLAN_KEY) for action in plan.actions)
    assert git(repo.origin.git_dir, "rev-parse", f"{PLAN_BRANCH}~1") == main_before
    assert repo.origin.branch_sha("main") == main_before


def test_a_newer_plan_replaces_the_branch_and_refreshes_the_same_pull_request(
    repo: PolicyRepo,
) -> None:
    assert propose()[0] == ExitCode.OK
    [first] = repo.pulls()
    first_head = repo.origin.branch_sha(PLAN_BRANCH)

    code, output = propose(now=LATER)

    assert code == ExitCode.OK, output
    [second] = repo.pulls()
    assert second.number == first.number
    assert second.state == "open"
    assert "plan-20261124-060000-" in second.title
    assert second.body is not None
    assert "plan-20261124-060000-" in second.body
    new_head = repo.origin.branch_sha(PLAN_BRANCH)
    assert new_head != first_head
    # Force-with-lease replaced the branch: one commit on main, holding only the newer plan.
    assert git(repo.origin.git_dir, "rev-parse", f"{PLAN_BRANCH}~1") == repo.origin.branch_sha(
        "main"
    )
    assert all("plan-20261124" in path for path in plan_files_on_origin(repo))


def test_nothing_to_do_closes_the_open_plan_with_a_comment(
    repo: PolicyRepo, tmp_path: Path
) -> None:
    assert propose()[0] == ExitCode.OK
    [opened] = repo.pulls()

    code, output = propose(inventory=quiet_inventory(tmp_path), now=LATER)

    assert code == ExitCode.OK, output
    [closed] = repo.pulls()
    assert closed.number == opened.number
    assert closed.state == "closed"
    assert not closed.merged
    [comment] = repo.comments(closed.number)
    assert "in line with its policies" in comment.body
    assert f"#{closed.number}" in output


def test_nothing_to_do_and_no_open_plan_opens_nothing(repo: PolicyRepo, tmp_path: Path) -> None:
    code, output = propose(inventory=quiet_inventory(tmp_path))

    assert code == ExitCode.OK, output
    assert repo.pulls() == []
    assert "no plan pull request is open" in output


def test_a_safety_refusal_exits_4_and_opens_nothing(repo: PolicyRepo) -> None:
    organization = repo.edit(
        "policies/organization.yaml", "max_revocations: 200", "max_revocations: 1"
    )
    ledger = ledger_text(
        matured_warning(BOB, "bob@acme.example"), matured_warning(TRENT, "trent@acme.example")
    )
    repo.commit({"policies/organization.yaml": organization, "state/ledger.json": ledger})
    repo.push("main")

    code, output = propose()

    assert code == ExitCode.REFUSED, output
    assert "max_revocations" in output
    assert repo.pulls() == []
    assert git(repo.origin.git_dir, "branch", "--list", PLAN_BRANCH) == ""


def test_the_checkout_and_uncommitted_files_elsewhere_are_left_alone(repo: PolicyRepo) -> None:
    git(repo.clone, "switch", "--quiet", "-c", "my-work", "origin/main")
    (repo.clone / "notes.txt").write_text("draft\n")

    code, output = propose("--base", "main")

    assert code == ExitCode.OK, output
    assert repo.current_branch() == "my-work"
    assert (repo.clone / "notes.txt").read_text() == "draft\n"
    assert not list((repo.clone / "state").glob("plans/*"))
    assert git(repo.clone, "worktree", "list").count("\n") == 0


def test_uncommitted_policy_changes_are_refused(repo: PolicyRepo) -> None:
    path = repo.clone / "policies" / "jira-software-inactivity.yaml"
    path.write_text(path.read_text().replace("inactive_after_days: 60", "inactive_after_days: 30"))

    code, output = propose()

    assert code == ExitCode.BAD_INPUT
    assert "uncommitted changes in policies/jira-software-inactivity.yaml" in output
    assert repo.pulls() == []


def test_plans_the_live_organization_through_the_atlassian_simulator(
    repo: PolicyRepo, atlassian_sim: ServeAtlassian
) -> None:
    atlassian_sim(parse_inventory(EXAMPLE_INVENTORY.read_bytes(), source="example"))
    result = accessctl("propose", "--now", NOW)

    assert result.exit_code == ExitCode.OK, result.stderr
    [pull] = repo.pulls()
    assert pull.title.startswith("accessctl: revoke 0, warn 8, restore 0")
    assert "(plan-20261123-060000-" in pull.title
    assert pull.body is not None
    assert "| warn | `trent@acme.example` |" in pull.body
