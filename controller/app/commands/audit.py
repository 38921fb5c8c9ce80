"""`accessctl audit [--account EMAIL|ID] [--since DATE]`: an access review in one command.

Shell around the pure `controller.app.report.trail`: reads the audit log, the ledger, the plan files
the selected records came from (for each action's reason) and, from git, who merged each plan;
prints the story as a table for people or as JSON for tools: removed by which plan (approved by
whom), requested in which issue, restored under which policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from rich.table import Table

from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.app.approvals import read_approvals
from controller.app.report import AuditTrail, TrailEvent, build_trail, plans_needed
from controller.app.report.trail import PlanAction
from controller.app.run_context import RunContext
from controller.core.errors import BadInput, ExitCode
from controller.core.model_base import format_instant
from controller.core.plan import parse_plan
from controller.core.plan.model import is_plan_id
from controller.core.state_records import oldest_first

AuditFormat = Literal["table", "json"]


@dataclass(frozen=True)
class AuditRequest:
    account: str | None = None
    since: datetime | None = None
    fmt: AuditFormat = "table"


def run(context: RunContext, request: AuditRequest) -> int:
    trail = make_trail(context, request)
    if request.fmt == "json":
        console.out(trail.model_dump_json(indent=2))
    else:
        show_trail(trail)
    return ExitCode.OK


def make_trail(context: RunContext, request: AuditRequest) -> AuditTrail:
    state = context.state
    entries = oldest_first(state.audit_log())
    wanted = plans_needed(entries, account=request.account, since=request.since)
    return build_trail(
        entries,
        ledger=state.read_ledger(),
        approvals=read_approvals(context) if wanted else {},
        reasons=read_reasons(state, wanted),
        account=request.account,
        since=request.since,
    )


def read_reasons(state: StateDir, plan_ids: Iterable[str]) -> dict[PlanAction, str]:
    """Each action's reason from its plan file; a plan missing or unreadable only loses its
    reasons (the audit record itself is the evidence), with a warning."""
    reasons: dict[PlanAction, str] = {}
    for plan_id in sorted(plan_ids):
        if not is_plan_id(plan_id):
            continue  # no file can be named after it
        path = state.plan_path(plan_id)
        if not path.exists():
            continue
        try:
            plan = parse_plan(path.read_bytes(), source=str(path))
        except BadInput as error:
            console.warn(f"reasons of {plan_id} unknown: {error.message}")
            continue
        reasons |= {(plan_id, action.key): action.reason for action in plan.actions}
    return reasons


# --- the table ----------------------------------------------------------------------------


def show_trail(trail: AuditTrail) -> None:
    if not trail.events and not trail.standing_warnings and not trail.removed_seats:
        console.out(f"no audit records {_scope(trail)}")
        return
    console.table(events_table(trail))
    # E-mails and group names come from the inventory: each line stays one line, its control
    # characters shown as escapes.
    for line in standing_lines(trail):
        console.out(console.cell(line))


def standing_lines(trail: AuditTrail) -> Iterator[str]:
    """The warnings still waiting and the seats removed and restorable, one line each."""
    for warning in trail.standing_warnings:
        yield (
            f"warned, waiting: {warning.email or warning.account_id} on {warning.site} / "
            f"{warning.product} ({warning.policy}) warned {format_instant(warning.warned_at)}, "
            f"revocable from {format_instant(warning.revoke_not_before)}"
        )
    for removal in trail.removed_seats:
        groups = ", ".join(g.name for g in removal.groups) or removal.method
        yield (
            f"removed, restorable: {removal.email or removal.account_id} on {removal.site} / "
            f"{removal.product} ({groups}) by {removal.plan_id} at "
            f"{format_instant(removal.removed_at)}"
        )


PLAN_ID_WIDTH = len("plan-YYYYMMDD-HHMMSS-xxxxxxxx")


def events_table(trail: AuditTrail) -> Table:
    table = Table(title=f"Access history {_scope(trail)}", title_justify="left", show_lines=True)
    table.add_column("When", no_wrap=True)
    for column in ("Account", "Change"):
        table.add_column(column, overflow="fold")
    table.add_column("Plan", overflow="fold", min_width=PLAN_ID_WIDTH)  # an id is read whole
    table.add_column("Why", overflow="fold")
    for event in trail.events:
        table.add_row(*_cells(event))
    return table


def _cells(event: TrailEvent) -> tuple[str, ...]:
    """Short cells, several lines each, so the table still reads at 80 columns."""
    cell = console.cell  # each value from the state on one line: several lines per cell
    approver = cell(event.approved_by.label) if event.approved_by else "unknown"
    change = f"{event.action} ({event.outcome})\n{cell(event.site)}/{cell(event.product)}"
    if event.groups:
        change += "\n" + "\n".join(cell(g) for g in event.groups)
    plan = f"{cell(event.plan_id)}\npolicy {cell(event.policy)}"
    if event.request is not None:
        plan += f"\nrequested in issue #{event.request.issue} by @{cell(event.request.author)}"
    return (
        event.time.strftime("%Y-%m-%d\n%H:%M UTC"),
        cell(event.label),
        change,
        f"{plan}\napproved by {approver}",
        cell(event.error or event.reason or event.detail or ""),
    )


def _scope(trail: AuditTrail) -> str:
    parts = [f"for {trail.account}" if trail.account else "for every account"]
    if trail.since:
        parts.append(f"since {format_instant(trail.since)}")
    return " ".join(parts)
