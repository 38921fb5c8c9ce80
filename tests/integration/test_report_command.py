"""`accessctl report` and `accessctl audit` in a real git repository: plans merged by named
people through merge commits, apply commits appending the audit log, and the CLI run inside.

The approver of a plan is the author of the merge commit that brought its plan file into main,
whoever made the plan branch's own commits (here: accessctl's bot identity).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from controller.adapters.state_dir import StateDir
from controller.core.ledger import dump_ledger
from controller.core.plan import dump_plan_yaml
from controller.core.snapshot import dump_inventory
from tests import report_fixture as fixture
from tests.integration.git_sandbox import git, write
from tests.integration.policy_repo import PolicyClone, accessctl

pytestmark = pytest.mark.integration

NOW = "2026-11-23T06:00:00Z"
BOT = {"GIT_AUTHOR_NAME": "accessctl", "GIT_AUTHOR_EMAIL": "accessctl@users.noreply.github.com"}


@dataclass(frozen=True)
class History:
    root: Path
    merges: dict[str, str]  # plan id -> sha of the merge commit that brought it in


def as_identity(name: str, email: str) -> dict[str, str]:
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def policy_documents() -> dict[str, str]:
    """The fixture's policies as files (JSON is YAML: the loader reads them as written)."""
    policies = fixture.policies()
    documents = {
        "organization": policies.organization,
        **{p.name: p for p in policies.inactivity},
        **{e.name: e for e in policies.exclusions},
    }
    return {
        f"policies/{name}.yaml": json.dumps(
            document.model_dump(mode="json", by_alias=True, exclude_none=True), indent=2
        )
        for name, document in documents.items()
    }


def merge_plan(repo: Path, plan_id: str) -> str | None:
    """The plan branch commits the plan file as the bot; a named person merges it. The plan of
    2026-11-20 never reached git (applied from a local file), so nobody is on record for it."""
    if plan_id not in fixture.APPROVERS:
        return None
    git(repo, "switch", "--quiet", "-C", "accessctl/plan", "main")
    write(
        repo / f"state/plans/{plan_id}.yaml", dump_plan_yaml(fixture.history_plan(plan_id)).decode()
    )
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", f"plan {plan_id}", env=as_identity(*BOT.values()))
    git(repo, "switch", "--quiet", "main")
    name, email = fixture.APPROVERS[plan_id]
    message = f"Merge pull request: {plan_id}"
    git(
        repo,
        "merge",
        "--quiet",
        "--no-ff",
        "-m",
        message,
        "accessctl/plan",
        env=as_identity(name, email),
    )
    return git(repo, "rev-parse", "HEAD")


def apply_plan(repo: Path, plan_id: str, merge: str | None) -> None:
    """What `accessctl apply` commits after the merge: audit lines and the applied marker."""
    state = StateDir(repo / "state")
    for record in fixture.audit_records():
        if record.plan_id == plan_id:
            state.append_audit([record.model_copy(update={"commit": merge})], when=record.time)
    marker = fixture.applied_markers().get(plan_id)
    if marker:
        state.mark_applied(marker.model_copy(update={"commit": merge}))
    git(repo, "add", "--all")
    git(
        repo,
        "commit",
        "--quiet",
        "-m",
        f"accessctl: apply {plan_id}",
        env=as_identity(*BOT.values()),
    )


@pytest.fixture
def history(policy_clone: Callable[..., PolicyClone], monkeypatch: pytest.MonkeyPatch) -> History:
    for name in ("GITHUB_STEP_SUMMARY", "CI"):
        monkeypatch.delenv(name, raising=False)
    files = {
        **policy_documents(),
        "inventory.json": dump_inventory(fixture.snapshot()).decode(),
        "state/ledger.json": dump_ledger(fixture.ledger()).decode(),
    }
    repo = policy_clone(files=files).clone
    merges = {}
    for plan_id in (
        "plan-20260805-060000-0000000a",
        "plan-20260820-060000-0000000b",
        "plan-20260910-060000-0000000c",
        "plan-20261025-060000-0000000d",
        "plan-20261120-060000-0000000e",
    ):
        merge = merge_plan(repo, plan_id)
        apply_plan(repo, plan_id, merge)
        if merge:
            merges[plan_id] = merge
    return History(root=repo, merges=merges)


