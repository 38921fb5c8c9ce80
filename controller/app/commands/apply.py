"""`accessctl apply PLAN [--dry-run] [--push]`: carry out a merged plan and commit the audit.

Shell around `controller.app.executor`: reads the plan file and the policies in the working tree,
connects the Atlassian directory, runs the apply, prints what happened, then commits `state/`
(ledger, audit, journal, applied marker) with a message naming the plan and the counts, and with
`--push` pushes it, rebasing and retrying when the remote moved. Then, when the Organization
configures SMTP, it mails the revocation and restore notices and the admin digest
(`controller.app.commands.notify.send_apply_notices`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from rich.table import Table

from controller.adapters.atlassian import AtlassianClient, AtlassianDirectory, Credentials
from controller.adapters.files import read_input
from controller.adapters.git_workspace import GitFailure, Workspace
from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.app.commands.notify import AppliedPlan, send_apply_notices
from controller.app.executor import ActionResult, ApplyReport, ApplyRun, apply_plan
from controller.core.errors import AccessctlError, BadInput, ExitCode, SafetyRefusal
from controller.core.plan import Plan, parse_plan
from controller.core.policy import load_policies
from controller.core.state_records import RefusedMarker


@dataclass(frozen=True)
class ApplyRequest:
    plan_path: Path | None  # None: every merged plan not applied or refused yet (`--pending`)
    policies_dir: Path
    state_dir: Path
    now: datetime
    dry_run: bool = False
    push: bool = False


def read_plan(path: Path) -> Plan:
    return parse_plan(read_input(path, what="plan"), source=str(path))


def run(
    request: ApplyRequest,
    *,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Apply one plan, or with `--pending` every merged plan still waiting, oldest first."""
    if request.plan_path is not None:
        return apply_one(request, request.plan_path, environ=environ, transport=transport)
    pending = StateDir(request.state_dir).pending_plans()
    if not pending:
        console.info("no merged plan is waiting to be applied")
    codes = [apply_pending(request, path, environ=environ, transport=transport) for path in pending]
    return max(codes, default=ExitCode.OK)


def apply_pending(
    request: ApplyRequest,
    path: Path,
    *,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None,
) -> int:
    """One waiting plan; a plan refused whole (expired, other policies, safety) is marked
    refused and committed, so the next run does not try it again, and the others go on."""
    try:
        return apply_one(request, path, environ=environ, transport=transport)
    except (BadInput, SafetyRefusal) as refusal:
        for line in refusal.lines():
            console.error(f"{path}: not applied: {line}")
        if not request.dry_run:
            _record_refusal(request, path, refusal=refusal)
        return int(refusal.exit_code)


def _record_refusal(request: ApplyRequest, path: Path, *, refusal: AccessctlError) -> None:
    state = StateDir(request.state_dir)
    state.mark_refused(
        RefusedMarker(plan_id=path.stem, refused_at=request.now, reasons=tuple(refusal.lines()))
    )
    workspace = _workspace(request.state_dir)
    if workspace:
        message = f"accessctl: plan {path.stem} refused on apply\n\n{refusal.lines()[0]}\n"
        _commit_and_push(workspace, request, message=message)


def apply_one(
    request: ApplyRequest,
    plan_path: Path,
    *,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> int:
    plan = read_plan(plan_path)
    policies = load_policies([request.policies_dir], today=request.now.date()).policies
    workspace = _workspace(request.state_dir)
    commit = workspace.head_commit() if workspace else None
    with AtlassianClient(Credentials.from_environ(environ), transport=transport) as client:
        directory = AtlassianDirectory(client, policies.organization, clock=lambda: request.now)
        report = apply_plan(
            ApplyRun(
                plan=plan,
                policies=policies,
                directory=directory,
                state=StateDir(request.state_dir),
                now=request.now,
                commit=commit,
                dry_run=request.dry_run,
                on_progress=_show_progress,
            )
        )
    show_report(report)
    if workspace and report.results:
        _commit_state(workspace, request, report=report)
    # After the commit, so that a mail problem can never cost the audit. It is reported but
    # leaves the exit code to the apply: the apply job (and the next plan in its loop) goes on.
    applied = AppliedPlan(
        report=report,
        plan=plan,
        policies=policies,
        policies_dir=request.policies_dir,
        now=request.now,
        commit=commit,
    )
    send_apply_notices(applied, environ=environ)
    if report.failures:
        return ExitCode.FAILURE
    return ExitCode.BAD_INPUT if report.count("refused") else ExitCode.OK


def _workspace(state_dir: Path) -> Workspace | None:
    """The clone holding `state/`; apply still works (without committing) outside git."""
    try:
        return Workspace.open(state_dir.resolve().parent if not state_dir.exists() else state_dir)
    except GitFailure:
        console.warn(f"{state_dir} is not in a git clone: state is written but not committed")
        return None


def _commit_state(workspace: Workspace, request: ApplyRequest, *, report: ApplyReport) -> None:
    message = f"accessctl: apply {report.plan_id}\n\n{report.headline()}\n"
    _commit_and_push(workspace, request, message=message)


def _commit_and_push(workspace: Workspace, request: ApplyRequest, *, message: str) -> None:
    state = request.state_dir.resolve().relative_to(workspace.root)
    sha = workspace.commit_paths([str(state)], message=message)
    console.info(
        f"committed {state}/ as {sha[:12]}" if sha else "state/ unchanged; nothing to commit"
    )
    if request.push:
        branch = workspace.current_branch()
        if branch is None:
            raise GitFailure(
                "HEAD is detached; check out the branch the state belongs to, then push"
            )
        pushed = workspace.push_with_rebase(branch)
        console.info(f"pushed {branch} at {pushed[:12]}")


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
