"""Apply, on an in-memory directory: exactly the reviewed plan, re-derived from fresh data,
journaled, once."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from controller.adapters.state_dir import StateDir
from controller.app.executor import ApplyReport, ApplyRun, apply_plan
from controller.core.errors import BadInput, SafetyRefusal
from controller.core.ledger import Ledger
from controller.core.plan import Plan
from controller.core.plan.model import Action, GroupRef, action_key
from controller.core.plan.seal import PlanKey, seal_plan
from controller.core.policy.models import AccessGrants
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account
from tests.factories import (
    NOW,
    PLAN_KEY,
    account,
    inactivity,
    inventory,
    organization,
    policy_set,
    sealed,
    warned,
)
from tests.fakes import FakeDirectory

LATER = NOW + timedelta(hours=2)
POLICIES = policy_set(inactivity())


def setup(*people: Account, policies: PolicySet = POLICIES) -> tuple[Plan, FakeDirectory]:
    snapshot = inventory(*people)
    return sealed(reconcile(policies, snapshot, ledger=Ledger(), now=NOW)), FakeDirectory(snapshot)


def run(
    plan: Plan,
    directory: FakeDirectory,
    tmp_path: Path,
    *,
    policies: PolicySet = POLICIES,
    now: datetime = LATER,
    dry_run: bool = False,
    key: PlanKey = PLAN_KEY,
) -> ApplyReport:
    state = StateDir(tmp_path)
    return apply_plan(
        ApplyRun(
            plan=plan,
            policies=policies,
            directory=directory,
            state=state,
            now=now,
            key=key,
            commit="abc123",
            dry_run=dry_run,
        )
    )


def outcomes(report: ApplyReport) -> dict[str, str]:
    return {r.action.account_id: r.outcome for r in report.results}


def audit_lines(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "audit" / "2026-11.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_applies_revokes_and_writes_audit_ledger_and_marker(tmp_path: Path) -> None:
    plan, directory = setup(
        account("idle", idle=90, groups=("g-jsw", "g-testers")), account("busy", idle=1)
    )
    report = run(plan, directory, tmp_path)
    assert outcomes(report) == {"idle": "done"}
    assert directory.changes == {("remove", "idle", "g-jsw"): 1, ("remove", "idle", "g-testers"): 1}
    audit = audit_lines(tmp_path)
    assert [(r["action"], r["account_id"], r["outcome"], r["commit"]) for r in audit] == [
        ("revoke", "idle", "done", "abc123")
    ]
    assert audit[0]["groups"] == ["jira-software-users-acme", "jira-testers"]
    removal = StateDir(tmp_path).read_ledger().removals[0]
    assert (removal.account_id, removal.plan_id, [g.id for g in removal.groups]) == (
        "idle",
        plan.id,
        ["g-jsw", "g-testers"],
    )
    marker = StateDir(tmp_path).applied_marker(plan.id)
    assert marker is not None
    assert marker.outcomes["done"] == 1


def test_second_apply_does_nothing(tmp_path: Path) -> None:
    plan, directory = setup(account("idle", idle=90))
    run(plan, directory, tmp_path)
    again = run(plan, directory, tmp_path)
    assert again.already_applied
    assert sum(directory.changes.values()) == 1
    assert len(audit_lines(tmp_path)) == 1


def test_killed_apply_resumes_exactly_once(tmp_path: Path) -> None:
    people = [account(f"idle-{n}", idle=90, groups=("g-jsw", "g-testers")) for n in range(4)]
    plan, directory = setup(*people)
    directory.crash_after = 3
    with pytest.raises(KeyboardInterrupt):
        run(plan, directory, tmp_path)
    assert StateDir(tmp_path).applied_marker(plan.id) is None
    directory.crash_after = None
    report = run(plan, directory, tmp_path)
    assert set(outcomes(report).values()) == {"done"}
    assert len(directory.changes) == 8
    assert set(directory.changes.values()) == {1}
    assert len(audit_lines(tmp_path)) == 4
    removals = StateDir(tmp_path).read_ledger().removals
    # idle-1 was killed between its two groups: its record keeps the reviewed order all the same
    assert sorted((r.account_id, r.groups) for r in removals) == sorted(
        (a.account_id, a.groups) for a in plan.actions
    )


def killed_after_three_changes(tmp_path: Path) -> tuple[Plan, FakeDirectory]:
    """Four revokes of two groups each; the apply dies after three changes: idle-0 finished,
    idle-1 half done and not journaled as finished."""
    people = [account(f"idle-{n}", idle=90, groups=("g-jsw", "g-testers")) for n in range(4)]
    plan, directory = setup(*people)
    directory.crash_after = 3
    with pytest.raises(KeyboardInterrupt):
        run(plan, directory, tmp_path)
    directory.crash_after = None
    return plan, directory


def test_a_started_plan_is_finished_after_its_expiry(tmp_path: Path) -> None:
    """The expiry bounds when a plan may start; one started is finished, re-checked."""
    plan, directory = killed_after_three_changes(tmp_path)
    report = run(plan, directory, tmp_path, now=NOW + timedelta(days=7, hours=1))
    assert set(outcomes(report).values()) == {"done"}
    assert set(directory.changes.values()) == {1}
    assert len(audit_lines(tmp_path)) == 4


def test_a_started_plan_refused_whole_records_what_was_done_then_refuses(tmp_path: Path) -> None:
    plan, directory = killed_after_three_changes(tmp_path)
    changed = policy_set(inactivity(inactive_after_days=61))
    report = run(plan, directory, tmp_path, policies=changed)
    assert report.refusal is not None
    assert outcomes(report) == {"idle-0": "done", "idle-1": "done"} | {
        f"idle-{n}": "skipped" for n in (2, 3)
    }
    assert sum(directory.changes.values()) == 3  # nothing more
    audit = {r["account_id"]: (r["outcome"], r["groups"]) for r in audit_lines(tmp_path)}
    assert audit["idle-0"] == ("done", ["jira-software-users-acme", "jira-testers"])
    assert audit["idle-1"] == ("done", ["jira-software-users-acme"])
    removals = StateDir(tmp_path).read_ledger().removals
    assert [(r.account_id, len(r.groups)) for r in removals] == [("idle-0", 2), ("idle-1", 1)]
    marker = StateDir(tmp_path).refused_marker(plan.id)
    assert marker is not None
    assert marker.reasons[0].startswith("policies changed since plan")
    assert marker.reasons[-1].startswith("2 of the 4 reviewed actions were carried out")
    assert StateDir(tmp_path).applied_marker(plan.id) is None
    with pytest.raises(BadInput, match="was refused after it started"):
        run(plan, directory, tmp_path)
    assert len(audit_lines(tmp_path)) == 4


def test_user_active_since_the_plan_keeps_the_seat(tmp_path: Path) -> None:
    plan, directory = setup(account("back", idle=90), account("idle", idle=90))
    directory.set_activity(account("back", idle=0.01))
    report = run(plan, directory, tmp_path)
    result = next(r for r in report.results if r.action.account_id == "back")
    assert result.outcome == "skipped"
    assert result.detail == "active on 2026-11-23, after the plan"
    assert ("remove", "back", "g-jsw") not in directory.changes


def test_one_failure_does_not_stop_the_others(tmp_path: Path) -> None:
    plan, directory = setup(account("bad", idle=90), account("good", idle=90))
    directory.fail_for = {"bad"}
    report = run(plan, directory, tmp_path)
    assert outcomes(report) == {"bad": "failed", "good": "done"}
    assert "HTTP 500" in report.failures[0].detail
    assert {r["account_id"]: r["error"] for r in audit_lines(tmp_path)} == {
        "bad": "the API refused the change for bad (HTTP 500)",
        "good": None,
    }


def test_changed_policies_are_refused(tmp_path: Path) -> None:
    plan, directory = setup(account("idle", idle=90))
    with pytest.raises(BadInput, match="policies changed since plan"):
        run(plan, directory, tmp_path, policies=policy_set(inactivity(inactive_after_days=61)))
    assert not directory.changes


def test_expired_plan_is_refused(tmp_path: Path) -> None:
    plan, directory = setup(account("idle", idle=90))
    with pytest.raises(BadInput, match="expired at 2026-11-30T06:00:00Z"):
        run(plan, directory, tmp_path, now=NOW + timedelta(days=7))


def test_the_expiry_follows_the_ttl_at_head_not_the_file(tmp_path: Path) -> None:
    """`plan_ttl_days` is part of the Organization, so changing it changes the policies digest;
    the expiry is still computed from `created_at`, whatever `expires_at` says."""
    plan, directory = setup(account("idle", idle=90))
    kept = sealed(plan.model_copy(update={"expires_at": NOW + timedelta(days=365)}))
    with pytest.raises(BadInput, match="expired at 2026-11-30T06:00:00Z"):
        run(kept, directory, tmp_path, now=NOW + timedelta(days=8))


def test_a_plan_sealed_with_another_key_is_refused_whole(tmp_path: Path) -> None:
    plan, directory = setup(account("idle", idle=90))
    other = PlanKey.from_text("another-key-0123456789abcdef0123456789abcdef")
    with pytest.raises(BadInput, match="its seal does not match"):
        run(seal_plan(plan, other), directory, tmp_path)
    assert not directory.changes
    assert not list(tmp_path.iterdir())


def test_safety_guards_run_again(tmp_path: Path) -> None:
    strict = policy_set(inactivity(), org=organization(safety={"max_revocations": 1}))
    loose = policy_set(inactivity(), org=organization(safety={"max_revocations": 5}))
    plan, directory = setup(account("a1", idle=90), account("a2", idle=90), policies=loose)
    tightened = plan.model_copy(
        update={
            "policies_digest": reconcile(
                strict, directory.inventory, ledger=Ledger(), now=NOW
            ).policies_digest
        }
    )
    with pytest.raises(SafetyRefusal):
        run(sealed(tightened), directory, tmp_path, policies=strict)
    assert not directory.changes


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    plan, directory = setup(account("idle", idle=90))
    report = run(plan, directory, tmp_path, dry_run=True)
    assert [d.execute for d in report.decisions] == [True]
    assert not directory.changes
    assert not list(tmp_path.iterdir())


def test_warn_then_revoke_then_restore_through_the_ledger(tmp_path: Path) -> None:
    from tests.factories import restore_policy

    policies = policy_set(inactivity(warn_before_days=7), restore=[restore_policy()])
    subject = account("u1", idle=90, groups=("g-jsw", "g-staff"))
    state = StateDir(tmp_path)
    directory = FakeDirectory(inventory(subject))

    def step(when: datetime) -> Plan:
        plan = sealed(
            reconcile(policies, directory.inventory, ledger=state.read_ledger(), now=when)
        )
        apply_plan(
            ApplyRun(
                plan=plan,
                policies=policies,
                directory=directory,
                state=state,
                now=when,
                key=PLAN_KEY,
            )
        )
        return plan

    assert [a.action for a in step(NOW).actions] == ["warn"]
    assert state.read_ledger().warnings[0].revoke_not_before == NOW + timedelta(days=7)
    assert step(NOW + timedelta(days=3)).actions == ()
    assert [a.action for a in step(NOW + timedelta(days=7)).actions] == ["revoke"]
    assert "g-jsw" not in directory.inventory.accounts[0].groups
    directory.set_activity(
        account("u1", idle=100, groups=("g-staff",), elsewhere=[("acme", "confluence", -8)])
    )
    assert [a.action for a in step(NOW + timedelta(days=9)).actions] == ["restore"]
    assert "g-jsw" in directory.inventory.accounts[0].groups
    assert state.read_ledger() == Ledger(warnings=(), removals=())


def test_warning_already_sent_by_notify_is_not_repeated(tmp_path: Path) -> None:
    policies = policy_set(inactivity(warn_before_days=7))
    snapshot = inventory(account("u1", idle=90))
    plan = sealed(reconcile(policies, snapshot, ledger=Ledger(), now=NOW))
    StateDir(tmp_path).write_ledger(Ledger(warnings=(warned("u1", days=0.01),)))
    report = run(plan, FakeDirectory(snapshot), tmp_path, policies=policies)
    assert outcomes(report) == {"u1": "already"}


REQUEST = {"account": "new@acme.example", "product": "jira-software", "reason": "PR #9"}
GRANTS = POLICIES.model_copy(
    update={
        "grants": (
            AccessGrants.model_validate(
                {"version": 1, "kind": "AccessGrants", "name": "requests", "grants": [REQUEST]}
            ),
        )
    }
)


def test_a_grant_adds_the_groups(tmp_path: Path) -> None:
    plan, directory = setup(account("new", groups=("g-staff",)), policies=GRANTS)
    report = run(plan, directory, tmp_path, policies=GRANTS)
    assert outcomes(report) == {"new": "done"}
    assert directory.changes == {("add", "new", "g-jsw"): 1}


# --- a hand-edited plan file: the cases an adversarial review reproduced ----------------------
#
# Each edit runs twice: as someone without the plan key would make it (the seals no longer
# match), and as someone who holds the key and seals the edited file again. The first is
# refused by the seal; the second must still change nothing the fresh plan does not justify,
# because what runs is re-derived from fresh data.

ADMIN = account("admin", idle=300, platform_roles=("atlassian/site-admin",))
ACTIVE = account("active", idle=1, groups=("g-jsw", "g-staff"))
BOT = account("bot", idle=300)
IDLE = account("idle", idle=90, groups=("g-jsw", "g-staff"))
NEWCOMER = account("new", groups=("g-staff",))


def _with(plan: Plan, *actions: object) -> Plan:
    return plan.model_copy(update={"actions": tuple(actions)})


def _first(plan: Plan, kind: str) -> object:
    return next(a for a in plan.actions if a.action == kind)


def swap_account(target: str) -> Callable[[Plan], Plan]:
    """A verbatim copy of the reviewed revoke, with only `account_id` changed."""

    def edit(plan: Plan) -> Plan:
        revoke = _first(plan, "revoke")
        return _with(plan, *plan.actions, dataclasses.replace(revoke, account_id=target))

    return edit


def swap_account_and_key(target: str) -> Callable[[Plan], Plan]:
    def edit(plan: Plan) -> Plan:
        revoke = _first(plan, "revoke")
        key = action_key("revoke", site="acme", product="jira-software", account_id=target)
        return _with(plan, *plan.actions, dataclasses.replace(revoke, account_id=target, key=key))

    return edit


def add_group(group: GroupRef, kind: str = "revoke") -> Callable[[Plan], Plan]:
    def edit(plan: Plan) -> Plan:
        action = _first(plan, kind)
        widened = dataclasses.replace(action, groups=(*action.groups, group))
        return _with(plan, *(widened if a is action else a for a in plan.actions))

    return edit


def replace_groups(group: GroupRef, kind: str) -> Callable[[Plan], Plan]:
    def edit(plan: Plan) -> Plan:
        action = _first(plan, kind)
        moved = dataclasses.replace(action, groups=(group,))
        return _with(plan, *(moved if a is action else a for a in plan.actions))

    return edit


def flip(kind_from: str, kind_to: str, *, rekey: bool = False) -> Callable[[Plan], Plan]:
    def edit(plan: Plan) -> Plan:
        action = _first(plan, kind_from)
        key = action.key.replace(f"{kind_from}:", f"{kind_to}:", 1) if rekey else action.key
        flipped = dataclasses.replace(action, action=kind_to, key=key)
        return _with(plan, *(flipped if a is action else a for a in plan.actions))

    return edit


def edit_field(**fields: object) -> Callable[[Plan], Plan]:
    def edit(plan: Plan) -> Plan:
        action = _first(plan, "revoke")
        changed = dataclasses.replace(action, **fields)
        return _with(plan, *(changed if a is action else a for a in plan.actions))

    return edit


def duplicate(plan: Plan) -> Plan:
    return _with(plan, *plan.actions, _first(plan, "revoke"))


STAFF = GroupRef(id="g-staff", name="staff")
ADMINS = GroupRef(id="g-admins", name="jira-administrators")
WARN_FIRST = policy_set(inactivity(warn_before_days=7))

EDITS = [
    pytest.param(swap_account("admin"), POLICIES, id="account-swapped-onto-a-site-admin"),
    pytest.param(swap_account("active"), POLICIES, id="account-swapped-onto-an-active-user"),
    pytest.param(swap_account("bot"), POLICIES, id="account-swapped-onto-the-bot"),
    pytest.param(swap_account_and_key("admin"), POLICIES, id="account-and-key-onto-a-site-admin"),
    pytest.param(add_group(STAFF), POLICIES, id="staff-added-to-a-revoke"),
    pytest.param(replace_groups(ADMINS, "grant"), GRANTS, id="grant-moved-to-jira-administrators"),
    pytest.param(add_group(ADMINS, "grant"), GRANTS, id="jira-administrators-added-to-a-grant"),
    pytest.param(flip("revoke", "grant"), POLICIES, id="revoke-flipped-to-grant-key-kept"),
    pytest.param(flip("revoke", "grant", rekey=True), POLICIES, id="revoke-flipped-to-grant"),
    pytest.param(flip("warn", "revoke", rekey=True), WARN_FIRST, id="warn-flipped-to-revoke"),
    pytest.param(flip("warn", "revoke"), WARN_FIRST, id="warn-flipped-to-revoke-key-kept"),
    pytest.param(edit_field(email="ceo@acme.example"), POLICIES, id="email-edited"),
    pytest.param(edit_field(site="labs"), POLICIES, id="site-edited"),
    pytest.param(edit_field(policy="other"), POLICIES, id="policy-edited"),
    pytest.param(duplicate, POLICIES, id="action-duplicated"),
]
PEOPLE = (IDLE, ADMIN, ACTIVE, BOT, NEWCOMER)


def unedited(policies: PolicySet) -> tuple[Plan, FakeDirectory, FakeDirectory]:
    plan, directory = setup(*PEOPLE, policies=policies)
    return plan, directory, FakeDirectory(directory.inventory)


def fresh_actions(policies: PolicySet) -> dict[str, Action]:
    """The fresh recomputation of the unedited plan: what the data at apply time justifies."""
    fresh = reconcile(policies, inventory(*PEOPLE), ledger=Ledger(), now=LATER)
    return {a.key: a for a in fresh.actions}


@pytest.mark.parametrize("holds_key", [False, True], ids=["editor-without-key", "key-holder"])
@pytest.mark.parametrize(("edit", "policies"), EDITS)
def test_an_edited_plan_changes_nothing_the_fresh_plan_does_not_justify(
    edit: Callable[[Plan], Plan], policies: PolicySet, holds_key: bool, tmp_path: Path
) -> None:
    plan, directory, reference = unedited(policies)
    run(plan, reference, tmp_path / "reference", policies=policies)  # what the reviewed plan does
    edited = sealed(edit(plan)) if holds_key else edit(plan)
    report = run(edited, directory, tmp_path / "edited", policies=policies)
    assert set(directory.changes) <= set(reference.changes)
    assert all(count == 1 for count in directory.changes.values())
    assert_audit_is_fresh(tmp_path / "edited", fresh_actions(policies))
    assert_ledger_within(tmp_path / "edited", reference=tmp_path / "reference")
    if not holds_key:
        assert report.count("refused") == 1
        assert [r for r in report.results if r.outcome != "refused"] == [
            r for r in report.results if r.recorded
        ]


def assert_audit_is_fresh(state: Path, fresh: dict[str, Action]) -> None:
    """Every record of an action carried out holds the fresh values; one record per action."""
    records = audit_lines(state)
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys))
    for record in records:
        if record["outcome"] in {"done", "already", "failed"}:
            wanted = fresh[str(record["key"])]
            assert (
                record["action"],
                record["account_id"],
                record["email"],
                record["site"],
                record["product"],
                record["policy"],
            ) == (
                wanted.action,
                wanted.account_id,
                wanted.email,
                wanted.site,
                wanted.product,
                wanted.policy,
            )
            assert set(record["groups"]) <= {g.name for g in wanted.groups}  # type: ignore[call-overload]


def assert_ledger_within(state: Path, *, reference: Path) -> None:
    def removed(path: Path) -> set[tuple[str, str]]:
        return {
            (r.account_id, g.id) for r in StateDir(path).read_ledger().removals for g in r.groups
        }

    assert removed(state) <= removed(reference)
    assert len(StateDir(state).read_ledger().removals) <= len(
        StateDir(reference).read_ledger().removals
    )


@pytest.mark.parametrize("holds_key", [False, True], ids=["editor-without-key", "key-holder"])
def test_an_expired_plan_stays_expired_whatever_its_expires_at_says(
    holds_key: bool, tmp_path: Path
) -> None:
    plan, directory = setup(IDLE)
    extended = plan.model_copy(update={"expires_at": datetime(2030, 1, 1, tzinfo=UTC)})
    extended = sealed(extended) if holds_key else extended
    with pytest.raises(BadInput, match=r"expired at 2026-11-30T06:00:00Z|its seal does not match"):
        run(extended, directory, tmp_path, now=NOW + timedelta(days=20))
    assert not directory.changes


FRACTION = policy_set(inactivity(), org=organization(safety={"max_revocation_fraction": 0.3}))


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param("none", id="as-reviewed"),
        pytest.param("seats-raised", id="summary-seats-raised"),
        pytest.param("seats-raised-and-sealed", id="summary-seats-raised-by-a-key-holder"),
    ],
)
def test_the_fraction_guard_counts_seats_now_not_in_the_file(edit: str, tmp_path: Path) -> None:
    idle = [account(f"idle-{n}", idle=90) for n in range(3)]
    busy = [account(f"busy-{n}", idle=1) for n in range(7)]
    plan, directory = setup(*idle, *busy, policies=FRACTION)  # 3 of 10 seats: within 30 %
    for person in busy[:4]:  # since the plan, four people left the product
        directory.set_activity(account(person.account_id, idle=1, groups=("g-staff",)))
    if edit != "none":
        raised = tuple(p.model_copy(update={"seats": 1000}) for p in plan.summary.by_product)
        summary = plan.summary.model_copy(update={"by_product": raised})
        plan = plan.model_copy(update={"summary": summary})
        plan = sealed(plan) if edit.endswith("sealed") else plan
    with pytest.raises((SafetyRefusal, BadInput)) as refused:
        run(plan, directory, tmp_path, policies=FRACTION)
    if edit != "seats-raised":
        assert "revokes 3 of 6 jira-software seats" in refused.value.message
    assert not directory.changes


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(flip("revoke", "grant"), id="kind-flipped-key-kept"),
        pytest.param(edit_field(account_id=ADMIN.account_id), id="account-swapped-key-kept"),
        pytest.param(edit_field(site="labs"), id="site-edited-key-kept"),
    ],
)
def test_a_sealed_entry_whose_key_names_another_action_is_refused(
    edit: Callable[[Plan], Plan], tmp_path: Path
) -> None:
    """Even sealed with the key, an entry must name its own kind, site, product and account
    in its key: apply looks the fresh action up by that key, and carries out none for it."""
    plan, directory = setup(*PEOPLE)
    report = run(sealed(edit(plan)), directory, tmp_path)
    [refused] = [r for r in report.results if r.outcome == "refused"]
    assert "its key does not name its own kind, site, product and account" in refused.detail
    assert IDLE.account_id not in {account for _, account, _ in directory.changes}


def test_a_reviewed_action_skipped_for_another_policy_is_audited_with_the_email_read_now(
    tmp_path: Path,
) -> None:
    """A key holder's edit that no longer matches the fresh action (here its policy) is skipped,
    and its audit record carries the account's e-mail as read now, never the file's."""
    plan, directory = setup(*PEOPLE)
    edited = edit_field(policy="other", email="ceo@acme.example")(plan)
    report = run(sealed(edited), directory, tmp_path)
    assert outcomes(report)[IDLE.account_id] == "skipped"
    [record] = [r for r in audit_lines(tmp_path) if r["account_id"] == IDLE.account_id]
    assert (record["outcome"], record["email"]) == ("skipped", IDLE.email)


def test_a_revoke_whose_seat_is_now_also_held_through_another_group_is_skipped(
    tmp_path: Path,
) -> None:
    """Added to another group granting the seat since the plan: removing only the reviewed
    groups would leave the seat held while the audit said revoked, so nothing is removed."""
    plan, directory = setup(IDLE)
    directory.set_activity(account(IDLE.account_id, idle=90, groups=("g-jsw", "g-testers")))
    report = run(plan, directory, tmp_path)
    [result] = report.results
    assert (result.outcome, result.detail) == (
        "skipped",
        "now also holds the seat through jira-testers, not in the reviewed plan; re-plan",
    )
    assert not directory.changes
    assert not StateDir(tmp_path).read_ledger().removals
