"""The plan a run makes from its context: policies + inventory + ledger, checked by the guards,
sealed with the plan key.

Shared by `accessctl plan` (which prints or writes it) and `accessctl propose` (which opens the
plan pull request with it); `reconcile`, `within_limits` and `seal_plan` are the pure core.
"""

from __future__ import annotations

from controller.app.context import RunContext
from controller.core.errors import InvalidFiles
from controller.core.plan import Plan
from controller.core.plan.seal import PlanKey, seal_plan
from controller.core.policy.references import check_references
from controller.core.reconcile import reconcile
from controller.core.safety import within_limits
from controller.core.snapshot import Inventory


def make_plan(
    context: RunContext,
    inventory: Inventory,
    *,
    key: PlanKey | None,
    base_commit: str | None = None,
) -> Plan:
    """Reconcile the policies and the ledger with `inventory`; refuse policies that name what
    the inventory does not have (exit 2) and a plan over the safety limits (exit 4) unless
    `safety.over_limit: trim` asks to trim it to them; seal it with `key` (None: unsealed,
    which apply refuses)."""
    problems = check_references(context.loaded, inventory)
    if problems:
        raise InvalidFiles(problems)
    policies = context.policies
    ledger = context.state.read_ledger()
    plan = reconcile(policies, inventory, ledger=ledger, now=context.now, base_commit=base_commit)
    plan = within_limits(plan, policies)
    return seal_plan(plan, key) if key is not None else plan
