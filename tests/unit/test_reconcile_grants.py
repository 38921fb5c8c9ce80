"""AccessGrants, seat caps and max_seats: grants as desired state, never more seats than bought."""

from __future__ import annotations

from typing import Any

import pytest

from controller.core.ledger import Ledger, RemovalRecord
from controller.core.plan.model import GroupRef, Plan
from controller.core.policy.models import AccessGrants
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Inventory, Seats
from tests.factories import (
    NOW,
    account,
    days_ago,
    inactivity,
    inventory,
    organization,
    policy_set,
    restore_policy,
)


def grants(*entries: dict[str, Any]) -> AccessGrants:
    return AccessGrants.model_validate(
        {
            "version": 1,
            "kind": "AccessGrants",
            "name": "requests",
            "grants": [{"reason": "asked in PR #7", **e} for e in entries],
        }
    )


def with_grants(*entries: dict[str, Any], policy: Any = None) -> PolicySet:
    base = policy_set(policy or inactivity())
    return base.model_copy(update={"grants": (grants(*entries),)})


def with_seats(snapshot: Inventory, limit: int, product: str = "jira-software") -> Inventory:
    return Inventory.model_validate(
        {
            **snapshot.model_dump(),
            "seats": [Seats(site="acme", product=product, limit=limit).model_dump()],
        }
    )


def kinds(plan: Plan) -> dict[str, str]:
    return {a.account_id: a.action for a in plan.actions}


@pytest.mark.parametrize(
    ("entry", "subject", "expect"),
    [
        pytest.param(
            {"account": "new@acme.example", "product": "jira-software", "site": "acme"},
            account("new", groups=("g-staff",)),
            ["g-jsw"],
            id="product-grant-uses-the-main-group",
        ),
        pytest.param(
            {"account": "new@acme.example", "groups": ["jira-testers"]},
            account("new", groups=("g-staff",)),
            ["g-testers"],
            id="group-grant",
        ),
        pytest.param(
            {"account": "NEW@acme.example", "product": "jira-software"},
            account("new", groups=("g-staff",)),
            ["g-jsw"],
            id="e-mail-any-case-default-site",
        ),
        pytest.param(
            {"account": "new@acme.example", "product": "jira-software"},
            account("new", groups=("g-jsw",), idle=1),
            [],
            id="already-holds-it",
        ),
        pytest.param(
            {"account": "new@acme.example", "product": "jira-software", "expires": "2026-11-22"},
            account("new", groups=("g-staff",)),
            [],
            id="expired-grant-does-nothing",
        ),
    ],
)
def test_grants(entry: dict[str, Any], subject: Any, expect: list[str]) -> None:
    plan = reconcile(with_grants(entry), inventory(subject), ledger=Ledger(), now=NOW)
    granted = [g.id for a in plan.actions if a.action == "grant" for g in a.groups]
    assert granted == expect


def test_grant_for_an_unknown_account_is_reported() -> None:
    plan = reconcile(
        with_grants({"account": "ghost@acme.example", "product": "jira-software"}),
        inventory(account("a", idle=1)),
        ledger=Ledger(),
        now=NOW,
    )
    assert [s.reason for s in plan.skipped] == [
        "ghost@acme.example is not an account of the organization; check the address"
    ]


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        pytest.param(
            {"account": "new@acme.example", "groups": ["engineering-sso"]},
            "group 'engineering-sso' is synced from your identity provider (SCIM), which "
            "Atlassian refuses to add members to; grant the access in the identity provider",
            id="into-an-idp-group",
        ),
        pytest.param(
            {"account": "new@acme.example", "groups": ["acme-suite"], "site": "labs"},
            "no editable group grants these groups on labs",
            id="group-not-on-the-site",
        ),
    ],
)
def test_a_grant_that_cannot_be_carried_out_is_skipped_with_why(
    entry: dict[str, Any], reason: str
) -> None:
    subject = account("new", groups=("g-staff",))
    plan = reconcile(with_grants(entry), inventory(subject), ledger=Ledger(), now=NOW)
    assert plan.actions == ()
    assert [s.reason for s in plan.skipped] == [reason]


def test_a_grant_into_a_group_granting_two_sites_keeps_both_seats() -> None:
    entry = {"account": "idle@acme.example", "groups": ["jira-software-both-sites"]}
    subject = account("idle", idle=400, groups=("g-both", "g-labs"))
    policies = with_grants(entry).model_copy(
        update={"inactivity": (inactivity(name="labs", site="labs"),)}
    )
    plan = reconcile(policies, inventory(subject), ledger=Ledger(), now=NOW)
    assert plan.actions == ()
    assert "granted by AccessGrants requests" in plan.skipped[0].reason


