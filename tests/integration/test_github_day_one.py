"""The GitHub settings that break a first run, modelled by the simulator and answered by accessctl.

- "Allow GitHub Actions to create and approve pull requests" off: the Actions token gets
  GitHub's 403, `propose` says which setting to change; an app token opens the pull request.
- A protected `main` (classic protection or a ruleset) refuses the `state/` push of
  `apply --push`: the audit is kept on `accessctl/state/<plan id>`, the run fails saying how to
  land it, and no re-run acts again until it is landed. An app the rules let bypass pushes.
- The REST refs API (create, update, force-update, delete) meets the same rules as a push, for
  the Actions token, the app and an admin.
- Required status checks block a merge until the checks report.
- What `doctor` will read: workflow permissions, branch protection, branch rules, `/user`.

Clones talk to the simulator's git endpoint with a token, as `actions/checkout` leaves them.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from controller.adapters.git_workspace import (
    StateParked,
    Workspace,
    state_branch,
)
from controller.adapters.github import (
    ActionsMayNotOpenPulls,
    Forbidden,
    GitHubForge,
    ProtectedMerge,
)
from controller.adapters.github.settings import ForgeSettings
from controller.app.cli import main
from controller.core.errors import ExitCode
from controller.core.plan import parse_plan
from controller.core.snapshot import parse_inventory
from controller.sim.github import (
    ADMIN_TOKEN,
    APP_TOKEN,
    ClassicProtection,
    RepositorySettings,
    Ruleset,
)
from tests.integration.git_sandbox import (
    REPOSITORY,
    TOKEN,
    Origin,
    clone_over_http,
    git,
    push_branch,
    set_up_as_documented,
)
from tests.integration.policy_repo import (
    APPLIED_AT,
    EXAMPLE_INVENTORY,
    NOW,
    PLANNED_AT,
    PolicyRepo,
    accessctl,
    revoking_policy_files,
)
from tests.integration.sim_atlassian_support import ServeAtlassian

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
APP_ID = 1000001  # controller.sim.github.accounts.APP_BOT


# --- the Actions setting for pull requests ---------------------------------------------------


def test_propose_with_the_actions_token_says_which_setting_refuses_it(
    policy_repo: Callable[..., PolicyRepo],
) -> None:
    repo = policy_repo(settings=RepositorySettings())
    result = accessctl("propose", "--inventory", str(EXAMPLE_INVENTORY), "--now", NOW)
    pulls = repo.pulls()

    assert result.exit_code == ExitCode.FAILURE
    assert "GitHub Actions is not permitted to create or approve pull requests" in result.stderr
    assert "Allow GitHub Actions to create and approve pull requests" in result.stderr
    assert "GitHub App token" in result.stderr
    assert "Traceback" not in result.stderr
    assert pulls == []


def test_propose_with_an_app_token_opens_the_pull_request_as_the_app(
    policy_repo: Callable[..., PolicyRepo],
) -> None:
    repo = policy_repo(settings=RepositorySettings(), token=APP_TOKEN)
    result = accessctl("propose", "--inventory", str(EXAMPLE_INVENTORY), "--now", NOW)
    [pull] = repo.pulls()

    assert result.exit_code == ExitCode.OK, result.stderr
    assert pull.user is not None
    assert pull.user.login == "accessctl-app[bot]"


def test_the_actions_token_may_neither_open_nor_approve(
    bare_origin: Callable[..., Origin], github_sim: Callable[..., str]
) -> None:
    origin = bare_origin()
    push_branch(origin.clone("a"), "topic", files={"x.txt": "x\n"})
    base_url = github_sim(origin, settings=RepositorySettings())
    with forge(base_url, TOKEN) as bot, pytest.raises(ActionsMayNotOpenPulls):
        bot.open_or_update_pull(head="topic", base="main", title="t", body="b")
    with forge(base_url, ADMIN_TOKEN) as admin:
        pull = admin.open_or_update_pull(head="topic", base="main", title="t", body="b")
    answer = httpx.post(
        f"{base_url}/repos/{REPOSITORY}/pulls/{pull.number}/reviews",
        json={"event": "APPROVE"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 403
    assert answer.json()["message"].startswith("GitHub Actions is not permitted")


# --- a protected main and the state push -----------------------------------------------------


@dataclass
class Org:
    """The Atlassian simulator, the GitHub simulator over a bare origin, and the settings."""

    origin: Origin
    github: str
    atlassian: str
    settings: RepositorySettings

    def inventory_size(self) -> int:
        data = httpx.get(f"{self.atlassian}/__sim/inventory", timeout=10).content
        return sum(len(a.groups) for a in parse_inventory(data, source="sim").accounts)


@pytest.fixture
def org(
    bare_origin: Callable[..., Origin],
    github_sim: Callable[..., str],
    atlassian_sim: ServeAtlassian,
) -> Org:
    origin = bare_origin(files=revoking_policy_files())
    settings = set_up_as_documented()
    seed = parse_inventory(EXAMPLE_INVENTORY.read_bytes(), source="example")
    atlassian = atlassian_sim(seed)
    return Org(origin, github_sim(origin, settings=settings), atlassian.base_url, settings)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def merged_plan(org: Org, monkeypatch: pytest.MonkeyPatch, *, token: str) -> tuple[Path, str]:
    """A clone made with `token` whose main holds a merged plan (landed by an admin)."""
    admin = clone_over_http(org.origin, org.github, token=ADMIN_TOKEN, name="reviewer")
    monkeypatch.chdir(admin)
    code, output = cli("plan", "--now", PLANNED_AT, "--out", "state/plans/current.yaml")
    assert code == ExitCode.OK, output
    plan = parse_plan((admin / "state/plans/current.yaml").read_bytes(), source="plan")
    (admin / "state/plans/current.yaml").rename(admin / f"state/plans/{plan.id}.yaml")
    git(admin, "add", "state")
    git(admin, "commit", "--quiet", "-m", f"Merge plan {plan.id}")
    git(admin, "push", "--quiet", "origin", "main")
    runner = clone_over_http(org.origin, org.github, token=token, name=f"runner-{token}")
    monkeypatch.chdir(runner)
    return runner, plan.id


def apply_pending() -> tuple[int, str]:
    return cli("apply", "--pending", "--push", "--now", APPLIED_AT)


def remote_files(org: Org, branch: str, folder: str) -> list[str]:
    listed = git(org.origin.git_dir, "ls-tree", "-r", "--name-only", branch, folder)
    return listed.splitlines()


def test_a_refused_state_push_keeps_the_audit_on_a_branch_and_never_applies_twice(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, plan_id = merged_plan(org, monkeypatch, token=TOKEN)
    org.settings.protect("main", ClassicProtection(require_pull_request=True))
    main_before = org.origin.branch_sha("main")
    memberships_before = org.inventory_size()

    code, output = apply_pending()

    parked = state_branch(plan_id)
    assert code == ExitCode.FAILURE, output
    assert "GH006: Protected branch update failed for refs/heads/main" in output
    assert "Changes must be made through a pull request" in output
    assert f"safe on branch {parked}" in output
    assert "Traceback" not in output
    assert org.origin.branch_sha("main") == main_before
    applied = org.inventory_size()
    assert applied < memberships_before
    audit = remote_files(org, parked, "state/audit")
    assert audit
    assert any(plan_id in path for path in remote_files(org, parked, "state"))

    # Run again in the same clone (its state says applied), then in a fresh one as the next
    # CI job would (its state does not, the parked branch does): nothing acts again.
    code, output = apply_pending()
    assert code == ExitCode.OK, output
    assert "no merged plan is waiting" in output
    fresh = clone_over_http(org.origin, org.github, token=TOKEN, name="next-job")
    monkeypatch.chdir(fresh)
    code, output = apply_pending()
    assert code == ExitCode.FAILURE
    assert f"waits on branch {parked}" in output
    assert org.inventory_size() == applied

    # Landing it as the message says (a pull request, merged by a person) ends the story.
    with forge(org.github, ADMIN_TOKEN) as admin:
        pull = admin.open_or_update_pull(head=parked, base="main", title="state", body="audit")
        admin.merge_pull(pull.number, title="Land the audit")
    landed = clone_over_http(org.origin, org.github, token=TOKEN, name="after-landing")
    monkeypatch.chdir(landed)
    assert "audit" in " ".join(remote_files(org, "main", "state"))
    code, output = apply_pending()
    assert code == ExitCode.OK, output
    assert "no merged plan is waiting" in output
    assert org.inventory_size() == applied


def test_a_ruleset_lets_the_app_it_names_bypass_it_and_push_the_state(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, plan_id = merged_plan(org, monkeypatch, token=APP_TOKEN)
    org.settings.add_ruleset(
        Ruleset(
            id=1,
            name="protect main",
            branches=("main",),
            require_pull_request=True,
            bypass_app_ids=frozenset({APP_ID}),
        )
    )

    code, output = apply_pending()

    assert code == ExitCode.OK, output
    message = git(org.origin.git_dir, "log", "-1", "--format=%s", "main")
    assert message == f"accessctl: apply {plan_id}"
    assert not Workspace.open(Path.cwd()).remote_branch_exists(state_branch(plan_id))


def test_a_ruleset_refusal_is_reported_in_githubs_words(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, _ = merged_plan(org, monkeypatch, token=TOKEN)
    org.settings.add_ruleset(
        Ruleset(id=2, name="main", branches=("main",), required_checks=("ci",))
    )
    workspace = Workspace.open(runner)
    (runner / "state" / "note.txt").write_text("x\n")
    workspace.commit_paths(["state"], message="state")

    with pytest.raises(StateParked) as parked:
        workspace.push_with_rebase("main", park_as=state_branch("run-1"))

    assert parked.value.branch == "accessctl/state/run-1"
    assert parked.value.refused == "main"
    assert "GH013: Repository rule violations found for refs/heads/main" in str(parked.value)
    assert 'Required status check "ci" is expected' in str(parked.value)
    assert org.origin.branch_sha("accessctl/state/run-1") == parked.value.sha


# --- the refs API meets the rules a push meets -----------------------------------------------

PR_ONLY = "Changes must be made through a pull request."
PROTECTED = ("main", "release")  # main is moved; release is created and deleted
WHO = {"actions": TOKEN, "app": APP_TOKEN, "admin": ADMIN_TOKEN}


def rule_violations(*messages: str) -> str:
    return "Repository rule violations found\n\n" + "".join(f"{m}\n\n" for m in messages)


# What GitHub answers (422) an identity the rules bind, per protection and ref operation.
REF_REFUSALS = {
    ("classic", "update"): PR_ONLY,
    ("classic", "force-update"): "Cannot force-push to this protected branch",
    ("classic", "create"): "Reference update failed",
    ("classic", "delete"): "Cannot delete this protected branch",
    ("ruleset", "update"): rule_violations(PR_ONLY),
    ("ruleset", "force-update"): rule_violations("Cannot force-push to this branch", PR_ONLY),
    ("ruleset", "create"): rule_violations(PR_ONLY),
    ("ruleset", "delete"): rule_violations("Cannot delete this branch"),
}
# Who gets through: an admin past classic protection (but never a force-update or a deletion
# it forbids), the app the ruleset names as bypass actor. The Actions token never does.
REF_BYPASSES = {
    ("classic", "admin", "update"),
    ("classic", "admin", "create"),
    *(("ruleset", "app", op) for op in ("update", "force-update", "create", "delete")),
}


def protect(settings: RepositorySettings, kind: str) -> None:
    if kind == "classic":
        for branch in PROTECTED:
            settings.protect(branch, ClassicProtection(require_pull_request=True))
    else:
        bypass = frozenset({APP_ID})
        settings.add_ruleset(
            Ruleset(
                id=3, name="p", branches=PROTECTED, require_pull_request=True, bypass_app_ids=bypass
            )
        )


@dataclass(frozen=True)
class RefMove:
    """One ref operation through the REST API, and where its branch stands once it is done."""

    method: str
    path: str
    body: dict[str, object] | None
    branch: str
    after: str | None  # the branch's sha once done; None once deleted
    status: int


def ref_move(op: str, origin: Origin) -> RefMove:
    main = origin.branch_sha("main")
    tree = f"{main}^{{tree}}"
    if op == "update":
        ahead = git(origin.git_dir, "commit-tree", tree, "-p", main, "-m", "ahead")
        return RefMove("PATCH", "git/refs/heads/main", {"sha": ahead}, "main", ahead, 200)
    if op == "force-update":  # main moves one commit on; the update goes to its sibling
        ahead = git(origin.git_dir, "commit-tree", tree, "-p", main, "-m", "ahead")
        git(origin.git_dir, "update-ref", "refs/heads/main", ahead)
        aside = git(origin.git_dir, "commit-tree", tree, "-p", main, "-m", "aside")
        body = {"sha": aside, "force": True}
        return RefMove("PATCH", "git/refs/heads/main", body, "main", aside, 200)
    if op == "create":
        body = {"ref": "refs/heads/release", "sha": main}
        return RefMove("POST", "git/refs", body, "release", main, 201)
    git(origin.git_dir, "branch", "release", main)
    return RefMove("DELETE", "git/refs/heads/release", None, "release", None, 204)


def branch_tip(origin: Origin, branch: str) -> str | None:
    listed = git(origin.git_dir, "for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}")
    return listed or None


@pytest.mark.parametrize(
    ("kind", "who", "op"),
    [
        pytest.param(kind, who, op, id=f"{kind}-{who}-{op}")
        for kind in ("classic", "ruleset")
        for who in WHO
        for op in ("update", "force-update", "create", "delete")
    ],
)
def test_the_refs_api_refuses_what_a_push_to_a_protected_branch_is_refused(
    bare_origin: Callable[..., Origin], github_sim: Callable[..., str], kind: str, who: str, op: str
) -> None:
    origin = bare_origin()
    settings = RepositorySettings()
    protect(settings, kind)
    base_url = github_sim(origin, settings=settings)
    move = ref_move(op, origin)
    before = branch_tip(origin, move.branch)

    answer = httpx.request(
        move.method,
        f"{base_url}/repos/{REPOSITORY}/{move.path}",
        json=move.body,
        headers={"Authorization": f"Bearer {WHO[who]}"},
        timeout=10,
    )

    if (kind, who, op) in REF_BYPASSES:
        assert answer.status_code == move.status, answer.text
        assert branch_tip(origin, move.branch) == move.after
    else:
        assert answer.status_code == 422, answer.text
        assert answer.json()["message"] == REF_REFUSALS[kind, op]
        assert branch_tip(origin, move.branch) == before


# --- required checks block a merge until they report ------------------------------------------


def forge(base_url: str, token: str) -> GitHubForge:
    return GitHubForge.connect(ForgeSettings(repository=REPOSITORY, token=token, api_url=base_url))


def test_required_checks_block_the_merge_until_they_report(
    bare_origin: Callable[..., Origin], github_sim: Callable[..., str]
) -> None:
    origin = bare_origin()
    head = push_branch(origin.clone("a"), "accessctl/plan", files={"state/p.yaml": "x\n"})
    settings = set_up_as_documented()
    settings.protect("main", ClassicProtection(required_checks=("ci",), enforce_admins=True))
    base_url = github_sim(origin, settings=settings)
    with forge(base_url, ADMIN_TOKEN) as admin:
        pull = admin.open_or_update_pull(head="accessctl/plan", base="main", title="t", body="b")
        with pytest.raises(ProtectedMerge) as refused:
            admin.merge_pull(pull.number, title="merge")
        blocked = admin.get_pull(pull.number)
        httpx.post(f"{base_url}/__sim/statuses/{head}", json={"context": "ci", "state": "failure"})
        with pytest.raises(ProtectedMerge, match='"ci" is failing'):
            admin.merge_pull(pull.number, title="merge")
        httpx.post(f"{base_url}/__sim/statuses/{head}", json={"context": "ci", "state": "success"})
        merged = admin.merge_pull(pull.number, title="merge")

    assert 'Required status check "ci" is expected' in str(refused.value)
    assert "GitHub App token" in str(refused.value)
    assert not blocked.merged
    assert merged.merged


CHECKS_WORKFLOW = """\
name: checks
on:
  pull_request:
  push:
    branches: [main]
