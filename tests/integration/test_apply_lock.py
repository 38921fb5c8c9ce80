"""The apply lock on a real bare origin: a compare-and-swap ref only one run can take, which
carries the journal a re-run resumes from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from controller.adapters.apply_lock import LEASE, ApplyLock, Held
from controller.adapters.git_workspace import Rejection, Workspace
from controller.core.errors import RunFailure
from controller.core.state_records import JournalEntry
from tests.integration.git_sandbox import Origin, git

pytestmark = pytest.mark.integration

PLAN = "plan-20261123-060000-86e605a0"
REF = f"refs/accessctl/apply/{PLAN}"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BEGUN = (JournalEntry(key="revoke:acme:jira-software:u1", phase="before", at=NOW, groups=("g",)),)


@pytest.fixture
def origin(bare_origin: Callable[..., Origin]) -> Origin:
    return bare_origin()


def lock(origin: Origin, clone: str, *, holder: str, now: datetime = NOW) -> ApplyLock:
    path = origin.workspace / clone
    if not path.exists():
        origin.clone(clone)
    return ApplyLock(Workspace.open(path), plan_id=PLAN, holder=holder, now=now)


def remote_lock(origin: Origin) -> str:
    return git(origin.git_dir, "for-each-ref", "--format=%(refname)", REF)


def test_one_run_takes_the_lock_and_another_is_told_who_holds_it(origin: Origin) -> None:
    first = lock(origin, "a", holder="run 1")
    assert first.acquire() == ()
    held = lock(origin, "b", holder="run 2").acquire()
    assert isinstance(held, Held)
    assert held.record.holder == "run 1"
    assert "git push origin --delete refs/accessctl/apply/" in str(held)
    first.release()
    assert remote_lock(origin) == ""


def test_the_journal_published_with_the_lock_is_what_a_re_run_resumes_from(
    origin: Origin,
) -> None:
    first = lock(origin, "a", holder="run 1")
    first.acquire()
    first.publish(BEGUN)
    assert first.begun
    again = lock(origin, "fresh", holder="run 1", now=NOW + timedelta(minutes=5))
    assert again.acquire() == BEGUN
    with pytest.raises(RunFailure, match="was taken over by another run"):
        first.publish(BEGUN)  # the killed run, were it alive, would stop before any change


def test_a_lock_past_its_lease_may_be_taken_by_anyone(origin: Origin) -> None:
    lock(origin, "a", holder="run 1").acquire()
    assert isinstance(lock(origin, "b", holder="run 2", now=NOW + LEASE / 2).acquire(), Held)
    assert lock(origin, "b", holder="run 2", now=NOW + LEASE).acquire() == ()


def test_a_ref_that_is_not_a_lock_is_reported_not_taken(origin: Origin) -> None:
    clone = origin.clone("a")
    git(clone, "push", "--quiet", "origin", f"HEAD:{REF}")
    with pytest.raises(RunFailure, match="is not an accessctl apply lock; delete it"):
        lock(origin, "b", holder="run 2").acquire()


def test_a_race_the_remote_settles_is_lost_not_failed(
    origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both runs saw no lock; run 1's push lands first, and the remote refuses run 2's update
    itself ("failed to update ref"), not git's lease check: run 2 is told who holds it."""
    first = lock(origin, "a", holder="run 1")
    second = lock(origin, "b", holder="run 2")

    def raced(ref: str, *, sha: str | None, expected: str | None) -> Rejection:
        assert first.acquire() == ()
        return Rejection(kind="remote rejected", why="failed to update ref")

    monkeypatch.setattr(second.workspace, "push_ref", raced)
    held = second.acquire()
    assert isinstance(held, Held)
    assert held.record.holder == "run 1"


def test_a_refusal_that_leaves_no_lock_is_a_failure_to_report(
    origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = lock(origin, "a", holder="run 1")

    def refused(ref: str, *, sha: str | None, expected: str | None) -> Rejection:
        return Rejection(kind="remote rejected", why="pre-receive hook declined")

    monkeypatch.setattr(run.workspace, "push_ref", refused)
    with pytest.raises(RunFailure, match="cannot take the apply lock"):
        run.acquire()
