"""PURE: what a policy change changes. Two plans over the same inventory and ledger in, the
difference per policy out (DESIGN "CI comments the impact").

`accessctl preview` plans the policies at the pull request's base and in the pull request against
ONE inventory and ONE ledger, so every difference is caused by the policy change and nothing else.
A seat is `(account, site, product)`; a change is a seat whose treatment differs between the
plans. Escalations and de-escalations are named once: a seat warned before and revoked now is
"newly revoked" (not also "no longer warned"), one revoked before and warned now is "newly
spared" (from revocation; the entry says it is warned instead).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from controller.core.plan.model import ACTION_KINDS, Action, ActionKind, Plan, Skipped

Change = Literal[
    "newly-revoked",
    "newly-spared",
    "newly-warned",
    "no-longer-warned",
    "newly-granted",
    "no-longer-granted",
    "newly-restored",
    "no-longer-restored",
    "newly-cleared",
    "no-longer-cleared",
]
CHANGES: tuple[Change, ...] = get_args(Change)
# Which change a seat shows when an action of this kind appears in, or disappears from, the plan.
APPEARS: dict[ActionKind, Change] = {
    "revoke": "newly-revoked",
    "warn": "newly-warned",
    "grant": "newly-granted",
    "restore": "newly-restored",
    "clear-warning": "newly-cleared",
}
DISAPPEARS: dict[ActionKind, Change] = {
    "revoke": "newly-spared",
    "warn": "no-longer-warned",
    "grant": "no-longer-granted",
    "restore": "no-longer-restored",
    "clear-warning": "no-longer-cleared",
}
# A warning that became a revocation (or the reverse) is told by the stronger action alone.
_TOLD_BY: dict[ActionKind, ActionKind] = {"warn": "revoke"}

Seat = tuple[str, str, str]  # (account_id, site, product)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatChange:
    """One seat treated differently: `reason` is the action that appeared or disappeared,
    `instead` what the other plan does with the seat (the base plan for a change that appears,
    the pull request's for one that disappears)."""

    change: Change
    account_id: str
    label: str
    site: str
    product: str
    policy: str
    reason: str
    instead: str


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    policy: str
    changes: tuple[SeatChange, ...]

    def of(self, change: Change) -> tuple[SeatChange, ...]:
        return tuple(c for c in self.changes if c.change == change)


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    """The action counts of one plan."""

    revoke: int
    warn: int
    grant: int
    restore: int
    clear_warning: int

    @classmethod
    def of(cls, plan: Plan) -> Totals:
        s = plan.summary
        return cls(
            revoke=s.revoke,
            warn=s.warn,
            grant=s.grant,
            restore=s.restore,
            clear_warning=s.clear_warning,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanDiff:
    """The preview as a value: both plans' totals, the seat changes per policy, and what the
    safety guards say about each side."""

    base_plan: str
    head_plan: str
    base: Totals
    head: Totals
    policies: tuple[PolicyDiff, ...]
    head_refusal: tuple[str, ...] = ()
    base_refusal: tuple[str, ...] = ()

    @property
    def counts(self) -> Mapping[Change, int]:
        counted = Counter(c.change for p in self.policies for c in p.changes)
        return {change: counted[change] for change in CHANGES}

    @property
    def has_changes(self) -> bool:
        return bool(self.policies)

    @property
    def introduces_refusal(self) -> bool:
        """The pull request turns an accepted plan into a refused one."""
        return bool(self.head_refusal) and not self.base_refusal


def diff_plans(
    base: Plan,
    head: Plan,
    *,
    head_refusal: Iterable[str] = (),
    base_refusal: Iterable[str] = (),
) -> PlanDiff:
    """The seat changes from `base` to `head`, grouped by policy and ordered canonically."""
    changes = sorted(
        without_echoes(list(seat_changes(base, head))),
        key=lambda c: (c.policy, CHANGES.index(c.change), c.label, c.site, c.product),
    )
    policies = sorted({c.policy for c in changes})
    return PlanDiff(
        base_plan=base.id,
        head_plan=head.id,
        base=Totals.of(base),
        head=Totals.of(head),
        policies=tuple(
            PolicyDiff(policy=name, changes=tuple(c for c in changes if c.policy == name))
            for name in policies
        ),
        head_refusal=tuple(head_refusal),
        base_refusal=tuple(base_refusal),
    )


def seat_changes(base: Plan, head: Plan) -> Iterator[SeatChange]:
    before, after = Treatments(base), Treatments(head)
    for action in head.actions:
        if not before.has(action.action, seat_of(action)):
            yield _changed(action, APPEARS[action.action], other=before)
    for action in base.actions:
        if not after.has(action.action, seat_of(action)):
            yield _changed(action, DISAPPEARS[action.action], other=after)


def without_echoes(changes: list[SeatChange]) -> list[SeatChange]:
    """Drop a warning's clearing (or its absence) when the same seat changed in a way that
    already tells it: a revoked or spared account need not also be listed under "cleared"."""
    told = {_seat(c) for c in changes if c.change not in _ECHOES}
    return [c for c in changes if c.change not in _ECHOES or _seat(c) not in told]


def _seat(change: SeatChange) -> Seat:
    return (change.account_id, change.site, change.product)


_ECHOES: frozenset[Change] = frozenset({"newly-cleared", "no-longer-cleared"})


class Treatments:
    """How one plan treats each seat: its actions by kind, and the seats it skipped."""

    def __init__(self, plan: Plan) -> None:
        self.actions: dict[tuple[ActionKind, Seat], Action] = {
            (a.action, seat_of(a)): a for a in plan.actions
        }
        self.skipped: dict[Seat, Skipped] = {seat_of(s): s for s in plan.skipped}

    def has(self, kind: ActionKind, seat: Seat) -> bool:
        """Whether this plan also does `kind` to the seat, or the action that tells the same
        story: a warning that became a revocation, in either direction."""
        told_by = _TOLD_BY.get(kind)
        return (kind, seat) in self.actions or (told_by, seat) in self.actions

    def describe(self, seat: Seat) -> str:
        """What this plan does with `seat`, in words for the preview's other-side column."""
        said = [_PAST[kind] for kind in ACTION_KINDS if (kind, seat) in self.actions]
        if seat in self.skipped:
            said.insert(0, f"skipped: {self.skipped[seat].reason}")
        return "; ".join(said) or "no action"


_PAST: dict[ActionKind, str] = {
    "revoke": "revoked",
    "warn": "warned",
    "grant": "granted",
    "restore": "restored",
    "clear-warning": "warning cleared",
}


def seat_of(item: Action | Skipped) -> Seat:
    return (item.account_id, item.site, item.product)


def _changed(action: Action, change: Change, *, other: Treatments) -> SeatChange:
    return SeatChange(
        change=change,
        account_id=action.account_id,
        label=action.email or action.account_id,
        site=action.site,
        product=action.product,
        policy=action.policy,
        reason=action.reason,
        instead=other.describe(seat_of(action)),
    )
