"""PURE: guards over a Plan. A plan that would revoke too much is refused whole (exit 4), or, with
`safety.over_limit: trim`, cut down to what the limits allow.

Runs after `reconcile` (so a dangerous plan never reaches a pull request) and again in `apply`
against fresh data. Limits come from `safety` in the Organization and `limits` in each policy; the
refusal says which limit and how to raise it deliberately, in a reviewed change.

Trimming is for the first clean-up of a neglected organization, where the limits would refuse
every plan: the plan keeps the revocations that fit every limit, longest idle first, and lists
the rest as `deferred`; the next run plans them again. Nothing is raised: the limits keep
protecting, and `apply` still refuses a plan that fresh data shows over them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from controller.core.errors import SafetyRefusal
from controller.core.plan.model import Action, Plan, Skipped
from controller.core.plan.summary import summarize
from controller.core.policy.policy_set import PolicySet

TRIM_HINT = (
    "to revoke what the limits allow now, longest idle first, and the rest in later runs, set "
    "safety.over_limit: trim in the Organization"
)


class PlanRefused(SafetyRefusal):
    def __init__(self, breaches: list[str], *, hint: str | None = None) -> None:
        self.breaches = breaches
        self.hint = hint
        super().__init__(breaches[0])

    def lines(self) -> list[str]:
        refused = [f"refused by a safety guard: {b}" for b in self.breaches]
        return refused + ([self.hint] if self.hint else [])


def check_plan(plan: Plan, policies: PolicySet) -> None:
    """Raise `PlanRefused` listing every limit the plan's revocations exceed."""
    breaches = _breaches(plan, policies)
    if breaches:
        raise PlanRefused(breaches)


def within_limits(plan: Plan, policies: PolicySet) -> Plan:
    """The plan as it is when it fits every limit; else trimmed (`over_limit: trim`) or refused."""
    breaches = _breaches(plan, policies)
    if not breaches:
        return plan
    if policies.organization.safety.over_limit == "refuse":
        raise PlanRefused(breaches, hint=TRIM_HINT)
    return trimmed(plan, policies)


# --- the limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cap:
    """One limit on the revocations of a plan: a count (`max_revocations`), or a share of the
    seats in use of one product on one site (`max_revocation_fraction`)."""

    name: str  # the setting and its value: `safety.max_revocations (500) in the Organization`
    limit: float
    seats: int | None = None  # for a share: the seats it is a share of
    scope: str = ""  # what it counts: "the plan", "policy x", "jira-software seats on acme"

    @property
    def describe(self) -> str:
        """The limit and what it counts, as a trimmed plan names it."""
        if self.scope == "the plan":
            return self.name
        return (
            f"{self.name} of {self.scope}"
            if self.seats is None
            else f"{self.name} for {self.scope}"
        )

    def share(self, count: int) -> float:
        return count / self.seats if self.seats else 1.0

    def allows(self, count: int) -> bool:
        if self.seats is None:
            return count <= self.limit
        return count == 0 or self.share(count) <= self.limit

    def refusal(self, count: int) -> str:
        """What `check_plan` says of a count this limit does not allow."""
        setting, _, _ = self.name.partition(" (")
        if self.seats is not None:
            what = (
                f"the plan revokes {count} of {self.seats} {self.scope} "
                f"({self.share(count):.1%}), above {self.name}"
            )
        elif self.scope == "the plan":
            what = f"the plan revokes {count} seats, more than {self.name}"
        else:  # a policy's own limit
            setting = "it"
            what = f"{self.scope} revokes {count} seats, more than its {self.name}"
        return (
            f"{what}; if that is intended, raise {setting} in a reviewed pull request and "
            "plan again"
        )


@dataclass(frozen=True)
class Caps:
    """Every limit of a plan, found by what a revocation counts against."""

    total: Cap | None
    per_policy: dict[str, Cap]
    per_seat: dict[tuple[str, str], Cap]

    def of(self, action: Action) -> list[Cap]:
        found = [self.total, self.per_policy.get(action.policy)]
        found.append(self.per_seat.get((action.site, action.product)))
        return [cap for cap in found if cap is not None]

    def all(self) -> Iterator[Cap]:
        if self.total is not None:
            yield self.total
        yield from self.per_policy.values()
        yield from self.per_seat.values()


