"""PURE: (policies, inventory, ledger, now) -> Plan. The heart of accessctl (DESIGN §2, §5, §7).

No I/O and no clock: everything the decision rests on is an argument, so the same inputs always
give the same plan, byte for byte. Each rule is one small function; `reconcile` composes them:
`inactivity` (warn and revoke), `restore`, `grants` and `seat_caps`, over what every rule shares
(`rule_context`) and the accounts none may touch (`protected_accounts`).

Rules, in the order they are applied to one account under one InactivityPolicy:
  1. only accounts that hold the product on the site through a group count (no seat: no action);
     suspended or deactivated accounts hold no seat;
  2. activity counts per site and product; never-active accounts are judged from `added_to_org`
     against `never_active_grace_days`;
  3. an account idle past the warning window is warned first (if `warn_before_days`), and revoked
     once a warning is old enough; activity after a warning clears it;
  4. protected, excluded and IdP-managed accounts are never acted on: they are listed as skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from controller.core.ledger import Ledger, dump_ledger
from controller.core.plan.model import ACTION_KINDS, Action, Plan, Skipped
from controller.core.plan.summary import summarize
from controller.core.policy.policy_set import PolicySet, policies_digest
from controller.core.reconcile.grants import granted_seats, plan_grants, resolve_grants
from controller.core.reconcile.inactivity import clear_stale_warnings, evaluate_policy
from controller.core.reconcile.protected_accounts import build_protection
from controller.core.reconcile.restore import RestoreRequest, plan_restores
from controller.core.reconcile.rule_context import Findings, RuleContext
from controller.core.reconcile.seat_caps import within_seat_limits
from controller.core.snapshot import Inventory, inventory_digest, seat_holders

__all__ = ["RestoreRequest", "reconcile"]


# --- the whole plan ------------------------------------------------------------------------


def reconcile(
    policies: PolicySet,
    inventory: Inventory,
    *,
    ledger: Ledger,
    now: datetime,
    base_commit: str | None = None,
    requests: Sequence[RestoreRequest] = (),
) -> Plan:
    """Everything that should change, and why; nothing is executed here. `requests` are seats
    their owners asked to get back (`accessctl request-access --from-issue`)."""
    inputs = Inputs(policies, inventory, ledger, now, base_commit, tuple(requests))
    grants = resolve_grants(policies, inventory, today=now.date())
    index = seat_holders(inventory)
    ctx = RuleContext(
        now=now,
        inventory=inventory,
        groups_by_id={g.id: g for g in inventory.groups},
        holders=index,
        warnings={(w.account_id, w.site, w.product): w for w in ledger.warnings},
        protection=build_protection(policies, inventory, today=now.date()),
        granted=granted_seats(grants),
    )
    findings = Findings()
    for policy in policies.inactivity:
        evaluate_policy(policy, ctx, findings=findings)
    granting, grant_skips = plan_grants(grants)
    additions, held = within_seat_limits(
        granting + list(plan_restores(policies, ledger, ctx=ctx, requests=requests)),
        inventory,
        holders=index,
    )
    actions = findings.actions + list(clear_stale_warnings(ctx, findings.keep_warnings)) + additions
    seats = {seat: holding.seats_used for seat, holding in index.items()}
    return assemble_plan(
        inputs,
        actions,
        skipped=findings.skipped + grant_skips + held,
        seats=seats,
    )


@dataclass
class Inputs:
    """Everything a plan is made from; its digests bind the plan to them."""

    policies: PolicySet
    inventory: Inventory
    ledger: Ledger
    now: datetime
    base_commit: str | None = None
    requests: tuple[RestoreRequest, ...] = ()

    @cached_property
    def digests(self) -> tuple[str, str, str]:
        return (
            policies_digest(self.policies),
            inventory_digest(self.inventory),
            _ledger_digest(self.ledger),
        )

    @property
    def plan_id(self) -> str:
        asked = tuple(f"{r.request.url}|{'|'.join(r.seat)}" for r in self.requests)
        return plan_id(self.now, (*self.digests, *asked))


def assemble_plan(
    inputs: Inputs,
    actions: list[Action],
    *,
    skipped: list[Skipped],
    seats: Mapping[tuple[str, str], int],
) -> Plan:
    """Order actions and skips canonically, add digests and totals: the plan as a value."""
    policies, now, digests = inputs.policies, inputs.now, inputs.digests
    ordered = sorted(actions, key=_action_order)
    skips = sorted(
        skipped, key=lambda s: (s.policy, s.site, s.product, s.email or "", s.account_id)
    )
    return Plan(
        id=inputs.plan_id,
        created_at=now,
        expires_at=now + timedelta(days=policies.organization.plan_ttl_days),
        org_id=policies.organization.org_id,
        policies_digest=digests[0],
        inventory_digest=digests[1],
        ledger_digest=digests[2],
        base_commit=inputs.base_commit,
        summary=summarize(ordered, skips, policies=policies, seats=seats),
        actions=tuple(ordered),
        skipped=tuple(skips),
    )


def _action_order(action: Action) -> tuple[str, int, str, str, str, str]:
    rank = ACTION_KINDS.index(action.action)
    return (
        action.policy,
        rank,
        action.site,
        action.product,
        (action.email or "").lower(),
        action.account_id,
    )


def _ledger_digest(ledger: Ledger) -> str:
    return "sha256:" + hashlib.sha256(dump_ledger(ledger)).hexdigest()


def plan_id(now: datetime, digests: tuple[str, ...]) -> str:
    """`plan-YYYYMMDD-HHMMSS-<hash>`: sortable by time, unique to its inputs."""
    material = "|".join((now.isoformat(), *digests)).encode()
    return f"plan-{now.strftime('%Y%m%d-%H%M%S')}-{hashlib.sha256(material).hexdigest()[:8]}"
