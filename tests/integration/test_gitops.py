"""The git helper on real repositories: pinned identity, push races, force-with-lease, reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from controller.adapters.git_workspace import (
    PLAN_BRANCH,
    GitFailure,
    GitIdentity,
    PushRejected,
    Workspace,
)
from controller.core.errors import ExitCode
from tests.integration.git_sandbox import (
    Origin,
    git,
    write,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]


@pytest.fixture
def origin(bare_origin: Callable[..., Origin]) -> Origin:
    return bare_origin(files={"policies/org.yaml": "version: 1\n", "state/ledger.json": "{}\n"})


def workspace(origin: Origin, name: str) -> Workspace:
    return Workspace.open(origin.clone(name), identity=GitIdentity())


def test_commits_carry_the_pinned_identity_whatever_the_user_config(
    origin: Origin, tmp_path: Path
) -> None:
    write(tmp_path / "home" / ".gitconfig", "[user]\n\tname = Leaky\n\temail = leak@home\n")
    clone = origin.clone("a")
    ws = Workspace.open(clone, identity=GitIdentity.from_env({}))

    sha = ws.commit_files({"state/audit/2026-11.jsonl": '{"a": 1}\n'}, message="Audit")

    assert sha == ws.head_commit()
    assert git(clone, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s") == (
        "accessctl <accessctl@users.noreply.github.com>|"
        "accessctl <accessctl@users.noreply.github.com>|Audit"
    )


def test_identity_can_be_set_from_the_environment() -> None:
    identity = GitIdentity.from_env(
        {"ACCESSCTL_GIT_NAME": "Access Bot", "ACCESSCTL_GIT_EMAIL": "bot@acme.test"}
    )

    assert identity == GitIdentity(name="Access Bot", email="bot@acme.test")


def test_committing_unchanged_files_makes_no_commit(origin: Origin) -> None:
    ws = workspace(origin, "a")
    before = ws.head_commit()

    assert ws.commit_files({"state/ledger.json": "{}\n"}, message="Nothing") is None
    assert ws.head_commit() == before


def test_commit_paths_records_deletions(origin: Origin) -> None:
    ws = workspace(origin, "a")
    (ws.root / "state/ledger.json").unlink()

    sha = ws.commit_paths(["state/ledger.json"], message="Drop ledger")

    assert sha is not None
    assert ws.read_text_at("HEAD", "state/ledger.json") is None


def test_paths_outside_the_work_tree_are_refused(origin: Origin) -> None:
    ws = workspace(origin, "a")

    with pytest.raises(GitFailure, match="outside the work tree"):
        ws.commit_files({"../escape.txt": "x"}, message="no")


def test_push_race_is_rebased_and_retried(origin: Origin) -> None:
    first, second = workspace(origin, "first"), workspace(origin, "second")
    first.commit_files({"state/audit/a.jsonl": "a\n"}, message="Apply plan A")
    second.commit_files({"state/audit/b.jsonl": "b\n"}, message="Apply plan B")
    first_sha = first.push_with_rebase("main")

    pushed = second.push_with_rebase("main")

    assert origin.branch_sha("main") == pushed
    assert git(origin.git_dir, "log", "-1", "--format=%P", pushed) == first_sha
    fresh = origin.clone("fresh")
    assert (fresh / "state/audit/a.jsonl").read_text() == "a\n"
    assert (fresh / "state/audit/b.jsonl").read_text() == "b\n"


def test_push_race_on_the_same_lines_fails_clearly_and_leaves_the_clone_usable(
    origin: Origin,
) -> None:
    first, second = workspace(origin, "first"), workspace(origin, "second")
    first.commit_files({"state/ledger.json": '{"a": 1}\n'}, message="Ledger A")
    second.commit_files({"state/ledger.json": '{"b": 2}\n'}, message="Ledger B")
    first.push_with_rebase("main")

    with pytest.raises(GitFailure, match=r"both changed state/ledger\.json") as raised:
        second.push_with_rebase("main")

    assert raised.value.exit_code == ExitCode.FAILURE
    assert second.current_branch() == "main"
    assert (second.root / "state/ledger.json").read_text() == '{"b": 2}\n'


def test_push_gives_up_after_bounded_attempts(origin: Origin) -> None:
    first, second = workspace(origin, "first"), workspace(origin, "second")
    first.commit_files({"state/a.txt": "a\n"}, message="A")
    second.commit_files({"state/b.txt": "b\n"}, message="B")
    winner = first.push_with_rebase("main")

    with pytest.raises(PushRejected, match="after 1 attempts"):
        second.push_with_rebase("main", attempts=1)

    assert origin.branch_sha("main") == winner


def test_a_push_the_remote_refuses_outright_is_not_retried(origin: Origin) -> None:
    ws = workspace(origin, "a")
    ws.commit_files({"state/mine.txt": "mine\n"}, message="Mine")
    hook = origin.git_dir / "hooks" / "pre-receive"
    write(hook, "#!/bin/sh\necho 'main is protected' >&2\nexit 1\n")
    hook.chmod(0o755)

    with pytest.raises(PushRejected, match="branch protection") as raised:
        ws.push_with_rebase("main")

    assert "remote rejected" in raised.value.message


def test_plan_branch_is_force_pushed_with_a_lease(origin: Origin) -> None:
    planner = workspace(origin, "planner")
    planner.fetch()
    planner.reset_branch(PLAN_BRANCH, base="origin/main")
    planner.commit_files({"state/plans/p1.yaml": "one\n"}, message="Plan 1")
    planner.push_with_lease(PLAN_BRANCH, expected_sha=None)

    planner.fetch()
    lease = planner.remote_branch_sha(PLAN_BRANCH)
    planner.reset_branch(PLAN_BRANCH, base="origin/main")
    replanned = planner.commit_files({"state/plans/p2.yaml": "two\n"}, message="Plan 2")
    planner.push_with_lease(PLAN_BRANCH, expected_sha=lease)

    assert origin.branch_sha(PLAN_BRANCH) == replanned
    assert git(origin.git_dir, "log", "--format=%s", "main..accessctl/plan") == "Plan 2"


def test_lease_refuses_to_clobber_a_branch_that_moved(origin: Origin) -> None:
    slow, fast = workspace(origin, "slow"), workspace(origin, "fast")
    slow.fetch()
    stale_lease = slow.remote_branch_sha(PLAN_BRANCH)
    for ws, name in ((fast, "fast"), (slow, "slow")):
        ws.reset_branch(PLAN_BRANCH, base="origin/main")
        ws.commit_files({"state/plans/p.yaml": f"{name}\n"}, message=f"Plan {name}")
    fast.push_with_lease(PLAN_BRANCH, expected_sha=None)
    fast_sha = origin.branch_sha(PLAN_BRANCH)

    with pytest.raises(PushRejected, match="run again") as raised:
        slow.push_with_lease(PLAN_BRANCH, expected_sha=stale_lease)

    assert raised.value.exit_code == ExitCode.FAILURE
    assert origin.branch_sha(PLAN_BRANCH) == fast_sha


def test_read_text_at_a_ref(origin: Origin) -> None:
    ws = workspace(origin, "a")
    before = ws.head_commit()
    ws.commit_files({"policies/org.yaml": "version: 2\n"}, message="Bump")

    assert ws.read_text_at(before, "policies/org.yaml") == "version: 1\n"
    assert ws.read_text_at("HEAD", "policies/org.yaml") == "version: 2\n"
    assert ws.read_text_at("HEAD", "policies/absent.yaml") is None


def test_changed_files_between_refs(origin: Origin) -> None:
    ws = workspace(origin, "a")
    base = ws.head_commit()
    ws.reset_branch("feature", base=base)
    ws.commit_files({"policies/new.yaml": "n\n", "state/ledger.json": "[]\n"}, message="Change")

    assert ws.changed_files(base, "HEAD") == ["policies/new.yaml", "state/ledger.json"]
    assert ws.changed_files("main", "feature", since_fork=True) == [
        "policies/new.yaml",
        "state/ledger.json",
    ]
    assert ws.changed_files(base, base) == []


def test_opening_a_directory_that_is_not_a_repository_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()

    with pytest.raises(GitFailure, match="not inside a git repository"):
        Workspace.open(tmp_path / "plain")


def test_push_failures_never_show_credentials_from_the_remote_url(origin: Origin) -> None:
    ws = workspace(origin, "a")
    git(ws.root, "remote", "set-url", "origin", "http://user:s3cr3t@127.0.0.1:9/acme/access.git")

    with pytest.raises(GitFailure) as raised:
        ws.push_with_rebase("main")

    assert "s3cr3t" not in raised.value.message
    assert "check the remote" in raised.value.message