def report(*args: str) -> Any:
    result = accessctl("report", "--inventory", "inventory.json", "--now", NOW, *args)
    assert result.exit_code == 0, result.stderr
    return result


# --- accessctl report -----------------------------------------------------------------------


def test_json_report_names_the_person_who_merged_each_plan(history: History) -> None:
    result = report("--format", "json", "--out", "report.json")
    assert "report.json" in result.stderr
    data = json.loads((history.root / "report.json").read_text())
    approvers = {
        p["plan_id"]: (p["approved_by"] or {}).get("name", "unknown") for p in data["plans"]
    }
    assert approvers == {
        "plan-20260805-060000-0000000a": "Alice Approver",
        "plan-20260820-060000-0000000b": "Bob Boss",
        "plan-20260910-060000-0000000c": "Alice Approver",
        "plan-20261025-060000-0000000d": "Dana Director",
        "plan-20261120-060000-0000000e": "unknown",
    }
    by_plan = {p["plan_id"]: p for p in data["plans"]}
    for plan_id, sha in history.merges.items():
        assert by_plan[plan_id]["approved_by"]["commit"] == sha
        assert by_plan[plan_id]["approved_by"]["merge"] is True
        assert by_plan[plan_id]["commit"] == sha
    regrant = data["regrant"][0]
    assert (regrant["revoked"], regrant["came_back"], regrant["rate"]) == (3, 1, 0.3333)
    assert data["reclaim"]["monthly_saving"] == 34.4
    assert data["totals"]["total"] == 12


