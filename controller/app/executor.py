"""Apply a reviewed plan: only what was reviewed, with values read now (docs/apply-trust.md).

1. Refuse a plan whose header seal does not verify, that has expired (recomputed from its sealed
   `created_at`) before it started, or that was made for other policies (bad input, exit 2).
2. Fetch fresh state for the plan's accounts and reconcile again; carry out the fresh version of
   each reviewed action that is still justified, on the groups both name. Refuse entries whose
   own seal does not verify or that repeat; skip the rest with the reason.
3. Re-run the safety guards over what will run, with seat counts read now (exit 4 refuses all).
4. Journal: one `before` line per action about to run, all written (and handed to `on_begin`,
   which publishes them with the apply lock) before the first change; one `after` line as each
   finishes. A killed apply resumes: finished actions are not repeated, begun ones are resolved
   by reading the present. A failing action does not stop the others. The changes run side by
   side on `workers` threads, so an apply runs at the rate limit rather than at one request's
   latency; one account's actions run in plan order on one thread, and no thread waits on
   another's work. Results, audit and ledger keep the plan's order.
5. Append one audit record per action, update the ledger, mark the plan applied.

A plan an interrupted apply started (its journal says so) and that steps 1-3 now refuse whole is
not dropped: what the journal and the present show done is recorded as in step 5, the rest is
skipped with the refusal, and the plan is marked refused, saying how much was carried out.

The decisions of steps 1-3 are pure (`controller.core.apply_decision`); this module runs them
against the directory and `state/`. Committing and pushing `state/`, and the lock, are the
command's (`controller.app.commands.apply`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from controller.adapters.state_dir import StateDir
from controller.core.apply_decision import (
    Decision,
    Fresh,
    Seat,
    check_applicable,
    check_fresh,
    decide,
    revoked_seats,
)
from controller.core.directory_port import ChangeResult, Directory
from controller.core.errors import AccessctlError, BadInput, SafetyRefusal
from controller.core.ledger import Ledger, actions_executed
from controller.core.plan.model import Action, GroupRef, Plan
from controller.core.plan.seal import PlanKey
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import RestoreRequest, reconcile
from controller.core.snapshot import Inventory
from controller.core.state_records import (
    EXECUTED,
    OUTCOMES,
    AppliedMarker,
    ApprovalRecord,
    JournalEntry,
    Outcome,
    RefusedMarker,
    audit_record,
    begun_unfinished,
    finished,
)


@dataclass(frozen=True)
class ActionResult:
    key: str
    action: Action
    outcome: Outcome
    detail: str = ""
    recorded: bool = True  # False: a refused entry, listed and counted, never audited


@dataclass
class ApplyReport:
    plan_id: str
    results: list[ActionResult] = field(default_factory=list)
    already_applied: bool = False
    dry_run: bool = False
    decisions: list[Decision] = field(default_factory=list)
    commit: str | None = None  # the commit the plan was applied from
    # Why a started plan was refused whole on a re-run; its results are what the journal shows
    # done, and the rest skipped.
    refusal: AccessctlError | None = None

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

    def refusal_reasons(self) -> tuple[str, ...]:
        """Why a started plan was refused, and how much of it was carried out before."""
        if self.refusal is None:
            return ()
        reviewed = sum(1 for r in self.results if r.recorded)
        made = self.count(*EXECUTED)
        return (
            *self.refusal.lines(),
            f"{made} of the {reviewed} reviewed actions were carried out before the refusal and "
            f"are recorded in the audit log and the ledger; the other {reviewed - made} were not",
        )


@dataclass(frozen=True)
class ApplyRun:
    """Everything one apply needs; the clock, the key and the directory come from the shell."""

    plan: Plan
    policies: PolicySet
    directory: Directory
    state: StateDir
    now: datetime
    key: PlanKey
    commit: str | None = None
    dry_run: bool = False
    on_progress: Callable[[ActionResult], None] | None = None
    # Called with the `before` lines once they are on disk, before the first change.
    on_begin: Callable[[Sequence[JournalEntry]], None] | None = None
    approval: ApprovalRecord | None = None  # who let the plan in, recorded in its marker
    # Seats their owners asked for in an issue: the fresh plan restores them as the reviewed
    # one did (`accessctl request-access --from-issue`).
    requests: tuple[RestoreRequest, ...] = ()
    # How many changes may run at once: the directory's own limit (its client's requests in
    # flight), which also paces them; on_progress is then called from those threads.
    workers: int = 1


def apply_plan(run: ApplyRun) -> ApplyReport:
    plan, state = run.plan, run.state
    if state.applied_marker(plan.id) is not None:
        return ApplyReport(plan.id, already_applied=True, dry_run=run.dry_run, commit=run.commit)
    journal = state.read_journal(plan.id)
    _refuse_if_refused_after_start(run, started=bool(journal))
    try:
        decisions, fresh = _decide(run, journal=journal)
    except (BadInput, SafetyRefusal) as refusal:
        if not journal or run.dry_run:
            raise
        return _record_then_refuse(run, journal=journal, refusal=refusal)
    report = ApplyReport(plan.id, dry_run=run.dry_run, decisions=decisions, commit=run.commit)
    if run.dry_run:
        return report
    report.results = _execute_all(run, decisions, journal=journal, names=_names(fresh))
    _record(run, report, ledger=fresh.ledger)
    return report


def _decide(run: ApplyRun, *, journal: Sequence[JournalEntry]) -> tuple[list[Decision], Fresh]:
    """Steps 1-3: what runs, on fresh data; raises when the plan is refused whole."""
    plan = run.plan
    check_applicable(plan, policies=run.policies, key=run.key, now=run.now, started=bool(journal))
    fresh = read_fresh(run)
    decisions = decide(plan, fresh, key=run.key, begun=begun_unfinished(journal))
    seats = seats_in_use(run.directory, fresh.inventory, seats=revoked_seats(decisions))
    check_fresh(plan, decisions, policies=run.policies, seats=seats)
    return decisions, fresh


def _record_then_refuse(
    run: ApplyRun, *, journal: Sequence[JournalEntry], refusal: AccessctlError
) -> ApplyReport:
    """A started plan refused whole: nothing more runs; what its journal shows finished, and
    what of its begun actions is in effect now, is recorded as a finished apply records it; the
    rest is skipped with the refusal, and the plan is marked refused."""
    fresh = read_fresh(run)
    reason = f"not carried out: the plan was refused: {refusal.lines()[0]}"
    begun = begun_unfinished(journal)
    decisions = decide(run.plan, fresh, key=run.key, begun=begun, refused=reason)
    report = ApplyReport(run.plan.id, decisions=decisions, commit=run.commit, refusal=refusal)
    report.results = _execute_all(run, decisions, journal=journal, names=_names(fresh))
    _record(run, report, ledger=fresh.ledger)
    return report


def _refuse_if_refused_after_start(run: ApplyRun, *, started: bool) -> None:
    """A started plan marked refused has had what it did recorded: it is not taken up again."""
    marker = run.state.refused_marker(run.plan.id)
    if marker is not None and started:
        raise BadInput(
            f"plan {run.plan.id} was refused after it started ({marker.reasons[0]}); what it "
            "carried out is recorded in state/; re-plan"
        )


def read_fresh(run: ApplyRun) -> Fresh:
    """The plan's accounts as they are now, and the plan `reconcile` makes of them."""
    ledger = run.state.read_ledger()
    inventory = run.directory.fetch_accounts(sorted({a.account_id for a in run.plan.actions}))
    fresh = reconcile(run.policies, inventory, ledger=ledger, now=run.now, requests=run.requests)
    return Fresh(plan=fresh, inventory=inventory, ledger=ledger)


