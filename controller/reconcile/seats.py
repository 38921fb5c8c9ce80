"""PURE: seat caps — never plan more new seats than the product has left.

Grants and restores that would give someone a seat they do not hold are counted against the
product's `remainingSeats` (the inventory's seat limit less the seats in use). Those beyond it
are held back, in priority order: grants before restores, then the most recently active first;
the plan lists them under `skipped` with the reason. Seats that revocations in the same plan
will free are not counted: apply order and failures could make them late.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from controller.inventory import Inventory, seat_counts
from controller.plan.model import Action, Skipped

ADDS_A_SEAT = ("grant", "restore")


def within_seat_limits(
    actions: list[Action], inventory: Inventory
) -> tuple[list[Action], list[Skipped]]:
    """The actions that fit the seats left, and a skip for each one held back."""
    limits = {(s.site, s.product): s.limit for s in inventory.seats if s.limit is not None}
    used = seat_counts(inventory)
    holders = _holders(inventory)
    held: list[Skipped] = []
    kept_out: set[str] = set()
    for (site, product), limit in sorted(limits.items()):
        wanted = [a for a in actions if _adds_seat(a, site, product, holders)]
        left = max(limit - used.get((site, product), 0), 0)
        for action in sorted(wanted, key=_priority)[left:]:
            kept_out.add(action.key)
            held.append(_held_back(action, limit=limit, used=used.get((site, product), 0)))
    return [a for a in actions if a.key not in kept_out], held


def _holders(inventory: Inventory) -> set[tuple[str, str, str]]:
    by_group = {g.id: [(g.site, p) for p in g.grants] for g in inventory.groups if g.site}
    return {
        (account.account_id, site or "", product)
        for account in inventory.accounts
        if account.status == "active"
        for group in account.groups
        for site, product in by_group.get(group, ())
    }


def _adds_seat(
    action: Action, site: str, product: str, holders: Iterable[tuple[str, str, str]]
) -> bool:
    return (
        action.action in ADDS_A_SEAT
        and (action.site, action.product) == (site, product)
        and (action.account_id, site, product) not in holders
    )


def _priority(action: Action) -> tuple[int, float, str]:
    last = action.evidence.last_active or datetime.min.replace(tzinfo=UTC)
    return (ADDS_A_SEAT.index(action.action), -last.timestamp(), action.account_id)


def _held_back(action: Action, *, limit: int, used: int) -> Skipped:
    return Skipped(
        account_id=action.account_id,
        email=action.email,
        site=action.site,
        product=action.product,
        policy=action.policy,
        reason=(
            f"{action.action} held back: {used} of {limit} {action.product} seats on "
            f"{action.site} are in use; it will be planned when a seat is free "
            "(grants before restores, most recently active first)"
        ),
    )
