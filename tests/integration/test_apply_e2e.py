"""Apply end to end: a plan merged into a real git clone, carried out against the Atlassian
simulator over HTTP, the audit committed and pushed to a bare origin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from controller.app.cli import main
from controller.core.errors import ExitCode
from controller.core.plan import parse_plan
from controller.core.snapshot import Inventory, parse_inventory
from controller.sim.atlassian import SimConfig, create_app
from controller.sim.server import running
from tests.integration.git_sandbox import Origin, git, guard_git_environment, make_origin

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "policies" / "examples" / "inventory.json"
PLANNED_AT = "2026-11-23T06:00:00Z"
APPLIED_AT = "2026-11-23T09:00:00Z"
REVOKED = {"bob", "carol", "dave", "frank", "samuel.lee", "trent"}  # plus Peggy, e-mail hidden


def policy_files() -> dict[str, str]:
    """The example policies, with revocation straight away (no warning) and room to revoke."""
    files = {f"policies/{p.name}": p.read_text() for p in (ROOT / "policies").glob("*.yaml")}
    jsw = "policies/jira-software-inactivity.yaml"
    files[jsw] = files[jsw].replace("warn_before_days: 7", "warn_before_days: 0")
    org = "policies/organization.yaml"
    files[org] = files[org].replace("max_revocation_fraction: 0.30", "max_revocation_fraction: 0.5")
    files["state/README.md"] = "state\n"
    return files


@dataclass
class World:
    clone: Path
    origin: Origin
    base_url: str

    def sim_inventory(self) -> Inventory:
        data = httpx.get(f"{self.base_url}/__sim/inventory", timeout=10).content
        return parse_inventory(data, source="sim")

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.stdout + result.stderr


def sim_env(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    monkeypatch.setenv("ATLASSIAN_API_BASE", base_url)
    monkeypatch.setenv("ATLASSIAN_ADMIN_API_KEY", "sim-admin-key")
    monkeypatch.setenv("JIRA_EMAIL", "bot@example.com")
    monkeypatch.setenv("JIRA_API_TOKEN", "sim-jira-token")


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    guard_git_environment(monkeypatch, tmp_path / "home")
    origin = make_origin(tmp_path, files=policy_files())
    clone = origin.clone("work")
    monkeypatch.chdir(clone)
    seed = parse_inventory(EXAMPLE.read_bytes(), source="example")
    with running(create_app(seed, SimConfig(latency_ms=0)), port=0) as base_url:
        sim_env(monkeypatch, base_url)
        yield World(clone, origin, base_url)


def merge_plan(world: World, *extra: str) -> Path:
    """What a merged plan PR leaves on main: the plan file, committed and pushed."""
    code, output = world.cli(
        "plan", "--now", PLANNED_AT, "--out", "state/plans/current.yaml", *extra
    )
    assert code == ExitCode.OK, output
    plan = parse_plan((world.clone / "state/plans/current.yaml").read_bytes(), source="plan")
    target = world.clone / "state" / "plans" / f"{plan.id}.yaml"
    (world.clone / "state/plans/current.yaml").rename(target)
    git(world.clone, "add", "state")
    git(world.clone, "commit", "--quiet", "-m", f"Merge plan {plan.id}")
    git(world.clone, "push", "--quiet", "origin", "main")
    return target.relative_to(world.clone)


def groups_by_email(inventory: Inventory) -> dict[str, set[str]]:
    return {(a.email or a.account_id): set(a.groups) for a in inventory.accounts}


def test_apply_changes_exactly_the_plan_and_commits_the_audit(world: World) -> None:
    before = world.sim_inventory()
    plan_file = merge_plan(world)
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT, "--push")
    assert code == ExitCode.OK, output
    after = world.sim_inventory()
    expected = groups_by_email(before)
    for action in plan.actions:
        changed = {g.id for g in action.groups}
        who = action.email or action.account_id
        expected[who] = (
            expected[who] | changed if action.action == "grant" else expected[who] - changed
        )
    assert groups_by_email(after) == expected
    revoked = {(a.email or "").split("@")[0] for a in plan.actions if a.action == "revoke"}
    assert revoked == REVOKED | {""}
    assert [a.email for a in plan.actions if a.action == "warn"] == ["victor@acme.example"]
    audit = [
        json.loads(line)
        for line in (world.clone / "state/audit/2026-11.jsonl").read_text().splitlines()
    ]
    assert sorted(r["outcome"] for r in audit) == ["done"] * len(plan.actions)
    assert [a.email for a in plan.actions if a.action == "grant"] == ["rupert@acme.example"]
    assert {r["plan_id"] for r in audit} == {plan.id}
    log = git(world.origin.git_dir, "log", "-1", "--format=%s", "main")
    assert log == f"accessctl: apply {plan.id}"


def test_second_apply_does_nothing(world: World) -> None:
    plan_file = merge_plan(world)
    assert world.cli("apply", str(plan_file), "--now", APPLIED_AT)[0] == ExitCode.OK
    after_first = world.sim_inventory()
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.OK
    assert "already applied" in output
    assert world.sim_inventory() == after_first


def test_user_who_logs_in_between_plan_and_apply_keeps_the_seat(world: World) -> None:
    stale = json.loads(EXAMPLE.read_text())
    bob = next(a for a in stale["accounts"] if a["email"] == "bob@acme.example")
    live_bob = dict(bob, activity=[dict(bob["activity"][0], last_active="2026-11-23T07:30:00Z")])
    # The simulator serves the organization after Bob logged in; the plan was made before.
    httpx.post(f"{world.base_url}/__sim/reset", timeout=10)
    plan_file = merge_plan(world, "--inventory", str(EXAMPLE))
    live = dict(stale, accounts=[live_bob if a is bob else a for a in stale["accounts"]])
    with running(create_app(Inventory.model_validate(live), SimConfig()), port=0) as base_url:
        os.environ["ATLASSIAN_API_BASE"] = base_url
        code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
        bob_groups = {
            a.email: a.groups
            for a in World(world.clone, world.origin, base_url).sim_inventory().accounts
        }["bob@acme.example"]
    assert code == ExitCode.OK, output
    assert "active on 2026-11-23, after the plan" in output
    assert "7d1e0a52-jsw-acme" in bob_groups


def test_changed_policies_refuse_the_plan(world: World) -> None:
    plan_file = merge_plan(world)
    policy = world.clone / "policies/jira-software-inactivity.yaml"
    policy.write_text(
        policy.read_text().replace("inactive_after_days: 60", "inactive_after_days: 30")
    )
    before = world.sim_inventory()
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.BAD_INPUT
    assert "policies changed since plan" in output
    assert world.sim_inventory() == before


def test_expired_plan_is_refused(world: World) -> None:
    plan_file = merge_plan(world)
    code, output = world.cli("apply", str(plan_file), "--now", "2026-12-01T00:00:00Z")
    assert code == ExitCode.BAD_INPUT
    assert "expired at 2026-11-30T06:00:00Z" in output


def test_hand_added_action_is_refused_and_reported(world: World) -> None:
    plan_file = merge_plan(world)
    text = plan_file.read_text()
    first = text.index("- key: revoke:")
    block = text[first : text.index("- key: revoke:", first + 1)]
    walter = "557058:00000019-0000-4000-8000-000000000019"
    forged = block.replace(block.split("account_id: ")[1].split("\n")[0], walter)
    plan_file.write_text(
        text.replace(
            block,
            block
            + forged.replace(
                "key: revoke:acme:jira-software:" + block.split("jira-software:")[1].split("\n")[0],
                f"key: revoke:acme:jira-software:{walter}",
            ),
        )
    )
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.BAD_INPUT
    assert f"refused: revoke:acme:jira-software:{walter}: not in the reviewed plan" in output


def test_killed_apply_resumes_to_exactly_once(world: World, tmp_path: Path) -> None:
    plan_file = merge_plan(world)
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    slow = parse_inventory(EXAMPLE.read_bytes(), source="example")
    journal = world.clone / "state" / "journal" / f"{plan.id}.jsonl"
    with running(create_app(slow, SimConfig(latency_ms=400)), port=0) as base_url:
        env = {**os.environ, "ATLASSIAN_API_BASE": base_url}
        command = [sys.executable, "-m", "controller", "apply", str(plan_file), "--now", APPLIED_AT]
        process = subprocess.Popen(
            command, cwd=world.clone, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _finished_actions(journal) < 2:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        killed_after = _finished_actions(journal)
        assert 2 <= killed_after < len(plan.actions)
        done = subprocess.run(
            command,
            cwd=world.clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == ExitCode.OK, done.stderr
        final = parse_inventory(
            httpx.get(f"{base_url}/__sim/inventory", timeout=10).content, source="sim"
        )
    finished = [json.loads(line) for line in journal.read_text().splitlines() if '"after"' in line]
    assert sorted(e["key"] for e in finished) == sorted(a.key for a in plan.actions)
    audit = (world.clone / "state/audit/2026-11.jsonl").read_text().splitlines()
    assert len(audit) == len(plan.actions)
    for action in plan.actions:
        account = next(a for a in final.accounts if a.account_id == action.account_id)
        groups = {g.id for g in action.groups}
        if action.action == "grant":
            assert groups <= set(account.groups)
        else:
            assert not groups & set(account.groups)


def _finished_actions(journal: Path) -> int:
    if not journal.exists():
        return 0
    return sum(1 for line in journal.read_text().splitlines() if '"after"' in line)


def test_pending_applies_every_waiting_plan_and_marks_a_stale_one_refused(world: World) -> None:
    stale = merge_plan(world)  # made at PLANNED_AT, expires a week later
    code, output = world.cli("apply", "--pending", "--now", "2026-12-01T00:00:00Z")
    assert code == ExitCode.BAD_INPUT
    assert f"{stale}: not applied: " in output
    assert "expired at 2026-11-30T06:00:00Z" in output
    marker = json.loads((world.clone / "state/plans" / f"{stale.stem}.refused.json").read_text())
    assert marker["plan_id"] == stale.stem
    assert (
        git(world.clone, "log", "-1", "--format=%s")
        == f"accessctl: plan {stale.stem} refused on apply"
    )
    # The refused plan is not tried again; a fresh plan merged later is applied.
    fresh = merge_plan(world, "--now", "2026-12-01T00:00:00Z")
    code, output = world.cli("apply", "--pending", "--now", "2026-12-01T01:00:00Z")
    assert code == ExitCode.OK, output
    assert (world.clone / "state/plans" / f"{fresh.stem}.applied.json").exists()
    assert "expired" not in output
    code, output = world.cli("apply", "--pending", "--now", "2026-12-01T02:00:00Z")
    assert (code, "no merged plan is waiting to be applied" in output) == (ExitCode.OK, True)


def test_plan_or_pending_but_not_both(world: World) -> None:
    assert world.cli("apply")[0] == ExitCode.BAD_INPUT
    assert world.cli("apply", "x.yaml", "--pending")[0] == ExitCode.BAD_INPUT