def seats_in_use(
    directory: Directory, inventory: Inventory, *, seats: Sequence[Seat]
) -> dict[Seat, int]:
    """Seats in use per (site, product), as the directory counts them now."""
    return {
        (site, product): directory.count_active_members(
            [g.id for g in inventory.granting_groups(site, product)]
        )
        for site, product in seats
    }


def _names(fresh: Fresh) -> dict[str, str]:
    return {g.id: g.name for g in fresh.inventory.groups}


# --- 4. journal and execute -----------------------------------------------------------------


def _execute_all(
    run: ApplyRun,
    decisions: Sequence[Decision],
    *,
    journal: Sequence[JournalEntry],
    names: Mapping[str, str],
) -> list[ActionResult]:
    done = finished(journal)
    _begin(run, [d for d in decisions if d.execute and d.action.key not in done])

    def settle(decision: Decision) -> ActionResult:
        after = done.get(decision.action.key) if decision.recorded else None
        result = _from_journal(decision, after, names=names) if after else _run_one(run, decision)
        if run.on_progress:
            run.on_progress(result)
        return result

    return _account_by_account(decisions, settle=settle, workers=run.workers)


def _account_by_account(
    decisions: Sequence[Decision], *, settle: Callable[[Decision], ActionResult], workers: int
) -> list[ActionResult]:
    """Each account's decisions in plan order, accounts side by side on `workers` threads; the
    results in plan order. A thread settles one account and waits on nothing else."""
    lanes: dict[str, list[int]] = {}
    for index, decision in enumerate(decisions):
        lanes.setdefault(decision.action.account_id, []).append(index)
    results: dict[int, ActionResult] = {}

    def settle_lane(indexes: list[int]) -> None:
        for index in indexes:
            results[index] = settle(decisions[index])

    if workers <= 1:
        for lane in lanes.values():
            settle_lane(lane)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
            try:
                for future in [pool.submit(settle_lane, lane) for lane in lanes.values()]:
                    future.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # what runs finishes, not more
                raise
    return [results[index] for index in range(len(decisions))]


