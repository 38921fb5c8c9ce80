"""`accessctl apply PLAN [--dry-run] [--push]`: carry out a merged plan and commit the audit.

Shell around `controller.app.executor`: reads the plan file and the policies in the working tree,
connects the Atlassian directory, runs the apply, prints what happened, then commits `state/`
(ledger, audit, journal, applied marker) with a message naming the plan and the counts, and with
`--push` pushes it, rebasing and retrying when the remote moved. Who approved the plan (the pull
request that merged it, who merged it, who approved it in a review) is asked of GitHub first
and recorded in the applied marker (`controller.app.approvals`). Then, when the Organization
configures SMTP, it mails the revocation and restore notices and the admin digest
(`controller.app.mailing.send_apply_notices`).
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from controller.adapters.apply_lock import ApplyLock, Held
from controller.adapters.atlassian import AtlassianClient, AtlassianDirectory
from controller.adapters.files import read_input
from controller.adapters.git_workspace import StateParked, Workspace, state_branch
from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.app.approvals import approval_on_github
from controller.app.executor import ActionResult, ApplyReport, ApplyRun, apply_plan
from controller.app.mailing import AppliedPlan, send_apply_notices
from controller.app.run_context import RunContext
from controller.core.errors import BadInput, ExitCode, SafetyRefusal, shown
from controller.core.plan import Plan, parse_plan
from controller.core.plan.seal import PlanKey
from controller.core.state_records import JournalEntry, RefusedMarker


@dataclass(frozen=True)
class ApplyRequest:
    plan_path: Path | None  # None: every merged plan not applied or refused yet (`--pending`)
    dry_run: bool = False
    push: bool = False


def read_plan(path: Path) -> Plan:
    """The plan file; it must be named after the id it holds, as `plan` and `propose` name it
    (its journal and markers are named by that id, and `--pending` finds it by that name)."""
    plan = parse_plan(read_input(path, what="plan"), source=str(path))
    if path.stem != plan.id:
        raise BadInput(
            f"{path}: holds plan {plan.id} but is named {shown(path.name)}; a plan is applied "
            f"from the file named after its id ({plan.id}{path.suffix}): rename it or re-plan"
        )
    return plan


def run(context: RunContext, request: ApplyRequest) -> int:
    """Apply one plan, or with `--pending` every merged plan still waiting, oldest first."""
    if request.plan_path is not None:
        return apply_one(context, request, plan_path=request.plan_path)
    for misnamed in context.state.misnamed_plans():
        console.warn(
            f"{misnamed}: ignored: a merged plan is named after its id "
            "(plan-YYYYMMDD-HHMMSS-xxxxxxxx.yaml); rename it to its id or remove it"
        )
    state = context.state
    unfinished = uncommitted(context, state.applied_plans(), marker=state.applied_path)
    unfinished += uncommitted(context, state.refused_plans(), marker=state.refused_path)
    pending = sorted(unfinished + state.pending_plans())
    if not pending:
        console.info("no merged plan is waiting to be applied")
    codes = [apply_pending(context, request, plan_path=path) for path in pending]
    return max(codes, default=ExitCode.OK)


def uncommitted(
    context: RunContext, plans: Sequence[Path], *, marker: Callable[[str], Path]
) -> list[Path]:
    """Of `plans`, those whose marker (applied or refused) a run killed before its commit left
    written and uncommitted: going on with them commits and pushes what that run wrote."""
    workspace, state = context.workspace, context.state
    if workspace is None or not state.plans_dir.is_dir():
        return []
    written = workspace.uncommitted_paths([workspace.relative_path(state.plans_dir)])
    names = {Path(path).name for path in written}
    return [plan for plan in plans if marker(plan.stem).name in names]


def apply_pending(context: RunContext, request: ApplyRequest, *, plan_path: Path) -> int:
    """One waiting plan; a plan refused whole (expired, other policies, safety) is marked
    refused and committed, so the next run does not try it again, and the others go on. A
    refusal a killed run marked and never committed is reported and committed as marked."""
    marked = context.state.refused_marker(plan_path.stem)
    if marked is not None:
        return settle_refusal(context, request, plan_path=plan_path, marker=marked)
    try:
        return apply_one(context, request, plan_path=plan_path)
    except (BadInput, SafetyRefusal) as refusal:
        marker = RefusedMarker(
            plan_id=plan_path.stem,
            refused_at=context.now,
            reasons=tuple(refusal.lines()),
            exit_code=refusal.exit_code,
        )
        return settle_refusal(context, request, plan_path=plan_path, marker=marker)


def settle_refusal(
    context: RunContext, request: ApplyRequest, *, plan_path: Path, marker: RefusedMarker
) -> int:
    """Report a refused plan and, unless a dry run, mark it refused and commit the marker
    (with `--push`, push it); the refusal's exit code."""
    for line in marker.reasons:
        console.error(f"{plan_path}: not applied: {line}")
    if not request.dry_run:
        context.state.mark_refused(marker)
        message = f"accessctl: plan {marker.plan_id} refused on apply\n\n{marker.reasons[0]}\n"
        context.commit_state(message, push=request.push)
    return int(marker.exit_code or ExitCode.BAD_INPUT)