def caps_of(plan: Plan, policies: PolicySet) -> Caps:
    safety = policies.organization.safety
    total = None
    if safety.max_revocations is not None:
        total = Cap(
            f"safety.max_revocations ({safety.max_revocations}) in the Organization",
            safety.max_revocations,
            scope="the plan",
        )
    per_policy = {
        p.name: Cap(
            f"limits.max_revocations ({p.limits.max_revocations})",
            p.limits.max_revocations,
            scope=f"policy {p.name}",
        )
        for p in policies.inactivity
        if p.limits.max_revocations is not None
    }
    return Caps(total, per_policy, dict(_fraction_caps(plan, policies)))


def _fraction_caps(plan: Plan, policies: PolicySet) -> Iterator[tuple[tuple[str, str], Cap]]:
    default = policies.organization.safety.max_revocation_fraction
    for product in plan.summary.by_product:
        seat = (product.site, product.product)
        limit, where = _fraction_limit(policies, site=seat[0], product=seat[1], default=default)
        scope = f"{product.product} seats on {product.site}"
        yield seat, Cap(f"{where} ({limit:g})", limit, seats=product.seats, scope=scope)


def _breaches(plan: Plan, policies: PolicySet) -> list[str]:
    caps = caps_of(plan, policies)
    counted: Counter[Cap] = Counter()
    for action in plan.actions:
        if action.action == "revoke":
            counted.update(caps.of(action))
    return [cap.refusal(counted[cap]) for cap in caps.all() if not cap.allows(counted[cap])]


def _fraction_limit(
    policies: PolicySet, *, site: str, product: str, default: float
) -> tuple[float, str]:
    for policy in policies.inactivity:
        own = policy.limits.max_revocation_fraction
        if (policy.site, policy.product) == (site, product) and own is not None:
            return own, f"limits.max_revocation_fraction of policy {policy.name}"
    return default, "safety.max_revocation_fraction in the Organization"


# --- trimming -----------------------------------------------------------------------------


def trimmed(plan: Plan, policies: PolicySet) -> Plan:
    """The revocations that fit every limit, longest idle first; the others deferred."""
    caps = caps_of(plan, policies)
    counted: Counter[Cap] = Counter()
    deferred: list[Skipped] = []
    full: dict[str, None] = {}  # the limits that deferred something, in the order they did
    for action in sorted(_revocations(plan.actions), key=_longest_idle_first):
        applying = caps.of(action)
        over = [cap for cap in applying if not cap.allows(counted[cap] + 1)]
        if over:
            full.update(dict.fromkeys(cap.describe for cap in over))
            deferred.append(_deferred(action, over=over))
        else:
            counted.update(applying)
    left_out = {(d.account_id, d.site, d.product, d.policy) for d in deferred}
    actions = tuple(a for a in plan.actions if not _is_deferred(a, left_out))
    seats = {(p.site, p.product): p.seats for p in plan.summary.by_product}
    summary = summarize(actions, plan.skipped, policies=policies, seats=seats).model_copy(
        update={"deferred": len(deferred), "trimmed_by": tuple(full)}
    )
    ordered = sorted(
        deferred, key=lambda d: (d.policy, d.site, d.product, d.email or "", d.account_id)
    )
    return plan.model_copy(
        update={"actions": actions, "summary": summary, "deferred": tuple(ordered)}
    )


def _revocations(actions: Sequence[Action]) -> Iterator[Action]:
    return (a for a in actions if a.action == "revoke")


def _longest_idle_first(action: Action) -> tuple[int, str]:
    return (-(action.evidence.idle_days or 0), action.key)


def _is_deferred(action: Action, left_out: set[tuple[str, str, str, str]]) -> bool:
    seat = (action.account_id, action.site, action.product, action.policy)
    return action.action == "revoke" and seat in left_out


def _deferred(action: Action, *, over: list[Cap]) -> Skipped:
    limits = " and ".join(cap.describe for cap in over)
    return action.skipped(
        f"revocation deferred to a later run: {limits} is reached, and the longest idle go "
        f"first (safety.over_limit: trim); {action.reason}"
    )