def _begin(run: ApplyRun, running: Sequence[Decision]) -> None:
    befores = [
        JournalEntry(key=d.action.key, phase="before", at=run.now, groups=_ids(d.action))
        for d in running
    ]
    if befores:
        run.state.append_journal(run.plan.id, befores)
    if run.on_begin:
        run.on_begin(befores)


def _ids(action: Action) -> tuple[str, ...]:
    return tuple(g.id for g in action.groups)


def _from_journal(
    decision: Decision, after: JournalEntry, *, names: Mapping[str, str]
) -> ActionResult:
    """An action a previous run finished: its outcome, and the groups it changed then."""
    action = decision.action
    if after.groups is not None:
        known = {g.id: g.name for g in (*decision.reviewed.groups, *action.groups)}
        groups = tuple(GroupRef(id=i, name=names.get(i) or known.get(i, i)) for i in after.groups)
        action = replace(action, groups=groups)
    outcome = after.outcome or "done"
    return ActionResult(action.key, action, outcome, after.detail or "")


def _run_one(run: ApplyRun, decision: Decision) -> ActionResult:
    action = decision.action
    if not decision.recorded:
        return ActionResult(decision.reviewed.key, action, decision.outcome, decision.reason, False)
    if decision.execute:
        outcome, detail = _execute(action, run.directory)
    else:
        outcome, detail = decision.outcome, decision.reason
    after = JournalEntry(
        key=action.key,
        phase="after",
        at=run.now,
        outcome=outcome,
        detail=detail,
        groups=_ids(action) if outcome in EXECUTED else None,
    )
    run.state.append_journal(run.plan.id, [after])
    return ActionResult(action.key, action, outcome, detail)


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


# --- 5. audit, ledger, marker ---------------------------------------------------------------


def _record(run: ApplyRun, report: ApplyReport, *, ledger: Ledger) -> None:
    state, plan_id, results = run.state, run.plan.id, report.results
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
        if r.recorded
    ]
    state.append_audit(audit, when=run.now)
    state.write_ledger(updated_ledger(ledger, results, run=run))
    if report.refusal is not None:
        state.mark_refused(
            RefusedMarker(
                plan_id=plan_id,
                refused_at=run.now,
                reasons=report.refusal_reasons(),
                exit_code=report.refusal.exit_code,
            )
        )
        return
    counts = {o: sum(1 for r in results if r.outcome == o) for o in OUTCOMES}
    state.mark_applied(
        AppliedMarker(
            plan_id=plan_id,
            applied_at=run.now,
            commit=run.commit,
            outcomes=counts,
            approval=run.approval,
        )
    )


def updated_ledger(ledger: Ledger, results: Sequence[ActionResult], *, run: ApplyRun) -> Ledger:
    """The ledger after the actions that were carried out (`done` or `already`), in order."""
    executed = [r.action for r in results if r.recorded and r.outcome in EXECUTED]
    return actions_executed(
        ledger, executed, plan_id=run.plan.id, policies=run.policies, now=run.now
    )
