"""PURE: seat caps — never plan more new seats than the product has left.

Grants and restores that would give someone a seat they do not hold are counted against the
product's `remainingSeats` (the inventory's seat limit less the seats in use). Those beyond it
are held back, in priority order: grants before restores, then the most recently active first;
the plan lists them under `skipped` with the reason. Seats that revocations in the same plan
will free are not counted: apply order and failures could make them late.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from controller.core.plan.model import Action, Skipped
from controller.core.snapshot import Inventory, Seat, SeatHolders

ADDS_A_SEAT = ("grant", "restore")


def within_seat_limits(
    actions: list[Action], inventory: Inventory, *, holders: Mapping[Seat, SeatHolders]
) -> tuple[list[Action], list[Skipped]]:
    """The actions that fit the seats left, and a skip for each one held back."""
    limits = {(s.site, s.product): s.limit for s in inventory.seats if s.limit is not None}
    held: list[Skipped] = []
    kept_out: set[str] = set()
    for seat, limit in sorted(limits.items()):
        adding = [a for a in actions if a.action in ADDS_A_SEAT and (a.site, a.product) == seat]
        if not adding:
            continue
        people = holders[seat].people() if seat in holders else set()
        wanted = [a for a in adding if a.account_id not in people]
        for action in sorted(wanted, key=_priority)[max(limit - len(people), 0) :]:
            kept_out.add(action.key)
            held.append(_held_back(action, limit=limit, used=len(people)))
    return [a for a in actions if a.key not in kept_out], held


def _priority(action: Action) -> tuple[int, float, str]:
    last = action.evidence.last_active or datetime.min.replace(tzinfo=UTC)
    return (ADDS_A_SEAT.index(action.action), -last.timestamp(), action.account_id)


def _held_back(action: Action, *, limit: int, used: int) -> Skipped:
    return action.skipped(
        f"{action.action} held back: {used} of {limit} {action.product} seats on "
        f"{action.site} are in use; it will be planned when a seat is free "
        "(grants before restores, most recently active first)"
    )
