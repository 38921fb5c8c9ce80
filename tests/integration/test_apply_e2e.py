"""Apply end to end: a plan merged into a real git clone, carried out against the Atlassian
simulator over HTTP, the audit committed and pushed to a bare origin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from controller.adapters.state_dir import StateDir
from controller.app.cli import main
from controller.core.errors import ExitCode
from controller.core.plan import Plan, parse_plan
from controller.core.policy.models import JiraApi
from controller.core.snapshot import Inventory, parse_inventory
from tests.integration.git_sandbox import Origin, git
from tests.integration.policy_repo import (
    APPLIED_AT,
    PLANNED_AT,
    PolicyClone,
    revoking_policy_files,
)
from tests.integration.sim_atlassian_support import DIR, AtlassianSim, ServeAtlassian

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "policies" / "examples" / "inventory.json"
REVOKED = {"bob", "carol", "dave", "frank", "samuel.lee", "trent"}  # plus Peggy, e-mail hidden


@dataclass
class World:
    repo: PolicyClone
    sim: AtlassianSim

    @property
    def clone(self) -> Path:
        return self.repo.clone

    @property
    def origin(self) -> Origin:
        return self.repo.origin

    def cli(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def world(policy_clone: Callable[..., PolicyClone], atlassian_sim: ServeAtlassian) -> World:
    repo = policy_clone(files=revoking_policy_files())
    return World(repo, atlassian_sim(parse_inventory(EXAMPLE.read_bytes(), source="example")))


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
    before = world.sim.inventory()
    plan_file = merge_plan(world)
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT, "--push")
    assert code == ExitCode.OK, output
    after = world.sim.inventory()
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


LAPSED = """\
version: 1
kind: Exclusions
name: lapsed
entries:
  - account: gone@acme.example
    reason: Left in the summer.
    owner: it-ops@acme.example
    expires: 2026-10-01
