"""The plan a run makes from its context: policies + inventory + ledger, checked by the guards.

Shared by `accessctl plan` (which prints or writes it) and `accessctl propose` (which opens the
plan pull request with it); `reconcile` and `within_limits` are the pure core. The plan comes
out unsealed: the plan file is sealed with the plan key as it is written
(`dump_plan_yaml(plan, key=...)`), from the text written, so no action is serialised twice.
"""

from __future__ import annotations

from controller.app.run_context import RunContext
from controller.core.errors import InvalidFiles
from controller.core.plan import Plan
from controller.core.policy.references import check_references
from controller.core.reconcile import reconcile
from controller.core.safety import within_limits
from controller.core.snapshot import Inventory


def make_plan(
    context: RunContext,
    inventory: Inventory,
    *,
    base_commit: str | None = None,
) -> Plan:
    """Reconcile the policies and the ledger with `inventory`; refuse policies that name what
    the inventory does not have (exit 2) and a plan over the safety limits (exit 4) unless
    `safety.over_limit: trim` asks to trim it to them."""
    problems = check_references(context.loaded, inventory)
    if problems:
        raise InvalidFiles(problems)
    policies = context.policies
    ledger = context.state.read_ledger()
    plan = reconcile(policies, inventory, ledger=ledger, now=context.now, base_commit=base_commit)
    return within_limits(plan, policies)
