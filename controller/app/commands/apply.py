"""`accessctl apply PLAN [--dry-run] [--push]`: carry out a merged plan and commit the audit.

Shell around `controller.app.executor`: reads the plan file and the policies in the working tree,
connects the Atlassian directory, runs the apply, prints what happened, then commits `state/`
(ledger, audit, journal, applied marker) with a message naming the plan and the counts, and with
`--push` pushes it, rebasing and retrying when the remote moved. Then, when the Organization
configures SMTP, it mails the revocation and restore notices and the admin digest
(`controller.app.mailing.send_apply_notices`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from controller.adapters.atlassian import AtlassianClient, AtlassianDirectory
from controller.adapters.files import read_input
from controller.adapters.git_workspace import StateParked, state_branch
from controller.app import console
from controller.app.context import RunContext
from controller.app.executor import ActionResult, ApplyReport, ApplyRun, apply_plan
from controller.app.mailing import AppliedPlan, send_apply_notices
from controller.core.errors import AccessctlError, BadInput, ExitCode, SafetyRefusal, shown
from controller.core.plan import Plan, parse_plan
from controller.core.state_records import RefusedMarker


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
    pending = context.state.pending_plans()
    if not pending:
        console.info("no merged plan is waiting to be applied")
    codes = [apply_pending(context, request, plan_path=path) for path in pending]
    return max(codes, default=ExitCode.OK)


def apply_pending(context: RunContext, request: ApplyRequest, *, plan_path: Path) -> int:
    """One waiting plan; a plan refused whole (expired, other policies, safety) is marked
    refused and committed, so the next run does not try it again, and the others go on."""
    try:
        return apply_one(context, request, plan_path=plan_path)
    except (BadInput, SafetyRefusal) as refusal:
        for line in refusal.lines():
            console.error(f"{plan_path}: not applied: {line}")
        if not request.dry_run:
            _record_refusal(context, request, plan_id=plan_path.stem, refusal=refusal)
        return int(refusal.exit_code)


def _record_refusal(
    context: RunContext, request: ApplyRequest, *, plan_id: str, refusal: AccessctlError
) -> None:
    reasons = tuple(refusal.lines())
    context.state.mark_refused(
        RefusedMarker(plan_id=plan_id, refused_at=context.now, reasons=reasons)
    )
    message = f"accessctl: plan {plan_id} refused on apply\n\n{reasons[0]}\n"
    context.commit_state(message, push=request.push)


def apply_one(context: RunContext, request: ApplyRequest, *, plan_path: Path) -> int:
    key = context.plan_key
    plan = read_plan(plan_path)
    policies = context.policies
    workspace = context.workspace
    commit = workspace.head_commit() if workspace else None
    branch = workspace.current_branch() if workspace else None
    if workspace and branch and request.push and not request.dry_run:
        # A state commit parked by an earlier run means this plan was applied already.
        workspace.refuse_if_parked(plan.id, into=branch)
    with AtlassianClient(context.credentials) as client:
        directory = AtlassianDirectory(
            client, policies.organization, needs=context.activity_needs, clock=lambda: context.now
        )
        report = apply_plan(
            ApplyRun(
                plan=plan,
                policies=policies,
                directory=directory,
                state=context.state,
                now=context.now,
                key=key,
                commit=commit,
                dry_run=request.dry_run,
                on_progress=_show_progress,
            )
        )
    show_report(report)
    parked: StateParked | None = None
    if report.results or report.already_applied:
        # Already applied: a run killed after its marker but before its commit left the state
        # written and not committed (or not pushed); this run commits and pushes it.
        try:
            context.commit_state(
                commit_message(report, context=context),
                push=request.push,
                park_as=state_branch(plan.id),
            )
        except StateParked as refused:
            parked = refused  # the audit is safe on its branch; the notices still go out
    # After the commit, so that a mail problem can never cost the audit. It is reported but
    # leaves the exit code to the apply: the apply job (and the next plan in its loop) goes on.
    applied = AppliedPlan(
        report=report,
        plan=plan,
        policies=policies,
        policies_dir=context.policies_dir,
        now=context.now,
        commit=commit,
    )
    send_apply_notices(applied, environ=context.environ)
    if parked is not None:
        raise parked
    if report.failures:
        return ExitCode.FAILURE
    return ExitCode.BAD_INPUT if report.count("refused") else ExitCode.OK


def commit_message(report: ApplyReport, *, context: RunContext) -> str:
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


def _show_decisions(report: ApplyReport) -> None:
    table = Table(title=f"{report.plan_id} (dry run: nothing changed)")
    for column in ("Would", "Action", "Account", "Groups", "Why not"):
        table.add_column(column)
    for decision in report.decisions:
        action = decision.action
        table.add_row(
            "run" if decision.execute else decision.outcome,
            action.action,
            action.label,
            ", ".join(g.name for g in action.groups),
            decision.reason,
        )
    console.table(table)
