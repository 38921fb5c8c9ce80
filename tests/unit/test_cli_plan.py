"""`accessctl plan` and `validate` through the real CLI: formats, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.app.cli import main
from controller.core.errors import ExitCode
from controller.core.plan import parse_plan
from controller.core.plan.seal import action_sealed, header_sealed
from tests.factories import PLAN_KEY

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "policies" / "examples" / "inventory.json"
NOW = "2026-11-23T06:00:00Z"


def plan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["plan", "--inventory", str(EXAMPLE), "--now", NOW, *args])
    return result.exit_code, result.stdout, result.stderr


def test_plan_yaml_to_stdout(repo: Path) -> None:
    code, out, err = plan()
    assert code == ExitCode.OK
    assert parse_plan(out.encode(), source="stdout").summary.warn == 8
    assert "8 warn" in err


def test_plan_is_reproducible_with_now(repo: Path) -> None:
    assert plan()[1] == plan()[1]


@pytest.mark.parametrize(
    ("fmt", "check"), [("json", json.loads), ("markdown", lambda t: t.index("## accessctl plan"))]
)
def test_other_formats(repo: Path, fmt: str, check: object) -> None:
    code, out, _ = plan("--format", fmt)
    assert code == ExitCode.OK
    check(out)  # type: ignore[operator]


def test_out_file_and_detailed_exitcode(repo: Path) -> None:
    code, out, _ = plan("--out", "state/plans/p.yaml", "--detailed-exitcode")
    assert code == ExitCode.CHANGES
    assert out == ""
    assert parse_plan((repo / "state/plans/p.yaml").read_bytes(), source="p").actions


def test_detailed_exitcode_is_zero_without_changes(repo: Path) -> None:
    for name in ("*inactivity.yaml", "access-grants.yaml"):
        for path in (repo / "policies").glob(name):
            path.unlink()
    assert plan("--detailed-exitcode")[0] == ExitCode.OK


def test_safety_refusal_exits_4_and_writes_nothing(repo: Path) -> None:
    org = repo / "policies" / "organization.yaml"
    org.write_text(
        org.read_text().replace("max_revocation_fraction: 0.30", "max_revocation_fraction: 0.01")
    )
    policy = repo / "policies" / "jira-software-inactivity.yaml"
    policy.write_text(policy.read_text().replace("warn_before_days: 7", "warn_before_days: 0"))
    code, _, err = plan("--out", "state/plans/p.yaml")
    assert code == ExitCode.REFUSED
    assert "refused by a safety guard" in err
    assert "raise safety.max_revocation_fraction" in err
    assert not (repo / "state/plans/p.yaml").exists()


def test_invalid_policies_exit_2_with_file_and_line(repo: Path) -> None:
    policy = repo / "policies" / "jira-software-inactivity.yaml"
    policy.write_text(
        policy.read_text().replace("inactive_after_days: 60", "inactive_after_days: sixty")
    )
    code, _, err = plan()
    assert code == ExitCode.BAD_INPUT
    assert (
        "policies/jira-software-inactivity.yaml:11: inactive_after_days: "
        "expected a whole number (got 'sixty')" in err
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(["--now", "yesterday"], "is not an ISO-8601 instant", id="bad-now"),
        pytest.param(["--format", "xml"], "Invalid value for '--format'", id="bad-format"),
    ],
)
def test_bad_flags_exit_2(repo: Path, args: list[str], fragment: str) -> None:
    result = CliRunner().invoke(main, ["plan", "--inventory", str(EXAMPLE), *args])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert fragment in result.stderr


def test_missing_inventory_file_is_bad_input(repo: Path) -> None:
    result = CliRunner().invoke(main, ["plan", "--inventory", "nope.json"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "nope.json: cannot read the inventory" in result.stderr


def test_validate_example_set(repo: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--now", NOW])
    assert result.exit_code == ExitCode.OK
    assert result.stdout.startswith("ok: 7 files valid")
    assert result.stderr == ""


def test_expired_exclusion_is_a_warning_not_an_error(repo: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--now", "2027-04-01T00:00:00Z"])
    assert result.exit_code == ExitCode.OK
    assert (
        "warning: policies/exclusions.yaml:15: entries.1.expires: exclusion for "
        "'release-managers' expired on 2027-03-31" in result.stderr
    )


def test_a_real_process_prints_no_traceback(repo: Path) -> None:
    (repo / "policies" / "broken.yaml").write_bytes(
        b"version: 1\nkind: InactivityPolicy\n\tname: x\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "controller", "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == ExitCode.BAD_INPUT
    assert (
        "policies/broken.yaml:3: YAML syntax: a tab character; indent YAML with spaces"
        in done.stderr
    )
    assert "Traceback" not in done.stderr + done.stdout


def test_a_plan_file_is_sealed_with_the_plan_key(repo: Path) -> None:
    code, _, err = plan("--out", "state/plans/p.yaml")
    assert code == ExitCode.OK, err
    written = parse_plan((repo / "state/plans/p.yaml").read_bytes(), source="p")
    assert header_sealed(written, PLAN_KEY)
    assert all(action_sealed(written.id, a, key=PLAN_KEY) for a in written.actions)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param(None, "ACCESSCTL_PLAN_KEY is not set", id="missing"),
        pytest.param("k3y-x", "ACCESSCTL_PLAN_KEY has 5 characters, fewer than 32", id="short"),
    ],
)
def test_no_plan_file_without_a_good_plan_key(
    repo: Path, monkeypatch: pytest.MonkeyPatch, key: str | None, message: str
) -> None:
    if key is None:
        monkeypatch.delenv("ACCESSCTL_PLAN_KEY")
    else:
        monkeypatch.setenv("ACCESSCTL_PLAN_KEY", key)
    code, _, err = plan("--out", "state/plans/p.yaml")
    assert code == ExitCode.BAD_INPUT
    assert err.startswith(f"error: {message}")
    assert len(err.strip().splitlines()) == 1
    assert key is None or key not in err.replace("ACCESSCTL_PLAN_KEY", "")
    assert not (repo / "state/plans/p.yaml").exists()


def test_without_the_key_a_printed_plan_is_shown_unsealed(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACCESSCTL_PLAN_KEY")
    code, out, err = plan()
    assert code == ExitCode.OK
    assert parse_plan(out.encode(), source="stdout").seal == ""
    assert "is not sealed (ACCESSCTL_PLAN_KEY is not set): apply refuses it" in err


def broken_snapshot(change: str) -> bytes:
    data = json.loads(EXAMPLE.read_bytes())
    accounts, groups = data["accounts"], data["groups"]
    if change == "duplicate-account":
        accounts.append(accounts[0])
    elif change == "duplicate-group":
        groups.append(groups[0])
    elif change == "unknown-group":
        accounts[0]["groups"] = ["no-such-group"]
    elif change == "unknown-site":
        groups[0]["grants"] = [{"site": "elsewhere", "product": "jira-software"}]
    elif change == "other-organization":
        data["org_id"] = "another-org"
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ("duplicate-account", "account '557058:"),
        ("duplicate-group", "group '7d1e0a52-jsw-acme' is listed twice"),
        ("unknown-group", "is in group 'no-such-group', which the snapshot's `groups` do not"),
        ("unknown-site", "grants on site 'elsewhere', which the snapshot's `sites` do not list"),
        ("other-organization", "org_id: the inventory is a snapshot of organization 'another"),
    ],
)
def test_a_snapshot_that_does_not_hold_together_is_refused_in_one_line(
    repo: Path, change: str, fragment: str
) -> None:
    snapshot = repo / "inventory.json"
    snapshot.write_bytes(broken_snapshot(change))
    result = CliRunner().invoke(main, ["plan", "--inventory", str(snapshot), "--now", NOW])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert fragment in result.stderr
    assert len(result.stderr.splitlines()) <= 2  # `N problems found` lists one per line
    assert "Traceback" not in result.output
