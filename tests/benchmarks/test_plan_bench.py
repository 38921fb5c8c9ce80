"""Benchmark: `accessctl plan --inventory` on 100,000 accounts x 10 policies, as a whole process.

Target (issue: scale): wall time <= 3x a plain `json.load` of the same snapshot file, measured in
the same run, and peak RSS <= 300 MB. Every run is a whole process started the same way (a fresh
interpreter), so imports count for the CLI as they would for a user; peak RSS is each child's
own (its VmHWM, `tests/benchmarks/peak_memory.py`: not `ru_maxrss`, which carries pytest's
peak into a child), and so is its CPU time (user + system, `os.wait4`), which a busy machine
inflates less than wall time. The plan is the worst case for output: the safety limits are
opened so that every one of the ~28,000 actions is checked, rendered and written as YAML. It is
made two ways:

- `plan --inventory FILE > plan.yaml`: what a person runs; no plan key, the plan is not sealed;
- `plan --inventory FILE --out plan.yaml` with `ACCESSCTL_PLAN_KEY`: what the workflows run;
  every action is sealed (an HMAC over the text written for it, made as it is written).

Prints the figures and ratios; asserts nothing about time (run with `make bench`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from controller.core.plan.seal import PLAN_KEY_VARIABLE
from controller.core.policy.policy_set import PolicySet
from controller.core.snapshot import dump_inventory
from tests.benchmarks.peak_memory import measured
from tests.benchmarks.test_reconcile_bench import ACCOUNTS, NOW, build_inventory, build_policies

RUNS = 3
TIME_BOUND = 3.0  # x json.load of the same file
RSS_BOUND_MB = 300
ROOT = Path(__file__).parents[2]
PLAN_KEY = "bench-" + "0" * 58


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # user + system: what a busy machine inflates least
    peak_rss_mb: float
    output: str


def run_child(python: list[str], *, stdout: Path | None = None, key: bool = False) -> Run:
    """One process running `python ARGUMENTS`: its wall and CPU time and its own peak RSS.
    Standard output goes to `stdout` when given."""
    env = {k: v for k, v in os.environ.items() if k != PLAN_KEY_VARIABLE}
    if key:
        env[PLAN_KEY_VARIABLE] = PLAN_KEY
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "peak-rss"
        seconds, cpu, errors = timed_child(measured(report, python), stdout=stdout, env=env)
        return Run(seconds, cpu, float(report.read_text(encoding="ascii")), errors)


def timed_child(
    command: list[str], *, stdout: Path | None, env: dict[str, str]
) -> tuple[float, float, str]:
    """Wall and CPU seconds of `command` (failing unless it succeeds), and its standard error."""
    started = time.perf_counter()
    with (
        stdout.open("wb") if stdout else open(os.devnull, "wb") as sink,
        subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.PIPE, env=env) as child,
    ):
        assert child.stderr is not None
        errors = child.stderr.read().decode()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, errors
    return seconds, usage.ru_utime + usage.ru_stime, errors.strip()


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


def describe(name: str, runs: list[Run], *, baseline: list[Run] | None = None) -> str:
    best, cpu = min(r.seconds for r in runs), min(r.cpu_seconds for r in runs)
    rss = max(r.peak_rss_mb for r in runs)
    line = (
        f"  {name:<34} best {best:.2f} s ({', '.join(f'{r.seconds:.2f}' for r in runs)}), "
        f"CPU {cpu:.2f} s, peak RSS {rss:.0f} MB"
    )
    if baseline is None:
        return line
    load, load_cpu = min(r.seconds for r in baseline), min(r.cpu_seconds for r in baseline)
    return (
        f"{line}\n    = {best / load:.2f}x json.load wall, {cpu / load_cpu:.2f}x CPU "
        f"(bound {TIME_BOUND:.0f}x); RSS {rss / RSS_BOUND_MB:.2f}x the {RSS_BOUND_MB} MB bound"
    )


def test_plan_from_a_100k_snapshot_as_a_whole_process(tmp_path: Path) -> None:
    # Built in a process of its own, so that this one stays small for the benchmarks after it.
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
    json_load = ["-c", f"import json; json.load(open({str(snapshot)!r}))"]
    plan = [
        *("-m", "controller", "plan"),
        *("--inventory", str(snapshot), "--policies", str(tmp_path / "policies")),
        *("--state", str(tmp_path / "state"), "--now", NOW.isoformat()),
    ]
    printed, written = tmp_path / "printed.yaml", tmp_path / "written.yaml"
    loads, unsealed, sealed = [], [], []
    for _ in range(RUNS):  # interleaved, so all see the same machine
        loads.append(run_child(json_load))
        unsealed.append(run_child(plan, stdout=printed))
        sealed.append(run_child([*plan, "--out", str(written)], key=True))
    print(
        f"\naccessctl plan --inventory: {ACCOUNTS:,} accounts x 10 policies, snapshot "
        f"{snapshot.stat().st_size / 1e6:.0f} MB, plan {written.stat().st_size / 1e6:.0f} MB\n"
        f"  {sealed[-1].output.splitlines()[0]}\n"
        + describe("json.load of the snapshot", loads)
        + "\n"
        + describe("plan > file (no key, not sealed)", unsealed, baseline=loads)
        + "\n"
        + describe("plan --out file (sealed with a key)", sealed, baseline=loads)
    )
