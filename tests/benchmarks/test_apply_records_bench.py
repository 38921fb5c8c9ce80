"""Benchmark: what an apply of 10,000 actions records, on a ledger of a large organization.

An apply that revokes, warns and restores 10,000 seats updates a ledger already holding 50,000
removals and 20,000 warnings (`actions_executed`), then writes one audit record and two
journal lines per action (`controller.core.state_records`). Each event must cost the same
however large the ledger is; a ledger rebuilt per event would take minutes here.

Target: <= 1.0 s for the ledger, <= 2.0 s for the records, on a 2-core machine. Prints the
figures and their ratio to the bound; asserts nothing about time (run with `make bench`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from controller.adapters.state_dir import StateDir
from controller.core.ledger import Ledger, RemovalRecord, WarningRecord, actions_executed
from controller.core.plan.model import Action, ActionKind, GroupRef
from controller.core.state_records import JournalEntry, audit_record
from tests.factories import policy_set

NOW = datetime(2026, 11, 23, 6, tzinfo=UTC)
ACTIONS = 10_000
REMOVALS = 50_000
WARNINGS = 20_000
LEDGER_BOUND_S = 1.0
RECORDS_BOUND_S = 2.0
GROUPS = (GroupRef(id="g-jsw", name="jira-software-users"),)
PLAN_ID = "plan-20261123-060000-0000cafe"


def large_ledger() -> Ledger:
    def removal(n: int) -> RemovalRecord:
        return RemovalRecord(
            account_id=f"gone-{n}",
            site="acme",
            product="jira-software",
            policy="jsw-60",
            groups=GROUPS,
            removed_at=NOW,
            plan_id="plan-old",
        )

    def warning(n: int) -> WarningRecord:
        return WarningRecord(
            account_id=f"idle-{n}",
            site="acme",
            product="jira-software",
            policy="jsw-60",
            warned_at=NOW,
            revoke_not_before=NOW,
        )

    return Ledger(
        warnings=tuple(warning(n) for n in range(WARNINGS)),
        removals=tuple(removal(n) for n in range(REMOVALS)),
    )


def applied_actions() -> list[Action]:
    """Revokes of warned accounts, restores of removed ones, warnings of new ones."""
    kinds: list[tuple[ActionKind, str]] = [("revoke", "idle"), ("restore", "gone"), ("warn", "new")]
    return [
        Action(
            key=f"{kind}:acme:jira-software:{who}-{n}",
            action=kind,
            account_id=f"{who}-{n}",
            site="acme",
            product="jira-software",
            policy="jsw-60",
            method=None if kind == "warn" else "remove-from-groups",
            groups=() if kind == "warn" else GROUPS,
            reason="idle",
        )
        for n in range(ACTIONS // len(kinds) + 1)
        for kind, who in kinds
    ][:ACTIONS]


def test_recording_an_apply_of_ten_thousand_actions(tmp_path: Path) -> None:
    ledger, actions, policies = large_ledger(), applied_actions(), policy_set()
    started = time.perf_counter()
    after = actions_executed(ledger, actions, plan_id=PLAN_ID, policies=policies, now=NOW)
    ledger_s = time.perf_counter() - started

    state = StateDir(tmp_path)
    started = time.perf_counter()
    befores = [JournalEntry(key=a.key, phase="before", at=NOW) for a in actions]
    state.append_journal(PLAN_ID, befores)  # every `before` ahead of the first change
    for action in actions:
        done = JournalEntry(key=action.key, phase="after", at=NOW, outcome="done")
        state.append_journal(PLAN_ID, [done])
    audit = [
        audit_record(a, outcome="done", detail="", plan_id=PLAN_ID, commit=None, at=NOW)
        for a in actions
    ]
    state.append_audit(audit, when=NOW)
    records_s = time.perf_counter() - started

    print(
        f"\nledger: {ACTIONS:,} events on {REMOVALS:,} removals + {WARNINGS:,} warnings in "
        f"{ledger_s:.2f} s ({ledger_s / LEDGER_BOUND_S:.2f} of the {LEDGER_BOUND_S} s bound)"
        f"\nrecords: {2 * ACTIONS:,} journal lines + {ACTIONS:,} audit records in "
        f"{records_s:.2f} s ({records_s / RECORDS_BOUND_S:.2f} of the {RECORDS_BOUND_S} s bound)"
    )
    assert len(after.removals) == REMOVALS - ACTIONS // 3 + (ACTIONS + 2) // 3
    assert len(state.read_journal(PLAN_ID)) == 2 * ACTIONS
