"""Random edits to a sealed plan file, and what apply may do with the edited file.

Shared by tests/unit/test_apply_properties.py (a bounded run under `make test`) and
tests/benchmarks/test_apply_edits_bench.py (a large run under `make bench`). An edit changes one
field of the header or of an action, or a whole action (added, duplicated, dropped, kind flipped,
account swapped, groups added). The editor may hold the plan key and seal the edited file again;
apply must then still carry out nothing the fresh data does not justify.

`check` applies the edited plan to an in-memory directory and returns what went wrong: a write
(account, group, kind) absent from the fresh recomputation of the unedited plan, or an audit
record holding a value the fresh data did not have. An empty list is the property holding.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from controller.adapters.state_dir import StateDir
from controller.app.executor import ApplyReport, ApplyRun, apply_plan
from controller.core.errors import AccessctlError
from controller.core.ledger import Ledger
from controller.core.plan.model import Action, Evidence, GroupRef, Plan, ProductSummary
from controller.core.policy.models import AccessGrants
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account, Inventory
from controller.core.state_records import EXECUTED
from tests.factories import (
    GROUPS,
    NOW,
    PLAN_KEY,
    account,
    inactivity,
    inventory,
    policy_set,
    restore_policy,
    sealed,
)
from tests.fakes import FakeDirectory

LATER = NOW + timedelta(hours=2)

# --- one organization with every kind of action ----------------------------------------------

PEOPLE = (
    account("idle-1", idle=90, groups=("g-jsw", "g-testers", "g-staff")),
    account("idle-2", idle=120, groups=("g-jsw", "g-staff")),
    account("idle-3", idle=200, email=None, groups=("g-jsw",)),
    account("warn-1", groups=("g-labs",), elsewhere=[("labs", "jira-software", 40)]),
    account("desk-1", groups=("g-jsm",), elsewhere=[("acme", "jira-servicedesk", 120)]),
    account("new-1", email="new@acme.example", groups=("g-staff",)),
    account("admin", idle=300, platform_roles=("atlassian/site-admin",)),
    account("active", idle=1, groups=("g-jsw", "g-staff")),
    account("bot", idle=300),
)
GRANTS = AccessGrants.model_validate(
    {
        "version": 1,
        "kind": "AccessGrants",
        "name": "requests",
        "grants": [{"account": "new@acme.example", "product": "jira-software", "reason": "9"}],
    }
)
POLICIES: PolicySet = policy_set(
    inactivity(),
    inactivity(name="labs-30", site="labs", inactive_after_days=30, warn_before_days=7),
    inactivity(name="jsm-90", product="jira-servicedesk", inactive_after_days=90, action="suspend"),
    restore=[restore_policy()],
).model_copy(update={"grants": (GRANTS,)})


def organization() -> Inventory:
    return inventory(*PEOPLE)


def reviewed_plan() -> Plan:
    return sealed(reconcile(POLICIES, organization(), ledger=Ledger(), now=NOW))


# --- the edits -------------------------------------------------------------------------------

ACCOUNT_IDS = [p.account_id for p in PEOPLE] + ["557058:stranger"]
GROUP_REFS = [GroupRef(id=g.id, name=g.name) for g in GROUPS] + [
    GroupRef(id="g-admins", name="jira-administrators")
]
KINDS = ["warn", "revoke", "grant", "restore", "clear-warning"]
TEXT = st.sampled_from(["", "x", "ceo@acme.example", "labs", "acme", "jira-software", "other"])
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "key": st.builds(
        lambda kind, site, account_id: f"{kind}:{site}:jira-software:{account_id}",
        st.sampled_from(KINDS),
        st.sampled_from(["acme", "labs"]),
        st.sampled_from(ACCOUNT_IDS),
    ),
    "action": st.sampled_from(KINDS),
    "account_id": st.sampled_from(ACCOUNT_IDS),
    "email": st.one_of(st.none(), TEXT),
    "name": TEXT,
    "site": st.sampled_from(["acme", "labs", "elsewhere"]),
    "product": st.sampled_from(["jira-software", "jira-servicedesk", "confluence"]),
    "policy": st.sampled_from(["jsw-60", "labs-30", "jsm-90", "requests", "returning", "x"]),
    "method": st.sampled_from([None, "remove-from-groups", "suspend"]),
    "groups": st.lists(st.sampled_from(GROUP_REFS), max_size=3).map(tuple),
    "reason": TEXT,
    "evidence": st.builds(Evidence, idle_days=st.integers(0, 999)),
    "seal": st.sampled_from(["", "0" * 64, "forged"]),
}
HEADER_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": st.sampled_from(["plan-20261123-060000-00000000", "plan-20300101-000000-ffffffff"]),
    "created_at": st.sampled_from([NOW + timedelta(days=d) for d in (-30, -1, 1, 365)]),
    "expires_at": st.sampled_from([NOW - timedelta(days=1), NOW + timedelta(days=3650)]),
    "org_id": st.sampled_from(["another-org", ""]),
    "policies_digest": st.sampled_from(["sha256:0", ""]),
    "inventory_digest": st.sampled_from(["sha256:0", ""]),
    "base_commit": st.sampled_from([None, "0" * 40]),
    "seal": st.sampled_from(["", "0" * 64]),
}


@dataclass(frozen=True)
class Edit:
    """One change to the plan file, named for the report."""

    name: str
    apply: Callable[[Plan], Plan]


def _on_action(index: int, change: Callable[[Action], Action]) -> Callable[[Plan], Plan]:
    def edit(plan: Plan) -> Plan:
        if not plan.actions:
            return plan
        target = plan.actions[index % len(plan.actions)]
        actions = tuple(change(a) if a is target else a for a in plan.actions)
        return plan.model_copy(update={"actions": actions})

    return edit


def _with_actions(
    change: Callable[[tuple[Action, ...]], tuple[Action, ...]],
) -> Callable[[Plan], Plan]:
    def edit(plan: Plan) -> Plan:
        return plan.model_copy(update={"actions": change(plan.actions)})

    return edit


def _pick(actions: tuple[Action, ...], index: int) -> Action | None:
    return actions[index % len(actions)] if actions else None


def field_edit(field: str) -> st.SearchStrategy[Edit]:
    return st.builds(
        lambda index, value: Edit(
            f"action.{field}", _on_action(index, lambda a: dataclasses.replace(a, **{field: value}))
        ),
        st.integers(0, 50),
        FIELD_VALUES[field],
    )


def header_edit(field: str) -> st.SearchStrategy[Edit]:
    return st.builds(
        lambda value: Edit(f"header.{field}", lambda p: p.model_copy(update={field: value})),
        HEADER_VALUES[field],
    )


def _raise_seats(plan: Plan) -> Plan:
    raised = tuple(
        ProductSummary(**{**p.model_dump(), "seats": 1000}) for p in plan.summary.by_product
    )
    return plan.model_copy(
        update={"summary": plan.summary.model_copy(update={"by_product": raised})}
    )


def copied_onto(index: int, account_id: str) -> Edit:
    return Edit(
        "added: a copy onto another account",
        _with_actions(lambda a: (*a, *_copy(a, index, account_id=account_id))),
    )


def duplicated(index: int) -> Edit:
    return Edit("duplicated", _with_actions(lambda a: (*a, *_copy(a, index))))


def dropped(index: int) -> Edit:
    return Edit(
        "dropped",
        _with_actions(lambda a: tuple(x for n, x in enumerate(a) if n != index % max(len(a), 1))),
    )


def kind_flipped(index: int, kind: str) -> Edit:
    return Edit("kind flipped", _on_action(index, lambda a: dataclasses.replace(a, action=kind)))


def groups_added(index: int, group: GroupRef) -> Edit:
    return Edit(
        "groups added",
        _on_action(index, lambda a: dataclasses.replace(a, groups=(*a.groups, group))),
    )


def account_swapped(index: int, account_id: str) -> Edit:
    return Edit(
        "account swapped",
        _on_action(index, lambda a: dataclasses.replace(a, account_id=account_id)),
    )


SEATS_RAISED = Edit("summary seats raised", _raise_seats)


def whole_action_edit() -> st.SearchStrategy[Edit]:
    index = st.integers(0, 50)
    return st.one_of(
        st.builds(copied_onto, index, st.sampled_from(ACCOUNT_IDS)),
        st.builds(duplicated, index),
        st.builds(dropped, index),
        st.builds(kind_flipped, index, st.sampled_from(KINDS)),
        st.builds(groups_added, index, st.sampled_from(GROUP_REFS)),
        st.builds(account_swapped, index, st.sampled_from(ACCOUNT_IDS)),
        st.just(SEATS_RAISED),
    )


def every_whole_action_edit(actions: int) -> list[Edit]:
    """Each whole-action edit of each of `actions` actions, with every value: what a bounded
    random run may not draw."""
    edits = [SEATS_RAISED]
    for index in range(actions):
        edits += [duplicated(index), dropped(index)]
        edits += [kind_flipped(index, kind) for kind in KINDS]
        edits += [groups_added(index, group) for group in GROUP_REFS]
        edits += [copied_onto(index, account_id) for account_id in ACCOUNT_IDS]
        edits += [account_swapped(index, account_id) for account_id in ACCOUNT_IDS]
    return edits


def _copy(actions: tuple[Action, ...], index: int, **fields: Any) -> tuple[Action, ...]:
    chosen = _pick(actions, index)
    return () if chosen is None else (dataclasses.replace(chosen, **fields),)


EDITS: st.SearchStrategy[Edit] = st.one_of(
    *(field_edit(f) for f in FIELD_VALUES),
    *(header_edit(f) for f in HEADER_VALUES),
    whole_action_edit(),
)


# --- the property ----------------------------------------------------------------------------

Write = tuple[str, str, str]  # (operation, account, group or "")


def allowed_writes(fresh: Plan) -> set[Write]:
    """The writes the fresh recomputation of the unedited plan justifies."""
    writes: set[Write] = set()
    for action in fresh.actions:
        if action.method == "suspend" and action.action in {"revoke", "restore"}:
            writes.add(
                ("suspend" if action.action == "revoke" else "restore", action.account_id, "")
            )
        elif action.action == "revoke":
            writes |= {("remove", action.account_id, g.id) for g in action.groups}
        elif action.action in {"grant", "restore"}:
            writes |= {("add", action.account_id, g.id) for g in action.groups}
    return writes


def fresh_organization(active_since: str | None) -> Inventory:
    """The organization at apply time: as planned, or with one person active since."""
    people = tuple(
        account(p.account_id, idle=0.01, groups=p.groups, email=p.email)
        if p.account_id == active_since
        else p
        for p in PEOPLE
    )
    return inventory(*people)


def check(edits: list[Edit], *, holds_key: bool, active_since: str | None) -> list[str]:
    """Apply the edited plan; what escaped (an empty list when the property holds)."""
    plan = reviewed_plan()
    for edit in edits:
        plan = edit.apply(plan)
    if holds_key:
        plan = sealed(plan)
    now = fresh_organization(active_since)
    fresh = reconcile(POLICIES, now, ledger=Ledger(), now=LATER)
    directory = FakeDirectory(now)
    with tempfile.TemporaryDirectory() as state:
        report = _apply(plan, directory, Path(state))
        audit = StateDir(Path(state)).audit_log()
    escaped = [f"wrote {w}" for w in directory.changes if w not in allowed_writes(fresh)]
    escaped += [f"wrote {w} twice" for w, n in directory.changes.items() if n > 1]
    escaped += _audit_escapes(audit, fresh=fresh, organization=now, holds_key=holds_key)
    if report is not None:
        escaped += [
            f"ran {r.key} unrecorded"
            for r in report.results
            if not r.recorded and r.outcome in EXECUTED
        ]
    return escaped


def _apply(plan: Plan, directory: FakeDirectory, state: Path) -> ApplyReport | None:
    try:
        return apply_plan(
            ApplyRun(
                plan=plan,
                policies=POLICIES,
                directory=directory,
                state=StateDir(state),
                now=LATER,
                key=PLAN_KEY,
            )
        )
    except AccessctlError:  # refused whole (seal, expiry, policies, safety): nothing may change
        return None


def _audit_escapes(
    audit: list[Any], *, fresh: Plan, organization: Inventory, holds_key: bool
) -> list[str]:
    wanted = {a.key: a for a in fresh.actions}
    reviewed = {a.key: a for a in reviewed_plan().actions}
    accounts: dict[str, Account] = {a.account_id: a for a in organization.accounts}
    keys = [r.key for r in audit]
    escaped = [f"audited {k} twice" for k in set(keys) if keys.count(k) > 1]
    for record in audit:
        if record.executed or record.outcome == "failed":
            escaped += _differs(record, wanted.get(record.key))
        elif not holds_key:
            escaped += _differs_from_reviewed(record, reviewed.get(record.key), accounts)
    return escaped


def _differs(record: Any, wanted: Action | None) -> list[str]:
    if wanted is None:
        return [f"audited {record.key} as {record.outcome}, not in the fresh plan"]
    seen = (
        record.action,
        record.account_id,
        record.email,
        record.site,
        record.product,
        record.policy,
    )
    fresh = (
        wanted.action,
        wanted.account_id,
        wanted.email,
        wanted.site,
        wanted.product,
        wanted.policy,
    )
    problems = [f"audited {record.key} with {seen}, fresh {fresh}"] if seen != fresh else []
    if not set(record.groups) <= {g.name for g in wanted.groups}:
        problems.append(f"audited {record.key} with groups {record.groups}")
    return problems


def _differs_from_reviewed(
    record: Any, reviewed: Action | None, accounts: dict[str, Account]
) -> list[str]:
    """Without the key, a record of an action not carried out holds the reviewed values, with
    the account's e-mail as read now."""
    if reviewed is None:
        return [f"audited {record.key}, which the reviewed plan does not hold"]
    account = accounts.get(record.account_id)
    email = account.email if account else reviewed.email
    seen = (record.action, record.account_id, record.email, record.site, record.policy)
    expected = (reviewed.action, reviewed.account_id, email, reviewed.site, reviewed.policy)
    return [f"audited {record.key} with {seen}, reviewed {expected}"] if seen != expected else []


SCENARIOS = st.tuples(
    st.lists(EDITS, min_size=1, max_size=4),
    st.booleans(),
    st.sampled_from([None, None, "idle-1", "warn-1", "desk-1"]),
)
