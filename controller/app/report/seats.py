"""PURE: seats per site and product, by how recently they were used and what keeps them.

Part of the license report (`controller.app.report.model`). A seat is what `seat_counts` counts: an
active person (not an app or customer account) in at least one group granting the product on
the site. Each seat falls in exactly one activity bucket, measured in whole days since the last
activity on that product of that site; activity elsewhere does not count, as in the reconciler.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field

from controller.core.model_base import Frozen
from controller.core.plan.model import Plan
from controller.core.policy.models import Exclusion, Pricing
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile.protected_accounts import (
    Protection,
    build_protection,
    refs,
    with_policy_exclusions,
)
from controller.core.snapshot import SEATLESS_TYPES, Account, Group, Inventory

SeatKey = tuple[str, str]  # (site, product)
# An exclusion about to lapse is worth a line in the report: someone has to renew or drop it.
EXPIRING_WITHIN_DAYS = 30


@dataclass(frozen=True)
class Bucket:
    """One band of the activity chart: seats idle at least `low` days and less than `high`."""

    field: str
    label: str
    low: int | None  # None: never active
    high: int | None  # None: no upper bound


BUCKETS = (
    Bucket("active_30", "active < 30 d", 0, 30),
    Bucket("idle_30_60", "idle 30-60 d", 30, 60),
    Bucket("idle_60_90", "idle 60-90 d", 60, 90),
    Bucket("idle_90_180", "idle 90-180 d", 90, 180),
    Bucket("idle_180_plus", "idle 180+ d", 180, None),
    Bucket("never_active", "never active", None, None),
)


class SeatFigures(Frozen):
    """The figures of one product on one site, or of all of them together."""

    total: int = Field(default=0, description="Seats in use: active people holding the product.")
    active_30: int = Field(default=0, description="Used in the last 30 days.")
    active_60: int = Field(default=0, description="Used in the last 60 days (includes 30).")
    active_90: int = Field(default=0, description="Used in the last 90 days (includes 60).")
    idle_30_60: int = 0
    idle_60_90: int = 0
    idle_90_180: int = 0
    idle_180_plus: int = 0
    never_active: int = Field(default=0, description="No activity on the product ever recorded.")
    protected: int = Field(default=0, description="Admins, bots, listed accounts: never revoked.")
    excluded: int = Field(default=0, description="Kept by an exclusion (active entries only).")
    idp_managed: int = Field(default=0, description="Held through a group synced from an IdP.")
    reclaimable: int = Field(default=0, description="Revoked by the current policies now.")
    warned: int = Field(default=0, description="Warned now; reclaimable once the grace ends.")
    monthly_cost: float | None = None
    monthly_saving: float | None = Field(
        default=None, description="Monthly price of the reclaimable seats."
    )


class ProductSeats(Frozen):
    site: str
    product: str
    limit: int | None = Field(default=None, description="Seats bought; null for unlimited.")
    monthly_per_seat: float | None = None
    figures: SeatFigures


ExclusionStatus = Literal["active", "expiring", "expired"]
ExclusionKind = Literal["account", "group"]


class ExclusionRow(Frozen):
    """One exclusion, who owns it, until when, and how many seats it keeps."""

    subject: str
    kind: ExclusionKind
    reason: str
    owner: str
    expires: date | None = None
    status: ExclusionStatus
    seats: int = Field(description="Seats held by the accounts it names or the groups' members.")
    source: str = Field(description="The Exclusions document, or the policy whose list it is in.")


# --- who holds which seat -----------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """One account holding one product on one site, and through which groups."""

    account: Account
    groups: tuple[Group, ...]
    member_of: frozenset[str]  # names of every group the account is in, granting or not

    @property
    def through_idp(self) -> bool:
        return any(g.managed_by == "idp" for g in self.groups)


def holdings(inventory: Inventory) -> dict[SeatKey, list[Holding]]:
    """Seat holders per (site, product), counted exactly as `seat_counts` counts them."""
    by_id = {g.id: g for g in inventory.groups}
    granted = {g.id: g.seats for g in inventory.groups if g.grants}
    held: dict[SeatKey, list[Holding]] = {}
    for account in inventory.accounts:
        if account.status != "active" or account.account_type in SEATLESS_TYPES:
            continue
        through: dict[SeatKey, list[Group]] = {}
        for group_id in account.groups:
            for seat in granted.get(group_id, ()):
                through.setdefault(seat, []).append(by_id[group_id])
        names = frozenset(by_id[g].name for g in account.groups if g in by_id)
        for seat, groups in through.items():
            held.setdefault(seat, []).append(Holding(account, tuple(groups), names))
    return held


# --- activity buckets ---------------------------------------------------------------------


def bucket_of(last_active: datetime | None, now: datetime) -> Bucket:
    if last_active is None:
        return BUCKETS[-1]
    idle = (now - last_active).days
    return next(b for b in BUCKETS[:-1] if b.high is None or idle < b.high)


def activity_counts(seat: SeatKey, held: Sequence[Holding], *, now: datetime) -> dict[str, int]:
    """Seats per bucket, and the cumulative `active_60` and `active_90`."""
    counts = dict.fromkeys((b.field for b in BUCKETS), 0)
    for holding in held:
        counts[bucket_of(holding.account.last_active(*seat), now).field] += 1
    counts["active_60"] = counts["active_30"] + counts["idle_30_60"]
    counts["active_90"] = counts["active_60"] + counts["idle_60_90"]
    return counts


# --- protection and exclusions ------------------------------------------------------------


@dataclass(frozen=True)
class Keepers:
    """Why seats are kept whatever their activity: org-wide protection, and exclusions (the
    Exclusions documents and the `exclude` lists of the policies for each seat)."""

    protected_only: Protection
    excluding: dict[SeatKey, list[Protection]]
    fallback: Protection

    def protected(self, account: Account) -> bool:
        return self.protected_only.reason(account) is not None

    def excluded(self, account: Account, seat: SeatKey) -> bool:
        if self.protected(account):
            return False
        checks = self.excluding.get(seat) or [self.fallback]
        return any(p.reason(account) is not None for p in checks)


def keepers(policies: PolicySet, inventory: Inventory, *, today: date) -> Keepers:
    full = build_protection(policies, inventory, today=today)
    excluding: dict[SeatKey, list[Protection]] = {}
    for policy in policies.inactivity:
        excluding.setdefault((policy.site, policy.product), []).append(
            with_policy_exclusions(full, policy, inventory=inventory)
        )
    return Keepers(
        protected_only=replace(full, excluded_accounts={}, excluded_groups={}),
        excluding=excluding,
        fallback=full,
    )


@dataclass(frozen=True)
class Coverage:
    """How many seats each account reference and each group name covers, counted in one pass
    (an organization has far more seats than exclusions)."""

    by_account: Counter[str]
    by_group: Counter[str]

    @classmethod
    def of(cls, holdings: Iterable[Holding]) -> Coverage:
        by_account: Counter[str] = Counter()
        by_group: Counter[str] = Counter()
        for holding in holdings:
            by_account.update(refs(holding.account))
            # A group exclusion keeps everyone in the group, whichever group grants the seat.
            by_group.update(holding.member_of)
        return cls(by_account, by_group)

    def seats(self, subject: str, kind: ExclusionKind) -> int:
        if kind == "account":
            return self.by_account[subject.lower()]
        return self.by_group[subject]


def exclusion_rows(
    policies: PolicySet, held: dict[SeatKey, list[Holding]], *, today: date
) -> tuple[ExclusionRow, ...]:
    """Every exclusion entry and policy `exclude` item, with the seats it covers."""
    everywhere = Coverage.of(h for hs in held.values() for h in hs)
    rows = [
        _entry_row(entry, source=document.name, coverage=everywhere, today=today)
        for document in policies.exclusions
        for entry in document.entries
    ]
    for policy in policies.inactivity:
        on_seat = Coverage.of(held.get((policy.site, policy.product), []))
        listed: list[tuple[ExclusionKind, str]] = [("account", a) for a in policy.exclude.accounts]
        listed += [("group", g) for g in policy.exclude.groups]
        rows += [
            _listed_row(subject, kind=kind, source=f"policy {policy.name}", coverage=on_seat)
            for kind, subject in listed
        ]
    return tuple(rows)


def _entry_row(entry: Exclusion, *, source: str, coverage: Coverage, today: date) -> ExclusionRow:
    kind: ExclusionKind = "account" if entry.account else "group"
    return ExclusionRow(
        subject=entry.subject,
        kind=kind,
        reason=entry.reason,
        owner=entry.owner,
        expires=entry.expires,
        status=exclusion_status(entry.expires, today),
        seats=coverage.seats(entry.subject, kind),
        source=f"Exclusions {source}",
    )


def _listed_row(
    subject: str, *, kind: ExclusionKind, source: str, coverage: Coverage
) -> ExclusionRow:
    return ExclusionRow(
        subject=subject,
        kind=kind,
        reason=f"listed under exclude.{kind}s",
        owner=source,
        status="active",
        seats=coverage.seats(subject, kind),
        source=source,
    )


def exclusion_status(expires: date | None, today: date) -> ExclusionStatus:
    if expires is None or expires > today + timedelta(days=EXPIRING_WITHIN_DAYS):
        return "active"
    return "expiring" if expires >= today else "expired"


# --- money --------------------------------------------------------------------------------


def money(price: float | None, seats: int) -> float | None:
    """`seats` times the price, to the cent (Decimal: 3 x 8.60 is 25.80, not 25.799999)."""
    if price is None:
        return None
    return float(round(Decimal(str(price)) * seats, 2))


def price_of(pricing: Pricing | None, product: str) -> float | None:
    return pricing.monthly_per_seat.get(product) if pricing else None


# --- one product on one site --------------------------------------------------------------


def product_seats(
    seat: SeatKey,
    *,
    held: Sequence[Holding],
    keep: Keepers,
    plan: Plan,
    inventory: Inventory,
    pricing: Pricing | None,
    now: datetime,
) -> ProductSeats:
    site, product = seat
    price = price_of(pricing, product)
    planned = next((p for p in plan.summary.by_product if (p.site, p.product) == seat), None)
    reclaimable = planned.revoke if planned else 0
    figures = SeatFigures(
        total=len(held),
        **activity_counts(seat, held, now=now),
        protected=sum(keep.protected(h.account) for h in held),
        excluded=sum(keep.excluded(h.account, seat) for h in held),
        idp_managed=sum(h.through_idp for h in held),
        reclaimable=reclaimable,
        warned=planned.warn if planned else 0,
        monthly_cost=money(price, len(held)),
        monthly_saving=money(price, reclaimable),
    )
    limits = {(s.site, s.product): s.limit for s in inventory.seats}
    return ProductSeats(
        site=site, product=product, limit=limits.get(seat), monthly_per_seat=price, figures=figures
    )


def all_seats(
    policies: PolicySet,
    inventory: Inventory,
    *,
    held: dict[SeatKey, list[Holding]],
    plan: Plan,
    now: datetime,
) -> tuple[ProductSeats, ...]:
    """Every product of every site that has a seat, a seat limit, or a policy."""
    keep = keepers(policies, inventory, today=now.date())
    seats = set(held) | {(s.site, s.product) for s in inventory.seats}
    seats |= {(p.site, p.product) for p in policies.inactivity}
    pricing = policies.organization.pricing
    return tuple(
        product_seats(
            seat,
            held=held.get(seat, []),
            keep=keep,
            plan=plan,
            inventory=inventory,
            pricing=pricing,
            now=now,
        )
        for seat in sorted(seats)
    )


def totals(products: Iterable[ProductSeats]) -> SeatFigures:
    """Figures summed over products; money over the priced products only."""
    rows = [p.figures for p in products]
    counts = {
        name: sum(getattr(r, name) for r in rows)
        for name, info in SeatFigures.model_fields.items()
        if info.annotation is int
    }
    return SeatFigures(
        **counts,
        monthly_cost=sum_money(r.monthly_cost for r in rows),
        monthly_saving=sum_money(r.monthly_saving for r in rows),
    )


def sum_money(amounts: Iterable[float | None]) -> float | None:
    """The sum of the known amounts, to the cent; None when none is known."""
    known = [Decimal(str(a)) for a in amounts if a is not None]
    return float(round(sum(known, Decimal(0)), 2)) if known else None
