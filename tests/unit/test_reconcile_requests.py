"""Restores asked for in an issue: given back at once when a reviewed policy pre-approves them,
and otherwise refused with the one reason the requester reads."""

from __future__ import annotations

from typing import Any

import pytest

from controller.core.ledger import Ledger, RemovalRecord
from controller.core.plan.model import GroupRef, RequestRef
from controller.core.policy.policy_set import policies_digest
from controller.core.reconcile import RestoreRequest, reconcile
from controller.core.reconcile.restore import request_verdict
from controller.core.snapshot import Account, Seats
from tests.factories import (
    GROUPS,
    NOW,
    account,
    days_ago,
    inactivity,
    inventory,
    policy_set,
    restore_policy,
)

ASKED = RequestRef(issue=7, url="https://github.example/acme/access/issues/7", author="dana")
REQUEST = RestoreRequest(account_id="u1", site="acme", product="jira-software", request=ASKED)
REMOVED = RemovalRecord(
    account_id="u1",
    site="acme",
    product="jira-software",
    policy="jsw-60",
    groups=(GroupRef(id="g-jsw", name="jira-software-users-acme"),),
    removed_at=days_ago(10),
    plan_id="plan-20261113-060000-abcdef12",
)
ON_REQUEST = restore_policy(
    name="on-request", active_within_days=None, on_request="restore", within_days=30
)
BACK = account(idle=200, groups=("g-staff",))  # removed, and no activity anywhere since


def restores(
    subject: Account = BACK,
    *,
    removals: tuple[RemovalRecord, ...] = (REMOVED,),
    requests: tuple[RestoreRequest, ...] = (REQUEST,),
    **changes: Any,
) -> list[Any]:
    policies = policy_set(inactivity(), restore=[changes.pop("policy", ON_REQUEST)])
    plan = reconcile(
        policies,
        inventory(subject).model_copy(update=changes),
        ledger=Ledger(removals=removals),
        now=NOW,
        requests=requests,
    )
    return [a for a in plan.actions if a.action == "restore"]


def test_a_request_the_policy_pre_approves_restores_the_recorded_groups() -> None:
    (action,) = restores()

    assert action.groups == REMOVED.groups
    assert action.policy == "on-request"
    assert action.evidence.requested_in == ASKED
    assert action.evidence.removed_by_plan == REMOVED.plan_id
    assert action.reason.startswith("asked for in issue #7 by @dana; seat removed 2026-11-13")
    assert "pre-approved by restore policy on-request" in action.reason


def test_without_a_request_someone_idle_everywhere_is_not_restored() -> None:
    assert restores(requests=()) == []


def test_a_suspension_accessctl_made_is_lifted_on_request() -> None:
    suspended = REMOVED.model_copy(update={"method": "suspend", "groups": ()})
    (action,) = restores(account(idle=200, status="suspended"), removals=(suspended,))
    assert action.method == "suspend"


def test_a_request_held_back_by_the_seat_limit_is_listed_as_skipped() -> None:
    full = (Seats(site="acme", product="jira-software", limit=1),)
    holder = account("u2", idle=1)
    policies = policy_set(inactivity(), restore=[ON_REQUEST])
    plan = reconcile(
        policies,
        inventory(BACK, holder).model_copy(update={"seats": full}),
        ledger=Ledger(removals=(REMOVED,)),
        now=NOW,
        requests=(REQUEST,),
    )
    assert [a for a in plan.actions if a.action == "restore"] == []
    (held,) = [s for s in plan.skipped if s.account_id == "u1"]
    assert held.reason.startswith("restore held back: 1 of 1 jira-software seats on acme")


@pytest.mark.parametrize(
    ("subject", "removals", "policy", "refusal"),
    [
        pytest.param(
            BACK, (), ON_REQUEST, "accessctl has no record of removing this seat", id="not-removed"
        ),
        pytest.param(
            BACK,
            (REMOVED.model_copy(update={"removed_at": days_ago(31)}),),
            ON_REQUEST,
            "removed on 2026-10-23, more than 30 days ago",
            id="outside-within-days",
        ),
        pytest.param(
            account(idle=200, groups=("g-conf",)),
            (REMOVED,),
            ON_REQUEST,
            "the account is in none of the groups restore policy on-request serves (staff)",
            id="not-eligible",
        ),
        pytest.param(
            BACK,
            (REMOVED,),
            restore_policy(),
            "no restore policy gives seats back on request",
            id="policy-wants-review",
        ),
        pytest.param(
            account(idle=200, groups=("g-staff",), status="deactivated"),
            (REMOVED,),
            ON_REQUEST,
            "the account is deactivated",
            id="deactivated",
        ),
        pytest.param(
            account(groups=("g-staff", "g-jsw")),
            (REMOVED,),
            ON_REQUEST,
            "already holds the groups accessctl removed",
            id="already-back",
        ),
        pytest.param(
            BACK,
            (
                REMOVED.model_copy(
                    update={"groups": (GroupRef(id="g-sso", name="engineering-sso"),)}
                ),
            ),
            ON_REQUEST,
            "group engineering-sso is now managed by the identity provider",
            id="idp-group",
        ),
        pytest.param(
            BACK,
            (
                REMOVED.model_copy(
                    update={"groups": (GroupRef(id="g-gone", name="old-jira-users"),)}
                ),
            ),
            ON_REQUEST,
            "group old-jira-users no longer exists",
            id="group-gone",
        ),
    ],
)
def test_a_request_is_refused_with_the_first_reason(
    subject: Account, removals: tuple[RemovalRecord, ...], policy: Any, refusal: str
) -> None:
    verdict = request_verdict(
        policy_set(inactivity(), restore=[policy]),
        Ledger(removals=removals),
        account=subject,
        seat=REQUEST.seat,
        now=NOW,
        groups_by_id={g.id: g for g in GROUPS},
    )
    assert verdict.refusal is not None
    assert refusal in verdict.refusal
    assert restores(subject, removals=removals, policy=policy) == []


def test_a_second_policy_that_pre_approves_is_found() -> None:
    narrow = restore_policy(
        name="a-narrow", active_within_days=None, on_request="restore", within_days=3
    )
    verdict = request_verdict(
        policy_set(inactivity(), restore=[narrow, ON_REQUEST]),
        Ledger(removals=(REMOVED,)),
        account=BACK,
        seat=REQUEST.seat,
        now=NOW,
        groups_by_id={g.id: g for g in GROUPS},
    )
    assert (verdict.refusal, verdict.policy) == (None, ON_REQUEST)


def test_the_request_is_part_of_the_plan_id() -> None:
    policies = policy_set(inactivity(), restore=[ON_REQUEST])
    ledger = Ledger(removals=(REMOVED,))
    plain = reconcile(policies, inventory(BACK), ledger=ledger, now=NOW)
    asked = reconcile(policies, inventory(BACK), ledger=ledger, now=NOW, requests=(REQUEST,))
    assert plain.id != asked.id


def test_on_request_counts_in_the_digest_only_when_set() -> None:
    review = policy_set(inactivity(), restore=[restore_policy()])
    explicit = policy_set(inactivity(), restore=[restore_policy(on_request="review")])
    restoring = policy_set(
        inactivity(),
        restore=[restore_policy(on_request="restore", within_days=30)],
    )
    assert policies_digest(review) == policies_digest(explicit)
    assert policies_digest(review) != policies_digest(restoring)