"""


def test_apply_prints_the_policy_warnings_once(world: World) -> None:
    world.repo.commit({"policies/lapsed.yaml": LAPSED}, message="an exclusion that has ended")
    plan_file = merge_plan(world)
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.OK, output
    warnings = [line for line in output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "exclusion for 'gone@acme.example' expired on 2026-10-01" in warnings[0]


def test_second_apply_does_nothing(world: World) -> None:
    plan_file = merge_plan(world)
    assert world.cli("apply", str(plan_file), "--now", APPLIED_AT)[0] == ExitCode.OK
    after_first = world.sim.inventory()
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.OK
    assert "already applied" in output
    assert world.sim.inventory() == after_first


def test_user_who_logs_in_between_plan_and_apply_keeps_the_seat(
    world: World, atlassian_sim: ServeAtlassian
) -> None:
    stale = json.loads(EXAMPLE.read_text())
    bob = next(a for a in stale["accounts"] if a["email"] == "bob@acme.example")
    live_bob = dict(bob, activity=[dict(bob["activity"][0], last_active="2026-11-23T07:30:00Z")])
    plan_file = merge_plan(world, "--inventory", str(EXAMPLE))
    # The organization after Bob logged in; the plan was made before.
    live = dict(stale, accounts=[live_bob if a is bob else a for a in stale["accounts"]])
    served = atlassian_sim(Inventory.model_validate(live))
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    bob_groups = next(a.groups for a in served.inventory().accounts if a.email == bob["email"])
    assert code == ExitCode.OK, output
    assert "active on 2026-11-23, after the plan" in output
    assert "7d1e0a52-jsw-acme" in bob_groups


def test_changed_policies_refuse_the_plan(world: World) -> None:
    plan_file = merge_plan(world)
    policy = world.clone / "policies/jira-software-inactivity.yaml"
    policy.write_text(
        policy.read_text().replace("inactive_after_days: 60", "inactive_after_days: 30")
    )
    before = world.sim.inventory()
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.BAD_INPUT
    assert "policies changed since plan" in output
    assert world.sim.inventory() == before


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


KILL_POINTS = [
    pytest.param("before", 1, id="journal-begun-no-change-made"),
    pytest.param("write", 3, id="third-change-made-not-journaled"),
    pytest.param("after", 2, id="second-action-journaled"),
    pytest.param("applied", 1, id="marker-written-not-committed"),
]


def killed(
    world: World,
    point: str,
    count: int,
    *arguments: str,
    run_id: str | None = None,
    serial: bool = False,
) -> None:
    """Run accessctl in the clone, killed at `point` the `count`th time it gets there; `serial`:
    one change at a time, so that exactly the plan's first actions are done."""
    hook = [sys.executable, "-m", "tests.integration.killed_at_journal", point, str(count)]
    hook += ["--serial"] if serial else []
    done = subprocess.run(
        [*hook, *arguments],
        cwd=world.clone,
        env=environment(run_id),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


def accessctl_in(
    clone: Path, *arguments: str, run_id: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "controller", *arguments],
        cwd=clone,
        env=environment(run_id),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def environment(run_id: str | None) -> dict[str, str]:
    """The environment of a run; `run_id` as GitHub Actions sets it (a re-run keeps it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GITHUB_RUN_ID", None)
    return env | ({"GITHUB_RUN_ID": run_id} if run_id else {})


@pytest.mark.parametrize("pending", [False, True], ids=["the-plan-named", "pending"])
@pytest.mark.parametrize(("point", "count"), KILL_POINTS)
def test_killed_apply_resumes_to_exactly_once(
    world: World, point: str, count: int, pending: bool
) -> None:
    """Re-run in the same clone, naming the plan or as the apply workflow runs it (`--pending`),
    which must also finish a plan whose applied marker was written and not committed."""
    plan_file = merge_plan(world)
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    which = ["--pending"] if pending else [str(plan_file)]
    arguments = ["apply", *which, "--now", APPLIED_AT, "--push"]
    killed(world, point, count, *arguments)
    done = accessctl_in(world.clone, *arguments)
    assert done.returncode == ExitCode.OK, done.stderr
    assert_applied_once(world, plan, state=world.clone / "state")
    pushed = git(world.origin.git_dir, "show", f"main:state/plans/{plan.id}.applied.json")
    assert json.loads(pushed)["plan_id"] == plan.id


def assert_applied_once(world: World, plan: Plan, *, state: Path) -> None:
    """Every reviewed action done once, audited once as done, in the ledger, in the org."""
    journal = StateDir(state).read_journal(plan.id)
    finished = [e for e in journal if e.phase == "after"]
    assert sorted(e.key for e in finished) == sorted(a.key for a in plan.actions)
    audit = StateDir(state).audit_log()
    assert sorted(r.key for r in audit) == sorted(a.key for a in plan.actions)
    assert {r.outcome for r in audit} == {"done"}
    removals = StateDir(state).read_ledger().removals
    revokes = [a for a in plan.actions if a.action == "revoke"]
    assert sorted((r.account_id, r.groups) for r in removals) == sorted(
        (a.account_id, a.groups) for a in revokes
    )
    final = world.sim.inventory()
    for action in plan.actions:
        account = next(a for a in final.accounts if a.account_id == action.account_id)
        groups = {g.id for g in action.groups}
        if action.action == "grant":
            assert groups <= set(account.groups)
        else:
            assert not groups & set(account.groups)


def journal_phases(journal: Path) -> list[str]:
    return [json.loads(line)["phase"] for line in journal.read_text().splitlines()]


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


# --- a plan file edited after review: the cases an adversarial review reproduced -------------

HEIDI = "557058:00000008-0000-4000-8000-000000000008"  # a site admin, in jira-software-users
BOT = "557058:00000020-0000-4000-8000-000000000020"  # the accessctl bot (the credentials' owner)
STAFF = {"id": "7d1e0a59-staff", "name": "staff"}


def first_revoke(data: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in data["actions"] if a["action"] == "revoke")


def copy_onto(account_id: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["actions"].append(dict(first_revoke(data), account_id=account_id))

    return edit


def add_staff(data: dict[str, Any]) -> None:
    first_revoke(data)["groups"].append(STAFF)


def duplicate(data: dict[str, Any]) -> None:
    data["actions"].append(dict(first_revoke(data)))


def raise_seats(data: dict[str, Any]) -> None:
    for product in data["summary"]["by_product"]:
        product["seats"] = 1000


def extend(data: dict[str, Any]) -> None:
    data["expires_at"] = "2030-01-01T00:00:00Z"


def edit_plan(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    yaml = YAML(typ="safe")
    data = yaml.load(path.read_text())
    edit(data)
    with path.open("w") as stream:
        yaml.dump(data, stream)


@pytest.mark.parametrize(
    ("edit", "refused"),
    [
        pytest.param(copy_onto(HEIDI), "not in the reviewed plan", id="revoke-copied-onto-admin"),
        pytest.param(copy_onto(BOT), "not in the reviewed plan", id="revoke-copied-onto-the-bot"),
        pytest.param(add_staff, "not in the reviewed plan", id="staff-added-to-a-revoke"),
        pytest.param(duplicate, "listed again", id="revoke-duplicated"),
        pytest.param(raise_seats, "its seal does not match", id="summary-seats-raised"),
        pytest.param(extend, "its seal does not match", id="expires-at-extended"),
    ],
)
def test_a_plan_edited_after_review_runs_only_what_was_reviewed(
    world: World, edit: Callable[[dict[str, Any]], None], refused: str
) -> None:
    plan_file = merge_plan(world)
    reviewed = parse_plan(plan_file.read_bytes(), source="plan")
    edit_plan(world.clone / plan_file, edit)
    before = world.sim.inventory()
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.BAD_INPUT, output
    assert refused in output
    after = {a.account_id: set(a.groups) for a in world.sim.inventory().accounts}
    untouched = {a.account_id for a in before.accounts} - {a.account_id for a in reviewed.actions}
    assert all(
        after[i] == set(a.groups) for a in before.accounts if (i := a.account_id) in untouched
    )
    assert STAFF["id"] in after[first_revoke_of(reviewed)]
    audit = StateDir(world.clone / "state").audit_log()
    assert len({r.key for r in audit}) == len(audit)
    assert {r.account_id for r in audit} <= {a.account_id for a in reviewed.actions}


def first_revoke_of(plan: Plan) -> str:
    return next(a.account_id for a in plan.actions if a.action == "revoke")


def test_apply_without_the_plan_key_changes_nothing_and_names_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_file = merge_plan(world)
    monkeypatch.delenv("ACCESSCTL_PLAN_KEY")
    before = world.sim.inventory()
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.BAD_INPUT
    assert output.startswith("error: ACCESSCTL_PLAN_KEY is not set")
    assert world.sim.inventory() == before


def test_a_plan_file_named_otherwise_than_its_id_is_refused_not_left_pending(
    world: World,
) -> None:
    plan_file = merge_plan(world)
    other = plan_file.with_name("plan-20261123-060000-00000000.yaml")
    (world.clone / plan_file).rename(world.clone / other)
    code, output = world.cli("apply", str(other), "--now", APPLIED_AT)
    assert code == ExitCode.BAD_INPUT
    assert f"holds plan {plan_file.stem} but is named" in output
    code, output = world.cli("apply", "--pending", "--now", APPLIED_AT)
    assert code == ExitCode.BAD_INPUT
    assert (world.clone / "state/plans/plan-20261123-060000-00000000.refused.json").exists()
    code, output = world.cli("apply", "--pending", "--now", APPLIED_AT)
    assert (code, "no merged plan is waiting to be applied" in output) == (ExitCode.OK, True)


def test_a_plan_id_that_climbs_out_of_state_writes_nothing_outside(world: World) -> None:
    plan_file = merge_plan(world)
    edit_plan(world.clone / plan_file, lambda data: data.update(id="../../../../tmp/x"))
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.BAD_INPUT
    assert "id: String should match pattern" in output
    assert not (world.clone / "state" / "journal").exists()


# --- across clones: the apply lock ----------------------------------------------------------


def lock_ref(plan: Plan) -> str:
    return f"refs/accessctl/apply/{plan.id}"


def remote_has(world: World, ref: str) -> bool:
    return bool(git(world.origin.git_dir, "for-each-ref", "--format=%(refname)", ref))


@pytest.mark.parametrize(("point", "count"), KILL_POINTS)
def test_a_killed_apply_is_finished_by_its_re_run_from_a_fresh_clone(
    world: World, point: str, count: int
) -> None:
    """A GitHub Actions re-run starts on a new runner: a fresh clone, the same run id."""
    plan_file = merge_plan(world)
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    arguments = ["apply", "--pending", "--now", APPLIED_AT, "--push"]
    killed(world, point, count, *arguments, run_id="4242")
    fresh = world.origin.clone("rerun")
    done = accessctl_in(fresh, *arguments, run_id="4242")
    assert done.returncode == ExitCode.OK, done.stderr
    # Killed before it published its journal with the lock, the first run had changed nothing.
    resumed = f"resuming {plan.id}: {len(plan.actions)} journal lines from the apply lock"
    assert (resumed in done.stderr) == (point != "before"), done.stderr
    git(fresh, "pull", "--quiet", "--rebase", "origin", "main")
    assert_applied_once(world, plan, state=fresh / "state")
    assert not remote_has(world, lock_ref(plan))


def test_an_apply_that_does_not_hold_the_lock_does_nothing(world: World) -> None:
    plan_file = merge_plan(world)
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    arguments = ["apply", "--pending", "--now", APPLIED_AT, "--push"]
    killed(world, "before", 1, *arguments, run_id="1")  # holds the lock, changed nothing yet
    before = world.sim.inventory()
    other = world.origin.clone("other")
    done = accessctl_in(other, *arguments, run_id="2")
    assert done.returncode == ExitCode.OK, done.stderr
    assert f"plan {plan.id} is being applied by GitHub Actions run 1" in done.stderr
    assert "nothing done here" in done.stderr
    assert world.sim.inventory() == before
    assert not (other / "state" / "journal").exists()
    assert git(other, "status", "--porcelain") == ""
    assert remote_has(world, lock_ref(plan))
    # Once the lease has run out, anyone may take the lock over and finish.
    later = accessctl_in(other, "apply", "--pending", "--now", "2026-11-23T15:30:00Z", "--push")
    assert later.returncode == ExitCode.OK, later.stderr
    assert not remote_has(world, lock_ref(plan))


def test_two_applies_racing_from_two_clones_act_once(world: World) -> None:
    plan_file = merge_plan(world)
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    clones = [world.origin.clone(f"runner-{n}") for n in (1, 2)]
    arguments = ["-m", "controller", "apply", "--pending", "--now", APPLIED_AT, "--push"]
    running = [
        subprocess.Popen(
            [sys.executable, *arguments],
            cwd=clone,
            env=environment(run_id=str(n)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, clone in enumerate(clones, start=1)
    ]
    outputs = [process.communicate(timeout=120) for process in running]
    assert [p.returncode for p in running] == [ExitCode.OK, ExitCode.OK], outputs
    acted = [clone for clone in clones if (clone / "state" / "journal").exists()]
    assert len(acted) == 1, outputs
    git(acted[0], "pull", "--quiet", "--rebase", "origin", "main")
    assert_applied_once(world, plan, state=acted[0] / "state")
    pushed = git(world.origin.git_dir, "show", "main:state/audit/2026-11.jsonl").splitlines()
    assert sorted(json.loads(line)["outcome"] for line in pushed) == ["done"] * len(plan.actions)


class Refused(NamedTuple):
    """A merged plan `apply --pending` refuses whole, and how."""

    plan_file: Path
    reason: str
    now: str
    exit_code: ExitCode


def expired(world: World, plan_file: Path) -> Refused:
    """Refused in apply, under its lock: the plan has expired."""
    reason = "expired at 2026-11-30T06:00:00Z"
    return Refused(plan_file, reason, "2026-12-01T00:00:00Z", ExitCode.BAD_INPUT)


def misnamed(world: World, plan_file: Path) -> Refused:
    """Refused on reading, before any lock: the file is named after another id."""
    other = plan_file.with_name("plan-20261123-060000-00000000.yaml")
    git(world.clone, "mv", str(plan_file), str(other))
    git(world.clone, "commit", "--quiet", "-m", "Merge a misnamed plan")
    git(world.clone, "push", "--quiet", "origin", "main")
    return Refused(other, "but is named", APPLIED_AT, ExitCode.BAD_INPUT)


def over_the_limit(world: World, plan_file: Path) -> Refused:
    """Refused in apply, under its lock, by a safety guard: every account the plan leaves
    alone (but the bot) was suspended since, so its revocations are most of the seats now."""
    named = {a.account_id for a in parse_plan(plan_file.read_bytes(), source="plan").actions}
    admin = {"Authorization": f"Bearer {world.sim.config.admin_key}"}
    for account in world.sim.inventory().accounts:
        if account.account_id not in named | {BOT}:
            url = f"{world.sim.base_url}{DIR}/users/{account.account_id}/suspend"
            httpx.post(url, headers=admin, json={}, timeout=10).raise_for_status()
    return Refused(plan_file, "max_revocation_fraction", APPLIED_AT, ExitCode.REFUSED)


@pytest.mark.parametrize(
    "refusal", [expired, misnamed, over_the_limit], ids=["expired", "misnamed", "over-the-limit"]
)
@pytest.mark.parametrize("fresh", [False, True], ids=["same-clone", "fresh-clone"])
def test_a_refusal_killed_before_its_commit_is_committed_and_reported_by_the_re_run(
    world: World, refusal: Callable[[World, Path], Refused], fresh: bool
) -> None:
    """`--pending` finishes a refusal a killed run marked and never committed: it reports it,
    commits and pushes the marker, and fails as the refusal did. The lock, if taken, is gone
    once the plan is refused (nothing was changed under it), before the marker is written."""
    refused = refusal(world, merge_plan(world))
    stem = refused.plan_file.stem
    arguments = ["apply", "--pending", "--now", refused.now, "--push"]
    killed(world, "refused", 1, *arguments, run_id="77")
    marker = f"state/plans/{stem}.refused.json"
    assert git(world.clone, "status", "--porcelain", "--", marker) == f"?? {marker}"
    lock = f"refs/accessctl/apply/{stem}"
    assert not remote_has(world, lock)
    clone = world.origin.clone("rerun") if fresh else world.clone
    done = accessctl_in(clone, *arguments, run_id="77")
    assert done.returncode == refused.exit_code, done.stderr
    assert f"{refused.plan_file}: not applied: " in done.stderr
    assert refused.reason in done.stderr
    pushed = json.loads(git(world.origin.git_dir, "show", f"main:{marker}"))
    assert refused.reason in pushed["reasons"][0]
    log = git(world.origin.git_dir, "log", "-1", "--format=%s", "main")
    assert log == f"accessctl: plan {stem} refused on apply"
    assert git(clone, "status", "--porcelain") == ""
    assert not remote_has(world, lock)
    again = accessctl_in(clone, *arguments, run_id="78")
    assert again.returncode == ExitCode.OK, again.stderr
    assert "no merged plan is waiting to be applied" in again.stderr


# --- a plan a killed run started, re-run when it would no longer be let start ----------------

PAST_EXPIRY = "2026-11-30T07:00:00Z"  # the plan expired at 06:00
STARTED = [
    pytest.param("after", 2, id="two-actions-journaled"),
    pytest.param("write", 3, id="third-change-made-not-journaled"),
]


def changes_in_effect(world: World, plan: Plan) -> set[str]:
    """The plan's revocations and grants that Atlassian shows carried out."""
    accounts = {a.account_id: set(a.groups) for a in world.sim.inventory().accounts}
    made = set()
    for action in (a for a in plan.actions if a.action in {"revoke", "grant"}):
        groups = {g.id for g in action.groups}
        held = groups & accounts[action.account_id]
        if (held == groups) if action.action == "grant" else not held:
            made.add(action.key)
    return made


def rerun_in(world: World, *, fresh: bool) -> Path:
    """The clone a re-run starts from: the killed run's, or a new runner's fresh clone."""
    return world.origin.clone("rerun") if fresh else world.clone


@pytest.mark.parametrize("fresh", [False, True], ids=["same-clone", "fresh-clone"])
@pytest.mark.parametrize(("point", "count"), STARTED)
def test_a_started_plan_is_finished_past_its_expiry(
    world: World, point: str, count: int, fresh: bool
) -> None:
    """`expires_at` bounds when a plan may start: one a killed run started is finished after
    it, from its journal (local, or published with the lock), each action re-checked."""
    plan = parse_plan(merge_plan(world).read_bytes(), source="plan")
    arguments = ["apply", "--pending", "--now", APPLIED_AT, "--push"]
    killed(world, point, count, *arguments, run_id="31", serial=True)
    clone = rerun_in(world, fresh=fresh)
    later = ["apply", "--pending", "--now", PAST_EXPIRY, "--push"]
    done = accessctl_in(clone, *later, run_id="31")
    assert done.returncode == ExitCode.OK, done.stderr
    git(clone, "pull", "--quiet", "--rebase", "origin", "main")
    assert_applied_once(world, plan, state=clone / "state")
    assert not remote_has(world, lock_ref(plan))


@pytest.mark.parametrize("fresh", [False, True], ids=["same-clone", "fresh-clone"])
@pytest.mark.parametrize(("point", "count"), STARTED)
def test_a_started_plan_refused_on_its_re_run_records_what_was_done_first(
    world: World, point: str, count: int, fresh: bool
) -> None:
    """A safety guard refuses the re-run: what the killed run did is audited and in the ledger
    once, the rest is not done, and the refusal, saying so, is committed and pushed."""
    plan_file = merge_plan(world)
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    arguments = ["apply", "--pending", "--now", APPLIED_AT, "--push"]
    killed(world, point, count, *arguments, run_id="32", serial=True)
    made = changes_in_effect(world, plan)
    assert 0 < len(made) <= count  # a warning changes the ledger only
    over_the_limit(world, plan_file)
    clone = rerun_in(world, fresh=fresh)
    done = accessctl_in(clone, *arguments, run_id="32")
    assert done.returncode == ExitCode.REFUSED, done.stderr
    assert "max_revocation_fraction" in done.stderr
    assert changes_in_effect(world, plan) == made  # nothing more was done
    git(clone, "pull", "--quiet", "--rebase", "origin", "main")
    state = StateDir(clone / "state")
    audit = state.audit_log()
    assert sorted(r.key for r in audit) == sorted(a.key for a in plan.actions)  # each once
    changed = {r.key for r in audit if r.executed and r.action != "warn"}
    assert changed == made
    revoked = [a for a in plan.actions if a.key in made and a.action == "revoke"]
    removals = state.read_ledger().removals
    assert sorted((r.account_id, r.groups) for r in removals) == sorted(
        (a.account_id, a.groups) for a in revoked
    )
    pushed = git(world.origin.git_dir, "show", f"main:state/plans/{plan.id}.refused.json")
    marker = json.loads(pushed)
    assert "max_revocation_fraction" in marker["reasons"][0]
    executed = sum(r.executed for r in audit)
    assert any(f"{executed} of the {len(plan.actions)} " in line for line in marker["reasons"])
    assert not remote_has(world, lock_ref(plan))
    again = accessctl_in(clone, *arguments, run_id="33")
    assert again.returncode == ExitCode.OK, again.stderr
    assert "no merged plan is waiting to be applied" in again.stderr


def world_on(
    jira_api: JiraApi,
    *,
    policy_clone: Callable[..., PolicyClone],
    atlassian_sim: ServeAtlassian,
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    """The example world, with the Organization's `jira_api` and the token kind it takes."""
    files = revoking_policy_files()
    org = "policies/organization.yaml"
    files[org] = files[org].replace("jira_api: site ", f"jira_api: {jira_api} ")
    sim = atlassian_sim(parse_inventory(EXAMPLE.read_bytes(), source="example"))
    for name, value in sim.environ(jira_api=jira_api).items():
        monkeypatch.setenv(name, value)
    return World(policy_clone(files=files), sim)


@pytest.mark.parametrize(
    ("jira_api", "door"), [("site", "/site/{site}/"), ("gateway", "/ex/jira/{cloud_id}/")]
)
def test_both_jira_token_kinds_plan_and_apply_end_to_end(
    jira_api: JiraApi,
    door: str,
    policy_clone: Callable[..., PolicyClone],
    atlassian_sim: ServeAtlassian,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = world_on(
        jira_api, policy_clone=policy_clone, atlassian_sim=atlassian_sim, monkeypatch=monkeypatch
    )
    plan_file = merge_plan(world)
    code, output = world.cli("apply", str(plan_file), "--now", APPLIED_AT)
    assert code == ExitCode.OK, output
    plan = parse_plan(plan_file.read_bytes(), source="plan")
    after = {a.account_id: set(a.groups) for a in world.sim.inventory().accounts}
    for action in (a for a in plan.actions if a.action == "revoke"):
        assert not after[action.account_id] & {g.id for g in action.groups}
    jira = [route for route in world.sim.stats()["requests"] if "/rest/api/3/" in route]
    assert jira
    assert all(door in route for route in jira)


def test_a_classic_token_through_the_gateway_fails_with_what_to_change(
    policy_clone: Callable[..., PolicyClone],
    atlassian_sim: ServeAtlassian,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = world_on(
        "gateway", policy_clone=policy_clone, atlassian_sim=atlassian_sim, monkeypatch=monkeypatch
    )
    monkeypatch.setenv("JIRA_API_TOKEN", world.sim.config.jira_token)  # classic, not scoped
    code, output = world.cli("plan", "--now", PLANNED_AT)
    assert code == ExitCode.FAILURE
    assert "401" in output
    assert "a classic token needs `jira_api: site`" in output
    assert world.sim.config.jira_token not in output
