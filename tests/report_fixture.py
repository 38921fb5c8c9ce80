"""One small organization with a history, for the report and audit tests (unit, CLI, browser).

Jira Software on acme has ten seats spread over every activity bucket, one protected admin, two
excluded people, one seat held only through an IdP group; an app account and a suspended account
hold no seat. Jira Service Management has two seats. The audit log spans August to November 2026:
three revokes old enough to judge, one of which came back within 30 days (re-grant rate 1/3), a
recent revoke that already came back, a failure, and a grant 45 days after its revoke (too late
to count). Five plans; four have an applied marker; four were merged by named people.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

from controller.app.report import Approval, Report, build_report
from controller.core.ledger import Ledger, RemovalRecord, WarningRecord
from controller.core.plan import Action, Plan, Summary
from controller.core.plan.model import ActionKind, GroupRef, action_key
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account, Inventory
from controller.core.state_records import AppliedMarker, AuditRecord, Outcome, oldest_first
from tests.factories import NOW, account, exclusions, inactivity, inventory, organization

PRICING = {"currency": "EUR", "monthly_per_seat": {"jira-software": 8.60, "jira-servicedesk": 21.0}}
EXPIRING = date(2026, 12, 10)  # within 30 days of NOW: "expires soon"


def policies() -> PolicySet:
    return PolicySet(
        organization=organization(pricing=PRICING),
        inactivity=(
            inactivity(name="jsw-60", inactive_after_days=60),
            inactivity(
                name="jsm-45",
                product="jira-servicedesk",
                inactive_after_days=45,
                warn_before_days=7,
            ),
        ),
        exclusions=(
            exclusions(
                {"account": "excl@acme.example", "owner": "ciso@acme.example", "reason": "CEO"},
                {
                    "group": "release-managers",
                    "owner": "head-of-eng@acme.example",
                    "reason": "Quarterly releases",
                    "expires": EXPIRING.isoformat(),
                },
                {
                    "account": "gone@acme.example",
                    "owner": "people@acme.example",
                    "reason": "Leave",
                    "expires": "2026-01-01",
                },
            ),
        ),
    )


def _jsm(account_id: str, idle: float | None) -> Account:
    activity = () if idle is None else (("acme", "jira-servicedesk", idle),)
    return account(account_id, groups=("g-jsm",), elsewhere=activity)


def accounts() -> tuple[Account, ...]:
    return (
        account("active", idle=5),
        account("idle35", idle=35),
        account("idle70", idle=70),
        account("idle100", idle=100),
        account("idle200", idle=200),
        account("never", idle=None, added=400),
        account("admin", idle=300, platform_roles=("atlassian/site-admin",)),
        account("excl", idle=120),
        account("release", idle=95, groups=("g-jsw", "g-release")),
        account("sso", idle=10, groups=("g-sso",)),
        account("robot", idle=1, account_type="app"),
        account("left", idle=3, status="suspended"),
        _jsm("agent", 3),
        _jsm("newagent", None),
    )


def snapshot() -> Inventory:
    base = inventory(*accounts())
    return Inventory.model_validate(
        {**base.model_dump(), "seats": [{"site": "acme", "product": "jira-software", "limit": 12}]}
    )


def ledger() -> Ledger:
    """One standing warning and one recorded removal, for `accessctl audit`'s current state."""
    return Ledger(
        warnings=(
            WarningRecord(
                account_id="u-z",
                email="z@acme.example",
                site="acme",
                product="jira-software",
                policy="jsw-60",
                warned_at=datetime(2026, 8, 5, 6, tzinfo=UTC),
                revoke_not_before=datetime(2026, 8, 12, 6, tzinfo=UTC),
            ),
        ),
        removals=(
            RemovalRecord(
                account_id="u-y",
                email="y@acme.example",
                site="acme",
                product="jira-software",
                policy="jsw-60",
                groups=(GroupRef(id="g-jsw", name="jira-software-users-acme"),),
                removed_at=datetime(2026, 8, 5, 6, tzinfo=UTC),
                plan_id="plan-20260805-060000-0000000a",
            ),
        ),
    )


# --- the history ---------------------------------------------------------------------------

