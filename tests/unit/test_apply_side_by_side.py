"""Apply runs its changes side by side: more actions than workers, each account's in plan order,
every journal line whole, results in plan order. Bounded in time: a barrier that only several
workers at once can pass breaks (and fails the test) instead of hanging a sequential apply."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from controller.adapters.state_dir import StateDir
from controller.app.executor import ApplyReport, ApplyRun, apply_plan
from controller.core.directory_port import ChangeResult
from controller.core.ledger import Ledger
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account, Inventory
from tests.factories import (
    NOW,
    PLAN_KEY,
    account,
    inactivity,
    inventory,
    policy_set,
    sealed,
)
from tests.fakes import FakeDirectory

WORKERS = 4
# People idle on both sites: two revocations each (acme, then labs), which must not overlap.
BOTH_SITES = 40
ONE_SITE = 260
POLICIES = policy_set(
    inactivity(),
    inactivity(name="labs-60", site="labs"),
)


class SideBySide(FakeDirectory):
    """The in-memory directory, thread-safe, recording how its writes overlapped.

    Its first `WORKERS` writes wait at a barrier until all of them have arrived: an apply that
    runs one write at a time breaks the barrier after its timeout, and the test fails.
    """

    def __init__(self, snapshot: Inventory) -> None:
        super().__init__(snapshot)
        self.barrier = threading.Barrier(WORKERS, timeout=10)
        self.lock = threading.Lock()
        self.arrived = 0
        self.in_flight: Counter[str] = Counter()
        self.most_at_once = 0
        self.overlapped_accounts: set[str] = set()
        self.order: dict[str, list[str]] = {}

    def remove_from_group(self, *, account_id: str, group_id: str) -> ChangeResult:
        with self.lock:
            self.arrived += 1
            first = self.arrived <= WORKERS
            self.in_flight[account_id] += 1
            if self.in_flight[account_id] > 1:
                self.overlapped_accounts.add(account_id)
            self.most_at_once = max(self.most_at_once, sum(self.in_flight.values()))
        try:
            if first:
                self.barrier.wait()
            with self.lock:
                self.order.setdefault(account_id, []).append(group_id)
                return super().remove_from_group(account_id=account_id, group_id=group_id)
        finally:
            with self.lock:
                self.in_flight[account_id] -= 1


def people() -> list[Account]:
    both = [
        account(
            f"both-{n:03d}",
            idle=200,
            groups=("g-jsw", "g-labs"),
            elsewhere=[("labs", "jira-software", 200)],
        )
        for n in range(BOTH_SITES)
    ]
    one = [account(f"one-{n:03d}", idle=200) for n in range(ONE_SITE)]
    return [*both, *one]


def apply_side_by_side(tmp_path: Path) -> tuple[ApplyReport, SideBySide, StateDir]:
    snapshot = inventory(*people())
    plan = sealed(reconcile(POLICIES, snapshot, ledger=Ledger(), now=NOW))
    directory = SideBySide(snapshot)
    state = StateDir(tmp_path)
    report = apply_plan(
        ApplyRun(
            plan=plan,
            policies=POLICIES,
            directory=directory,
            state=state,
            now=NOW,
            key=PLAN_KEY,
            workers=WORKERS,
        )
    )
    return report, directory, state


@pytest.mark.timeout(60)
def test_more_actions_than_workers_run_side_by_side_each_account_in_order(tmp_path: Path) -> None:
    report, directory, _ = apply_side_by_side(tmp_path)

    revokes = [r for r in report.results if r.action.action == "revoke"]
    assert len(revokes) == 2 * BOTH_SITES + ONE_SITE
    assert all(r.outcome == "done" for r in revokes)
    assert directory.most_at_once >= WORKERS  # the barrier let WORKERS writes through together
    assert directory.overlapped_accounts == set()  # one account's changes never overlap
    for who in (f"both-{n:03d}" for n in range(BOTH_SITES)):
        assert directory.order[who] == ["g-jsw", "g-labs"]  # acme's revocation, then labs'
    assert all(not a.groups or a.groups == ("g-staff",) for a in directory.inventory.accounts)


@pytest.mark.timeout(60)
def test_results_keep_the_plan_order_and_the_journal_every_line_whole(tmp_path: Path) -> None:
    report, _, state = apply_side_by_side(tmp_path)

    journal = state.read_journal(report.plan_id)
    phases = Counter((entry.key, entry.phase) for entry in journal)
    keys = [r.key for r in report.results]
    assert [r.action.key for r in report.results] == [d.action.key for d in report.decisions]
    assert set(phases.values()) == {1}  # one `before` and one `after` per action, none torn
    assert {key for key, phase in phases if phase == "after"} == set(keys)
    assert len(state.journal_path(report.plan_id).read_text().splitlines()) == len(journal)
