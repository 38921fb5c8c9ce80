"""Day one, end to end, as a new admin lives it on an organization nobody prepared for the test:
`init` writes the policies from the Admin key alone, `doctor` passes, the first warnings go out,
a plan made offline is refused by the safety limits, `over_limit: trim` stages it, `propose`
opens the plan pull request, a reviewer merges it, and `apply` carries it out and pushes the
audit. Against the Atlassian and GitHub simulators and a real SMTP server, on both Jira token
kinds (docs/run-on-your-organization.md is the script)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from controller.adapters.github import GitHubForge
from controller.adapters.state_dir import StateDir
from controller.app.labels import PLAN_LABEL, REQUEST_LABEL
from controller.core.errors import ExitCode
from controller.core.model_base import format_instant
from controller.core.plan import parse_plan
from controller.core.policy.models import JiraApi
from controller.core.snapshot import Inventory
from controller.sim.generate import generate_org
from controller.sim.github import ADMIN_TOKEN
from tests.integration.git_sandbox import REPOSITORY, git, set_up_as_documented
from tests.integration.policy_repo import PolicyRepo, accessctl
from tests.integration.sim_atlassian_support import NOW, ServeAtlassian
from tests.integration.smtp_sink import SmtpServer

pytestmark = pytest.mark.integration
PLAN_KEY = "a-plan-key-for-the-day-one-test-0123456789"
DAY_0 = format_instant(NOW)
DAY_15 = format_instant(NOW + timedelta(days=15))
APPLIED = format_instant(NOW + timedelta(days=15, hours=1))


def a_fork_without_policies(policy_repo: Callable[..., PolicyRepo]) -> PolicyRepo:
    """The template forked: no policies yet, GitHub set up as docs/github.md says."""
    files = {"README.md": "access policies\n", "state/README.md": "state\n"}
    return policy_repo(files=files, settings=set_up_as_documented())


def create_label(repo: PolicyRepo, name: str) -> None:
    httpx.post(
        f"{repo.base_url}/repos/{REPOSITORY}/labels",
        json={"name": name},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    ).raise_for_status()


def set_mail_server(clone: Path, port: int) -> None:
    """What the admin fills in under `notifications:` (a local relay: no login)."""
    organization = clone / "policies" / "organization.yaml"
    smtp = (
        "  smtp:\n"
        "    host: 127.0.0.1\n"
        f"    port: {port}\n"
        "    security: none\n"
        "    from: accessctl@acme.example\n"
    )
    text = organization.read_text(encoding="utf-8")
    organization.write_text(text.replace("notifications:\n", f"notifications:\n{smtp}"), "utf-8")


def commit_and_push(clone: Path, message: str) -> None:
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "-m", message)
    git(clone, "push", "--quiet", "origin", "HEAD:main")


def seats_held(inventory: Inventory, account_id: str, *, site: str, product: str) -> bool:
    account = next(a for a in inventory.accounts if a.account_id == account_id)
    granting = {g.id for g in inventory.groups if any(
        (grant.site, grant.product) == (site, product) for grant in g.grants
    )}  # fmt: skip
    return bool(granting & set(account.groups))


@pytest.mark.parametrize("jira_api", ["site", "gateway"])
def test_from_init_through_doctor_to_the_first_reviewed_apply(
    jira_api: JiraApi,
    atlassian_sim: ServeAtlassian,
    policy_repo: Callable[..., PolicyRepo],
    smtp_sink: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    organization = generate_org(300, 21, now=NOW)
    sim = atlassian_sim(organization)
    repo = a_fork_without_policies(policy_repo)
    for name, value in sim.environ(jira_api=jira_api).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ACCESSCTL_PLAN_KEY", PLAN_KEY)
    create_label(repo, REQUEST_LABEL)  # docs/github.md: the request form's label

    # 1. init, from the Admin key alone; the admin adds the mail server and commits.
    initialized = accessctl("init", "--jira-api", jira_api, "--now", DAY_0)
    assert initialized.exit_code == ExitCode.OK, initialized.stderr
    set_mail_server(repo.clone, smtp_sink.port)
    commit_and_push(repo.clone, "Policies from accessctl init")

    # 2. doctor: every check passes before the first run.
    checked = accessctl("doctor", "--now", DAY_0)
    assert checked.exit_code == ExitCode.OK, checked.stdout
    assert " 0 FAIL" in checked.stdout

    # 3. Day 0: the first warnings go out (the starter policies warn 14 days ahead).
    warned = accessctl("notify", "--push", "--now", DAY_0)
    assert warned.exit_code == ExitCode.OK, warned.stderr
    mailed = smtp_sink.recorder.take()
    assert mailed

    # 4. Day 15, offline: the first plan of a neglected organization is over the limits.
    git(repo.clone, "pull", "--quiet", "--ff-only", "origin", "main")
    assert accessctl("inventory", "--out", "../snapshot.json", "--now", DAY_15).exit_code == 0
    refused = accessctl("plan", "--inventory", "../snapshot.json", "--now", DAY_15)
    assert refused.exit_code == ExitCode.REFUSED, refused.stderr
    assert "over_limit: trim" in refused.stderr

    # 5. Staged: `over_limit: trim`, committed; propose opens the plan pull request.
    organization_file = repo.clone / "policies" / "organization.yaml"
    text = organization_file.read_text(encoding="utf-8")
    organization_file.write_text(text.replace("over_limit: refuse", "over_limit: trim"), "utf-8")
    commit_and_push(repo.clone, "A staged first clean-up")
    proposed = accessctl("propose", "--now", DAY_15)
    assert proposed.exit_code == ExitCode.OK, proposed.stderr
    (pull,) = repo.open_pulls()
    assert PLAN_LABEL in pull.label_names

    # 6. A reviewer merges it; apply runs on the merge.
    with GitHubForge.from_env({**repo.environ(), "GITHUB_TOKEN": ADMIN_TOKEN}) as reviewer:
        reviewer.merge_pull(pull.number, title=f"Merge pull request #{pull.number}")
    git(repo.clone, "pull", "--quiet", "--ff-only", "origin", "main")
    (plan_file,) = StateDir(repo.clone / "state").pending_plans()
    plan = parse_plan(plan_file.read_bytes(), source=str(plan_file))
    revokes = [a for a in plan.actions if a.action == "revoke"]
    assert revokes
    assert plan.deferred  # trimmed: the rest waits for the next runs
    applied = accessctl("apply", "--pending", "--push", "--now", APPLIED)
    assert applied.exit_code == ExitCode.OK, applied.stderr

    # The seats are gone in the organization, the audit is on origin's main.
    after = sim.inventory()
    for action in revokes:
        assert not seats_held(after, action.account_id, site=action.site, product=action.product)
    git(repo.clone, "pull", "--quiet", "--ff-only", "origin", "main")
    audit = StateDir(repo.clone / "state").audit_log()
    revoked = {r.account_id for r in audit if r.action == "revoke" and r.outcome == "done"}
    assert revoked == {a.account_id for a in revokes}
    assert repo.origin.branch_sha("main") == git(repo.clone, "rev-parse", "HEAD")
    # Jira was read only through the door the token kind takes.
    jira_routes = [r for r in sim.stats()["requests"] if "/rest/api/3/" in r]
    door = "/site/{site}/" if jira_api == "site" else "/ex/jira/{cloud_id}/"
    assert jira_routes
    assert all(route.split()[1].startswith(door) for route in jira_routes)