def test_markdown_goes_to_stdout_and_is_appended_to_the_job_summary(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = history.root.parent / "summary.md"
    summary.write_text("## propose\n\nplan pull request #7\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = report("--format", "markdown")
    dana = "`Dana Director <dana@acme.example>`"
    assert f"| `plan-20261025-060000-0000000d` | 2026-10-25 | {dana} |" in result.stdout
    assert "estimated saving **34.40 EUR a month**" in result.stdout
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("## propose\n\nplan pull request #7\n\n## accessctl license report")
    assert written.rstrip("\n") == "## propose\n\nplan pull request #7\n\n" + result.stdout.rstrip(
        "\n"
    )


def test_other_formats_leave_the_job_summary_alone(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = history.root.parent / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    report("--format", "csv", "--out", "seats.csv")
    assert not summary.exists()
    rows = list(csv.DictReader(io.StringIO((history.root / "seats.csv").read_text())))
    jsw = next(r for r in rows if r["product"] == "jira-software")
    assert (jsw["total"], jsw["idle_180_plus"], jsw["reclaimable"], jsw["monthly_saving"]) == (
        "10",
        "2",
        "4",
        "34.40",
    )


def test_html_report_is_one_file_with_no_external_reference(history: History) -> None:
    report("--format", "html", "--out", "report.html")
    page = (history.root / "report.html").read_text(encoding="utf-8")
    assert fixture.external_references(page) == []
    assert "://" not in page
    assert page.count('<svg class="chart"') == 2
    assert "Dana Director &lt;dana@acme.example&gt;" in page


def test_outside_git_the_report_still_runs_with_approvers_unknown(
    history: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "copy"
    elsewhere.mkdir()
    for name in ("policies", "state"):
        shutil.copytree(history.root / name, elsewhere / name)
    (elsewhere / "inventory.json").write_bytes((history.root / "inventory.json").read_bytes())
    monkeypatch.chdir(elsewhere)
    result = report("--format", "json")
    assert "approvers unknown" in result.stderr
    data = json.loads(result.stdout)
    assert [p["approved_by"] for p in data["plans"]] == [None] * 5
    assert len(data["months"]) == 4


# --- accessctl audit ------------------------------------------------------------------------


def test_audit_of_one_account_tells_the_story_with_reasons_and_approvers(history: History) -> None:
    result = accessctl("audit", "--account", "X@acme.example", "--format", "json")
    assert result.exit_code == 0, result.stderr
    trail = json.loads(result.stdout)
    story = [
        (e["action"], e["plan_id"], e["approved_by"]["name"], e["reason"], e["commit"])
        for e in trail["events"]
    ]
    assert story == [
        (
            "revoke",
            "plan-20260805-060000-0000000a",
            "Alice Approver",
            "revoke x: idle past the rule",
            history.merges["plan-20260805-060000-0000000a"],
        ),
        (
            "restore",
            "plan-20260820-060000-0000000b",
            "Bob Boss",
            "restore x: idle past the rule",
            history.merges["plan-20260820-060000-0000000b"],
        ),
    ]


def test_audit_of_a_period_lists_every_account_from_that_day(history: History) -> None:
    result = accessctl("audit", "--since", "2026-10-01", "--format", "json")
    assert result.exit_code == 0, result.stderr
    trail = json.loads(result.stdout)
    assert trail["since"] == "2026-10-01T00:00:00Z"
    assert [(e["action"], e["email"], e["plan_id"]) for e in trail["events"]] == [
        ("grant", "w@acme.example", "plan-20261025-060000-0000000d"),
        ("revoke", "q@acme.example", "plan-20261025-060000-0000000d"),
        ("restore", "q@acme.example", "plan-20261120-060000-0000000e"),
    ]
    assert (
        trail["events"][2]["approved_by"] is None
    )  # plan-20261120-060000-0000000e never went through a merge


def test_audit_as_a_table_for_people(history: History) -> None:
    result = accessctl("audit", "--since", "2026-10-01")
    assert result.exit_code == 0, result.stderr
    assert "Access history for every account since 2026-10-01T00:00:00Z" in result.stdout
    for word in (
        "When",
        "approved by",
        "grant",
        "revoke",
        "restore",
        "plan-20261025-060000-0000000d",
        "plan-20261120-060000-0000000e",
    ):
        assert word in result.stdout


def test_audit_shows_what_the_ledger_still_holds(history: History) -> None:
    result = accessctl("audit", "--account", "y@acme.example")
    assert result.exit_code == 0, result.stderr
    assert "removed, restorable: y@acme.example on acme / jira-software" in result.stdout
    assert "by plan-20260805-060000-0000000a" in result.stdout


def test_audit_of_an_unknown_account_says_there_is_nothing(history: History) -> None:
    result = accessctl("audit", "--account", "nobody@acme.example")
    assert result.exit_code == 0
    assert result.stdout.strip() == "no audit records for nobody@acme.example"


def test_audit_refuses_a_date_it_cannot_read(history: History) -> None:
    result = accessctl("audit", "--since", "last tuesday")
    assert result.exit_code == 2
    assert "not an ISO-8601 instant" in result.stderr


def test_a_plan_pushed_straight_to_main_names_its_author_and_says_it_was_no_merge(
    history: History,
) -> None:
    plan = dump_plan_yaml(fixture.history_plan("plan-20261120-060000-0000000e")).decode()
    write(history.root / "state/plans/plan-20261120-060000-0000000e.yaml", plan)
    git(history.root, "add", "--all")
    git(
        history.root,
        "commit",
        "--quiet",
        "-m",
        "plan-20261120-060000-0000000e",
        env=as_identity("Eve", "eve@a.example"),
    )
    data = json.loads(report("--format", "json").stdout)
    approval = next(
        p["approved_by"] for p in data["plans"] if p["plan_id"] == "plan-20261120-060000-0000000e"
    )
    assert (approval["name"], approval["email"], approval["merge"]) == (
        "Eve",
        "eve@a.example",
        False,
    )
    markdown = report("--format", "markdown").stdout
    eve = "`Eve <eve@a.example>` (not a merge commit)"
    assert f"| `plan-20261120-060000-0000000e` | 2026-11-20 | {eve} |" in markdown