def apply_one(context: RunContext, request: ApplyRequest, *, plan_path: Path) -> int:
    """One plan, under its apply lock when the state is pushed (a run that does not get the
    lock does nothing and says who holds it)."""
    key = context.plan_key
    plan = read_plan(plan_path)
    lock = lock_for(context, request, plan_id=plan.id)
    if lock is None:
        return carry_out(context, request, plan=plan, key=key, lock=None)
    taken = lock.acquire()
    if isinstance(taken, Held):
        console.info(f"{taken}; nothing done here")
        return ExitCode.OK
    try:
        if applied_on_remote(context, plan_id=plan.id):
            console.out(f"{plan.id} was already applied (its marker is on the remote)")
            lock.release()  # what its journal records is committed
            return ExitCode.OK
        resume_from(context.state, plan_id=plan.id, journal=taken)
        return carry_out(context, request, plan=plan, key=key, lock=lock)
    finally:
        # Nothing changed under it: free it for the next run. A lock holding a journal a
        # killed run published stays until what that journal records is committed.
        if not (lock.begun or taken):
            lock.release()


def lock_for(context: RunContext, request: ApplyRequest, *, plan_id: str) -> ApplyLock | None:
    """The plan's apply lock on the remote, when this run pushes what it does; else None."""
    workspace = context.workspace
    if workspace is None or not request.push or request.dry_run:
        return None
    branch = workspace.current_branch()
    if branch:
        # A state commit parked by an earlier run means this plan was applied already.
        workspace.refuse_if_parked(plan_id, into=branch)
    return ApplyLock(
        workspace, plan_id=plan_id, holder=lock_holder(context, workspace), now=context.now
    )


def lock_holder(context: RunContext, workspace: Workspace) -> str:
    """Who this run is, to its lock: a re-run of the same GitHub Actions run (or of the same
    clone, elsewhere) is the same holder, and may resume what a killed run began."""
    run = context.environ.get("GITHUB_RUN_ID")
    if run:
        return f"GitHub Actions run {run} of {context.environ.get('GITHUB_REPOSITORY', '?')}"
    return f"{platform.node()}:{workspace.root}"


def applied_on_remote(context: RunContext, *, plan_id: str) -> bool:
    """Whether the branch on the remote already holds the plan's applied marker (a run that
    took the lock after another finished and pushed)."""
    workspace = context.workspace
    branch = workspace.current_branch() if workspace else None
    if workspace is None or branch is None:
        return False
    workspace.fetch(branch)
    marker = workspace.relative_path(context.state.applied_path(plan_id))
    return workspace.read_text_at(f"{workspace.remote}/{branch}", marker) is not None


def resume_from(state: StateDir, *, plan_id: str, journal: Sequence[JournalEntry]) -> None:
    """Add to the local journal the lines a killed holder of the lock published (from another
    clone, perhaps): its begun actions are then resolved by reading the present."""
    present = set(state.read_journal(plan_id))
    missing = [entry for entry in journal if entry not in present]
    if missing:
        console.info(f"resuming {plan_id}: {len(missing)} journal lines from the apply lock")
        state.append_journal(plan_id, missing)


