"""`accessctl report`: license and access report as Markdown, HTML, CSV or JSON.

Shell around the pure `controller.app.report`: loads the policies, the ledger and the inventory
(`--inventory FILE` or the live organization), plans with `reconcile` (no safety refusal: the
report says what a refused plan would reclaim and why it is refused), reads the audit log, the
applied markers and, from git, who merged each plan; renders and writes the report. Markdown is
also appended to `$GITHUB_STEP_SUMMARY` when GitHub Actions sets it, so every scheduled run
shows it on its summary page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from controller.adapters.files import write_output
from controller.app import console
from controller.app.approvals import read_approvals
from controller.app.report import Report, build_report, render_csv, render_html, render_markdown
from controller.app.run_context import RunContext
from controller.core.errors import ExitCode, RunFailure
from controller.core.reconcile import reconcile
from controller.core.state_records import oldest_first

ReportFormat = Literal["markdown", "html", "csv", "json"]
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True)
class ReportRequest:
    fmt: ReportFormat = "markdown"
    out: Path | None = None


def run(context: RunContext, request: ReportRequest) -> int:
    report = make_report(context)
    text = render(report, request.fmt)
    if request.out is None:
        console.out(text)
    else:
        write_output(request.out, text.encode(), what="report")
    if request.fmt == "markdown":
        append_step_summary(text, environ=context.environ)
    console.info(headline(report) + (f" -> {request.out}" if request.out else ""))
    return ExitCode.OK


def make_report(context: RunContext) -> Report:
    """Everything read first (policies and state before the slow inventory), then computed."""
    policies, state = context.policies, context.state
    ledger = state.read_ledger()
    audit = oldest_first(state.audit_log())
    markers = state.applied_markers()
    approvals = read_approvals(context)
    inventory = context.inventory()
    plan = reconcile(policies, inventory, ledger=ledger, now=context.now)
    return build_report(
        policies=policies,
        inventory=inventory,
        plan=plan,
        audit=audit,
        applied=markers,
        approvals=approvals,
        now=context.now,
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
