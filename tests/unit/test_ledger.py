"""The ledger and its events (DESIGN §7): warn -> grace -> revoke -> restore, end to end.

The stories plan with `reconcile` day after day and carry the plan out on the ledger with
`actions_executed`, exactly the events `apply` records, over the organization as it stands each
day; the tables below hold each event and each ledger rule to its edge cases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from controller.core.ledger import (
    Ledger,
    ReminderRecord,
    RemovalRecord,
    WarningRecord,
    access_granted,
    actions_executed,
    reminder_due,
    reminder_record,
    reminder_sent,
    removal_record,
    seat_removed,
    seat_restored,
    warned,
    warning_cleared,
    warning_record,
)
from controller.core.plan.model import Action, ActionKind, Evidence, GroupRef, Method, Plan
from controller.core.policy.models import AccessGrants, Exclusion
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account
from tests.factories import NOW, account, inactivity, inventory, policy_set, restore_policy

JSW = GroupRef(id="g-jsw", name="jira-software-users-acme")
TESTERS = GroupRef(id="g-testers", name="jira-testers")
SEAT = ("u1", "acme", "jira-software")
OTHER_SEAT = ("u2", "acme", "jira-software")
WARN_DAYS = 7
POLICIES = policy_set(inactivity(warn_before_days=WARN_DAYS), restore=[restore_policy()])
GRANTED = POLICIES.model_copy(
    update={
        "grants": (
            AccessGrants.model_validate(
                {
                    "version": 1,
                    "kind": "AccessGrants",
                    "name": "requests",
                    "grants": [
                        {"account": "u1@acme.example", "product": "jira-software", "reason": "PR"}
                    ],
                }
            ),
        )
    }
)


def on(day: float) -> datetime:
    return NOW + timedelta(days=day)


# --- the stories ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """One day of a story: the account as the organization shows it, what the plan holds for
    it, and what the ledger holds for its seat once the plan is carried out."""

    day: float
    holder: Account
    planned: tuple[str, ...]  # "<action> <group ids>"
    standing: tuple[str, ...]  # "warned", "removed <group ids>"
    policies: PolicySet = POLICIES


IDLE = account("u1", idle=90, groups=("g-jsw", "g-testers", "g-staff"))
REVOKED = account("u1", idle=90, groups=("g-staff",))
BACK_ELSEWHERE = account("u1", idle=90, groups=("g-staff",), elsewhere=[("acme", "confluence", -9)])
BACK_ON_JIRA = account("u1", idle=-2, groups=("g-jsw", "g-testers", "g-staff"))
REGRANTED = account("u1", idle=90, groups=("g-jsw", "g-staff"))
REGRANTED_BACK = account(
    "u1", idle=90, groups=("g-jsw", "g-staff"), elsewhere=[("acme", "confluence", -11)]
)

STORIES = [
    pytest.param(
        [
            Day(0, IDLE, ("warn",), ("warned",)),
            Day(3, IDLE, (), ("warned",)),
            Day(6.9, IDLE, (), ("warned",)),
            Day(7, IDLE, ("revoke g-jsw g-testers",), ("removed g-jsw g-testers",)),
            Day(8, REVOKED, (), ("removed g-jsw g-testers",)),
            Day(9, BACK_ELSEWHERE, ("restore g-jsw g-testers",), ()),
        ],
        id="warn-grace-revoke-restore",
    ),
    pytest.param(
        [
            Day(0, IDLE, ("warn",), ("warned",)),
            Day(2, BACK_ON_JIRA, ("clear-warning",), ()),
            Day(3, BACK_ON_JIRA, (), ()),
        ],
        id="activity-since-the-warning-clears-it",
    ),
    pytest.param(
        [
            Day(0, IDLE, ("warn",), ("warned",)),
            Day(7, IDLE, ("revoke g-jsw g-testers",), ("removed g-jsw g-testers",)),
            Day(8, REVOKED, ("grant g-jsw",), ("removed g-testers",), policies=GRANTED),
            Day(11, REGRANTED_BACK, ("restore g-testers",), (), policies=GRANTED),
        ],
        id="a-grant-gives-back-part-a-restore-the-rest",
    ),
    pytest.param(
        [
            Day(0, account("u1", idle=90), ("warn",), ("warned",)),
            Day(7, account("u1", idle=90), ("revoke g-jsw",), ("removed g-jsw",)),
            Day(8, REVOKED, ("grant g-jsw",), (), policies=GRANTED),
            Day(11, REGRANTED_BACK, (), (), policies=GRANTED),
        ],
        id="a-grant-supersedes-the-removal",
    ),
    pytest.param(
        [
            Day(0, IDLE, ("warn",), ("warned",)),
            Day(7, REVOKED, ("clear-warning",), ()),
        ],
        id="seat-gone-before-the-revoke-clears-the-warning",
    ),
]


@pytest.mark.parametrize("days", STORIES)
def test_design_7_end_to_end(days: Sequence[Day]) -> None:
    ledger = Ledger()
    for step in days:
        plan = reconcile(step.policies, inventory(step.holder), ledger=ledger, now=on(step.day))
        assert planned(plan) == step.planned, f"day {step.day}"
        ledger = carried_out(plan, ledger=ledger, policies=step.policies)
        assert standing(ledger) == step.standing, f"day {step.day}"


def planned(plan: Plan) -> tuple[str, ...]:
    return tuple(" ".join((a.action, *(g.id for g in a.groups))) for a in plan.actions)


def carried_out(plan: Plan, *, ledger: Ledger, policies: PolicySet) -> Ledger:
    """The ledger after every action of the plan was carried out, as `apply` records it."""
    return actions_executed(
        ledger, plan.actions, plan_id=plan.id, policies=policies, now=plan.created_at
    )


def standing(ledger: Ledger) -> tuple[str, ...]:
    assert {w.seat for w in ledger.warnings} <= {SEAT}
    assert {r.seat for r in ledger.removals} <= {SEAT}
    warnings = ["warned" for _ in ledger.warnings]
    removals = ["removed " + " ".join(g.id for g in r.groups) for r in ledger.removals]
    return (*warnings, *removals)


def test_the_restore_gives_back_exactly_the_recorded_groups() -> None:
    ledger = Ledger()
    for day, holder in ((0, IDLE), (7, IDLE)):
        plan = reconcile(POLICIES, inventory(holder), ledger=ledger, now=on(day))
        ledger = carried_out(plan, ledger=ledger, policies=POLICIES)
    plan = reconcile(POLICIES, inventory(BACK_ELSEWHERE), ledger=ledger, now=on(9))
    [restore] = plan.actions
    assert (restore.action, restore.groups) == ("restore", (JSW, TESTERS))


def test_a_revoke_waits_for_the_full_warning_even_when_warned_late() -> None:
    """Planned on day 0, the warning went out on day 2: the revoke waits until day 9."""
    plan = reconcile(POLICIES, inventory(IDLE), ledger=Ledger(), now=on(0))
    [warn] = plan.actions
    ledger = warned(Ledger(), warning_record(warn, policies=POLICIES, now=on(2)))
    plans = {
        day: reconcile(POLICIES, inventory(IDLE), ledger=ledger, now=on(day)) for day in (8.9, 9)
    }
    assert {day: planned(plan) for day, plan in plans.items()} == {
        8.9: (),
        9: ("revoke g-jsw g-testers",),
    }


# --- each event -------------------------------------------------------------------------------


def warning(seat: tuple[str, str, str] = SEAT, *, day: float = 0) -> WarningRecord:
    account_id, site, product = seat
    return WarningRecord(
        account_id=account_id,
        site=site,
        product=product,
        policy="jsw-60",
        warned_at=on(day),
        revoke_not_before=on(day + WARN_DAYS),
    )


def removal(
    seat: tuple[str, str, str] = SEAT,
    *,
    groups: tuple[GroupRef, ...] = (JSW, TESTERS),
    method: Method = "remove-from-groups",
    day: float = 7,
) -> RemovalRecord:
    account_id, site, product = seat
    return RemovalRecord(
        account_id=account_id,
        site=site,
        product=product,
        policy="jsw-60",
        method=method,
        groups=groups,
        removed_at=on(day),
        plan_id=f"plan-{day}",
    )


EVENTS = [
    pytest.param(
        Ledger(), lambda led: warned(led, warning()), Ledger(warnings=(warning(),)), id="warned"
    ),
    pytest.param(
        Ledger(warnings=(warning(day=0),)),
        lambda led: warned(led, warning(day=3)),
        Ledger(warnings=(warning(day=3),)),
        id="warned-again-replaces-the-warning",
    ),
    pytest.param(
        Ledger(warnings=(warning(), warning(OTHER_SEAT))),
        lambda led: warning_cleared(led, SEAT),
        Ledger(warnings=(warning(OTHER_SEAT),)),
        id="cleared-only-that-seat",
    ),
    pytest.param(
        Ledger(warnings=(warning(),)),
        lambda led: seat_removed(led, removal()),
        Ledger(removals=(removal(),)),
        id="removed-settles-the-warning",
    ),
    pytest.param(
        Ledger(removals=(removal(day=7), removal(day=30), removal(OTHER_SEAT))),
        lambda led: seat_restored(led, SEAT),
        Ledger(removals=(removal(OTHER_SEAT),)),
        id="restored-settles-every-removal-of-the-seat",
    ),
    pytest.param(
        Ledger(removals=(removal(),)),
        lambda led: access_granted(led, SEAT, groups=(JSW,)),
        Ledger(removals=(removal(groups=(TESTERS,)),)),
        id="granted-part-of-the-groups",
    ),
    pytest.param(
        Ledger(removals=(removal(),)),
        lambda led: access_granted(led, SEAT, groups=(TESTERS, JSW)),
        Ledger(),
        id="granted-every-group-settles-the-removal",
    ),
    pytest.param(
        Ledger(removals=(removal(groups=(), method="suspend"),)),
        lambda led: access_granted(led, SEAT, groups=(JSW,)),
        Ledger(removals=(removal(groups=(), method="suspend"),)),
        id="granted-does-not-undo-a-suspension",
    ),
    pytest.param(
        Ledger(removals=(removal(OTHER_SEAT),)),
        lambda led: access_granted(led, SEAT, groups=(JSW, TESTERS)),
        Ledger(removals=(removal(OTHER_SEAT),)),
        id="granted-leaves-other-seats",
    ),
]


@pytest.mark.parametrize(("before", "event", "after"), EVENTS)
def test_each_event(before: Ledger, event: Callable[[Ledger], Ledger], after: Ledger) -> None:
    assert event(before) == after


def action(
    kind: ActionKind, *, groups: tuple[GroupRef, ...] = (), method: Method | None = None
) -> Action:
    return Action(
        key=f"{kind}:acme:jira-software:u1",
        action=kind,
        account_id="u1",
        email="u1@acme.example",
        site="acme",
        product="jira-software",
        policy="jsw-60",
        method=method,
        groups=groups,
        reason="r",
        evidence=Evidence(revoke_not_before=on(WARN_DAYS)),
    )


@pytest.mark.parametrize(
    ("executed", "before", "after"),
    [
        pytest.param(action("warn"), Ledger(), ("warned",), id="warn"),
        pytest.param(
            action("clear-warning"), Ledger(warnings=(warning(),)), (), id="clear-warning"
        ),
        pytest.param(
            action("revoke", groups=(JSW,), method="remove-from-groups"),
            Ledger(warnings=(warning(),)),
            ("removed g-jsw",),
            id="revoke",
        ),
        pytest.param(
            action("restore", groups=(JSW, TESTERS)),
            Ledger(removals=(removal(),)),
            (),
            id="restore",
        ),
        pytest.param(
            action("grant", groups=(JSW,)),
            Ledger(removals=(removal(),)),
            ("removed g-testers",),
            id="grant",
        ),
    ],
)
def test_each_executed_action_is_its_event(
    executed: Action, before: Ledger, after: tuple[str, ...]
) -> None:
    ledger = actions_executed(before, [executed], plan_id="plan-x", policies=POLICIES, now=on(1))
    assert standing(ledger) == after


def test_a_revoke_records_what_it_took_and_by_which_plan() -> None:
    revoke = action("revoke", groups=(JSW, TESTERS), method="suspend")
    assert removal_record(revoke, plan_id="plan-x", now=on(7)) == RemovalRecord(
        account_id="u1",
        email="u1@acme.example",
        site="acme",
        product="jira-software",
        policy="jsw-60",
        method="suspend",
        groups=(JSW, TESTERS),
        removed_at=on(7),
        plan_id="plan-x",
    )


@pytest.mark.parametrize(
    ("delivered", "revoke_not_before"),
    [
        pytest.param(0, on(WARN_DAYS), id="on-time-keeps-the-planned-date"),
        pytest.param(2, on(2 + WARN_DAYS), id="late-still-gives-the-full-notice"),
    ],
)
def test_the_warning_record(delivered: float, revoke_not_before: datetime) -> None:
    record = warning_record(action("warn"), policies=POLICIES, now=on(delivered))
    assert (record.warned_at, record.revoke_not_before) == (on(delivered), revoke_not_before)


# --- expiry reminders: once per exclusion and expiry date -------------------------------------

EXPIRES = date(2026, 12, 7)  # 14 days after NOW


def exclusion(expires: date | None = EXPIRES) -> Exclusion:
    return Exclusion(
        account="bob@acme.example", reason="On leave", owner="lead@acme.example", expires=expires
    )


def reminded_of(expires: date) -> Ledger:
    return reminder_sent(Ledger(), reminder_record(exclusion(expires), now=NOW))


@pytest.mark.parametrize(
    ("today", "ledger", "due"),
    [
        pytest.param(EXPIRES - timedelta(days=15), Ledger(), False, id="15-days-before"),
        pytest.param(EXPIRES - timedelta(days=14), Ledger(), True, id="14-days-before"),
        pytest.param(EXPIRES, Ledger(), True, id="on-the-day"),
        pytest.param(EXPIRES + timedelta(days=1), Ledger(), False, id="lapsed"),
        pytest.param(EXPIRES - timedelta(days=3), reminded_of(EXPIRES), False, id="reminded"),
        pytest.param(
            EXPIRES - timedelta(days=3),
            reminded_of(EXPIRES - timedelta(days=30)),
            True,
            id="reminded-of-an-earlier-date",
        ),
    ],
)
def test_reminder_window(today: date, ledger: Ledger, due: bool) -> None:
    assert reminder_due(ledger, exclusion(), today=today, days_before=14) is due


def test_no_reminder_for_an_exclusion_without_end() -> None:
    assert not reminder_due(Ledger(), exclusion(None), today=NOW.date(), days_before=14)


def test_reminders_once_per_expiry_date_and_again_when_it_moves() -> None:
    ledger, sent = Ledger(), []
    moved = EXPIRES + timedelta(days=30)
    for day, entry in [(i, exclusion()) for i in range(20)] + [(30, exclusion(moved))] * 3:
        today = NOW.date() + timedelta(days=day)
        if reminder_due(ledger, entry, today=today, days_before=14):
            ledger = reminder_sent(ledger, reminder_record(entry, now=on(day)))
            sent.append((day, entry.expires))
    assert sent == [(0, EXPIRES), (30, moved)]
    assert ledger.reminders == (
        ReminderRecord(
            subject="bob@acme.example", expires=EXPIRES, owner="lead@acme.example", sent_at=NOW
        ),
        ReminderRecord(
            subject="bob@acme.example", expires=moved, owner="lead@acme.example", sent_at=on(30)
        ),
    )