def carry_out(
    context: RunContext, request: ApplyRequest, *, plan: Plan, key: PlanKey, lock: ApplyLock | None
) -> int:
    report = run_apply(context, request, plan=plan, key=key, lock=lock)
    show_report(report)
    parked = commit_and_push(context, request, report=report)
    if lock is not None:
        lock.release()  # the state is on the remote (or parked on its branch)
    # After the commit, so that a mail problem can never cost the audit. It is reported but
    # leaves the exit code to the apply: the apply job (and the next plan in its loop) goes on.
    send_apply_notices(
        AppliedPlan(
            report=report,
            plan=plan,
            policies=context.policies,
            policies_dir=context.policies_dir,
            now=context.now,
            commit=report.commit,
        ),
        environ=context.environ,
    )
    if parked is not None:
        raise parked
    if report.refusal is not None:
        return int(report.refusal.exit_code)
    if report.failures:
        return ExitCode.FAILURE
    return ExitCode.BAD_INPUT if report.count("refused") else ExitCode.OK


def run_apply(
    context: RunContext, request: ApplyRequest, *, plan: Plan, key: PlanKey, lock: ApplyLock | None
) -> ApplyReport:
    workspace = context.workspace
    state = context.state
    approval = None
    if not request.dry_run and state.applied_marker(plan.id) is None:
        approval = approval_on_github(context, plan_id=plan.id)

    def begin(_befores: Sequence[JournalEntry]) -> None:
        if lock is not None:
            lock.publish(state.read_journal(plan.id))

    with AtlassianClient(context.credentials) as client:
        directory = AtlassianDirectory(
            client,
            context.policies.organization,
            needs=context.activity_needs,
            clock=lambda: context.now,
        )
        return apply_plan(
            ApplyRun(
                plan=plan,
                policies=context.policies,
                directory=directory,
                state=state,
                now=context.now,
                key=key,
                commit=workspace.head_commit() if workspace else None,
                dry_run=request.dry_run,
                on_progress=_show_progress,
                on_begin=begin,
                approval=approval,
                workers=client.max_in_flight,
            )
        )


def commit_and_push(
    context: RunContext, request: ApplyRequest, *, report: ApplyReport
) -> StateParked | None:
    """Commit (and push) `state/`; also for a plan already applied, where a run killed after
    its marker but before its commit left the state written and not committed or pushed."""
    if not (report.results or report.already_applied):
        return None
    try:
        context.commit_state(
            commit_message(report, context=context),
            push=request.push,
            park_as=state_branch(report.plan_id),
        )
    except StateParked as refused:
        return refused  # the audit is safe on its branch; the notices still go out
    return None


def commit_message(report: ApplyReport, *, context: RunContext) -> str:
    if report.refusal is not None:
        reasons = "\n".join(report.refusal_reasons())
        return f"accessctl: plan {report.plan_id} refused on apply\n\n{reasons}\n"
    if not report.already_applied:
        return f"accessctl: apply {report.plan_id}\n\n{report.headline()}\n"
    marker = context.state.applied_marker(report.plan_id)
    counts = ", ".join(f"{n} {o}" for o, n in (marker.outcomes if marker else {}).items() if n)
    return (
        f"accessctl: apply {report.plan_id}\n\n"
        f"Recorded by an apply interrupted before its commit: {counts or 'no actions'}.\n"
    )


def _show_progress(result: ActionResult) -> None:
    console.info(
        f"{result.outcome:>8}  {result.action.action:<13} {result.action.label}  {result.detail}"
    )


def show_report(report: ApplyReport) -> None:
    if report.already_applied:
        console.out(f"{report.plan_id} was already applied; nothing to do")
        return
    if report.dry_run:
        _show_decisions(report)
        return
    console.out(f"{report.plan_id}: {report.headline()}")
    for result in report.results:
        if result.outcome in {"failed", "refused"}:
            console.error(f"{result.outcome}: {result.action.key}: {result.detail}")
    for line in report.refusal_reasons():
        console.error(f"{report.plan_id}: not applied: {line}")


def _show_decisions(report: ApplyReport) -> None:
    table = Table(title=f"{report.plan_id} (dry run: nothing changed)")
    for column in ("Would", "Action", "Account", "Groups", "Why not"):
        table.add_column(column)
    for decision in report.decisions:
        action = decision.action
        table.add_row(
            "run" if decision.execute else decision.outcome,
            action.action,
            console.cell(action.label),
            console.cell(", ".join(g.name for g in action.groups)),
            console.cell(decision.reason),
        )
    console.table(table)
