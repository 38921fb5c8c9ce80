"""The run context: one policy set per run, one answer to "which clone holds state/", one
commit -> push of `state/`, one inventory source. Real git repositories, no network."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from controller.adapters.git_workspace import GitFailure
from controller.app.run_context import RunContext
from controller.core.errors import BadInput
from tests.integration.git_sandbox import git
from tests.integration.policy_repo import EXAMPLE_INVENTORY, PolicyClone

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]

ROOT = Path(__file__).parents[2]
# The example exclusion of release-managers ends 2027-03-31: loading the policies warns.
AFTER_AN_EXCLUSION_ENDED = datetime(2027, 4, 1, tzinfo=UTC)


def context(
    where: Path, *, state: str = "state", inventory: Path | None = None, now: datetime | None = None
) -> RunContext:
    return RunContext(
        policies_dir=where / "policies",
        state_dir=where / state,
        now=now or datetime(2026, 11, 23, 6, tzinfo=UTC),
        environ={},
        inventory_path=inventory,
    )


def outside_git(tmp_path: Path) -> Path:
    where = tmp_path / "outside"
    shutil.copytree(ROOT / "policies", where / "policies")
    return where


def test_the_policies_are_loaded_once_and_their_warnings_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = outside_git(tmp_path)
    run = context(where, now=AFTER_AN_EXCLUSION_ENDED)
    first = run.policies
    shutil.rmtree(where / "policies")  # a second load would fail now
    assert run.policies is first
    assert run.loaded.policies is first
    printed = [line for line in capsys.readouterr().err.splitlines() if "warning:" in line]
    assert printed == [f"warning: {warning}" for warning in run.loaded.warnings]
    assert any("'release-managers' expired on 2027-03-31" in line for line in printed)


@pytest.mark.parametrize("state", ["state", "state-not-made-yet", "state/deeper/still"])
def test_the_clone_holding_state_is_found_whether_or_not_state_exists(
    policy_clone: Callable[..., PolicyClone], state: str
) -> None:
    repo = policy_clone()
    workspace = context(repo.clone, state=state).workspace
    assert workspace is not None
    assert workspace.root == repo.clone


def test_outside_git_there_is_no_clone(tmp_path: Path) -> None:
    run = context(outside_git(tmp_path))
    assert run.workspace is None
    with pytest.raises(GitFailure, match="not inside a git repository"):
        run.require_workspace()


def test_commit_state_commits_the_state_directory_and_pushes_it(
    policy_clone: Callable[..., PolicyClone],
) -> None:
    repo = policy_clone()
    run = context(repo.clone)
    (repo.clone / "state" / "ledger.json").write_text("{}\n")
    (repo.clone / "policies" / "scratch.txt").write_text("not state\n")
    sha = run.commit_state("accessctl: test\n\nwhy\n", push=True)
    assert sha == git(repo.clone, "rev-parse", "HEAD") == repo.origin.branch_sha("main")
    assert git(repo.clone, "show", "--name-only", "--format=%s", "HEAD").splitlines() == [
        "accessctl: test",
        "",
        "state/ledger.json",
    ]
    assert git(repo.clone, "status", "--porcelain") == "?? policies/scratch.txt"
    assert run.commit_state("accessctl: again\n", push=False) is None  # nothing changed


def test_commit_state_outside_git_writes_but_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert context(outside_git(tmp_path)).commit_state("accessctl: test\n", push=True) is None
    assert "is not in a git clone: written, but not committed" in capsys.readouterr().err


def test_pushing_from_a_detached_head_says_what_to_do(
    policy_clone: Callable[..., PolicyClone],
) -> None:
    repo = policy_clone()
    git(repo.clone, "switch", "--quiet", "--detach")
    (repo.clone / "state" / "ledger.json").write_text("{}\n")
    with pytest.raises(GitFailure, match="HEAD is detached; check out the branch"):
        context(repo.clone).commit_state("accessctl: test\n", push=True)


def test_the_inventory_comes_from_the_file_given(tmp_path: Path) -> None:
    where = outside_git(tmp_path)
    inventory = context(where, inventory=EXAMPLE_INVENTORY).inventory()
    assert len(inventory.accounts) > 10
    with pytest.raises(BadInput, match=r"missing\.json: cannot read the inventory"):
        context(where, inventory=where / "missing.json").inventory()
