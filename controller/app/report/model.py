"""PURE: the license and access report as one value, computed from what the shell read.

`accessctl report` (controller.app.commands.report) loads the policies, the inventory, the audit
log, the applied markers and the approvals from git, plans with `reconcile`, and calls
`build_report`; the renderers (`markdown`, `html`, `csv`, and JSON straight from the model) only
format it. `now` is a parameter, so the same inputs always give the same report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import Field

from controller.app.report.approval import Approval
from controller.app.report.history import (
    AppliedPlan,
    MonthRow,
    Regrant,
    applied_plans,
    monthly,
    regrants,
)
from controller.app.report.seats import (
    ExclusionRow,
    ProductSeats,
    SeatFigures,
    all_seats,
    exclusion_rows,
    holdings,
    money,
    sum_money,
    totals,
)
from controller.core.errors import SafetyRefusal
from controller.core.model_base import Frozen, Instant
from controller.core.plan.model import Plan
from controller.core.policy.policy_set import PolicySet
from controller.core.safety import check_plan
from controller.core.snapshot import Inventory
from controller.core.state_records import AppliedMarker, AuditRecord

REPORT_VERSION = 1
MONTHS_PER_YEAR = 12


class Reclaim(Frozen):
    """What the current policies would free, and what that saves at the Organization's prices."""

    plan_id: str
    revoke_now: int = Field(description="Seats the plan revokes now.")
    warned: int = Field(description="Seats warned now, revoked after their grace.")
    currency: str | None = None
    monthly_saving: float | None = Field(
        default=None, description="Price of the seats revoked now, per month."
    )
    annual_saving: float | None = None
    monthly_saving_after_warnings: float | None = Field(
        default=None, description="Also counting the warned seats, should they stay idle."
    )
    unpriced_products: tuple[str, ...] = Field(
        default=(), description="Products with revokes but no price in the Organization."
    )
    refused_by_safety: tuple[str, ...] = Field(
        default=(), description="Safety limits this plan breaches: apply would refuse it whole."
    )


class Report(Frozen):
    version: int = REPORT_VERSION
    generated_at: Instant
    org_id: str
    inventory_taken_at: Instant
    currency: str | None = None
    products: tuple[ProductSeats, ...] = ()
    totals: SeatFigures = SeatFigures()
    exclusions: tuple[ExclusionRow, ...] = ()
    reclaim: Reclaim
    months: tuple[MonthRow, ...] = ()
    regrant: tuple[Regrant, ...] = Field(
        default=(), description="The re-grant rate over all revokes first, then per policy."
    )
    plans: tuple[AppliedPlan, ...] = Field(default=(), description="Applied plans, newest first.")


def build_report(
    *,
    policies: PolicySet,
    inventory: Inventory,
    plan: Plan,
    audit: Sequence[AuditRecord],
    applied: Sequence[AppliedMarker],
    approvals: Mapping[str, Approval],
    now: Instant,
) -> Report:
    """The report for `now`: seats from the inventory, reclaim from the plan, history from
    the audit log (records oldest first, as `StateDir.audit_log` returns them)."""
    held = holdings(inventory)
    products = all_seats(policies, inventory, held=held, plan=plan, now=now)
    pricing = policies.organization.pricing
    return Report(
        generated_at=now,
        org_id=policies.organization.org_id,
        inventory_taken_at=inventory.taken_at,
        currency=pricing.currency if pricing else None,
        products=products,
        totals=totals(products),
        exclusions=exclusion_rows(policies, held, today=now.date()),
        reclaim=reclaim(plan, products=products, policies=policies),
        months=monthly(audit, now=now),
        regrant=regrants(audit, now=now),
        plans=applied_plans(audit, markers=applied, approvals=approvals),
    )


def reclaim(plan: Plan, *, products: Sequence[ProductSeats], policies: PolicySet) -> Reclaim:
    pricing = policies.organization.pricing
    monthly_saving = sum_money(p.figures.monthly_saving for p in products)
    return Reclaim(
        plan_id=plan.id,
        revoke_now=plan.summary.revoke,
        warned=plan.summary.warn,
        currency=pricing.currency if pricing else None,
        monthly_saving=monthly_saving,
        annual_saving=money(monthly_saving, MONTHS_PER_YEAR),
        monthly_saving_after_warnings=sum_money(
            money(p.monthly_per_seat, p.figures.reclaimable + p.figures.warned) for p in products
        ),
        unpriced_products=tuple(
            sorted({p.product for p in products if p.monthly_per_seat is None and _frees(p)})
        ),
        refused_by_safety=safety_breaches(plan, policies),
    )


def _frees(product: ProductSeats) -> bool:
    return product.figures.reclaimable + product.figures.warned > 0


def safety_breaches(plan: Plan, policies: PolicySet) -> tuple[str, ...]:
    """The guards' refusal, if any: a report still shows what a refused plan would reclaim."""
    try:
        check_plan(plan, policies)
    except SafetyRefusal as refusal:
        return tuple(refusal.lines())
    return ()
