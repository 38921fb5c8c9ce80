"""`accessctl plan`: policies + inventory + ledger -> a reviewable plan, checked by the guards."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from controller.adapters.files import write_atomic
from controller.app import console
from controller.app.context import RunContext
from controller.app.planning import make_plan
from controller.core.errors import ExitCode
from controller.core.plan import Plan, dump_plan_json, dump_plan_yaml, render_markdown

PlanFormat = Literal["yaml", "json", "markdown"]


def render(plan: Plan, fmt: PlanFormat, *, plan_path: str) -> bytes:
    if fmt == "json":
        return dump_plan_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, plan_path=plan_path).encode()
    return dump_plan_yaml(plan)


def run(context: RunContext, *, out: Path | None, fmt: PlanFormat, detailed_exitcode: bool) -> int:
    plan = make_plan(context, context.inventory())
    shown_path = str(out) if out else f"state/plans/{plan.id}.yaml"
    data = render(plan, fmt, plan_path=shown_path)
    if out is None:
        console.out(data.decode())
    else:
        write_atomic(out, data)
    s = plan.summary
    console.info(
        f"{plan.id}: {s.revoke} revoke, {s.warn} warn, {s.restore} restore, "
        f"{s.clear_warning} clear-warning, {s.skipped} skipped" + (f" -> {out}" if out else "")
    )
    if detailed_exitcode and plan.has_changes:
        return ExitCode.CHANGES
    return ExitCode.OK
