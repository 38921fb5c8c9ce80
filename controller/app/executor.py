"""Apply a reviewed plan: exactly what was reviewed, each action re-checked (DESIGN §6).

1. Refuse a plan that is malformed, expired, or made from other policies (bad input, exit 2).
2. Fetch fresh state for the plan's accounts and reconcile again; execute only actions that are
   in the reviewed plan, carry a valid seal, and are still justified now. Skip the rest with the
   reason ("active on 2026-11-20, after the plan"). Never execute anything the plan lacks.
3. Re-run the safety guards over what would be executed (exit 4 refuses the whole apply).
4. Journal each action before and after, so a killed apply resumes without repeating or losing
   an action; a failing action does not stop the others.
5. Append one audit record per action, update the ledger, mark the plan applied.

The decisions of steps 1 and 2 are pure (`controller.core.apply_decision`); this module runs
them against the directory and `state/`. Committing and pushing `state/` is the command's job
(`controller.app.commands.apply`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from controller.adapters.state_dir import StateDir
from controller.core.apply_decision import Decision, check_applicable, decide
from controller.core.directory_port import ChangeResult, Directory
from controller.core.errors import AccessctlError
from controller.core.ledger import Ledger, actions_executed
from controller.core.plan.model import Action, Plan
from controller.core.plan.summary import recount
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.safety import check_plan
from controller.core.state_records import (
    EXECUTED,
    OUTCOMES,
    AppliedMarker,
    JournalEntry,
    Outcome,
    audit_record,
)


@dataclass(frozen=True)
class ActionResult:
    key: str
    action: Action
    outcome: Outcome
    detail: str = ""


@dataclass
class ApplyReport:
    plan_id: str
    results: list[ActionResult] = field(default_factory=list)
    already_applied: bool = False
    dry_run: bool = False
    decisions: list[Decision] = field(default_factory=list)

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome in outcomes)

    @property
    def failures(self) -> list[ActionResult]:
        return [r for r in self.results if r.outcome == "failed"]

    def headline(self) -> str:
        done = [r for r in self.results if r.outcome in EXECUTED]
        kinds = {
            k: sum(1 for r in done if r.action.action == k)
            for k in ("revoke", "warn", "grant", "restore", "clear-warning")
        }
        parts = [f"{n} {k}" for k, n in kinds.items() if n]
        return (
            f"{', '.join(parts) or 'nothing executed'}; {self.count('skipped')} skipped, "
            f"{self.count('refused')} refused, {self.count('failed')} failed"
        )


# --- 3-5. execute, journal, audit, ledger ---------------------------------------------------


@dataclass(frozen=True)
class ApplyRun:
    """Everything one apply needs; the clock and the directory come from the shell."""

    plan: Plan
    policies: PolicySet
    directory: Directory
    state: StateDir
    now: datetime
    commit: str | None = None
    dry_run: bool = False
    on_progress: Callable[[ActionResult], None] | None = None


def apply_plan(run: ApplyRun) -> ApplyReport:
    plan, state = run.plan, run.state
    check_applicable(plan, policies=run.policies, now=run.now)
    if state.applied_marker(plan.id) is not None:
        return ApplyReport(plan.id, already_applied=True, dry_run=run.dry_run)
    ledger = state.read_ledger()
    fresh_inventory = run.directory.fetch_accounts(sorted({a.account_id for a in plan.actions}))
    fresh = reconcile(run.policies, fresh_inventory, ledger=ledger, now=run.now)
    decisions = decide(plan, fresh, inventory=fresh_inventory, ledger=ledger)
    executable = [d.action for d in decisions if d.execute]
    check_plan(
        plan.model_copy(
            update={"actions": tuple(executable), "summary": recount(plan.summary, executable)}
        ),
        run.policies,
    )
    report = ApplyReport(plan.id, dry_run=run.dry_run, decisions=decisions)
    if run.dry_run:
        return report
    report.results = _execute_all(run, decisions)
    _record(run, report.results, ledger=ledger)
    return report


def _execute_all(run: ApplyRun, decisions: Sequence[Decision]) -> list[ActionResult]:
    finished = _finished(run.state.read_journal(run.plan.id))
    results = []
    for decision in decisions:
        key = decision.action.key
        result = finished.get(key) or _run_one(run, decision)
        results.append(ActionResult(key, decision.action, result[0], result[1]))
        if run.on_progress:
            run.on_progress(results[-1])
    return results


def _finished(journal: Sequence[JournalEntry]) -> dict[str, tuple[Outcome, str]]:
    return {
        e.key: (e.outcome, e.detail or "")
        for e in journal
        if e.phase == "after" and e.outcome is not None
    }


def _run_one(run: ApplyRun, decision: Decision) -> tuple[Outcome, str]:
    journal = run.state.append_journal
    key = decision.action.key
    if not decision.execute:
        outcome: tuple[Outcome, str] = (decision.outcome, decision.reason)
    else:
        journal(run.plan.id, JournalEntry(key=key, phase="before", at=run.now))
        outcome = _execute(decision.action, run.directory)
    after = JournalEntry(key=key, phase="after", at=run.now, outcome=outcome[0], detail=outcome[1])
    journal(run.plan.id, after)
    return outcome


def _execute(action: Action, directory: Directory) -> tuple[Outcome, str]:
    try:
        results = list(_calls(action, directory))
    except AccessctlError as error:
        return "failed", error.message
    if not results:
        return "done", "recorded in the ledger"
    outcome: Outcome = "done" if any(r.outcome == "done" for r in results) else "already"
    return outcome, "; ".join(r.detail for r in results if r.detail)


def _calls(action: Action, directory: Directory) -> list[ChangeResult]:
    account = action.account_id
    if action.action == "revoke":
        if action.method == "suspend":
            return [directory.suspend(account_id=account)]
        return [
            directory.remove_from_group(account_id=account, group_id=g.id) for g in action.groups
        ]
    if action.action == "restore" and action.method == "suspend":
        return [directory.restore(account_id=account)]
    if action.action in {"restore", "grant"}:
        return [directory.add_to_group(account_id=account, group_id=g.id) for g in action.groups]
    return []  # warn and clear-warning change the ledger only


def _record(run: ApplyRun, results: Sequence[ActionResult], *, ledger: Ledger) -> None:
    state, plan_id = run.state, run.plan.id
    audit = [
        audit_record(
            r.action,
            outcome=r.outcome,
            detail=r.detail,
            plan_id=plan_id,
            commit=run.commit,
            at=run.now,
        )
        for r in results
    ]
    state.append_audit(audit, when=run.now)
    state.write_ledger(updated_ledger(ledger, results, run=run))
    counts = {o: sum(1 for r in results if r.outcome == o) for o in OUTCOMES}
    state.mark_applied(
        AppliedMarker(plan_id=plan_id, applied_at=run.now, commit=run.commit, outcomes=counts)
    )


def updated_ledger(ledger: Ledger, results: Sequence[ActionResult], *, run: ApplyRun) -> Ledger:
    """The ledger after the actions that were carried out (`done` or `already`), in order."""
    executed = [r.action for r in results if r.outcome in EXECUTED]
    return actions_executed(
        ledger, executed, plan_id=run.plan.id, policies=run.policies, now=run.now
    )
