"""Benchmark: `accessctl plan --inventory` on 100,000 accounts x 10 policies, as a whole process.

Target (issue: scale): wall time <= 3x a plain `json.load` of the same snapshot file, measured in
the same run, and peak RSS <= 300 MB. Both are whole processes started the same way (a fresh
interpreter), so imports count for the CLI as they would for a user; peak RSS is each child's
own (`os.wait4`). The plan is the worst case for output: the safety limits are opened so that
every one of the ~28,000 actions is checked, sealed with a plan key (as the workflows do:
`plan --out` requires one) and written as YAML. Prints the figures and ratios; asserts nothing
about time (run with `make bench`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from controller.core.plan.seal import PLAN_KEY_VARIABLE
from controller.core.policy.policy_set import PolicySet
from controller.core.snapshot import dump_inventory
from tests.benchmarks.test_reconcile_bench import ACCOUNTS, NOW, build_inventory, build_policies

RUNS = 3
TIME_BOUND = 3.0  # x json.load of the same file
RSS_BOUND_MB = 300
ROOT = Path(__file__).parents[2]


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # user + system: what a busy machine inflates least
    peak_rss_mb: float
    output: str


def run_child(command: list[str]) -> Run:
    """One process: its wall time and its own peak RSS (not the largest of all children)."""
    env = {**os.environ, PLAN_KEY_VARIABLE: "bench-" + "0" * 58}
    started = time.perf_counter()
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as child:
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, output
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, output.strip())


def write_policies(policies: PolicySet, directory: Path) -> None:
    """The policy set as files (JSON is YAML), with the safety limits opened: the whole plan."""
    directory.mkdir()
    organization = policies.organization.model_dump(mode="json", by_alias=True)
    organization["safety"] = {"max_revocation_fraction": 1.0}
    (directory / "organization.yaml").write_text(json.dumps(organization))
    for policy in policies.inactivity:
        document = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
        (directory / f"{policy.name}.yaml").write_text(json.dumps(document))


def write_inputs(directory: Path) -> None:
    (directory / "inventory.json").write_bytes(dump_inventory(build_inventory()))
    write_policies(build_policies(), directory / "policies")


def test_plan_from_a_100k_snapshot_as_a_whole_process(tmp_path: Path) -> None:
    # Built in a process of its own: a child starts as a copy of its parent, and its peak RSS
    # would include a parent holding 100,000 accounts.
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import {__name__} as b; b.write_inputs(b.Path({str(tmp_path)!r}))",
        ],
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    snapshot = tmp_path / "inventory.json"
    json_load = [sys.executable, "-c", f"import json; json.load(open({str(snapshot)!r}))"]
    plan = [
        *(sys.executable, "-m", "controller", "plan"),
        *("--inventory", str(snapshot), "--policies", str(tmp_path / "policies")),
        *("--state", str(tmp_path / "state"), "--now", NOW.isoformat()),
        *("--out", str(tmp_path / "plan.yaml")),
    ]
    loads, plans = [], []
    for _ in range(RUNS):  # interleaved, so both see the same machine
        loads.append(run_child(json_load))
        plans.append(run_child(plan))
    load, made = min(r.seconds for r in loads), min(r.seconds for r in plans)
    load_cpu, made_cpu = min(r.cpu_seconds for r in loads), min(r.cpu_seconds for r in plans)
    rss = max(r.peak_rss_mb for r in plans)
    size = snapshot.stat().st_size / 1e6
    print(
        f"\naccessctl plan --inventory: {ACCOUNTS:,} accounts x 10 policies, snapshot {size:.0f} MB"
        f", plan {(tmp_path / 'plan.yaml').stat().st_size / 1e6:.0f} MB\n"
        f"  {plans[-1].output.splitlines()[-1]}\n"
        f"  json.load of the snapshot  best {load:.2f} s, runs "
        f"{', '.join(f'{r.seconds:.2f}' for r in loads)} s, "
        f"peak RSS {max(r.peak_rss_mb for r in loads):.0f} MB\n"
        f"  accessctl plan             best {made:.2f} s, runs "
        f"{', '.join(f'{r.seconds:.2f}' for r in plans)} s\n"
        f"  plan / json.load = {made / load:.2f}x wall (bound {TIME_BOUND:.0f}x), "
        f"{made_cpu / load_cpu:.2f}x CPU ({made_cpu:.2f} s / {load_cpu:.2f} s)\n"
        f"  peak RSS of plan {rss:.0f} MB = {rss / RSS_BOUND_MB:.2f}x the {RSS_BOUND_MB} MB bound"
    )
