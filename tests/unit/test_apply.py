"""Apply, on an in-memory directory: exactly the reviewed plan, re-checked, journaled, once."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from controller.adapters.state_dir import StateDir
from controller.app.executor import ApplyReport, ApplyRun, apply_plan
from controller.core.errors import BadInput, SafetyRefusal
from controller.core.ledger import Ledger
from controller.core.plan import Plan, dump_plan_yaml, parse_plan
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account
from tests.factories import NOW, account, inactivity, inventory, organization, policy_set, warned
from tests.fakes import FakeDirectory

LATER = NOW + timedelta(hours=2)
POLICIES = policy_set(inactivity())


def setup(*people: Account, policies: PolicySet = POLICIES) -> tuple[Plan, FakeDirectory]:
    snapshot = inventory(*people)
    return reconcile(policies, snapshot, ledger=Ledger(), now=NOW), FakeDirectory(snapshot)


def run(
    plan: Plan,
    directory: FakeDirectory,
    tmp_path: Path,
    *,
    policies: PolicySet = POLICIES,
    now: datetime = LATER,
    dry_run: bool = False,
) -> ApplyReport:
    state = StateDir(tmp_path)
    return apply_plan(
        ApplyRun(
            plan=plan,
            policies=policies,
            directory=directory,
            state=state,
            now=now,
            commit="abc123",
            dry_run=dry_run,
        )
    )


def outcomes(report: ApplyReport) -> dict[str, str]:
    return {r.action.account_id: r.outcome for r in report.results}


def test_applies_revokes_and_writes_audit_ledger_and_marker(tmp_path: Path) -> None:
    plan, directory = setup(
        account("idle", idle=90, groups=("g-jsw", "g-testers")), account("busy", idle=1)
    )
    report = run(plan, directory, tmp_path)
    assert outcomes(report) == {"idle": "done"}
    assert directory.changes == {("remove", "idle", "g-jsw"): 1, ("remove", "idle", "g-testers"): 1}
    audit = [
        json.loads(line) for line in (tmp_path / "audit" / "2026-11.jsonl").read_text().splitlines()
    ]
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
    assert len((tmp_path / "audit" / "2026-11.jsonl").read_text().splitlines()) == 1


def test_killed_apply_resumes_exactly_once(tmp_path: Path) -> None:
    people = [account(f"idle-{n}", idle=90, groups=("g-jsw", "g-testers")) for n in range(4)]
    plan, directory = setup(*people)
    directory.crash_after = 3
    with pytest.raises(KeyboardInterrupt):
        run(plan, directory, tmp_path)
    assert StateDir(tmp_path).applied_marker(plan.id) is None
    directory.crash_after = None
    report = run(plan, directory, tmp_path)
    assert set(outcomes(report).values()) <= {"done", "already"}
    assert len(directory.changes) == 8
    assert set(directory.changes.values()) == {1}
    audit = (tmp_path / "audit" / "2026-11.jsonl").read_text().splitlines()
    assert len(audit) == 4


def test_user_active_since_the_plan_keeps_the_seat(tmp_path: Path) -> None:
    plan, directory = setup(account("back", idle=90), account("idle", idle=90))
    directory.set_activity(account("back", idle=0.01))
    report = run(plan, directory, tmp_path)
    result = next(r for r in report.results if r.action.account_id == "back")
    assert result.outcome == "skipped"
    assert result.detail == "active on 2026-11-23, after the plan"
    assert ("remove", "back", "g-jsw") not in directory.changes


def test_hand_added_action_is_refused(tmp_path: Path) -> None:
    plan, directory = setup(
        account("idle", idle=90), account("other", idle=90, email="o@acme.example")
    )
    forged = dataclasses.replace(
        plan.actions[0], key="revoke:acme:jira-software:other", account_id="other"
    )
    edited = parse_plan(
        dump_plan_yaml(plan.model_copy(update={"actions": (*plan.actions[:1], forged)})), source="p"
    )
    report = run(edited, directory, tmp_path)
    assert outcomes(report)["other"] == "refused"
    assert "added or edited by hand" in report.results[1].detail
    assert ("remove", "other", "g-jsw") not in directory.changes


def test_hand_edited_groups_are_refused(tmp_path: Path) -> None:
    plan, directory = setup(account("idle", idle=90, groups=("g-jsw", "g-staff")))
    action = plan.actions[0]
    widened = dataclasses.replace(
        action, groups=(*action.groups, dataclasses.replace(action.groups[0], id="g-staff"))
    )
    report = run(plan.model_copy(update={"actions": (widened,)}), directory, tmp_path)
    assert outcomes(report) == {"idle": "refused"}
    assert not directory.changes


def test_one_failure_does_not_stop_the_others(tmp_path: Path) -> None:
    plan, directory = setup(account("bad", idle=90), account("good", idle=90))
    directory.fail_for = {"bad"}
    report = run(plan, directory, tmp_path)
    assert outcomes(report) == {"bad": "failed", "good": "done"}
    assert "HTTP 500" in report.failures[0].detail
    audit = [
        json.loads(line) for line in (tmp_path / "audit" / "2026-11.jsonl").read_text().splitlines()
    ]
    assert {r["account_id"]: r["error"] for r in audit} == {
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
        run(tightened, directory, tmp_path, policies=strict)
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
        plan = reconcile(policies, directory.inventory, ledger=state.read_ledger(), now=when)
        apply_plan(
            ApplyRun(plan=plan, policies=policies, directory=directory, state=state, now=when)
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
    plan = reconcile(policies, snapshot, ledger=Ledger(), now=NOW)
    StateDir(tmp_path).write_ledger(Ledger(warnings=(warned("u1", days=0.01),)))
    report = apply_plan(
        ApplyRun(
            plan=plan,
            policies=policies,
            directory=FakeDirectory(snapshot),
            state=StateDir(tmp_path),
            now=LATER,
        )
    )
    assert outcomes(report) == {"u1": "already"}


def test_a_grant_adds_the_groups(tmp_path: Path) -> None:
    from controller.core.policy.models import AccessGrants

    entry = {"account": "new@acme.example", "product": "jira-software", "reason": "PR #9"}
    doc = AccessGrants.model_validate(
        {"version": 1, "kind": "AccessGrants", "name": "requests", "grants": [entry]}
    )
    policies = POLICIES.model_copy(update={"grants": (doc,)})
    snapshot = inventory(account("new", groups=("g-staff",)))
    plan = reconcile(policies, snapshot, ledger=Ledger(), now=NOW)
    directory = FakeDirectory(snapshot)
    report = apply_plan(
        ApplyRun(
            plan=plan, policies=policies, directory=directory, state=StateDir(tmp_path), now=LATER
        )
    )
    assert outcomes(report) == {"new": "done"}
    assert directory.changes == {("add", "new", "g-jsw"): 1}
