"""Totals of a plan: per action, per product on each site, per policy. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from controller.inventory import Inventory, seat_counts
from controller.plan.model import Action, PolicySummary, ProductSummary, Skipped, Summary
from controller.policy.policy_set import PolicySet


def summarize(
    actions: Sequence[Action], skipped: Sequence[Skipped], policies: PolicySet, inventory: Inventory
) -> Summary:
    counts = Counter(a.action for a in actions)
    seats = seat_counts(inventory)
    products = {(p.site, p.product) for p in policies.inactivity} | {(a.site, a.product) for a in actions}
    revoked = {(a.account_id, a.site, a.product) for a in actions if a.action == "revoke"}
    return Summary(
        total_actions=len(actions),
        revoke=counts["revoke"],
        warn=counts["warn"],
        restore=counts["restore"],
        clear_warning=counts["clear-warning"],
        skipped=len(skipped),
        seats_reclaimed=len(revoked),
        by_product=tuple(
            _product_summary(site, product, seats.get((site, product), 0), actions, skipped)
            for site, product in sorted(products)
        ),
        by_policy=tuple(
            _policy_summary(name, actions, skipped)
            for name in sorted({p.name for p in policies.inactivity} | {a.policy for a in actions})
        ),
    )


def _tally(actions: Sequence[Action]) -> dict[str, int]:
    counts = Counter(a.action for a in actions)
    return {
        "revoke": counts["revoke"],
        "warn": counts["warn"],
        "restore": counts["restore"],
        "clear_warning": counts["clear-warning"],
    }


def _product_summary(
    site: str, product: str, seats: int, actions: Sequence[Action], skipped: Sequence[Skipped]
) -> ProductSummary:
    mine = [a for a in actions if (a.site, a.product) == (site, product)]
    skips = sum(1 for s in skipped if (s.site, s.product) == (site, product))
    return ProductSummary(site=site, product=product, seats=seats, skipped=skips, **_tally(mine))


def _policy_summary(name: str, actions: Sequence[Action], skipped: Sequence[Skipped]) -> PolicySummary:
    mine = [a for a in actions if a.policy == name]
    skips = sum(1 for s in skipped if s.policy == name)
    return PolicySummary(policy=name, skipped=skips, **_tally(mine))
