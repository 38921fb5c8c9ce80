"""`make demo` runs the whole loop on a fresh machine: a smoke test of the real thing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
ROOT = Path(__file__).parents[2]


def test_the_demo_plays_its_days_reclaims_seats_and_gives_one_back_on_request(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "COLUMNS": "120"}
    report = tmp_path / "github-conformance.json"
    done = subprocess.run(
        # The demo, with every answer of its GitHub simulator checked against GitHub's description.
        [
            sys.executable,
            "-m",
            "tests.integration.github_conformance",
            str(report),
            "--",
            "controller.app.demo",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=150,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for expected in (
        "$ accessctl doctor",
        "ok       jira acme: Administer Jira",
        "ok       smtp: 127.0.0.1:",
        " 0 FAIL",
        "$ accessctl notify --push --now 2026-11-23T06:00:00Z",
        "Pull request #1",
        "Merged #1",
        "$ accessctl apply --pending --push --now 2026-12-01T07:00:00Z",
        "Pull request #2: accessctl: revoke 114",
        "Day 9: a removed user asks for the seat back",
        "opened issue #4: Access request:",
        "$ accessctl request-access --from-issue 4 --push",
        "accessctl on issue #4 (now closed)",
        "Restored.",
        "As you asked (request #4)",
        "restore policy returning-staff, asked in issue #4",
        "Seats in use per product",
        "Simulators stopped.",
    ):
        assert expected in out
    assert "Traceback" not in out + done.stderr
    checked = json.loads(report.read_text(encoding="utf-8"))
    assert checked["failures"] == []
    assert {
        "POST /repos/{owner}/{repo}/pulls 201",
        "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 200",
        "GET /repos/{owner}/{repo}/issues/{issue_number} 200",
        "PATCH /repos/{owner}/{repo}/issues/{issue_number} 200",
        "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls 200",
    } <= set(checked["counts"])
    workspace = next(tmp_path.glob("accessctl-demo-*"))
    log = subprocess.run(
        ["git", "-C", str(workspace / "policy-repo"), "log", "--format=%s"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    assert "accessctl: apply plan-20261201-060000-" in log
    assert "accessctl: restore requested in issue #4 (plan-20261202-" in log
    shutil.rmtree(workspace)
