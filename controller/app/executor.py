"""Apply a reviewed plan: exactly what was reviewed, each action re-checked (DESIGN §6).

1. Refuse a plan that is malformed, expired, or made from other policies (bad input, exit 2).
2. Fetch fresh state for the plan's accounts and reconcile again; execute only actions that are
   in the reviewed plan, carry a valid seal, and are still justified now. Skip the rest with the
   reason ("active on 2026-11-20, after the plan"). Never execute anything the plan lacks.
3. Re-run the safety guards over what would be executed (exit 4 refuses the whole apply).
4. Journal each action before and after, so a killed apply resumes without repeating or losing
   an action; a failing action does not stop the others.
5. Append one audit record per action, update the ledger, mark the plan applied.

Committing and pushing `state/` is the command's job (`controller.app.commands.apply`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from controller.adapters.state_dir import StateDir
from controller.core.directory_port import ChangeResult, Directory
from controller.core.errors import AccessctlError, BadInput
from controller.core.ledger import GroupRef, Ledger, RemovalRecord
from controller.core.model_base import format_instant
from controller.core.plan.model import Action, Plan, seal_action
from controller.core.plan.summary import recount
from controller.core.policy.policy_set import PolicySet, policies_digest
from controller.core.reconcile import reconcile
from controller.core.reconcile.inactivity import warning_record
from controller.core.safety import check_plan
from controller.core.snapshot import Account, Inventory

Outcome = Literal["done", "already", "skipped", "refused", "failed"]
EXECUTED: frozenset[str] = frozenset({"done", "already"})


@dataclass(frozen=True)
class Decision:
    """Whether one reviewed action runs now, and if not, why."""

    action: Action
    execute: bool
    outcome: Outcome = "done"
    reason: str = ""


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

    def count(self, *outcomes: str) -> int:
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


# --- 1. is this plan applicable at all? ---------------------------------------------------


def check_applicable(plan: Plan, *, policies: PolicySet, now: datetime) -> None:
    if plan.expired(now):
        raise BadInput(
            f"plan {plan.id} expired at {format_instant(plan.expires_at)}; "
            "run `accessctl plan` (or `accessctl propose`) again"
        )
    if plan.org_id != policies.organization.org_id:
        raise BadInput(
            f"plan {plan.id} is for organization {plan.org_id}, not {policies.organization.org_id}"
        )
    if plan.policies_digest != policies_digest(policies):
        raise BadInput(f"policies changed since plan {plan.id} was made; re-plan and review again")


# --- 2. what is still justified? (pure) ---------------------------------------------------


def decide(reviewed: Plan, fresh: Plan, *, inventory: Inventory, ledger: Ledger) -> list[Decision]:
    """One decision per reviewed action, from the fresh plan computed on fresh data."""
    now_wanted = {a.key: a for a in fresh.actions}
    accounts = {a.account_id: a for a in inventory.accounts}
    spared = {(s.account_id, s.site, s.product): s.reason for s in fresh.skipped}
    decisions = []
    for action in reviewed.actions:
        if action.seal != seal_action(reviewed.id, action):
            decisions.append(Decision(action, False, "refused", TAMPERED))
            continue
        wanted = now_wanted.get(action.key)
        if wanted is None:
            why = _no_longer_justified(
                action,
                reviewed,
                account=accounts.get(action.account_id),
                spared=spared,
                ledger=ledger,
            )
            decisions.append(Decision(action, False, why[0], why[1]))
        else:
            decisions.append(_compare(action, wanted))
    return decisions


TAMPERED = (
    "not in the reviewed plan: its seal does not match, so it was added or edited by hand; "
    "re-plan to include it"
)


def _compare(reviewed: Action, wanted: Action) -> Decision:
    extra = sorted({g.name for g in wanted.groups} - {g.name for g in reviewed.groups})
    if reviewed.action == "revoke" and extra:
        return Decision(
            reviewed,
            False,
            "skipped",
            f"now also holds the seat through {', '.join(extra)}, "
            "not in the reviewed plan; re-plan",
        )
    if reviewed.method != wanted.method:
        return Decision(
            reviewed, False, "skipped", "the policy's action changed since the plan; re-plan"
        )
    return Decision(reviewed, True)


def _no_longer_justified(
    action: Action,
    plan: Plan,
    *,
    account: Account | None,
    spared: dict[tuple[str, str, str], str],
    ledger: Ledger,
) -> tuple[Outcome, str]:
    seat = (action.account_id, action.site, action.product)
    warned = ledger.warning_for(action.account_id, site=action.site, product=action.product)
    if action.action == "warn" and warned is not None:
        return "already", "already warned"
    if account is None:
        return "skipped", "the account is no longer in the organization"
    last = account.last_active(action.site, action.product)
    if action.action in {"warn", "revoke"} and last and _newer(last, action.evidence.last_active):
        return "skipped", f"active on {last.date().isoformat()}, after the plan"
    if seat in spared:
        return "skipped", f"now spared: {spared[seat]}"
    if account.status != "active":
        return "skipped", f"the account is {account.status}"
    return "skipped", "no longer justified by the policies on fresh data; re-plan to see why"


def _newer(seen: datetime | None, planned: datetime | None) -> bool:
    """Activity the plan did not know about: any at all, or later than the plan's evidence."""
    return seen is not None and (planned is None or seen > planned)


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


