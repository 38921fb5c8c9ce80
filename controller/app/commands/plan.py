"""`accessctl plan`: policies + inventory + ledger -> a reviewable plan, checked by the guards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from controller.adapters.files import read_input, write_atomic
from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.core.errors import ExitCode
from controller.core.plan import Plan, dump_plan_json, dump_plan_yaml, render_markdown
from controller.core.policy import load_policies
from controller.core.reconcile import reconcile
from controller.core.safety import check_plan
from controller.core.snapshot import Inventory, parse_inventory

PlanFormat = Literal["yaml", "json", "markdown"]


@dataclass(frozen=True)
class PlanRequest:
    policies_dir: Path
    state_dir: Path
    now: datetime
    inventory_path: Path | None = None
    base_commit: str | None = None


def read_inventory_file(path: Path) -> Inventory:
    return parse_inventory(read_input(path, what="inventory"), source=str(path))


def make_plan(request: PlanRequest, inventory: Inventory) -> Plan:
    """Load policies and ledger, reconcile, and refuse a plan the safety guards reject."""
    loaded = load_policies([request.policies_dir], today=request.now.date())
    for warning in loaded.warnings:
        console.warn(str(warning))
    ledger = StateDir(request.state_dir).read_ledger()
    plan = reconcile(
        loaded.policies, inventory, ledger=ledger, now=request.now, base_commit=request.base_commit
    )
    check_plan(plan, loaded.policies)
    return plan


def render(plan: Plan, fmt: PlanFormat, *, plan_path: str) -> bytes:
    if fmt == "json":
        return dump_plan_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, plan_path=plan_path).encode()
    return dump_plan_yaml(plan)


def run(
    request: PlanRequest,
    inventory: Inventory,
    *,
    out: Path | None,
    fmt: PlanFormat,
    detailed_exitcode: bool,
) -> int:
    plan = make_plan(request, inventory)
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
