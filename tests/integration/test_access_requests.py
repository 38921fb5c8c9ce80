"""A returning user gets the seat back without knowing git: mail -> link -> issue -> workflow
command -> restore (or a pull request), against the Atlassian and GitHub simulators, a real SMTP
server and a real policy repository.

The person follows the link in their revocation mail to the issue form (the GitHub simulator
fills it in from the link as github.com's page does), writes why, submits; the workflow runs
`accessctl request-access --from-issue N --push`. Pre-approved by the reviewed RestorePolicy,
the seat comes back within the run, through apply's journaled, audited path, with the issue as
the evidence; every check that fails sends the request for review or refuses it, in ONE comment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from controller.adapters.git_workspace import state_branch
from controller.adapters.github import GitHubForge
from controller.adapters.state_dir import StateDir
from controller.core.access_request import MARKER
from controller.core.errors import ExitCode
from controller.core.ledger import Ledger, RemovalRecord, dump_ledger
from controller.core.model_base import format_instant
from controller.core.plan.model import GroupRef
from controller.core.snapshot import Inventory, parse_inventory, seat_counts
from controller.core.state_records import PolicyApproval
from controller.sim.github import ADMIN_TOKEN, ClassicProtection, RepositorySettings
from tests.integration.git_sandbox import (
    REPOSITORY,
    TOKEN,
    clone_over_http,
    git,
    push_over_http,
    set_up_as_documented,
)
from tests.integration.policy_repo import EXAMPLE_INVENTORY, PolicyRepo, accessctl, policy_files
from tests.integration.sim_atlassian_support import AtlassianSim, ServeAtlassian
from tests.integration.smtp_sink import SMTP_PASSWORD, Received, SmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
ROOT = EXAMPLE_INVENTORY.parents[2]
FORM = (ROOT / ".github" / "ISSUE_TEMPLATE" / "request-access.yml").read_text(encoding="utf-8")
DAY0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
BOB = "557058:00000002-0000-4000-8000-000000000002"
JSW, STAFF = "7d1e0a52-jsw-acme", "7d1e0a59-staff"
JSW_GROUP = GroupRef(id=JSW, name="jira-software-users-acme")
LINK = re.compile(r"^(http\S+/issues/new\?\S+)$", re.MULTILINE)


def iso(moment: datetime) -> str:
    return format_instant(moment)


def repository_files(smtp_port: int) -> dict[str, str]:
    """The example policies (revoking without a warning first), mail to the test's SMTP
    server, and the request form."""
    files = policy_files()
    org, jsw = "policies/organization.yaml", "policies/jira-software-inactivity.yaml"
    files[org] = (
        files[org]
        .replace(
            "host: smtp.acme.example\n    port: 587\n    security: starttls",
            f"host: 127.0.0.1\n    port: {smtp_port}\n    security: none",
        )
        .replace("max_revocation_fraction: 0.30", "max_revocation_fraction: 0.5")
    )
    files[jsw] = files[jsw].replace("warn_before_days: 7", "warn_before_days: 0")
    files[".github/ISSUE_TEMPLATE/request-access.yml"] = FORM
    return files


@dataclass
class World:
    repo: PolicyRepo
    sim: AtlassianSim
    smtp: SmtpServer

    def groups_of(self, account_id: str) -> set[str]:
        inventory = self.sim.inventory()
        return set(next(a for a in inventory.accounts if a.account_id == account_id).groups)

    def person(self, login: str, **options: Any) -> str:
        """A GitHub login with a token, reading the repository as most members do."""
        made = httpx.post(
            f"{self.repo.base_url}/__sim/people", json={"login": login, **options}, timeout=10
        )
        assert made.status_code == 201, made.text
        return str(made.json()["token"])

    def submit(self, link: str, *, token: str, answers: dict[str, str]) -> int:
        """Follow the link to the form, answer, submit: the issue's number."""
        made = httpx.post(
            f"{self.repo.base_url}/__sim/issue-forms",
            json={"url": link, "answers": answers},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert made.status_code == 201, made.text
        return int(made.json()["number"])

    def issue(self, number: int) -> dict[str, Any]:
        return dict(httpx.get(self.api(f"/issues/{number}"), headers=self.bot, timeout=10).json())

    def comments(self, number: int) -> list[str]:
        return [c.body for c in self.repo.comments(number)]

    def api(self, path: str) -> str:
        return f"{self.repo.base_url}/repos/{REPOSITORY}{path}"

    @property
    def bot(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.repo.token}"}


@pytest.fixture
def world_with(
    policy_repo: Callable[..., PolicyRepo],
    atlassian_sim: ServeAtlassian,
    smtp_sink: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., World]:
    """The organization (the example, or `seed`), the policy repository on the GitHub
    simulator (with `extra` files and `settings`), mail, and the environment of the request
    workflow."""

    def make(
        *,
        seed: Inventory | None = None,
        extra: dict[str, str] | None = None,
        settings: RepositorySettings | None = None,
    ) -> World:
        monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
        sim = atlassian_sim(seed or parse_inventory(EXAMPLE_INVENTORY.read_bytes(), source="x"))
        files = {**repository_files(smtp_sink.port), **(extra or {})}
        repo = policy_repo(extra=files, settings=settings)
        monkeypatch.setenv("GITHUB_SERVER_URL", repo.base_url)  # GitHub Actions sets it
        httpx.post(
            f"{repo.base_url}/repos/{REPOSITORY}/labels",
            json={"name": "access-request"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=10,
        )
        return World(repo=repo, sim=sim, smtp=smtp_sink)

    return make


def answer(number: int, *, at: datetime) -> tuple[int, str]:
    """What the request-access workflow runs for issue `number`."""
    result = accessctl("request-access", "--from-issue", str(number), "--push", "--now", iso(at))
    return result.exit_code, result.stdout + result.stderr


def revoke_by_review(world: World) -> list[Received]:
    """Day 0: the plan pull request, merged by a reviewer, applied; the mail that went out."""
    assert accessctl("propose", "--now", iso(DAY0)).exit_code == ExitCode.OK
    (pull,) = world.repo.open_pulls()
    with GitHubForge.from_env({**world.repo.environ(), "GITHUB_TOKEN": ADMIN_TOKEN}) as admin:
        admin.merge_pull(pull.number, title=f"Merge plan pull request #{pull.number}")
    git(world.repo.clone, "pull", "--quiet", "--ff-only", "origin", "main")
    world.smtp.recorder.take()
    result = accessctl("apply", "--pending", "--push", "--now", iso(DAY0 + timedelta(hours=1)))
    assert result.exit_code == ExitCode.OK, result.stderr
    return world.smtp.recorder.take()


def link_in(mail: Received) -> str:
    found = LINK.search(mail.text)
    assert found, mail.text
    return found.group(1)


# --- the whole path ---------------------------------------------------------------------------


def test_a_removed_user_asks_from_the_mail_and_gets_the_seat_back_within_the_run(
    world_with: Callable[..., World],
) -> None:
    world = world_with()
    mails = revoke_by_review(world)
    (bobs,) = [m for m in mails if m.rcpt_tos == ("bob@acme.example",)]
    assert "removed" in bobs.subject.lower() or "removed" in bobs.text
    assert JSW not in world.groups_of(BOB)

    token = world.person("bob-acme")  # policies/github-identities.yaml maps it to Bob
    number = world.submit(link_in(bobs), token=token, answers={"reason": "Back from leave"})
    asked_at = DAY0 + timedelta(days=3)
    code, output = answer(number, at=asked_at)

    assert code == ExitCode.OK, output
    assert JSW in world.groups_of(BOB)
    issue = world.issue(number)
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    (comment,) = world.comments(number)
    assert comment.startswith(MARKER)
    assert "**Restored.**" in comment
    assert "`jira-software-users-acme`" in comment
    assert world.repo.open_pulls() == []  # no second review was needed

    # The restore is in state/, pushed, with the issue as its evidence.
    git(world.repo.clone, "fetch", "--quiet", "origin")
    assert git(world.repo.clone, "status", "-sb").startswith("## main...origin/main")
    state = StateDir(world.repo.clone / "state")
    marker = next(m for m in state.applied_markers() if isinstance(m.approval, PolicyApproval))
    assert isinstance(marker.approval, PolicyApproval)
    assert marker.approval.policy == "returning-staff"
    assert marker.approval.request.issue == number
    assert marker.approval.request.author == "bob-acme"
    assert all(r.account_id != BOB for r in state.read_ledger().removals)
    restore = [r for r in state.audit_log() if r.action == "restore"]
    assert [(r.account_id, r.outcome, r.request.issue if r.request else None) for r in restore] == [
        (BOB, "done", number)
    ]
    assert state.plan_path(marker.plan_id).exists()

    # Bob hears it by mail too; `audit` tells the whole story, offline.
    notices = [m for m in world.smtp.recorder.take() if m.rcpt_tos == ("bob@acme.example",)]
    assert len(notices) == 1
    assert f"As you asked (request #{number})" in notices[0].text
    trail = json.loads(
        accessctl("audit", "--account", "bob@acme.example", "--format", "json").stdout
    )
    events = [(e["action"], e["plan_id"], e["approved_by"]["source"]) for e in trail["events"]]
    assert [kind for kind, _, _ in events] == ["revoke", "restore"]
    assert events[0][2] == "pull-request"
    assert (events[1][1], events[1][2]) == (marker.plan_id, "policy")
    assert trail["events"][1]["request"]["issue"] == number
    assert trail["events"][1]["policy"] == "returning-staff"
    assert trail["removed_seats"] == []

    # The workflow runs again (an edit): nothing is restored twice.
    code, output = answer(number, at=asked_at + timedelta(minutes=5))
    assert code == ExitCode.OK
    assert "closed; nothing to do" in output
    assert len([r for r in state.audit_log() if r.action == "restore"]) == 1


# --- checks that send a request for review ----------------------------------------------------


def removal(*, days_ago: float, account_id: str = BOB) -> RemovalRecord:
    return RemovalRecord(
        account_id=account_id,
        email="bob@acme.example",
        site="acme",
        product="jira-software",
        policy="jira-software-60d",
        groups=(JSW_GROUP,),
        removed_at=DAY0 - timedelta(days=days_ago),
        plan_id="plan-20261101-060000-0a1b2c3d",
    )


def seed(*, bob_groups: tuple[str, ...] = (STAFF,), limit: int | None = 25) -> Inventory:
    """The example organization with Bob already out of Jira Software (accessctl removed it)."""
    data = json.loads(EXAMPLE_INVENTORY.read_text(encoding="utf-8"))
    for account in data["accounts"]:
        if account["account_id"] == BOB:
            account["groups"] = list(bob_groups)
    for seats in data["seats"]:
        if (seats["site"], seats["product"]) == ("acme", "jira-software"):
            seats["limit"] = limit
    return Inventory.model_validate(data)


def ledger_with(*removals: RemovalRecord) -> dict[str, str]:
    return {"state/ledger.json": dump_ledger(Ledger(removals=removals)).decode()}


def bobs_link(world: World, **query: str) -> str:
    fields = {
        "template": "request-access.yml",
        "account": "bob@acme.example",
        "site": "acme",
        "product": "jira-software",
        **query,
    }
    return str(httpx.URL(f"{world.repo.base_url}/{REPOSITORY}/issues/new", params=fields))


def in_use() -> int:
    """Jira Software seats taken on acme in the example once Bob is out: a full product."""
    return seat_counts(seed())[("acme", "jira-software")]


@pytest.mark.parametrize(
    ("removed", "bob_groups", "full", "why"),
    [
        pytest.param((), (STAFF,), False, "no record of removing this seat", id="not-removed"),
        pytest.param(
            (removal(days_ago=31),), (STAFF,), False, "more than 30 days ago", id="outside-window"
        ),
        pytest.param(
            (removal(days_ago=3),), (), False, "in none of the groups restore", id="ineligible"
        ),
        pytest.param(
            (removal(days_ago=3),), (STAFF,), True, "restore held back: 15 of 15", id="seat-cap"
        ),
    ],
)
def test_a_request_a_check_refuses_goes_to_review_saying_why(
    world_with: Callable[..., World],
    removed: tuple[RemovalRecord, ...],
    bob_groups: tuple[str, ...],
    full: bool,
    why: str,
) -> None:
    limit = in_use() if full else 25
    world = world_with(seed=seed(bob_groups=bob_groups, limit=limit), extra=ledger_with(*removed))
    before = world.groups_of(BOB)
    number = world.submit(
        bobs_link(world), token=world.person("bob-acme"), answers={"reason": "Back on the team"}
    )

    code, output = answer(number, at=DAY0)

    assert code == ExitCode.OK, output
    assert world.groups_of(BOB) == before
    (pull,) = world.repo.open_pulls()
    assert pull.head.ref == f"access-request/issue-{number}"
    assert f"Requested in #{number} by @bob-acme" in (pull.body or "")
    assert why in (pull.body or "")
    (comment,) = world.comments(number)
    assert f"Sent for review in #{pull.number}" in comment
    assert why in comment
    assert world.issue(number)["state"] == "open"
    entry = git(world.repo.origin.git_dir, "show", f"{pull.head.ref}:policies/access-grants.yaml")
    assert "account: bob@acme.example" in entry
    assert (("jira-software-users-acme" in entry) == bool(removed)) or "product: jira" in entry


def test_an_author_the_map_does_not_name_goes_to_review(world_with: Callable[..., World]) -> None:
    world = world_with(seed=seed(), extra=ledger_with(removal(days_ago=3)))
    token = world.person("a-colleague")  # a member of the organization, not Bob
    number = world.submit(bobs_link(world), token=token, answers={"reason": "Bob is back"})

    code, output = answer(number, at=DAY0)

    assert code == ExitCode.OK, output
    assert JSW not in world.groups_of(BOB)
    (comment,) = world.comments(number)
    assert "@a-colleague is not listed in the GitHubIdentities map" in comment
    (pull,) = world.repo.open_pulls()
    assert "jira-software-users-acme" in git(
        world.repo.origin.git_dir, "show", f"{pull.head.ref}:policies/access-grants.yaml"
    )


def test_a_request_whose_review_cannot_be_opened_is_answered_on_the_issue(
    world_with: Callable[..., World],
) -> None:
    # A new repository's setting: the Actions token may not open pull requests, and no app.
    world = world_with(
        seed=seed(), extra=ledger_with(removal(days_ago=3)), settings=RepositorySettings()
    )
    token = world.person("a-colleague")  # not Bob: the request needs a review
    number = world.submit(bobs_link(world), token=token, answers={"reason": "Bob is back"})

    code, output = answer(number, at=DAY0)

    assert code == ExitCode.FAILURE, output
    assert "GitHub Actions is not permitted to create or approve pull requests" in output
    assert JSW not in world.groups_of(BOB)
    assert world.repo.open_pulls() == []
    (comment,) = world.comments(number)
    assert "Not restored yet" in comment
    assert "could not be opened" in comment
    assert world.issue(number)["state"] == "open"


def test_a_request_restored_after_all_closes_the_review_it_had_opened(
    world_with: Callable[..., World],
) -> None:
    world = world_with(seed=seed(), extra=ledger_with(removal(days_ago=3)))
    token = world.person("bob-k")  # Bob's login, not listed yet
    number = world.submit(bobs_link(world), token=token, answers={"reason": "Back"})
    assert answer(number, at=DAY0)[0] == ExitCode.OK
    (review,) = world.repo.open_pulls()
    people = "policies/github-identities.yaml"
    listed = (
        world.repo.clone / people
    ).read_text() + "  - github: bob-k\n    account: BOB@acme.example\n"
    world.repo.commit({people: listed}, message="List @bob-k")
    git(world.repo.clone, "push", "--quiet", "origin", "main")

    code, output = answer(number, at=DAY0 + timedelta(hours=1))  # the issue was edited

    assert code == ExitCode.OK, output
    assert JSW in world.groups_of(BOB)
    assert world.repo.open_pulls() == []
    closed = next(p for p in world.repo.pulls() if p.number == review.number)
    assert (closed.state, closed.merged) == ("closed", False)
    assert world.issue(number)["state"] == "closed"
    (comment,) = world.comments(number)
    assert "**Restored.**" in comment


def test_a_restore_a_protected_main_refuses_is_answered_and_its_record_kept_on_a_branch(
    world_with: Callable[..., World],
) -> None:
    settings = set_up_as_documented()
    world = world_with(seed=seed(), extra=ledger_with(removal(days_ago=3)), settings=settings)
    push_over_http(world.repo.clone, world.repo.base_url, token=TOKEN)  # as actions/checkout
    settings.protect("main", ClassicProtection(require_pull_request=True))
    main_before = world.repo.origin.branch_sha("main")
    number = world.submit(
        bobs_link(world), token=world.person("bob-acme"), answers={"reason": "Back"}
    )

    code, output = answer(number, at=DAY0)

    assert code == ExitCode.FAILURE, output
    assert "GH006: Protected branch update failed for refs/heads/main" in output
    assert "Traceback" not in output
    assert JSW in world.groups_of(BOB)
    # The seat is back, so the requester hears it, by mail and in the issue, as usual.
    (comment,) = world.comments(number)
    assert "**Restored.**" in comment
    assert world.issue(number)["state"] == "closed"
    notices = [m for m in world.smtp.recorder.take() if m.rcpt_tos == ("bob@acme.example",)]
    assert len(notices) == 1
    # The record is not lost: it waits on the plan's branch, and the run says how to land it.
    assert world.repo.origin.branch_sha("main") == main_before
    marker = next(
        m
        for m in StateDir(world.repo.clone / "state").applied_markers()
        if isinstance(m.approval, PolicyApproval)
    )
    parked = state_branch(marker.plan_id)
    assert f"safe on branch {parked}: open a pull request from {parked} into main" in output
    audit = git(world.repo.origin.git_dir, "ls-tree", "-r", "--name-only", parked, "state/audit")
    assert audit.strip()


def test_a_parked_restore_answered_again_says_where_its_record_waits(
    world_with: Callable[..., World], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = set_up_as_documented()
    world = world_with(seed=seed(), extra=ledger_with(removal(days_ago=3)), settings=settings)
    push_over_http(world.repo.clone, world.repo.base_url, token=TOKEN)
    settings.protect("main", ClassicProtection(require_pull_request=True))
    number = world.submit(
        bobs_link(world), token=world.person("bob-acme"), answers={"reason": "Back"}
    )
    first, _ = answer(number, at=DAY0)
    parked = world.repo.origin.git_dir
    branches = git(parked, "for-each-ref", "--format=%(refname:short)", "refs/heads/accessctl/")
    reopened = httpx.patch(
        world.api(f"/issues/{number}"),
        json={"state": "open"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=10,
    )
    # The workflow answers from a fresh checkout of main, which has no record of the restore.
    rerun = clone_over_http(world.repo.origin, world.repo.base_url, token=TOKEN, name="rerun")
    monkeypatch.chdir(rerun)

    code, output = answer(number, at=DAY0 + timedelta(hours=1))

    (branch,) = branches.split()
    assert first == ExitCode.FAILURE
    assert reopened.status_code == 200, reopened.text
    assert code == ExitCode.FAILURE, output
    assert f"waits on branch {branch}" in output
    assert "nothing was done again" in output
    assert "Traceback" not in output
    assert world.repo.open_pulls() == []  # no review of a seat that is back already
    assert world.issue(number)["state"] == "closed"
    (comment,) = world.comments(number)
    assert "**Restored.**" in comment
    after = git(parked, "for-each-ref", "--format=%(refname:short)", "refs/heads/accessctl/")
    assert after == branches  # no second plan, no second branch


# --- refusals: one comment, nothing else ------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "answers", "options", "said"),
    [
        pytest.param({"product": ""}, {}, {}, "the Product field is empty", id="malformed-issue"),
        pytest.param(
            {"account": "nobody@acme.example"},
            {},
            {},
            "there is no account nobody@acme.example",
            id="unknown-account",
        ),
        pytest.param(
            {"product": "bitbucket"},
            {},
            {},
            "no group grants bitbucket on acme",
            id="unknown-product",
        ),
        pytest.param(
            {},
            {},
            {"association": "NONE"},
            "only the repository's members may ask for someone else's access",
            id="someone-else-without-rights",
        ),
    ],
)
def test_a_request_accessctl_cannot_act_on_gets_one_clear_comment(
    world_with: Callable[..., World],
    query: dict[str, str],
    answers: dict[str, str],
    options: dict[str, Any],
    said: str,
) -> None:
    world = world_with(seed=seed(), extra=ledger_with(removal(days_ago=3)))
    token = world.person("stranger", **options)
    number = world.submit(
        bobs_link(world, **query), token=token, answers={"reason": "Please", **answers}
    )

    code, output = answer(number, at=DAY0)
    again, _ = answer(number, at=DAY0)  # an edit runs it again: still ONE comment

    assert (code, again) == (ExitCode.BAD_INPUT, ExitCode.BAD_INPUT), output
    assert said in output
    (comment,) = world.comments(number)
    assert said in comment
    assert world.repo.open_pulls() == []
    assert world.issue(number)["state"] == "open"
    assert JSW not in world.groups_of(BOB)
    assert "Traceback" not in output


# --- a review decided: the issue follows the pull request -------------------------------------


@pytest.mark.parametrize(
    ("merge", "reason"), [(True, "completed"), (False, "not_planned")], ids=["merged", "declined"]
)
def test_the_issue_is_closed_when_its_pull_request_is_merged_or_closed(
    world_with: Callable[..., World], merge: bool, reason: str
) -> None:
    world = world_with(seed=seed(), extra=ledger_with(removal(days_ago=3)))
    token = world.person("a-colleague")
    number = world.submit(bobs_link(world), token=token, answers={"reason": "Bob is back"})
    assert answer(number, at=DAY0)[0] == ExitCode.OK
    (pull,) = world.repo.open_pulls()
    with GitHubForge.from_env({**world.repo.environ(), "GITHUB_TOKEN": ADMIN_TOKEN}) as admin:
        if merge:
            admin.merge_pull(pull.number, title="Grant Bob's request")
        else:
            admin.close_pull(pull.number, comment="Not this quarter")

    result = accessctl("request-access", "--settle")

    assert result.exit_code == ExitCode.OK, result.stderr
    issue = world.issue(number)
    assert (issue["state"], issue["state_reason"]) == ("closed", reason)
    (comment,) = world.comments(number)
    assert ("**Approved:**" if merge else "**Declined:**") in comment
    assert f"#{pull.number}" in comment
    assert accessctl("request-access", "--settle").exit_code == ExitCode.OK  # nothing left


def test_the_command_line_asks_for_one_way_of_asking(world_with: Callable[..., World]) -> None:
    world_with(seed=seed())
    both = accessctl("request-access", "--from-issue", "1", "--settle")
    neither = accessctl("request-access")
    assert both.exit_code == neither.exit_code == 2
    assert "--from-issue N" in both.stderr


def test_a_pull_request_or_an_unlabelled_issue_is_left_alone(
    world_with: Callable[..., World],
) -> None:
    world = world_with(seed=seed())
    plain = httpx.post(world.api("/issues"), json={"title": "Printer jam"}, headers=world.bot)
    code, output = answer(int(plain.json()["number"]), at=DAY0)
    assert code == ExitCode.OK
    assert "no `access-request` label" in output
    assert world.comments(int(plain.json()["number"])) == []