jobs:
  validate:
    name: validate policies
    runs-on: ubuntu-latest
    steps:
      - run: accessctl validate
"""


def finish_runs(base_url: str, conclusion: str = "success") -> list[dict[str, object]]:
    """What the runners would do with every run in progress: finish it."""
    answer = httpx.post(
        f"{base_url}/__sim/workflow-runs/complete", json={"conclusion": conclusion}, timeout=10
    )
    answer.raise_for_status()
    finished: list[dict[str, object]] = answer.json()
    return finished


@pytest.mark.parametrize(
    ("token", "runs", "merges"),
    [(TOKEN, [], False), (APP_TOKEN, [("checks", "pull_request", "accessctl-app[bot]")], True)],
    ids=["actions-token-starts-no-workflow", "app-token-gets-its-checks"],
)
def test_only_a_plan_pull_request_opened_with_the_app_token_gets_its_required_checks(
    policy_repo: Callable[..., PolicyRepo], token: str, runs: list[tuple[str, ...]], merges: bool
) -> None:
    settings = set_up_as_documented()
    required = ClassicProtection(required_checks=("validate policies",), enforce_admins=True)
    settings.protect("main", required)
    repo = policy_repo(
        settings=settings, token=token, extra={".github/workflows/checks.yml": CHECKS_WORKFLOW}
    )
    proposed = accessctl("propose", "--inventory", str(EXAMPLE_INVENTORY), "--now", NOW)
    [pull] = repo.pulls()
    with forge(repo.base_url, ADMIN_TOKEN) as admin:
        with pytest.raises(ProtectedMerge) as before_the_runs_finish:
            admin.merge_pull(pull.number, title="merge")
        finished = finish_runs(repo.base_url)
        after = httpx.get(
            f"{repo.base_url}/repos/{REPOSITORY}/pulls/{pull.number}",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        ).json()["mergeable_state"]
        if merges:
            admin.merge_pull(pull.number, title="merge")

    assert proposed.exit_code == ExitCode.OK, proposed.stderr
    expected = 'Required status check "validate policies" is expected'
    assert expected in str(before_the_runs_finish.value)
    assert [(r["name"], r["event"], r["actor"]) for r in finished] == runs
    assert all(r["head_sha"] == pull.head.sha for r in finished)
    assert all(r["checks"] == ["validate policies"] for r in finished)
    assert after == ("clean" if merges else "blocked")
    assert [p.merged for p in repo.pulls()] == [merges]


# --- what doctor reads -------------------------------------------------------------------------


def test_the_settings_doctor_reads_are_readable_with_the_right_token(
    bare_origin: Callable[..., Origin], github_sim: Callable[..., str]
) -> None:
    origin = bare_origin()
    settings = RepositorySettings()
    settings.protect("main", ClassicProtection(required_checks=("ci",), require_pull_request=True))
    settings.add_ruleset(Ruleset(id=3, name="main", branches=("main",), require_pull_request=True))
    base_url = github_sim(origin, settings=settings)
    with forge(base_url, ADMIN_TOKEN) as admin, forge(base_url, TOKEN) as actions:
        permissions = admin.workflow_permissions()
        protection = admin.branch_protection("main")
        unprotected = admin.branch_protection("nothing-protected")
        rules = actions.branch_rules("main")
        person = admin.authenticated_user()
        with pytest.raises(Forbidden, match="Resource not accessible by integration"):
            actions.workflow_permissions()
        with pytest.raises(Forbidden, match="Resource not accessible by integration"):
            actions.authenticated_user()

    assert (
        permissions.default_workflow_permissions,
        permissions.can_approve_pull_request_reviews,
    ) == (
        "read",
        False,
    )
    assert protection is not None
    assert protection.required_status_checks is not None
    assert protection.required_status_checks.contexts == ("ci",)
    assert protection.required_pull_request_reviews is not None
    assert unprotected is None
    assert [rule.type for rule in rules] == ["deletion", "non_fast_forward", "pull_request"]
    assert person.login == "octo-admin"


def test_an_unknown_token_cannot_clone(
    bare_origin: Callable[..., Origin], github_sim: Callable[..., str]
) -> None:
    origin = bare_origin()
    base_url = github_sim(origin, settings=RepositorySettings())
    with pytest.raises(subprocess.CalledProcessError):
        clone_over_http(origin, base_url, token="stolen", name="nope")
    clone = clone_over_http(origin, base_url, token=TOKEN, name="yes")
    assert json.dumps(git(clone, "log", "--format=%s"))
