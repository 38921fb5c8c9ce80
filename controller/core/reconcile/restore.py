"""PURE: RestorePolicy — give back exactly the groups accessctl itself removed, to people who
are visibly back at work (active on another product or site since the removal)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from controller.core.ledger import Ledger, RemovalRecord
from controller.core.plan.model import Action, Evidence
from controller.core.policy.models import RestorePolicy
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile.context import Context, SeatKey, Where, make_action
from controller.core.snapshot import Account

# --- restore -------------------------------------------------------------------------------


def plan_restores(policies: PolicySet, ledger: Ledger, *, ctx: Context) -> Iterator[Action]:
    """Re-grant exactly the recorded groups to eligible accounts that are back at work."""
    if not policies.restore:
        return
    accounts = {a.account_id: a for a in ctx.inventory.accounts}
    for removal in _latest_removals(ledger.removals):
        account = accounts.get(removal.account_id)
        if account is None or account.status != "active":
            continue
        for policy in policies.restore:
            action = _restore(account, removal, policy=policy, ctx=ctx)
            if action is not None:
                yield action
                break


def _latest_removals(removals: Iterable[RemovalRecord]) -> list[RemovalRecord]:
    latest: dict[SeatKey, RemovalRecord] = {}
    for r in sorted(removals, key=lambda r: r.removed_at):
        latest[(r.account_id, r.site, r.product)] = r
    return [latest[k] for k in sorted(latest)]


def _restore(
    account: Account, removal: RemovalRecord, *, policy: RestorePolicy, ctx: Context
) -> Action | None:
    names = {ctx.groups_by_id[g].name for g in account.groups if g in ctx.groups_by_id}
    if not names.intersection(policy.eligible_groups):
        return None
    if removal.method == "remove-from-groups" and {g.id for g in removal.groups} <= set(
        account.groups
    ):
        return None  # already back in every recorded group
    recent = [a for a in account.activity if a.last_active > removal.removed_at]
    cutoff = ctx.now - timedelta(days=policy.active_within_days)
    seen = max(
        (a for a in recent if a.last_active >= cutoff), key=lambda a: a.last_active, default=None
    )
    if seen is None:
        return None
    reason = (
        f"seat removed {removal.removed_at.date().isoformat()} by plan {removal.plan_id}; "
        f"active on {seen.product} at {seen.site} on {seen.last_active.date().isoformat()}"
    )
    evidence = Evidence(
        last_active=seen.last_active, removed_at=removal.removed_at, removed_by_plan=removal.plan_id
    )
    where = Where(policy.name, removal.site, removal.product)
    return make_action(
        "restore",
        account,
        where=where,
        reason=reason,
        evidence=evidence,
        groups=removal.groups,
        method=removal.method,
    )