def test_a_granted_seat_is_not_revoked_while_the_grant_lasts() -> None:
    idle = account("idle", idle=400)
    policies = with_grants(
        {"account": "idle@acme.example", "product": "jira-software", "expires": "2026-12-31"}
    )
    plan = reconcile(policies, inventory(idle), ledger=Ledger(), now=NOW)
    assert plan.actions == ()
    assert (
        "granted by AccessGrants requests until 2026-12-31: asked in PR #7"
        in plan.skipped[0].reason
    )


def test_after_the_grant_expires_the_policy_applies_again() -> None:
    policies = with_grants(
        {"account": "idle@acme.example", "product": "jira-software", "expires": "2026-11-22"}
    )
    assert kinds(
        reconcile(policies, inventory(account("idle", idle=400)), ledger=Ledger(), now=NOW)
    ) == {"idle": "revoke"}


def test_grants_never_exceed_the_seats_left_most_recently_active_first() -> None:
    holders = [account(f"holder-{n}", idle=1) for n in range(3)]
    wanting = [
        account("recent", groups=("g-staff",), elsewhere=[("acme", "confluence", 1)]),
        account("older", groups=("g-staff",), elsewhere=[("acme", "confluence", 30)]),
        account("never", groups=("g-staff",)),
    ]
    policies = with_grants(
        *({"account": f"{a.account_id}@acme.example", "product": "jira-software"} for a in wanting)
    )
    plan = reconcile(
        policies, with_seats(inventory(*holders, *wanting), limit=4), ledger=Ledger(), now=NOW
    )
    assert kinds(plan) == {"recent": "grant"}
    held = {s.account_id: s.reason for s in plan.skipped}
    assert set(held) == {"older", "never"}
    assert "held back: 3 of 4 jira-software seats on acme are in use" in held["older"]


def test_grants_come_before_restores_when_seats_are_short() -> None:
    removal = RemovalRecord(
        account_id="back",
        site="acme",
        product="jira-software",
        policy="jsw-60",
        groups=(GroupRef(id="g-jsw", name="jira-software-users-acme"),),
        removed_at=days_ago(20),
        plan_id="plan-x",
    )
    back = account("back", groups=("g-staff",), elsewhere=[("acme", "confluence", 0.5)])
    asked = account("asked", groups=("g-staff",), elsewhere=[("acme", "confluence", 9)])
    policies = with_grants(
        {"account": "asked@acme.example", "product": "jira-software"}
    ).model_copy(update={"restore": (restore_policy(),)})
    plan = reconcile(
        policies,
        with_seats(inventory(back, asked), limit=1),
        ledger=Ledger(removals=(removal,)),
        now=NOW,
    )
    assert kinds(plan) == {"asked": "grant"}
    assert "restore held back" in plan.skipped[0].reason


def test_unlimited_products_are_not_capped() -> None:
    wanting = [account(f"w{n}", groups=("g-staff",)) for n in range(5)]
    policies = with_grants(
        *({"account": f"w{n}@acme.example", "product": "jira-software"} for n in range(5))
    )
    assert len(reconcile(policies, inventory(*wanting), ledger=Ledger(), now=NOW).actions) == 5


# --- max_seats ---------------------------------------------------------------------------------


def test_max_seats_revokes_the_longest_idle_first() -> None:
    people = [account(f"u{n}", idle=n * 5 + 1) for n in range(6)]  # idle 1, 6, 11, 16, 21, 26 days
    plan = reconcile(
        policy_set(inactivity(max_seats=4)), inventory(*people), ledger=Ledger(), now=NOW
    )
    assert kinds(plan) == {"u5": "revoke", "u4": "revoke"}
    assert "over max_seats 4 for jira-software on acme" in plan.actions[0].reason


def test_max_seats_counts_the_idle_revocations_first() -> None:
    people = [account("gone", idle=300), *(account(f"u{n}", idle=n + 1) for n in range(4))]
    plan = reconcile(
        policy_set(inactivity(max_seats=4)), inventory(*people), ledger=Ledger(), now=NOW
    )
    assert kinds(plan) == {"gone": "revoke"}


def test_max_seats_warns_first_when_the_policy_warns() -> None:
    people = [account(f"u{n}", idle=n + 1) for n in range(3)]
    plan = reconcile(
        policy_set(inactivity(max_seats=2, warn_before_days=7)),
        inventory(*people),
        ledger=Ledger(),
        now=NOW,
    )
    assert kinds(plan) == {"u2": "warn"}


def test_max_seats_never_touches_protected_accounts() -> None:
    people = [
        account("admin", idle=100, platform_roles=("atlassian/site-admin",)),
        account("u1", idle=1),
    ]
    plan = reconcile(
        policy_set(
            inactivity(max_seats=1), org=organization(safety={"max_revocation_fraction": 1})
        ),
        inventory(*people),
        ledger=Ledger(),
        now=NOW,
    )
    assert kinds(plan) == {"u1": "revoke"}
