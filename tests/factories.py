"""Small builders for inventories and policy sets, so each test states only what matters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from controller.core.ledger import Ledger, WarningRecord
from controller.core.plan import Plan
from controller.core.plan.seal import PlanKey, seal_plan
from controller.core.policy.models import (
    Exclusion,
    Exclusions,
    InactivityPolicy,
    Organization,
    RestorePolicy,
)
from controller.core.policy.policy_set import PolicySet
from controller.core.snapshot import Account, Activity, Group, GroupGrant, Inventory, Site

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
PLAN_KEY_TEXT = "test-plan-key-0123456789abcdef0123456789abcdef"  # the suite's ACCESSCTL_PLAN_KEY
PLAN_KEY = PlanKey.from_text(PLAN_KEY_TEXT)


def sealed(plan: Plan) -> Plan:
    """The plan as `accessctl plan` writes it: sealed with the suite's key."""
    return seal_plan(plan, PLAN_KEY)


ORG_ID = "8f3c2a71-5d4e-4b6a-9c1f-2e7d8a9b0c13"
SITES = (
    Site(name="acme", url="https://acme.atlassian.net", cloud_id="cloud-acme"),
    Site(name="labs", url="https://labs.atlassian.net", cloud_id="cloud-labs"),
)


def group(group_id: str, name: str, *seats: tuple[str, str], **fields: Any) -> Group:
    """A group granting these (site, product) seats; none for an org-wide group."""
    grants = tuple(GroupGrant(site=site, product=product) for site, product in seats)
    return Group(id=group_id, name=name, grants=grants, **fields)


GROUPS = (
    group("g-jsw", "jira-software-users-acme", ("acme", "jira-software")),
    group("g-testers", "jira-testers", ("acme", "jira-software")),
    group("g-jsm", "jira-servicedesk-users-acme", ("acme", "jira-servicedesk")),
    group("g-conf", "confluence-users-acme", ("acme", "confluence")),
    group("g-labs", "jira-software-users-labs", ("labs", "jira-software")),
    group("g-sso", "engineering-sso", ("acme", "jira-software"), managed_by="idp"),
    # Shared groups: one grants Jira Software on both sites, one Jira Software and Confluence.
    group(
        "g-both", "jira-software-both-sites", ("acme", "jira-software"), ("labs", "jira-software")
    ),
    group("g-suite", "acme-suite", ("acme", "jira-software"), ("acme", "confluence")),
    group("g-staff", "staff"),
    group("g-release", "release-managers"),
)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def account(
    account_id: str = "u1",
    *,
    groups: Sequence[str] = ("g-jsw", "g-staff"),
    idle: float | None = None,
    elsewhere: Iterable[tuple[str, str, float]] = (),
    added: float | None = 400,
    email: str | None = "",
    **fields: Any,
) -> Account:
    """An account; `idle` = days since last Jira Software use on acme (None = never)."""
    activity = [Activity(site=s, product=p, last_active=days_ago(d)) for s, p, d in elsewhere]
    if idle is not None:
        activity.append(Activity(site="acme", product="jira-software", last_active=days_ago(idle)))
    return Account(
        account_id=account_id,
        email=f"{account_id}@acme.example" if email == "" else email,
        name=account_id.title(),
        groups=tuple(groups),
        activity=tuple(activity),
        added_to_org=days_ago(added) if added is not None else None,
        **fields,
    )


def inventory(*accounts: Account, fetched_by: str | None = "bot") -> Inventory:
    return Inventory(
        taken_at=NOW,
        org_id=ORG_ID,
        fetched_by=fetched_by,
        sites=SITES,
        groups=GROUPS,
        accounts=accounts,
    )


def organization(**fields: Any) -> Organization:
    base: dict[str, Any] = {
        "version": 1,
        "kind": "Organization",
        "org_id": ORG_ID,
        "sites": [s.model_dump() for s in SITES],
        "safety": {"max_revocation_fraction": 1.0},
    }
    return Organization.model_validate({**base, **fields})


def inactivity(**fields: Any) -> InactivityPolicy:
    base: dict[str, Any] = {
        "version": 1,
        "kind": "InactivityPolicy",
        "name": "jsw-60",
        "site": "acme",
        "product": "jira-software",
        "inactive_after_days": 60,
    }
    return InactivityPolicy.model_validate({**base, **fields})


def exclusions(*entries: dict[str, Any]) -> Exclusions:
    return Exclusions(
        version=1,
        kind="Exclusions",
        name="standing",
        entries=tuple(
            Exclusion.model_validate({"reason": "r", "owner": "o", **e}) for e in entries
        ),
    )


def restore_policy(**fields: Any) -> RestorePolicy:
    base: dict[str, Any] = {
        "version": 1,
        "kind": "RestorePolicy",
        "name": "returning",
        "eligible_groups": ["staff"],
        "active_within_days": 14,
    }
    return RestorePolicy.model_validate({**base, **fields})


def policy_set(
    *policies: InactivityPolicy,
    excluded: Sequence[dict[str, Any]] = (),
    restore: Sequence[RestorePolicy] = (),
    org: Organization | None = None,
) -> PolicySet:
    return PolicySet(
        organization=org or organization(),
        inactivity=policies or (inactivity(),),
        exclusions=(exclusions(*excluded),) if excluded else (),
        restore=tuple(restore),
    )


def warned(
    account_id: str, *, days: float, policy: str = "jsw-60", wait: float = 7
) -> WarningRecord:
    return WarningRecord(
        account_id=account_id,
        site="acme",
        product="jira-software",
        policy=policy,
        warned_at=days_ago(days),
        revoke_not_before=days_ago(days - wait),
    )


def ledger(*warnings: WarningRecord) -> Ledger:
    return Ledger(warnings=warnings)


def today() -> date:
    return NOW.date()
