"""Every reconcile rule, table-driven: one account, one policy, the expected verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from controller.core.ledger import Ledger, RemovalRecord
from controller.core.plan.model import GroupRef, Plan
from controller.core.policy.models import InactivityPolicy
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account
from tests.factories import (
    NOW,
    account,
    days_ago,
    inactivity,
    inventory,
    ledger,
    organization,
    policy_set,
    restore_policy,
    warned,
)


@dataclass(frozen=True)
class Case:
    id: str
    subject: Account
    expect: str  # "revoke", "warn", "clear-warning", "none", or "skip:<fragment of reason>"
    policy: dict[str, Any] = field(default_factory=dict)
    excluded: tuple[dict[str, Any], ...] = ()
    warnings: tuple[Any, ...] = ()
    org: dict[str, Any] = field(default_factory=dict)


def verdict(plan: Plan, account_id: str) -> str:
    kinds = [a.action for a in plan.actions if a.account_id == account_id]
    skips = [s.reason for s in plan.skipped if s.account_id == account_id]
    assert len(kinds) + len(skips) <= 1, (kinds, skips)
    if kinds:
        return kinds[0]
    return f"skip:{skips[0]}" if skips else "none"


def run(case: Case) -> Plan:
    policies = policy_set(
        inactivity(**case.policy),
        excluded=case.excluded,
        org=organization(**case.org) if case.org else None,
    )
    return reconcile(policies, inventory(case.subject), ledger=ledger(*case.warnings), now=NOW)


IDLE_RULES = [
    Case("active-yesterday", account(idle=1), "none"),
    Case("idle-exactly-at-limit", account(idle=60), "none"),
    Case("idle-one-day-past-limit", account(idle=61), "revoke"),
    Case("idle-long", account(idle=400), "revoke"),
    Case(
        "recent-confluence-does-not-keep-jira",
        account(idle=90, groups=("g-jsw", "g-conf"), elsewhere=[("acme", "confluence", 1)]),
        "revoke",
    ),
    Case(
        "recent-jira-on-other-site-does-not-keep-this-site",
        account(idle=90, groups=("g-jsw", "g-labs"), elsewhere=[("labs", "jira-software", 1)]),
        "revoke",
    ),
    Case(
        "only-other-site-activity-is-never-active-here",
        account(idle=None, added=400, elsewhere=[("labs", "jira-software", 1)]),
        "revoke",
    ),
    Case("never-active-joined-long-ago", account(idle=None, added=61), "revoke"),
    Case("never-active-joined-recently", account(idle=None, added=20), "none"),
    Case(
        "never-active-own-grace",
        account(idle=None, added=11),
        "revoke",
        policy={"never_active_grace_days": 10},
    ),
    Case("never-active-join-date-unknown", account(idle=None, added=None), "skip:not judged"),
    Case("no-seat-no-action", account(idle=400, groups=("g-conf", "g-staff")), "none"),
    Case("suspended-no-action", account(idle=400, status="suspended"), "none"),
    Case("deactivated-no-action", account(idle=400, status="deactivated"), "none"),
    Case("hidden-email-by-account-id", account(idle=90, email=None), "revoke"),
    Case("suspend-policy", account(idle=90), "revoke", policy={"action": "suspend"}),
]

PROTECTION_RULES = [
    Case("app-account", account(idle=400, account_type="app"), "skip:account type 'app'"),
    Case("customer-account", account(idle=400, account_type="customer"), "skip:'customer'"),
    Case("unknown-account", account(idle=400, account_type="unknown"), "skip:'unknown'"),
    Case(
        "site-admin",
        account(idle=400, platform_roles=("atlassian/site-admin",)),
        "skip:atlassian/site-admin",
    ),
    Case(
        "org-admin",
        account(idle=400, platform_roles=("atlassian/org-admin",)),
        "skip:atlassian/org-admin",
    ),
    Case(
        "configured-role",
        account(idle=400, platform_roles=("atlassian/user-access-admin",)),
        "skip:user-access-admin",
        org={
            "protected": {
                "platform_roles": [
                    "atlassian/site-admin",
                    "atlassian/org-admin",
                    "atlassian/user-access-admin",
                ]
            }
        },
    ),
    Case("the-caller-itself", account("bot", idle=400), "skip:accessctl itself runs as"),
    Case(
        "protected-by-email",
        account("vip", idle=400),
        "skip:protected.accounts",
        org={"protected": {"accounts": ["VIP@acme.example"]}},
    ),
    Case(
        "excluded-by-email-any-case",
        account("ceo", idle=400),
        "skip:excluded: r (owner o)",
        excluded=({"account": "CEO@Acme.Example"},),
    ),
    Case(
        "excluded-by-account-id",
        account("557058:abcdef", idle=400, email=None),
        "skip:excluded",
        excluded=({"account": "557058:abcdef"},),
    ),
    Case(
        "exclusion-until-today-still-protects",
        account("u1", idle=400),
        "skip:until 2026-11-23",
        excluded=({"account": "u1@acme.example", "expires": "2026-11-23"},),
    ),
    Case(
        "expired-exclusion-no-longer-protects",
        account("u1", idle=400),
        "revoke",
        excluded=({"account": "u1@acme.example", "expires": "2026-11-22"},),
    ),
    Case(
        "excluded-group-member",
        account(idle=400, groups=("g-jsw", "g-release")),
        "skip:excluded group 'release-managers'",
        excluded=({"group": "release-managers"},),
    ),
    Case(
        "policy-exclude-group",
        account(idle=400, groups=("g-jsw", "g-release")),
        "skip:member of group 'release-managers', listed under exclude.groups in policy jsw-60",
        policy={"exclude": {"groups": ["release-managers"]}},
    ),
    Case(
        "policy-exclude-account",
        account("u9", idle=400),
        "skip:listed under exclude.accounts in policy jsw-60",
        policy={"exclude": {"accounts": ["u9@acme.example"]}},
    ),
    Case(
        "idp-managed-group",
        account(idle=400, groups=("g-sso",)),
        "skip:managed by your identity provider",
    ),
    Case(
        "idp-group-plus-normal-group",
        account(idle=400, groups=("g-jsw", "g-sso")),
        "skip:managed by your identity provider",
    ),
    Case(
        "seat-through-a-group-the-policy-does-not-manage",
        account(idle=400, groups=("g-jsw", "g-testers")),
        "skip:does not manage",
        policy={"groups": ["jira-software-users-acme"]},
    ),
    Case(
        "active-protected-account-is-not-listed",
        account(idle=1, account_type="app"),
        "none",
    ),
]

WARNING_RULES = [
    Case("before-the-warning-window", account(idle=53), "none", policy={"warn_before_days": 7}),
    Case("enters-the-warning-window", account(idle=54), "warn", policy={"warn_before_days": 7}),
    Case("long-idle-is-warned-first", account(idle=200), "warn", policy={"warn_before_days": 7}),
    Case(
        "warned-long-enough-ago",
        account("u1", idle=200),
        "revoke",
        policy={"warn_before_days": 7},
        warnings=(warned("u1", days=7),),
    ),
    Case(
        "warned-too-recently",
        account("u1", idle=200),
        "none",
        policy={"warn_before_days": 7},
        warnings=(warned("u1", days=6),),
    ),
    Case(
        "warning-window-not-yet-past-limit",
        account("u1", idle=60),
        "none",
        policy={"warn_before_days": 7},
        warnings=(warned("u1", days=7),),
    ),
    Case(
        "active-after-the-warning",
        account("u1", idle=2),
        "clear-warning",
        policy={"warn_before_days": 7},
        warnings=(warned("u1", days=5),),
    ),
    Case(
        "seat-gone-since-the-warning",
        account("u1", idle=200, groups=("g-staff",)),
        "clear-warning",
        policy={"warn_before_days": 7},
        warnings=(warned("u1", days=5),),
    ),
]


ALLOWED = {"allow_collateral": True}
COLLATERAL_RULES = [
    Case(
        "shared-with-the-other-site-is-skipped",
        account(idle=90, groups=("g-both",)),
        "skip:group 'jira-software-both-sites' also grants jira-software on labs; removing the "
        "account would take that too: split the group, or allow it with `allow_collateral: "
        "true` in policy jsw-60",
    ),
    Case(
        "shared-with-another-product-is-skipped",
        account(idle=90, groups=("g-suite",)),
        "skip:group 'acme-suite' also grants confluence on acme;",
    ),
    Case(
        "several-shared-groups-are-each-named",
        account(idle=90, groups=("g-both", "g-suite")),
        "skip:group 'acme-suite' also grants confluence on acme; group "
        "'jira-software-both-sites' also grants jira-software on labs;",
    ),
    Case(
        "shared-product-kept-through-another-group-is-no-loss",
        account(idle=90, groups=("g-suite", "g-conf")),
        "revoke",
    ),
    Case(
        "shared-site-kept-through-another-group-is-no-loss",
        account(idle=90, groups=("g-both", "g-labs")),
        "revoke",
    ),
    Case(
        "allowed-shared-group-is-revoked", account(idle=90, groups=("g-both",)), "revoke", ALLOWED
    ),
    Case(
        "allowed-shared-group-is-warned-first",
        account(idle=60, groups=("g-suite",)),
        "warn",
        {**ALLOWED, "warn_before_days": 7},
    ),
    Case(
        "not-warned-of-a-revocation-that-would-be-skipped",
        account(idle=60, groups=("g-suite",)),
        "skip:also grants confluence on acme",
        {"warn_before_days": 7},
    ),
    Case(
        "suspension-takes-everything-without-asking",
        account(idle=90, groups=("g-both",)),
        "revoke",
        {"action": "suspend"},
    ),
]


@pytest.mark.parametrize(
    "case", IDLE_RULES + PROTECTION_RULES + WARNING_RULES + COLLATERAL_RULES, ids=lambda c: c.id
)
def test_rule(case: Case) -> None:
    plan = run(case)
    got = verdict(plan, case.subject.account_id)
    if case.expect.startswith("skip:"):
        assert got.startswith("skip:")
        assert case.expect.removeprefix("skip:") in got
    else:
        assert got == case.expect


def test_protected_since_the_warning_is_skipped_and_its_warning_cleared() -> None:
    case = Case(
        "protected-since-the-warning",
        account("u1", idle=200),
        "clear-warning",
        policy={"warn_before_days": 7},
        warnings=(warned("u1", days=5),),
        excluded=({"account": "u1@acme.example"},),
    )
    plan = run(case)
    assert [s.account_id for s in plan.skipped] == ["u1"]
    assert [a.action for a in plan.actions] == ["clear-warning"]


def only_action(plan: Plan) -> Any:
    assert len(plan.actions) == 1, plan.actions
    return plan.actions[0]


def test_revoke_removes_every_granting_group_so_no_seat_is_left_behind() -> None:
    subject = account(idle=90, groups=("g-jsw", "g-testers", "g-staff", "g-conf"))
    action = only_action(reconcile(policy_set(), inventory(subject), ledger=Ledger(), now=NOW))
    assert [g.name for g in action.groups] == ["jira-software-users-acme", "jira-testers"]
    assert action.method == "remove-from-groups"


def test_policy_groups_limit_what_is_removed() -> None:
    subject = account(idle=90, groups=("g-testers",))
    policy = inactivity(groups=["jira-testers"])
    action = only_action(
        reconcile(policy_set(policy), inventory(subject), ledger=Ledger(), now=NOW)
    )
    assert [g.id for g in action.groups] == ["g-testers"]


def test_suspend_carries_no_groups_and_says_so() -> None:
    action = only_action(
        reconcile(
            policy_set(inactivity(action="suspend")),
            inventory(account(idle=90)),
            ledger=Ledger(),
            now=NOW,
        )
    )
    assert action.method == "suspend"
    assert action.groups == ()
    assert "whole organization" in action.reason


@pytest.mark.parametrize(
    ("groups", "policy", "also_removes"),
    [
        pytest.param(("g-jsw",), {}, (), id="nothing-else"),
        pytest.param(("g-both",), ALLOWED, (("labs", "jira-software"),), id="other-site"),
        pytest.param(("g-suite",), ALLOWED, (("acme", "confluence"),), id="other-product"),
        pytest.param(
            ("g-both", "g-suite", "g-staff"),
            ALLOWED,
            (("acme", "confluence"), ("labs", "jira-software")),
            id="both",
        ),
        pytest.param(("g-both", "g-labs"), ALLOWED, (), id="kept-elsewhere"),
    ],
)
def test_the_plan_names_everything_a_revocation_takes(
    groups: tuple[str, ...], policy: dict[str, Any], also_removes: tuple[tuple[str, str], ...]
) -> None:
    subject = account(idle=90, groups=groups)
    plan = reconcile(policy_set(inactivity(**policy)), inventory(subject), ledger=Ledger(), now=NOW)
    action = only_action(plan)
    assert tuple((x.site, x.product) for x in action.also_removes) == also_removes
    assert not action.all_access
    for site, product in also_removes:
        assert f"{product} on {site}" in action.reason


def test_a_warning_names_what_the_revocation_will_take() -> None:
    policy = inactivity(allow_collateral=True, warn_before_days=7)
    subject = account(idle=60, groups=("g-suite",))
    action = only_action(
        reconcile(policy_set(policy), inventory(subject), ledger=Ledger(), now=NOW)
    )
    assert action.action == "warn"
    assert [(x.site, x.product) for x in action.also_removes] == [("acme", "confluence")]
    assert "the revocation also removes confluence on acme" in action.reason


@pytest.mark.parametrize("kind", ["warn", "revoke"])
def test_a_suspension_and_its_warning_take_all_access(kind: str) -> None:
    policy = inactivity(action="suspend", warn_before_days=7 if kind == "warn" else 0)
    subject = account(idle=60 if kind == "warn" else 90, groups=("g-both",))
    action = only_action(
        reconcile(policy_set(policy), inventory(subject), ledger=Ledger(), now=NOW)
    )
    assert (action.action, action.all_access, action.also_removes) == (kind, True, ())
    assert "suspends the account in the whole organization" in action.reason


def test_hidden_email_is_handled_by_account_id() -> None:
    subject = account("557058:hidden", idle=90, email=None)
    action = only_action(reconcile(policy_set(), inventory(subject), ledger=Ledger(), now=NOW))
    assert action.email is None
    assert action.account_id == "557058:hidden"
    assert action.key == "revoke:acme:jira-software:557058:hidden"


def test_warning_states_the_revocation_date() -> None:
    plan = reconcile(
        policy_set(inactivity(warn_before_days=7)),
        inventory(account(idle=200)),
        ledger=Ledger(),
        now=NOW,
    )
    action = only_action(plan)
    assert action.evidence.revoke_not_before == days_ago(-7)
    assert "revoked on or after 2026-11-30" in action.reason


def test_warning_for_someone_just_entering_the_window_waits_for_the_limit() -> None:
    plan = reconcile(
        policy_set(inactivity(warn_before_days=7)),
        inventory(account(idle=54)),
        ledger=Ledger(),
        now=NOW,
    )
    # last active 54 days ago: past the 60-day limit in 7 days, and a full warning takes 7 too
    assert only_action(plan).evidence.revoke_not_before == days_ago(54 - 61)


def test_reason_gives_last_activity_and_days() -> None:
    action = only_action(
        reconcile(policy_set(), inventory(account(idle=90)), ledger=Ledger(), now=NOW)
    )
    assert (
        action.reason == "not active on jira-software at acme since 2026-08-25 (90 days, limit 60)"
    )
    assert action.evidence.idle_days == 90
    assert action.evidence.threshold_days == 60


def test_warning_of_a_departed_account_is_cleared() -> None:
    plan = reconcile(
        policy_set(inactivity(warn_before_days=7)),
        inventory(account("other", idle=1)),
        ledger=ledger(warned("gone", days=3)),
        now=NOW,
    )
    action = only_action(plan)
    assert (action.action, action.account_id) == ("clear-warning", "gone")
    assert "no longer in the organization" in action.reason


# --- restore ---------------------------------------------------------------------------------

REMOVED = RemovalRecord(
    account_id="u1",
    site="acme",
    product="jira-software",
    policy="jsw-60",
    groups=(GroupRef(id="g-jsw", name="jira-software-users-acme"),),
    removed_at=days_ago(30),
    plan_id="plan-20261024-060000-abcdef12",
)


@pytest.mark.parametrize(
    ("subject", "expect"),
    [
        pytest.param(
            account(idle=200, groups=("g-staff", "g-conf"), elsewhere=[("acme", "confluence", 3)]),
            "restore",
            id="back-at-work-on-confluence",
        ),
        pytest.param(
            account(
                idle=200, groups=("g-staff", "g-labs"), elsewhere=[("labs", "jira-software", 1)]
            ),
            "restore",
            id="back-at-work-on-another-site",
        ),
        pytest.param(
            account(idle=200, groups=("g-staff",), elsewhere=[("acme", "confluence", 40)]),
            "none",
            id="activity-before-the-removal",
        ),
        pytest.param(
            account(idle=200, groups=("g-staff",), elsewhere=[("acme", "confluence", 20)]),
            "none",
            id="activity-outside-the-window",
        ),
        pytest.param(
            account(idle=200, groups=("g-conf",), elsewhere=[("acme", "confluence", 3)]),
            "none",
            id="not-in-an-eligible-group",
        ),
        pytest.param(
            account(idle=200, groups=("g-staff", "g-jsw"), elsewhere=[("acme", "confluence", 3)]),
            "none",
            id="already-back-in-the-groups",
        ),
        pytest.param(
            account(
                idle=200,
                groups=("g-staff",),
                status="suspended",
                elsewhere=[("acme", "confluence", 3)],
            ),
            "none",
            id="suspended-account",
        ),
    ],
)
def test_restore(subject: Account, expect: str) -> None:
    policies = policy_set(inactivity(warn_before_days=7), restore=[restore_policy()])
    plan = reconcile(policies, inventory(subject), ledger=Ledger(removals=(REMOVED,)), now=NOW)
    restores = [a for a in plan.actions if a.action == "restore"]
    assert ("restore" if restores else "none") == expect
    if restores:
        assert restores[0].groups == REMOVED.groups
        assert REMOVED.plan_id in restores[0].reason


def test_no_restore_without_a_restore_policy() -> None:
    subject = account(idle=200, groups=("g-staff",), elsewhere=[("acme", "confluence", 3)])
    plan = reconcile(policy_set(), inventory(subject), ledger=Ledger(removals=(REMOVED,)), now=NOW)
    assert not [a for a in plan.actions if a.action == "restore"]


# --- the plan as a whole ---------------------------------------------------------------------


def test_policy_for_another_site_ignores_this_one() -> None:
    policy: InactivityPolicy = inactivity(name="labs-60", site="labs")
    subject = account(idle=400, groups=("g-jsw",))
    assert reconcile(policy_set(policy), inventory(subject), ledger=Ledger(), now=NOW).actions == ()


def test_plan_header_binds_inputs() -> None:
    plan = reconcile(policy_set(), inventory(account(idle=90)), ledger=Ledger(), now=NOW)
    assert plan.created_at == NOW
    assert plan.expires_at == days_ago(-7)
    assert plan.id.startswith("plan-20261123-060000-")
    assert plan.policies_digest.startswith("sha256:")
    assert plan.summary.revoke == plan.summary.seats_reclaimed == 1
    product = plan.summary.by_product[0]
    assert (product.site, product.product, product.seats, product.revoke) == (
        "acme",
        "jira-software",
        1,
        1,
    )