def _finished(journal: list[dict[str, Any]]) -> dict[str, tuple[Outcome, str]]:
    return {
        e["key"]: (e["outcome"], e.get("detail", "")) for e in journal if e.get("phase") == "after"
    }


def _run_one(run: ApplyRun, decision: Decision) -> tuple[Outcome, str]:
    journal = run.state.append_journal
    key = decision.action.key
    if not decision.execute:
        outcome: tuple[Outcome, str] = (decision.outcome, decision.reason)
    else:
        journal(run.plan.id, {"key": key, "phase": "before", "at": run.now})
        outcome = _execute(decision.action, run.directory)
    journal(
        run.plan.id,
        {"key": key, "phase": "after", "outcome": outcome[0], "detail": outcome[1], "at": run.now},
    )
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
    state = run.state
    state.append_audit((_audit_record(run, r) for r in results), when=run.now)
    state.write_ledger(updated_ledger(ledger, results, run=run))
    state.mark_applied(
        run.plan.id,
        {
            "plan_id": run.plan.id,
            "applied_at": run.now,
            "commit": run.commit,
            "outcomes": {
                o: sum(1 for r in results if r.outcome == o)
                for o in ("done", "already", "skipped", "refused", "failed")
            },
        },
    )


def _audit_record(run: ApplyRun, result: ActionResult) -> dict[str, Any]:
    action = result.action
    failed = result.outcome == "failed"
    return {
        "time": run.now,
        "plan_id": run.plan.id,
        "commit": run.commit,
        "key": result.key,
        "action": action.action,
        "account_id": action.account_id,
        "email": action.email,
        "site": action.site,
        "product": action.product,
        "policy": action.policy,
        "method": action.method,
        "groups": [g.name for g in action.groups],
        "outcome": result.outcome,
        "detail": None if failed else result.detail,
        "error": result.detail if failed else None,
    }


# --- the ledger after an apply (pure) ---------------------------------------------------------


def updated_ledger(ledger: Ledger, results: Sequence[ActionResult], *, run: ApplyRun) -> Ledger:
    warnings = {(w.account_id, w.site, w.product): w for w in ledger.warnings}
    removals = list(ledger.removals)
    for result in results:
        if result.outcome not in EXECUTED:
            continue
        action = result.action
        seat = (action.account_id, action.site, action.product)
        if action.action == "warn":
            warnings[seat] = warning_record(action, policies=run.policies, now=run.now)
        elif action.action in {"clear-warning", "revoke"}:
            warnings.pop(seat, None)
        if action.action == "revoke":
            removals.append(_removal(action, run))
        elif action.action == "restore":
            removals = [r for r in removals if (r.account_id, r.site, r.product) != seat]
    # model_copy keeps what apply does not own (the expiry reminders `notify` recorded).
    return ledger.model_copy(
        update={"warnings": tuple(warnings.values()), "removals": tuple(removals)}
    )


def _removal(action: Action, run: ApplyRun) -> RemovalRecord:
    return RemovalRecord(
        account_id=action.account_id,
        email=action.email,
        site=action.site,
        product=action.product,
        policy=action.policy,
        method=action.method or "remove-from-groups",
        groups=tuple(GroupRef(id=g.id, name=g.name) for g in action.groups),
        removed_at=run.now,
        plan_id=run.plan.id,
    )