# (plan, time, action, who, outcome)
HISTORY: tuple[tuple[str, datetime, ActionKind, str, Outcome], ...] = (
    ("plan-20260805-060000-0000000a", datetime(2026, 8, 5, 6, tzinfo=UTC), "revoke", "x", "done"),
    ("plan-20260805-060000-0000000a", datetime(2026, 8, 5, 6, tzinfo=UTC), "revoke", "y", "done"),
    ("plan-20260805-060000-0000000a", datetime(2026, 8, 5, 6, tzinfo=UTC), "warn", "z", "done"),
    ("plan-20260820-060000-0000000b", datetime(2026, 8, 20, 6, tzinfo=UTC), "restore", "x", "done"),
    (
        "plan-20260910-060000-0000000c",
        datetime(2026, 9, 10, 6, tzinfo=UTC),
        "revoke",
        "w",
        "already",
    ),
    (
        "plan-20260910-060000-0000000c",
        datetime(2026, 9, 10, 6, tzinfo=UTC),
        "revoke",
        "v",
        "failed",
    ),
    ("plan-20260910-060000-0000000c", datetime(2026, 9, 10, 6, tzinfo=UTC), "warn", "t", "skipped"),
    ("plan-20261025-060000-0000000d", datetime(2026, 10, 25, 6, tzinfo=UTC), "grant", "w", "done"),
    ("plan-20261025-060000-0000000d", datetime(2026, 10, 25, 6, tzinfo=UTC), "revoke", "q", "done"),
    (
        "plan-20261120-060000-0000000e",
        datetime(2026, 11, 20, 6, tzinfo=UTC),
        "restore",
        "q",
        "done",
    ),
)
APPROVERS = {
    "plan-20260805-060000-0000000a": ("Alice Approver", "alice@acme.example"),
    "plan-20260820-060000-0000000b": ("Bob Boss", "bob@acme.example"),
    "plan-20260910-060000-0000000c": ("Alice Approver", "alice@acme.example"),
    "plan-20261025-060000-0000000d": ("Dana Director", "dana@acme.example"),
}
MARKED = (
    "plan-20260805-060000-0000000a",
    "plan-20260820-060000-0000000b",
    "plan-20260910-060000-0000000c",
    "plan-20261025-060000-0000000d",
)  # plan-20261120-060000-0000000e has audit lines but no marker
MERGE_SHA = {
    p: f"{i:040x}"
    for i, p in enumerate(
        (
            "plan-20260805-060000-0000000a",
            "plan-20260820-060000-0000000b",
            "plan-20260910-060000-0000000c",
            "plan-20261025-060000-0000000d",
        ),
        1,
    )
}


def reason_for(kind: str, who: str) -> str:
    return f"{kind} {who}: idle past the rule"


def _key(kind: ActionKind, who: str) -> str:
    return action_key(kind, site="acme", product="jira-software", account_id=f"u-{who}")


def audit_records() -> list[AuditRecord]:
    """The records `accessctl apply` would have written, oldest first."""
    return oldest_first(
        AuditRecord(
            time=at,
            plan_id=plan_id,
            commit=MERGE_SHA.get(plan_id),
            key=_key(kind, who),
            action=kind,
            account_id=f"u-{who}",
            email=f"{who}@acme.example",
            site="acme",
            product="jira-software",
            policy="jsw-60",
            method="remove-from-groups" if kind in {"revoke", "restore", "grant"} else None,
            groups=("jira-software-users-acme",) if kind != "warn" else (),
            outcome=outcome,
            detail=None if outcome == "failed" else "",
            error="HTTP 500 from Jira" if outcome == "failed" else None,
        )
        for plan_id, at, kind, who, outcome in HISTORY
    )


def applied_markers() -> dict[str, AppliedMarker]:
    first: dict[str, datetime] = {}
    for plan_id, at, *_ in HISTORY:
        first.setdefault(plan_id, at)
    return {
        p: AppliedMarker(plan_id=p, applied_at=first[p], commit=sha)
        for p, sha in MERGE_SHA.items()
        if p in MARKED
    }


def approvals() -> dict[str, Approval]:
    return {
        plan_id: Approval(commit=MERGE_SHA[plan_id], name=name, email=email, at=NOW)
        for plan_id, (name, email) in APPROVERS.items()
    }


def history_plan(plan_id: str) -> Plan:
    """The reviewed plan file behind `plan_id`'s audit lines (for each action's reason)."""
    actions = tuple(
        Action(
            key=_key(kind, who),
            action=kind,
            account_id=f"u-{who}",
            email=f"{who}@acme.example",
            site="acme",
            product="jira-software",
            policy="jsw-60",
            reason=reason_for(kind, who),
        )
        for p, _, kind, who, _ in HISTORY
        if p == plan_id
    )
    at = next(at for p, at, *_ in HISTORY if p == plan_id)
    return Plan(
        id=plan_id,
        created_at=at,
        expires_at=at,
        org_id="org",
        policies_digest="sha256:p",
        inventory_digest="sha256:i",
        ledger_digest="sha256:l",
        summary=Summary(total_actions=len(actions)),
        actions=actions,
    )


# --- the report of it all -----------------------------------------------------------------


def make_report(other_policies: PolicySet | None = None) -> Report:
    """The report of the fixture organization and history (other policies if given)."""
    chosen = other_policies or policies()
    inventory = snapshot()
    return build_report(
        policies=chosen,
        inventory=inventory,
        plan=reconcile(chosen, inventory, ledger=Ledger(), now=NOW),
        audit=audit_records(),
        applied=list(applied_markers().values()),
        approvals=approvals(),
        now=NOW,
    )


# --- what a self-contained page may reference --------------------------------------------

REFERENCING_ATTRIBUTES = frozenset(
    {"src", "href", "xlink:href", "srcset", "action", "formaction", "poster", "data", "background"}
)
_CSS_REFERENCE = re.compile(r"""url\(\s*['"]?([^'")\s]*)|@import\s+['"]?([^'";\s]*)""", re.I)


class _References(HTMLParser):
    """Collects what the browser would fetch: reference attributes of real tags, and url()
    and @import in style sheets and style attributes (text content is not a reference)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in REFERENCING_ATTRIBUTES and value is not None:
                self.targets.append(value.strip())
            elif name == "style" and value:
                self._css(value)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)

    def _css(self, text: str) -> None:
        self.targets += [a or b for a, b in _CSS_REFERENCE.findall(text)]


def external_references(html: str) -> list[str]:
    """Every reference in the page that is not `data:` or an in-page anchor."""
    parser = _References()
    parser.feed(html)
    parser.close()
    return [t for t in parser.targets if not t.startswith(("data:", "#"))]
