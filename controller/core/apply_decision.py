"""PURE: which reviewed actions an apply may carry out now, and why not the others (DESIGN §6).

Steps 1 and 2 of `controller.app.executor`: a plan past `expires_at`, made for another
organization or from other policies is refused whole (`check_applicable`); then each reviewed
action is compared with what `reconcile` plans on fresh data (`decide`). An action runs only
when it is in the reviewed plan, carries a valid seal and is still justified now; the others
are skipped or refused with the reason ("active on 2026-11-20, after the plan").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from controller.core.errors import BadInput
from controller.core.ledger import Ledger
from controller.core.model_base import format_instant
from controller.core.plan.model import Action, Plan, seal_action
from controller.core.policy.policy_set import PolicySet, policies_digest
from controller.core.snapshot import Account, Inventory
from controller.core.state_records import Outcome


@dataclass(frozen=True)
class Decision:
    """Whether one reviewed action runs now, and if not, why."""

    action: Action
    execute: bool
    outcome: Outcome = "done"
    reason: str = ""


# --- 1. is this plan applicable at all? ---------------------------------------------------


def check_applicable(plan: Plan, *, policies: PolicySet, now: datetime) -> None:
    if plan.expired(now):
        raise BadInput(
            f"plan {plan.id} expired at {format_instant(plan.expires_at)}; "
            "run `accessctl plan` (or `accessctl propose`) again"
        )
    if plan.org_id != policies.organization.org_id:
        raise BadInput(
            f"plan {plan.id} is for organization {plan.org_id}, not {policies.organization.org_id}"
        )
    if plan.policies_digest != policies_digest(policies):
        raise BadInput(f"policies changed since plan {plan.id} was made; re-plan and review again")


# --- 2. what is still justified? (pure) ---------------------------------------------------


def decide(reviewed: Plan, fresh: Plan, *, inventory: Inventory, ledger: Ledger) -> list[Decision]:
    """One decision per reviewed action, from the fresh plan computed on fresh data."""
    now_wanted = {a.key: a for a in fresh.actions}
    accounts = {a.account_id: a for a in inventory.accounts}
    spared = {(s.account_id, s.site, s.product): s.reason for s in fresh.skipped}
    decisions = []
    for action in reviewed.actions:
        if action.seal != seal_action(reviewed.id, action):
            decisions.append(Decision(action, False, "refused", TAMPERED))
            continue
        wanted = now_wanted.get(action.key)
        if wanted is None:
            why = _no_longer_justified(
                action,
                reviewed,
                account=accounts.get(action.account_id),
                spared=spared,
                ledger=ledger,
            )
            decisions.append(Decision(action, False, why[0], why[1]))
        else:
            decisions.append(_compare(action, wanted))
    return decisions


TAMPERED = (
    "not in the reviewed plan: its seal does not match, so it was added or edited by hand; "
    "re-plan to include it"
)


def _compare(reviewed: Action, wanted: Action) -> Decision:
    extra = sorted({g.name for g in wanted.groups} - {g.name for g in reviewed.groups})
    if reviewed.action == "revoke" and extra:
        return Decision(
            reviewed,
            False,
            "skipped",
            f"now also holds the seat through {', '.join(extra)}, "
            "not in the reviewed plan; re-plan",
        )
    if reviewed.method != wanted.method:
        return Decision(
            reviewed, False, "skipped", "the policy's action changed since the plan; re-plan"
        )
    return Decision(reviewed, True)


def _no_longer_justified(
    action: Action,
    plan: Plan,
    *,
    account: Account | None,
    spared: dict[tuple[str, str, str], str],
    ledger: Ledger,
) -> tuple[Outcome, str]:
    seat = (action.account_id, action.site, action.product)
    warned = ledger.warning_for(action.account_id, site=action.site, product=action.product)
    if action.action == "warn" and warned is not None:
        return "already", "already warned"
    if account is None:
        return "skipped", "the account is no longer in the organization"
    last = account.last_active(action.site, action.product)
    if action.action in {"warn", "revoke"} and last and _newer(last, action.evidence.last_active):
        return "skipped", f"active on {last.date().isoformat()}, after the plan"
    if seat in spared:
        return "skipped", f"now spared: {spared[seat]}"
    if account.status != "active":
        return "skipped", f"the account is {account.status}"
    return "skipped", "no longer justified by the policies on fresh data; re-plan to see why"


def _newer(seen: datetime | None, planned: datetime | None) -> bool:
    """Activity the plan did not know about: any at all, or later than the plan's evidence."""
    return seen is not None and (planned is None or seen > planned)
