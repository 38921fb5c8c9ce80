"""PURE: guards over a Plan. A plan that would revoke too much is refused whole (exit 4).

Runs after `reconcile` (so a dangerous plan never reaches a pull request) and again in `apply`
against fresh data. Limits come from `safety` in the Organization and `limits` in each policy; the
refusal says which limit and how to raise it deliberately, in a reviewed change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from controller.core.errors import SafetyRefusal
from controller.core.plan.model import Plan
from controller.core.policy.policy_set import PolicySet


class PlanRefused(SafetyRefusal):
    def __init__(self, breaches: list[str]) -> None:
        self.breaches = breaches
        super().__init__(breaches[0])

    def lines(self) -> list[str]:
        return [f"refused by a safety guard: {b}" for b in self.breaches]


def check_plan(plan: Plan, policies: PolicySet) -> None:
    """Raise `PlanRefused` listing every limit the plan's revocations exceed."""
    breaches = [*_total_breaches(plan, policies), *_policy_breaches(plan, policies)]
    breaches += _fraction_breaches(plan, policies)
    if breaches:
        raise PlanRefused(breaches)


def _total_breaches(plan: Plan, policies: PolicySet) -> Iterator[str]:
    limit = policies.organization.safety.max_revocations
    if limit is not None and plan.summary.revoke > limit:
        yield (
            f"the plan revokes {plan.summary.revoke} seats, more than safety.max_revocations "
            f"({limit}) in the Organization; if that is intended, raise safety.max_revocations "
            "in a reviewed pull request and plan again"
        )


def _policy_breaches(plan: Plan, policies: PolicySet) -> Iterator[str]:
    per_policy = Counter(a.policy for a in plan.actions if a.action == "revoke")
    for policy in policies.inactivity:
        limit = policy.limits.max_revocations
        if limit is not None and per_policy[policy.name] > limit:
            yield (
                f"policy {policy.name} revokes {per_policy[policy.name]} seats, more than its "
                f"limits.max_revocations ({limit}); if that is intended, raise it in a reviewed "
                "pull request and plan again"
            )


def _fraction_breaches(plan: Plan, policies: PolicySet) -> Iterator[str]:
    default = policies.organization.safety.max_revocation_fraction
    for product in plan.summary.by_product:
        if product.revoke == 0:
            continue
        limit, where = _fraction_limit(
            policies, site=product.site, product=product.product, default=default
        )
        share = product.revoke / product.seats if product.seats else 1.0
        if share > limit:
            yield (
                f"the plan revokes {product.revoke} of {product.seats} {product.product} seats on "
                f"{product.site} ({share:.1%}), above {where} ({limit:g}); if that is intended, "
                f"raise {where} in a reviewed pull request and plan again"
            )


def _fraction_limit(
    policies: PolicySet, *, site: str, product: str, default: float
) -> tuple[float, str]:
    for policy in policies.inactivity:
        own = policy.limits.max_revocation_fraction
        if (policy.site, policy.product) == (site, product) and own is not None:
            return own, f"limits.max_revocation_fraction of policy {policy.name}"
    return default, "safety.max_revocation_fraction in the Organization"
