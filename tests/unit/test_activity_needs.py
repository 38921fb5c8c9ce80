"""Whose activity can change a decision: from the policies and the ledger, table by table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from controller.core.ledger import Ledger, RemovalRecord, WarningRecord
from controller.core.policy.models import (
    AccessGrants,
    InactivityPolicy,
    Organization,
    RestorePolicy,
)
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile.activity_needs import EVERY_SEAT, ActivityNeeds, activity_needs

TODAY = date(2026, 11, 23)
AT = datetime(2026, 11, 1, tzinfo=UTC)
JSW, JSM, CONF = ("acme", "jira-software"), ("acme", "jira-servicedesk"), ("acme", "confluence")
ORG = Organization.model_validate(
    {
        "version": 1,
        "kind": "Organization",
        "org_id": "org-1",
        "sites": [{"name": "acme", "url": "https://acme.atlassian.net", "cloud_id": "cloud-1"}],
    }
)


def inactivity(site: str, product: str) -> InactivityPolicy:
    return InactivityPolicy.model_validate(
        {
            "version": 1,
            "kind": "InactivityPolicy",
            "name": f"{product}-idle",
            "site": site,
            "product": product,
            "inactive_after_days": 60,
        }
    )


RESTORE = RestorePolicy.model_validate(
    {
        "version": 1,
        "kind": "RestorePolicy",
        "name": "back",
        "eligible_groups": ["staff"],
        "active_within_days": 14,
    }
)


def grants(*entries: dict[str, Any]) -> AccessGrants:
    return AccessGrants.model_validate(
        {"version": 1, "kind": "AccessGrants", "name": "requests", "grants": list(entries)}
    )


def grant(account: str, *, expires: str | None = None) -> dict[str, Any]:
    entry = {"account": account, "product": "jira-software", "reason": "a project"}
    return entry | ({"expires": expires} if expires else {})


def warning(account_id: str) -> WarningRecord:
    return WarningRecord(
        account_id=account_id,
        site="acme",
        product="jira-software",
        policy="jira-software-idle",
        warned_at=AT,
        revoke_not_before=AT,
    )


def removal(account_id: str) -> RemovalRecord:
    return RemovalRecord(
        account_id=account_id,
        site="acme",
        product="jira-software",
        policy="jira-software-idle",
        removed_at=AT,
        plan_id="p1",
    )


@pytest.mark.parametrize(
    ("policies", "ledger", "needs"),
    [
        (PolicySet(organization=ORG), Ledger(), ActivityNeeds()),
        (
            PolicySet(organization=ORG, inactivity=(inactivity(*JSW), inactivity(*JSM))),
            Ledger(),
            ActivityNeeds(governed=frozenset({JSW, JSM})),
        ),
        (
            PolicySet(organization=ORG),
            Ledger(warnings=(warning("557058:Warned"),)),
            ActivityNeeds(anywhere=frozenset({"557058:warned"})),
        ),
        (
            PolicySet(organization=ORG, restore=(RESTORE,)),
            Ledger(removals=(removal("557058:removed"),)),
            ActivityNeeds(anywhere=frozenset({"557058:removed"})),
        ),
        (
            PolicySet(organization=ORG),  # nothing restores a removal: its activity decides none
            Ledger(removals=(removal("557058:removed"),)),
            ActivityNeeds(),
        ),
        (
            PolicySet(
                organization=ORG,
                grants=(
                    grants(
                        grant("Rupert@Acme.example"),
                        grant("gone@acme.example", expires="2026-11-22"),
                    ),
                ),
            ),
            Ledger(),
            ActivityNeeds(anywhere=frozenset({"rupert@acme.example"})),
        ),
    ],
    ids=[
        "no-rule-reads-activity",
        "governed-seats",
        "warned-accounts",
        "removals-a-restore-policy-may-give-back",
        "removals-without-restore-policy",
        "unexpired-grants-only",
    ],
)
def test_activity_needs(policies: PolicySet, ledger: Ledger, needs: ActivityNeeds) -> None:
    assert activity_needs(policies, ledger, today=TODAY) == needs


SCOPED = ActivityNeeds(governed=frozenset({JSW}), anywhere=frozenset({"named@acme.example"}))


@pytest.mark.parametrize(
    ("needs", "held", "refs", "deciding"),
    [
        (SCOPED, {JSW, CONF}, {"a1", "someone@acme.example"}, {JSW}),
        (SCOPED, {CONF}, {"a1"}, set()),
        (SCOPED, {JSW, CONF}, {"a1", "named@acme.example"}, {JSW, CONF}),
        (EVERY_SEAT, {JSW, CONF}, {"a1"}, {JSW, CONF}),
        (SCOPED, set(), {"named@acme.example"}, set()),
    ],
    ids=["governed-only", "ungoverned-only", "named-account", "every-seat", "no-seat"],
)
def test_seats_that_decide(
    needs: ActivityNeeds, held: set[tuple[str, str]], refs: set[str], deciding: set[object]
) -> None:
    assert needs.seats_that_decide(held, refs=refs) == deciding
