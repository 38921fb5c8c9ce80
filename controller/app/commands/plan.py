"""`accessctl plan`: policies + inventory + ledger -> a reviewable plan, checked by the guards.

A plan file is sealed with `ACCESSCTL_PLAN_KEY` (docs/apply-trust.md): `--out` refuses to write
one without the key. Printed to the terminal without the key, the plan is shown unsealed, with
a warning that apply would refuse it; the Markdown review text needs no key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from controller.adapters.files import write_output
from controller.app import console
from controller.app.planning import make_plan
from controller.app.run_context import RunContext
from controller.core.errors import ExitCode
from controller.core.plan import Plan, dump_plan_json, dump_plan_yaml, render_markdown
from controller.core.plan.seal import PLAN_KEY_VARIABLE, PlanKey

PlanFormat = Literal["yaml", "json", "markdown"]


def render(plan: Plan, fmt: PlanFormat, *, plan_path: str, key: PlanKey | None) -> bytes:
    """The plan as `fmt`; a YAML or JSON plan sealed with `key` when given, as it is written."""
    if fmt == "json":
        return dump_plan_json(plan, key=key)
    if fmt == "markdown":
        return render_markdown(plan, plan_path=plan_path).encode()
    return dump_plan_yaml(plan, key=key)


def plan_key(context: RunContext, *, out: Path | None, fmt: PlanFormat) -> PlanKey | None:
    """The key to seal with: required to write a plan file, optional to print one."""
    if out is not None and fmt != "markdown":
        return context.plan_key
    return context.plan_key if context.has_plan_key else None


def run(context: RunContext, *, out: Path | None, fmt: PlanFormat, detailed_exitcode: bool) -> int:
    key = plan_key(context, out=out, fmt=fmt)
    plan = make_plan(context, context.inventory())
    shown_path = str(out) if out else f"state/plans/{plan.id}.yaml"
    data = render(plan, fmt, plan_path=shown_path, key=key)
    if out is None:
        console.out(data.decode())
    else:
        write_output(out, data, what="plan")
    s = plan.summary
    console.info(
        f"{plan.id}: {s.revoke} revoke, {s.warn} warn, {s.restore} restore, "
        f"{s.clear_warning} clear-warning, {s.skipped} skipped"
        + (f", {s.deferred} deferred (trimmed to the safety limits)" if s.deferred else "")
        + (f" -> {out}" if out else "")
    )
    if key is None and fmt != "markdown":
        console.warn(f"{plan.id} is not sealed ({PLAN_KEY_VARIABLE} is not set): apply refuses it")
    if detailed_exitcode and plan.has_changes:
        return ExitCode.CHANGES
    return ExitCode.OK
