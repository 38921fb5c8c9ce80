"""PURE: the ledger, accessctl's memory between runs, and every event that changes it (DESIGN §7).

`state/ledger.json` remembers the warnings sent (`warned_at`, `revoke_not_before`), the seats
removed (exactly which groups, when, by which plan) and the expiry reminders sent. `reconcile`
reads it: a revoke waits for a warning old enough, a restore gives back a recorded removal. It
changes only through these events, each a pure function from one ledger to the next:

- `warned`: a warning was delivered (`notify` mails it; `apply` records a plan's `warn`);
- `warning_cleared`: the account was active since, or no rule warns it any more;
- `seat_removed`: a revoke ran; the removal is recorded and its warning is settled;
- `seat_restored`: a restore gave the recorded groups back; the removal is settled;
- `access_granted`: an AccessGrants entry gave groups back; they are no longer owed;
- `reminder_sent`: an expiry reminder reached an exclusion's owner (once per expiry date).

`actions_executed` records the actions `apply` carried out, each as the event it is, in time
linear in the actions (an apply may carry out thousands).
`controller.adapters.state_dir.StateDir` reads and writes the file (`parse_ledger`,
`dump_ledger`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import Field, ValidationError

from controller.core.errors import BadInput
from controller.core.model_base import Frozen, Instant, first_error
from controller.core.plan.model import Action, GroupRef
from controller.core.policy.models import Exclusion
from controller.core.policy.policy_set import PolicySet

LEDGER_FILE = "ledger.json"

Seat = tuple[str, str, str]  # (account_id, site, product): one product of one site, for one account


class WarningRecord(Frozen):
    account_id: str
    email: str | None = None
    site: str
    product: str
    policy: str
    warned_at: Instant
    revoke_not_before: Instant

    @property
    def seat(self) -> Seat:
        return (self.account_id, self.site, self.product)


class RemovalRecord(Frozen):
    account_id: str
    email: str | None = None
    site: str
    product: str
    policy: str
    method: Literal["remove-from-groups", "suspend"] = "remove-from-groups"
    groups: tuple[GroupRef, ...] = ()
    removed_at: Instant
    plan_id: str

    @property
    def seat(self) -> Seat:
        return (self.account_id, self.site, self.product)


class ReminderRecord(Frozen):
    """An expiry reminder sent to an exclusion's owner: one per exclusion and expiry date, so
    moving the date out earns a new reminder before the new date."""

    subject: str  # the excluded account or group, as the Exclusions entry names it
    expires: date
    owner: str
    sent_at: Instant


class Ledger(Frozen):
    version: Literal[1] = 1
    warnings: tuple[WarningRecord, ...] = Field(default=())
    removals: tuple[RemovalRecord, ...] = Field(default=())
    reminders: tuple[ReminderRecord, ...] = Field(default=())

    def warning_for(self, account_id: str, *, site: str, product: str) -> WarningRecord | None:
        for record in self.warnings:
            if record.seat == (account_id, site, product):
                return record
        return None

    def reminded(self, subject: str, expires: date) -> bool:
        return any((r.subject, r.expires) == (subject, expires) for r in self.reminders)


def seat_of(action: Action) -> Seat:
    return (action.account_id, action.site, action.product)


# --- the records the events carry -----------------------------------------------------------


def warning_record(action: Action, *, policies: PolicySet, now: datetime) -> WarningRecord:
    """The warning a `warn` action leaves once delivered at `now` (by `notify` or `apply`).

    A warning recorded later than planned still gives the full `warn_before_days` of notice."""
    days = next((p.warn_before_days for p in policies.inactivity if p.name == action.policy), 0)
    earliest = now + timedelta(days=days)
    planned = action.evidence.revoke_not_before or earliest
    return WarningRecord(
        account_id=action.account_id,
        email=action.email,
        site=action.site,
        product=action.product,
        policy=action.policy,
        warned_at=now,
        revoke_not_before=max(planned, earliest),
    )


def removal_record(action: Action, *, plan_id: str, now: datetime) -> RemovalRecord:
    """What a `revoke` took away, so that a restore gives back exactly that."""
    return RemovalRecord(
        account_id=action.account_id,
        email=action.email,
        site=action.site,
        product=action.product,
        policy=action.policy,
        method=action.method or "remove-from-groups",
        groups=action.groups,
        removed_at=now,
        plan_id=plan_id,
    )


def reminder_record(entry: Exclusion, *, now: datetime) -> ReminderRecord:
    return ReminderRecord(
        subject=entry.subject,
        expires=entry.expires or now.date(),
        owner=entry.owner,
        sent_at=now,
    )


def reminder_due(ledger: Ledger, entry: Exclusion, *, today: date, days_before: int) -> bool:
    """Within the reminder window (the expiry day included) and not reminded of this date yet."""
    if entry.expires is None or today > entry.expires:
        return False
    if (entry.expires - today).days > days_before:
        return False
    return not ledger.reminded(entry.subject, entry.expires)


# --- the events -----------------------------------------------------------------------------


def warned(ledger: Ledger, warning: WarningRecord) -> Ledger:
    """A warning delivered; it replaces any earlier one for the same seat."""
    return _Changing(ledger).warned(warning).ledger()


def warning_cleared(ledger: Ledger, seat: Seat) -> Ledger:
    """The account was active since its warning, or no rule warns it any more."""
    return _Changing(ledger).warning_cleared(seat).ledger()


def seat_removed(ledger: Ledger, removal: RemovalRecord) -> Ledger:
    """A revoke ran: the removal is recorded, and the warning that led to it is settled."""
    return _Changing(ledger).seat_removed(removal).ledger()


def seat_restored(ledger: Ledger, seat: Seat) -> Ledger:
    """A restore gave back the recorded groups: nothing is owed for the seat any more."""
    return _Changing(ledger).seat_restored(seat).ledger()


def access_granted(ledger: Ledger, seat: Seat, *, groups: tuple[GroupRef, ...]) -> Ledger:
    """A grant added `groups`: a removal of the seat no longer owes them, and one that owes
    nothing more is settled. A suspension is not undone by a grant, so it stays owed."""
    return _Changing(ledger).access_granted(seat, groups=groups).ledger()


def reminder_sent(ledger: Ledger, reminder: ReminderRecord) -> Ledger:
    return _Changing(ledger).reminder_sent(reminder).ledger()


def actions_executed(
    ledger: Ledger, actions: Iterable[Action], *, plan_id: str, policies: PolicySet, now: datetime
) -> Ledger:
    """The ledger after `apply` carried out `actions` (outcome `done` or `already`), in order:
    each is the event it names. Linear in the actions and the ledger, however many there are."""
    changing = _Changing(ledger)
    for action in actions:
        changing.action_executed(action, plan_id=plan_id, policies=policies, now=now)
    return changing.ledger()


class _Changing:
    """A ledger while events change it: what each event does, at a cost that does not grow
    with the ledger (a restore or a grant looks only at the removals of its seat)."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._warnings = {w.seat: w for w in ledger.warnings}
        self._removals: dict[int, RemovalRecord] = {}  # in the order recorded
        self._removals_of: dict[Seat, list[int]] = {}
        self._next_key = 0
        for removal in ledger.removals:
            self._add_removal(removal)
        self._reminders = list(ledger.reminders)

    def ledger(self) -> Ledger:
        return self._ledger.model_copy(
            update={
                "warnings": tuple(self._warnings.values()),
                "removals": tuple(self._removals.values()),
                "reminders": tuple(self._reminders),
            }
        )

    def warned(self, warning: WarningRecord) -> _Changing:
        self._warnings.pop(warning.seat, None)
        self._warnings[warning.seat] = warning
        return self

    def warning_cleared(self, seat: Seat) -> _Changing:
        self._warnings.pop(seat, None)
        return self

    def seat_removed(self, removal: RemovalRecord) -> _Changing:
        """Once per plan and seat: an apply resumed after its ledger was written adds nothing."""
        keys = self._removals_of.get(removal.seat, [])
        if all(self._removals[k].plan_id != removal.plan_id for k in keys):
            self._add_removal(removal)
        return self.warning_cleared(removal.seat)

    def seat_restored(self, seat: Seat) -> _Changing:
        for key in self._removals_of.pop(seat, []):
            del self._removals[key]
        return self

    def access_granted(self, seat: Seat, *, groups: tuple[GroupRef, ...]) -> _Changing:
        given = {g.id for g in groups}
        for key in list(self._removals_of.get(seat, [])):
            removal = self._removals[key]
            if removal.method != "remove-from-groups":
                continue
            owed = tuple(g for g in removal.groups if g.id not in given)
            if owed:
                self._removals[key] = removal.model_copy(update={"groups": owed})
            else:
                del self._removals[key]
                self._removals_of[seat].remove(key)
        return self

    def reminder_sent(self, reminder: ReminderRecord) -> _Changing:
        self._reminders.append(reminder)
        return self

    def action_executed(
        self, action: Action, *, plan_id: str, policies: PolicySet, now: datetime
    ) -> _Changing:
        seat = seat_of(action)
        match action.action:
            case "warn":
                return self.warned(warning_record(action, policies=policies, now=now))
            case "clear-warning":
                return self.warning_cleared(seat)
            case "revoke":
                return self.seat_removed(removal_record(action, plan_id=plan_id, now=now))
            case "restore":
                return self.seat_restored(seat)
            case "grant":
                return self.access_granted(seat, groups=action.groups)

    def _add_removal(self, removal: RemovalRecord) -> None:
        key = self._next_key
        self._next_key += 1
        self._removals[key] = removal
        self._removals_of.setdefault(removal.seat, []).append(key)


# --- the file -------------------------------------------------------------------------------


def canonical_ledger(ledger: Ledger) -> Ledger:
    def where(r: WarningRecord | RemovalRecord) -> tuple[str, str, str]:
        return (r.site, r.product, r.account_id)

    return ledger.model_copy(
        update={
            "warnings": tuple(sorted(ledger.warnings, key=where)),
            "removals": tuple(sorted(ledger.removals, key=lambda r: (*where(r), r.removed_at))),
            "reminders": tuple(sorted(ledger.reminders, key=lambda r: (r.subject, r.expires))),
        }
    )


def dump_ledger(ledger: Ledger) -> bytes:
    return canonical_ledger(ledger).model_dump_json(indent=2).encode() + b"\n"


def parse_ledger(data: bytes, *, source: str) -> Ledger:
    """The ledger in `data`; a malformed one is bad input naming where the problem is."""
    try:
        return Ledger.model_validate_json(data)
    except ValidationError as error:
        raise BadInput(
            f"{source}: {first_error(error)}; "
            "the ledger is written by accessctl: restore it from git"
        ) from None
