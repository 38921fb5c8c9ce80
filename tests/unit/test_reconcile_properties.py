"""Properties of reconcile over generated organizations (hypothesis).

- protected and excluded accounts never appear in `actions`;
- planning is deterministic: the same inputs, in any order, give the same bytes;
- a plan, once carried out, leaves nothing to do (the round trip).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controller.core.ledger import Ledger, WarningRecord
from controller.core.plan import Plan, dump_plan_yaml
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account, Inventory
from tests.factories import GROUPS, NOW, account, inactivity, inventory, policy_set

GROUP_IDS = [g.id for g in GROUPS]
EXCLUDED_EMAIL = "excluded@acme.example"

accounts_strategy = st.builds(
    lambda n, groups, idle, added, kind, role, status, hidden, excluded: account(
        f"user-{n:04d}",
        groups=groups,
        idle=idle,
        added=added,
        account_type=kind,
        platform_roles=(role,) if role else (),
        status=status,
        email=None if hidden else (EXCLUDED_EMAIL if excluded else ""),
    ),
    st.integers(0, 9999),
    st.lists(st.sampled_from(GROUP_IDS), max_size=4, unique=True),
    st.one_of(st.none(), st.integers(0, 500)),
    st.one_of(st.none(), st.integers(0, 900)),
    st.sampled_from(["atlassian", "atlassian", "atlassian", "app", "customer", "unknown"]),
    st.sampled_from([None, None, None, "atlassian/site-admin", "atlassian/org-admin"]),
    st.sampled_from(["active", "active", "active", "suspended"]),
    st.booleans(),
    st.booleans(),
)
org_strategy = st.lists(accounts_strategy, max_size=25, unique_by=lambda a: a.account_id)
warn_days = st.sampled_from([0, 0, 7, 14])


def policies(warn: int) -> PolicySet:
    return policy_set(
        inactivity(warn_before_days=warn, exclude={"groups": ["release-managers"]}),
        excluded=[{"account": EXCLUDED_EMAIL}],
    )


def is_protected(a: Account) -> bool:
    return (
        a.account_type != "atlassian"
        or bool(a.platform_roles)
        or a.email == EXCLUDED_EMAIL
        or "g-release" in a.groups
        or "g-sso" in a.groups
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(org_strategy, warn_days)
def test_protected_accounts_never_get_an_action(accounts: list[Account], warn: int) -> None:
    plan = reconcile(policies(warn), inventory(*accounts), ledger=Ledger(), now=NOW)
    protected = {a.account_id for a in accounts if is_protected(a)}
    assert not protected & {a.account_id for a in plan.actions}


@settings(max_examples=75)
@given(org_strategy, warn_days, st.randoms())
def test_planning_is_deterministic_in_any_input_order(
    accounts: list[Account], warn: int, rnd: random.Random
) -> None:
    shuffled = list(accounts)
    rnd.shuffle(shuffled)
    first = reconcile(policies(warn), inventory(*accounts), ledger=Ledger(), now=NOW)
    second = reconcile(policies(warn), inventory(*shuffled), ledger=Ledger(), now=NOW)
    assert dump_plan_yaml(first) == dump_plan_yaml(second)


def carry_out(plan: Plan, inv: Inventory) -> tuple[Inventory, Ledger]:
    """What apply would leave behind: groups removed, suspensions made, warnings recorded."""
    revoked = {a.account_id: a for a in plan.actions if a.action == "revoke"}
    changed = []
    for acc in inv.accounts:
        action = revoked.get(acc.account_id)
        if action is None:
            changed.append(acc)
        elif action.method == "suspend":
            changed.append(replace(acc, status="suspended"))
        else:
            gone = {g.id for g in action.groups}
            changed.append(replace(acc, groups=tuple(g for g in acc.groups if g not in gone)))
    warnings = tuple(
        WarningRecord(
            account_id=a.account_id,
            site=a.site,
            product=a.product,
            policy=a.policy,
            warned_at=NOW,
            revoke_not_before=a.evidence.revoke_not_before or NOW,
        )
        for a in plan.actions
        if a.action == "warn"
    )
    return inv.model_copy(update={"accounts": tuple(changed)}), Ledger(warnings=warnings)


@settings(max_examples=100)
@given(org_strategy, warn_days)
def test_a_carried_out_plan_leaves_nothing_to_do(accounts: list[Account], warn: int) -> None:
    inv = inventory(*accounts)
    plan = reconcile(policies(warn), inv, ledger=Ledger(), now=NOW)
    after, ledger = carry_out(plan, inv)
    again = reconcile(policies(warn), after, ledger=ledger, now=NOW)
    assert again.actions == ()


@settings(max_examples=60)
@given(org_strategy)
def test_warned_accounts_are_revoked_after_the_grace_and_then_settle(
    accounts: list[Account],
) -> None:
    inv = inventory(*accounts)
    first = reconcile(policies(7), inv, ledger=Ledger(), now=NOW)
    _, ledger = carry_out(first, inv)
    later = NOW + timedelta(days=8)
    second = reconcile(policies(7), inv, ledger=ledger, now=later)
    warned = {a.account_id for a in first.actions if a.action == "warn"}
    assert {a.account_id for a in second.actions if a.action == "revoke"} <= warned


def test_an_org_in_line_with_policy_plans_nothing() -> None:
    everyone_active = [account(f"user-{n}", idle=n % 50) for n in range(40)]
    plan = reconcile(policies(7), inventory(*everyone_active), ledger=Ledger(), now=NOW)
    assert plan.actions == ()
    assert plan.skipped == ()
