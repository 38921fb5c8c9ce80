"""Totals of a plan: per action, per product on each site, per policy. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from controller.core.plan.model import Action, PolicySummary, ProductSummary, Skipped, Summary
from controller.core.policy.policy_set import PolicySet

FIELDS = {
    "revoke": "revoke",
    "warn": "warn",
    "grant": "grant",
    "restore": "restore",
    "clear-warning": "clear_warning",
}


def summarize(
    actions: Sequence[Action],
    skipped: Sequence[Skipped],
    *,
    policies: PolicySet,
    seats: Mapping[tuple[str, str], int],
) -> Summary:
    """One pass over the actions; `seats` are the seats in use per (site, product)."""
    by_product: Counter[tuple[str, ...]] = Counter()
    by_policy: Counter[tuple[str, ...]] = Counter()
    for action in actions:
        kind = FIELDS[action.action]
        by_product[(action.site, action.product, kind)] += 1
        by_policy[(action.policy, kind)] += 1
    for skip in skipped:
        by_product[(skip.site, skip.product, "skipped")] += 1
        by_policy[(skip.policy, "skipped")] += 1
    products = {(p.site, p.product) for p in policies.inactivity}
    products |= {(site, product) for site, product, _ in by_product}
    names = {p.name for p in policies.inactivity} | {name for name, _ in by_policy}
    totals = Counter(FIELDS[a.action] for a in actions)
    return Summary(
        total_actions=len(actions),
        skipped=len(skipped),
        seats_reclaimed=len(
            {(a.account_id, a.site, a.product) for a in actions if a.action == "revoke"}
        ),
        by_product=tuple(
            ProductSummary(
                site=site,
                product=product,
                seats=seats.get((site, product), 0),
                **_counts(by_product, (site, product)),
            )
            for site, product in sorted(products)
        ),
        by_policy=tuple(
            PolicySummary(policy=name, **_counts(by_policy, (name,))) for name in sorted(names)
        ),
        **{field: totals[field] for field in FIELDS.values()},
    )


def _counts(counter: Counter[tuple[str, ...]], prefix: tuple[str, ...]) -> dict[str, int]:
    return {field: counter[(*prefix, field)] for field in (*FIELDS.values(), "skipped")}
