"""`accessctl report`: license and access report as Markdown, HTML, CSV or JSON.

Shell around the pure `controller.app.report`: loads the policies, the ledger and the inventory
(`--inventory FILE` or the live organization), plans with `reconcile` (no safety refusal: the
report says what a refused plan would reclaim and why it is refused), reads the audit log, the
applied markers and, from git, who merged each plan; renders and writes the report. Markdown is
also appended to `$GITHUB_STEP_SUMMARY` when GitHub Actions sets it, so every scheduled run
shows it on its summary page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from controller.adapters.files import write_atomic
from controller.adapters.git_workspace import CommitInfo, Workspace
from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.app.report import (
    Approval,
    Report,
    build_report,
    render_csv,
    render_html,
    render_markdown,
)
from controller.core.errors import ExitCode, RunFailure
from controller.core.policy import load_policies
from controller.core.reconcile import reconcile
from controller.core.snapshot import Inventory

ReportFormat = Literal["markdown", "html", "csv", "json"]
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True)
class ReportRequest:
    policies_dir: Path
    state_dir: Path
    now: datetime
    fmt: ReportFormat = "markdown"
    out: Path | None = None


def run(
    request: ReportRequest,
    *,
    inventory_source: Callable[[], Inventory],
    environ: Mapping[str, str],
) -> int:
    report = make_report(request, inventory_source=inventory_source)
    text = render(report, request.fmt)
    if request.out is None:
        console.out(text)
    else:
        write_atomic(request.out, text.encode())
    if request.fmt == "markdown":
        append_step_summary(text, environ=environ)
    console.info(headline(report) + (f" -> {request.out}" if request.out else ""))
    return ExitCode.OK


def make_report(request: ReportRequest, *, inventory_source: Callable[[], Inventory]) -> Report:
    """Everything read first (policies and state before the slow inventory), then computed."""
    loaded = load_policies([request.policies_dir], today=request.now.date())
    for warning in loaded.warnings:
        console.warn(str(warning))
    state = StateDir(request.state_dir)
    ledger = state.read_ledger()
    audit = state.audit_log()
    markers = state.applied_markers()
    approvals = read_approvals(state)
    inventory = inventory_source()
    plan = reconcile(loaded.policies, inventory, ledger=ledger, now=request.now)
    return build_report(
        policies=loaded.policies,
        inventory=inventory,
        plan=plan,
        audit=audit,
        applied=markers,
        approvals=approvals,
        now=request.now,
    )


def render(report: Report, fmt: ReportFormat) -> str:
    if fmt == "html":
        return render_html(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    return render_markdown(report)


def headline(report: Report) -> str:
    totals, reclaim = report.totals, report.reclaim
    saving = (
        f", saving {reclaim.monthly_saving:,.2f} {reclaim.currency} a month"
        if reclaim.monthly_saving is not None
        else ""
    )
    return (
        f"{report.org_id}: {totals.total} seats, {totals.active_30} active in 30 days, "
        f"{reclaim.revoke_now} to reclaim, {reclaim.warned} warned{saving}"
    )


# --- reading the history (shared with `accessctl audit`) ----------------------------------


def read_approvals(state: StateDir) -> dict[str, Approval]:
    """Who merged each plan, from the history of the branch checked out (the default branch in
    the scheduled job); empty, with a note, when git cannot tell."""
    plans = state.root / "plans"
    if not plans.is_dir():
        return {}
    try:
        workspace = Workspace.open(plans)
        added = workspace.commits_adding(workspace.relative_path(plans))
    except RunFailure as failure:
        console.info(f"approvers unknown: {failure.message}")
        return {}
    return {
        PurePosixPath(path).stem: approval(commit)
        for path, commit in added.items()
        if path.endswith(".yaml")
    }


def approval(commit: CommitInfo) -> Approval:
    return Approval(
        commit=commit.sha,
        name=commit.author_name,
        email=commit.author_email,
        at=commit.authored_at,
        merge=commit.merge,
    )


def append_step_summary(markdown: str, *, environ: Mapping[str, str]) -> None:
    """Add the report to the GitHub Actions job summary, when running in one."""
    path = environ.get(STEP_SUMMARY)
    if not path:
        return
    try:
        with Path(path).open("a", encoding="utf-8") as summary:
            summary.write("\n" + markdown.rstrip("\n") + "\n")
    except OSError as error:
        raise RunFailure(
            f"{path}: cannot append to the job summary ({error.strerror}); check {STEP_SUMMARY}"
        ) from None
