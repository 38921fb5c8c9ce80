"""`accessctl preview` end to end: a policy pull request on a real git repository, the GitHub
simulator over HTTP, and one inventory for both sides of the comparison."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from controller.adapters.github import PullRequest
from controller.core.errors import ExitCode
from controller.core.preview import MARKER
from tests.integration.policy_repo import (
    BOB,
    EXAMPLE_INVENTORY,
    NOW,
    TRENT,
    PolicyRepo,
    Result,
    accessctl,
    ledger_text,
    matured_warning,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]
SAM = "557058:00000021-0000-4000-8000-000000000021"
JSW = "policies/jira-software-inactivity.yaml"
EXCLUSIONS = "policies/exclusions.yaml"


@pytest.fixture
def repo(policy_repo: Callable[..., PolicyRepo]) -> PolicyRepo:
    """Main revokes bob and trent (their warnings matured); sam, warned after his last visit
    but idle for 5 days only, has his warning withdrawn."""
    ledger = ledger_text(
        matured_warning(BOB, "bob@acme.example"),
        matured_warning(TRENT, "trent@acme.example"),
        matured_warning(SAM, "sam.lee@acme.example", warned_at=datetime(2026, 11, 19, tzinfo=UTC)),
    )
    return policy_repo(extra={"state/ledger.json": ledger})


def open_policy_pull(repo: PolicyRepo, files: dict[str, str]) -> PullRequest:
    """Commit `files` on a branch, push it, and open its pull request into main."""
    repo.commit(files)
    repo.push("policy-change")
    return repo.forge.open_or_update_pull(
        head="policy-change", base="main", title="Change policies", body="Please review."
    )


def lowered_limit(repo: PolicyRepo) -> str:
    """Jira Software idle after 3 days, warned 2 days before: sam (5 days idle, warned
    before) is revoked, alice (2 days) warned."""
    lowered = repo.edit(JSW, "inactive_after_days: 60", "inactive_after_days: 3")
    return lowered.replace("warn_before_days: 7", "warn_before_days: 2")


def preview(*args: str) -> Result:
    return accessctl(
        "preview",
        "--base",
        "origin/main",
        "--inventory",
        str(EXAMPLE_INVENTORY),
        "--now",
        NOW,
        *args,
    )


def section(markdown: str, title: str) -> str:
    """The collapsible list titled `title` (e.g. "Newly warned"), or "" when there is none."""
    found = re.search(rf"<summary>{re.escape(title)}: \d+</summary>(.*?)</details>", markdown, re.S)
    return found.group(1) if found else ""


def accounts_in(markdown: str, title: str) -> set[str]:
    rows = section(markdown, title).splitlines()
    return {
        row.split("|")[1].strip().strip("`") for row in rows if row.startswith("| ") and "@" in row
    }


def totals_rows(markdown: str) -> tuple[list[str], list[str]]:
    """The counts of the before and after rows of the totals table."""
    rows = [line for line in markdown.splitlines() if line.startswith(("| Before", "| With"))]
    before, after = ([cell.strip() for cell in row.split("|")[2:-1]] for row in rows)
    return before, after


def test_lowering_the_idle_limit_newly_revokes_and_warns_specific_accounts(
    repo: PolicyRepo,
) -> None:
    lowered = lowered_limit(repo)
    open_policy_pull(repo, {JSW: lowered})

    result = preview()

    assert result.exit_code == ExitCode.OK, result.stderr
    out = result.stdout
    assert accounts_in(out, "Newly revoked") == {"sam.lee@acme.example"}
    assert accounts_in(out, "Newly warned") == {"alice@acme.example"}
    assert accounts_in(out, "Newly spared (no longer revoked)") == set()
    assert "bob@acme.example" not in out  # revoked before and after: not a difference
    counts = out.split("\n\n")[1]
    assert counts.startswith("**1 newly revoked · 0 newly spared · 1 newly warned")


def test_adding_an_exclusion_newly_spares_the_account(repo: PolicyRepo) -> None:
    excluded = (repo.clone / EXCLUSIONS).read_text() + (
        "  - account: bob@acme.example\n"
        "    reason: Keeps the release tooling running.\n"
        "    owner: it-ops@acme.example\n"
    )
    open_policy_pull(repo, {EXCLUSIONS: excluded})

    result = preview()

    assert result.exit_code == ExitCode.OK, result.stderr
    spared = section(result.stdout, "Newly spared (no longer revoked)")
    assert accounts_in(result.stdout, "Newly spared (no longer revoked)") == {"bob@acme.example"}
    assert "skipped: excluded: Keeps the release tooling running." in spared
    assert accounts_in(result.stdout, "Newly revoked") == set()


def test_the_comment_is_posted_once_and_updated_on_the_next_push(repo: PolicyRepo) -> None:
    lowered = lowered_limit(repo)
    pull = open_policy_pull(repo, {JSW: lowered})

    first = preview("--comment", str(pull.number))
    excluded = repo.edit(
        JSW, "groups: [jira-administrators]", "groups: [jira-administrators, staff]"
    )
    repo.commit({JSW: excluded})
    repo.push("policy-change")
    second = preview("--comment", str(pull.number))

    assert (first.exit_code, second.exit_code) == (ExitCode.OK, ExitCode.OK), second.stderr
    [comment] = repo.comments(pull.number)
    assert comment.body.startswith(MARKER)
    assert comment.body.removeprefix(MARKER).strip() == second.stdout.strip()
    assert "Newly revoked" not in comment.body  # sam is staff: excluded by the second push
    assert accounts_in(comment.body, "Newly spared (no longer revoked)") == {
        "bob@acme.example",
        "trent@acme.example",
    }
    assert f"#{pull.number}" in second.stderr


def test_invalid_policies_put_the_file_line_errors_in_the_comment_and_exit_2(
    repo: PolicyRepo,
) -> None:
    broken = repo.edit(JSW, "inactive_after_days: 60", "inactive_after_days: sixty")
    pull = open_policy_pull(repo, {JSW: broken})

    result = preview("--comment", str(pull.number))

    assert result.exit_code == ExitCode.BAD_INPUT
    [comment] = repo.comments(pull.number)
    error_line = next(line for line in result.stderr.splitlines() if JSW in line)
    problem = error_line.removeprefix("error: ")
    assert re.match(rf"{re.escape(JSW)}:\d+: inactive_after_days: ", problem)
    assert f"```text\n{problem}\n```" in comment.body
    assert "do not load" in comment.body


def test_a_change_the_safety_guards_would_refuse_is_reported_and_exits_4(
    repo: PolicyRepo,
) -> None:
    capped = repo.edit("policies/organization.yaml", "max_revocations: 200", "max_revocations: 1")
    pull = open_policy_pull(repo, {"policies/organization.yaml": capped})

    result = preview("--comment", str(pull.number))

    assert result.exit_code == ExitCode.REFUSED, result.stderr
    [comment] = repo.comments(pull.number)
    assert "**This change would be refused**" in comment.body
    assert "max_revocations" in comment.body
    assert "**No change** in what accessctl would do" in comment.body


def test_a_pull_request_without_policy_changes_previews_no_change(repo: PolicyRepo) -> None:
    open_policy_pull(repo, {"README.md": "How we manage access.\n"})

    result = preview()

    assert result.exit_code == ExitCode.OK, result.stderr
    assert "**No change** in what accessctl would do" in result.stdout
    before, after = totals_rows(result.stdout)
    assert before == after
    assert before[:2] == ["2", "6"]  # bob and trent revoked, six warned
