"""`accessctl notify` and the mail after `accessctl apply`, against a real SMTP server.

aiosmtpd listens on 127.0.0.1 with AUTH (the password comes from SMTP_PASSWORD); the policy
repository is a real clone of a bare origin; apply talks to the Atlassian simulator over HTTP.
Time never passes: every run gets `--now`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from controller.adapters.git_workspace import state_branch
from controller.adapters.state_dir import StateDir
from controller.app.cli import main
from controller.core.errors import ExitCode
from controller.core.ledger import Ledger
from controller.core.model_base import format_instant
from controller.core.plan import parse_plan
from controller.core.snapshot import Inventory, dump_inventory
from controller.sim.github import ClassicProtection, RepositorySettings
from tests.integration.git_sandbox import TOKEN, Origin, git, push_over_http
from tests.integration.policy_repo import PolicyClone
from tests.integration.sim_atlassian_support import ServeAtlassian
from tests.integration.smtp_sink import (
    SMTP_PASSWORD,
    Received,
    SmtpServer,
    self_signed_certificate,
    server_context,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
EXAMPLE = json.loads((ROOT / "policies" / "examples" / "inventory.json").read_text())
DAY0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
JSW, STAFF = "7d1e0a52-jsw-acme", "7d1e0a59-staff"
BOB = "557058:00000002-0000-4000-8000-000000000002"
GITHUB_VARIABLES = ("GITHUB_REPOSITORY", "GITHUB_REF", "GITHUB_RUN_ID", "GITHUB_SERVER_URL")


def on(day: float, hours: float = 0) -> datetime:
    return DAY0 + timedelta(days=day, hours=hours)


def iso(moment: datetime) -> str:
    return format_instant(moment)


# --- the organization -------------------------------------------------------------------------


def person(
    number: int, name: str, *, idle_days: float, now: datetime, email: str | None = ""
) -> dict[str, Any]:
    """An account holding Jira Software on acme, last used `idle_days` before `now`."""
    short = name.split(maxsplit=1)[0].lower()
    return {
        "account_id": f"557058:{number:08d}-0000-4000-8000-{number:012d}",
        "email": f"{short}@acme.example" if email == "" else email,
        "name": name,
        "added_to_org": "2024-01-15T09:00:00Z",
        "groups": [JSW, STAFF],
        "activity": [
            {
                "site": "acme",
                "product": "jira-software",
                "last_active": iso(now - timedelta(days=idle_days)),
            }
        ],
    }


def organization(now: datetime, *people: dict[str, Any]) -> Inventory:
    """Bob (idle 55 days at DAY0), four busy colleagues, and `people`."""
    bob = person(2, "Bob Idle", idle_days=55, now=DAY0)
    busy = [person(n, f"{who} Busy", idle_days=1, now=now) for n, who in _BUSY]
    data = {key: EXAMPLE[key] for key in ("version", "org_id", "sites", "groups", "seats")}
    return Inventory.model_validate(
        {**data, "taken_at": iso(now), "accounts": [bob, *busy, *people]}
    )


_BUSY = ((11, "Alice"), (12, "Carol"), (13, "Dave"), (14, "Erin"))


# --- the policy repository --------------------------------------------------------------------


def policy_files(smtp_port: int) -> dict[str, str]:
    files = {f"policies/{p.name}": p.read_text() for p in (ROOT / "policies").glob("*.yaml")}
    org = "policies/organization.yaml"
    files[org] = files[org].replace(
        "host: smtp.acme.example\n    port: 587\n    security: starttls",
        f"host: 127.0.0.1\n    port: {smtp_port}\n    security: none",
    )
    assert f"port: {smtp_port}" in files[org]
    files["state/README.md"] = "state\n"
    return files


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class World:
    clone: Path
    origin: Origin
    smtp: SmtpServer
    scratch: Path

    def cli(self, *args: str) -> Result:
        done = CliRunner().invoke(main, list(args), catch_exceptions=False)
        result = Result(done.exit_code, done.stdout, done.stderr)
        assert SMTP_PASSWORD not in result.output
        return result

    def snapshot(self, inventory: Inventory) -> str:
        path = self.scratch / f"inventory-{inventory.taken_at:%Y%m%d%H%M}.json"
        path.write_bytes(dump_inventory(inventory))
        return str(path)

    def notify(self, inventory: Inventory, now: datetime, *extra: str) -> Result:
        return self.cli(
            "notify", "--inventory", self.snapshot(inventory), "--now", iso(now), *extra
        )

    def mails(self) -> list[Received]:
        return self.smtp.recorder.take()

    def ledger(self) -> Ledger:
        return StateDir(self.clone / "state").read_ledger()

    def last_commit(self) -> str:
        return git(self.clone, "log", "-1", "--format=%s")

    def commit(self, files: dict[str, str], message: str) -> None:
        for path, text in files.items():
            (self.clone / path).parent.mkdir(parents=True, exist_ok=True)
            (self.clone / path).write_text(text)
        git(self.clone, "add", "--all")
        git(self.clone, "commit", "--quiet", "-m", message)

    def merge_plan(self, inventory: Inventory, now: datetime) -> str:
        """What merging a plan pull request leaves on main: the plan file, committed."""
        draft = "state/plans/draft.yaml"
        made = self.cli(
            "plan", "--inventory", self.snapshot(inventory), "--now", iso(now), "--out", draft
        )
        assert made.exit_code == ExitCode.OK, made.output
        plan = parse_plan((self.clone / draft).read_bytes(), source="plan")
        final = f"state/plans/{plan.id}.yaml"
        (self.clone / draft).rename(self.clone / final)
        git(self.clone, "add", "state")
        git(self.clone, "commit", "--quiet", "-m", f"Merge plan {plan.id}")
        return final


@pytest.fixture
def world(
    policy_clone: Callable[..., PolicyClone],
    smtp_sink: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    for name in GITHUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)
    repo = policy_clone(files=policy_files(smtp_sink.port))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return World(clone=repo.clone, origin=repo.origin, smtp=smtp_sink, scratch=scratch)


def with_activity(
    inventory: Inventory, account_id: str, *, product: str, at: datetime
) -> Inventory:
    data = json.loads(dump_inventory(inventory))
    for account in data["accounts"]:
        if account["account_id"] == account_id:
            account["activity"].append({"site": "acme", "product": product, "last_active": iso(at)})
    data["taken_at"] = iso(at)
    return Inventory.model_validate(data)


# --- warn -> revoke -> restore ----------------------------------------------------------------

# `--\x20` is the signature separator, "-- " (a trailing blank a linter would strip).
WARNING_TEXT = """\
Hello Bob Idle,

Your Jira Software access on acme will be removed on 30 November 2026 because
you have not used it since 29 September 2026.

Open Jira Software at https://acme.atlassian.net before then to keep it, or ask it-ops@acme.example.

Nothing else changes: your other products and sites stay as they are.

--\x20
accessctl for Acme Corp's Atlassian Cloud organization (policy jira-software-60d)
"""

REVOCATION_TEXT = """\
Hello Bob Idle,

Your Jira Software access on acme was removed on 30 November 2026 because you
had not used Jira Software since 29 September 2026.
You were warned on 23 November 2026.
You were removed from: jira-software-users-acme.
Your other products and sites stay as they are.

If you need it again, ask it-ops@acme.example.

--\x20
accessctl for Acme Corp's Atlassian Cloud organization (policy jira-software-60d)
"""

RESTORE_TEXT = """\
Hello Bob Idle,

Welcome back. You are active again, so on 2 December 2026
your Jira Software access on acme was restored: you are again in jira-software-users-acme.
It had been removed on 30 November 2026 for lack of use.

Nothing to do: open Jira Software at https://acme.atlassian.net. Questions: it-ops@acme.example.

--\x20
accessctl for Acme Corp's Atlassian Cloud organization
"""


def test_warning_then_revoke_then_restore_each_mailed_exactly_once(
    world: World, atlassian_sim: ServeAtlassian
) -> None:
    # Day 0: Bob has not opened Jira Software for 55 days; the warning window (60 - 7) is open.
    notified = world.notify(organization(DAY0), DAY0)
    assert notified.exit_code == ExitCode.OK, notified.output
    warning, digest = world.mails()
    assert (warning.mail_from, warning.rcpt_tos) == (
        "accessctl@acme.example",
        ("bob@acme.example",),
    )
    assert warning.subject == (
        "Your Jira Software access on acme ends on 30 November 2026 unless you use it"
    )
    assert warning.text == WARNING_TEXT
    assert warning.message["Reply-To"] == "it-ops@acme.example"
    assert '<a href="https://acme.atlassian.net">Open Jira Software</a>' in warning.html
    assert digest.rcpt_tos == ("it-ops@acme.example",)
    assert digest.subject == "accessctl: notifications sent by accessctl notify"
    assert "    1  warnings sent" in digest.text
    [record] = world.ledger().warnings
    assert (record.account_id, record.warned_at, record.revoke_not_before) == (
        BOB,
        DAY0,
        on(7),
    )
    assert world.last_commit() == "accessctl: notify: 1 warning(s), 0 expiry reminder(s) sent"
    assert git(world.clone, "status", "--porcelain") == ""

    # Day 7: the scheduled notify has nothing new to say; the plan revokes; apply mails Bob.
    day7 = organization(on(7))
    assert world.notify(day7, on(7)).exit_code == ExitCode.OK
    assert world.mails() == []
    plan_file = world.merge_plan(day7, on(7))
    served = atlassian_sim(day7)
    applied = world.cli("apply", plan_file, "--now", iso(on(7, hours=1)))
    after = served.inventory()
    assert applied.exit_code == ExitCode.OK, applied.output
    notice, digest = world.mails()
    assert notice.rcpt_tos == ("bob@acme.example",)
    assert notice.subject == "Your Jira Software access on acme was removed"
    assert notice.text == REVOCATION_TEXT
    assert digest.subject.startswith("accessctl: applied plan-20261130-060000-")
    assert digest.subject.endswith(": 1 revoke; 0 skipped, 0 refused, 0 failed")
    assert "    1  revoke" in digest.text
    assert world.last_commit().startswith("accessctl: apply plan-20261130-060000-")

    # Day 8 Bob works in Confluence; day 9 the plan restores his seat and apply tells him.
    back = with_activity(after, BOB, product="confluence", at=on(8))
    plan_file = world.merge_plan(back, on(9))
    served = atlassian_sim(back)
    restored = world.cli("apply", plan_file, "--now", iso(on(9, hours=1)))
    assert JSW in next(a.groups for a in served.inventory().accounts if a.account_id == BOB)
    assert restored.exit_code == ExitCode.OK, restored.output
    notice, digest = world.mails()
    assert notice.rcpt_tos == ("bob@acme.example",)
    assert notice.subject == "Your Jira Software access on acme is back"
    assert notice.text == RESTORE_TEXT
    assert "    1  restore" in digest.text


# --- idempotence, failures, retries -------------------------------------------------------------


def frank(now: datetime = DAY0, **fields: Any) -> dict[str, Any]:
    """A second idle account, 56 days without Jira Software at DAY0."""
    return person(21, "Frank Idle", idle_days=56 + (now - DAY0).days, now=now, **fields)


def test_notify_twice_mails_once_and_pushes_the_ledger(world: World) -> None:
    first = world.notify(organization(DAY0, frank()), DAY0, "--push")
    assert first.exit_code == ExitCode.OK, first.output
    assert sorted(m.rcpt_tos for m in world.mails()) == [
        ("bob@acme.example",),
        ("frank@acme.example",),
        ("it-ops@acme.example",),
    ]
    assert world.origin.branch_sha("main") == git(world.clone, "rev-parse", "HEAD")
    shown = git(world.clone, "show", "--stat", "--format=%B", "HEAD")
    assert "warning to bob@acme.example (jira-software on acme)" in shown
    assert "state/ledger.json" in shown

    for later in (DAY0, on(2)):
        again = world.notify(organization(later, frank(later)), later, "--push")
        assert again.exit_code == ExitCode.OK, again.output
        assert "nothing due" in again.stderr
        assert world.mails() == []
    assert len(world.ledger().warnings) == 2


def test_a_protected_main_keeps_the_ledger_commit_on_a_branch_of_its_own(
    world: World, github_sim: Callable[..., str]
) -> None:
    settings = RepositorySettings()
    settings.protect("main", ClassicProtection(require_pull_request=True))
    push_over_http(world.clone, github_sim(world.origin, settings=settings), token=TOKEN)
    main_before = world.origin.branch_sha("main")

    result = world.notify(organization(DAY0, frank()), DAY0, "--push")

    parked = state_branch("notify-20261123-060000")
    assert result.exit_code == ExitCode.FAILURE, result.output
    assert "Changes must be made through a pull request" in result.stderr
    assert f"safe on branch {parked}" in result.stderr
    assert len(world.mails()) == 3  # the mail went out, and its record is kept
    assert world.origin.branch_sha(parked) == git(world.clone, "rev-parse", "HEAD")
    assert world.origin.branch_sha("main") == main_before


def test_a_refused_recipient_is_not_recorded_and_is_retried(world: World) -> None:
    world.smtp.recorder.refuse.add("bob@acme.example")
    failed = world.notify(organization(DAY0, frank()), DAY0)
    assert failed.exit_code == ExitCode.FAILURE
    assert "not delivered: warning to bob@acme.example (jira-software on acme): " in failed.stderr
    assert "550" in failed.stderr
    frank_mail, digest = world.mails()
    assert frank_mail.rcpt_tos == ("frank@acme.example",)
    assert "bob@acme.example" in digest.text
    assert "    1  not delivered" in digest.text
    assert [w.email for w in world.ledger().warnings] == ["frank@acme.example"]

    world.smtp.recorder.refuse.clear()
    retried = world.notify(organization(on(1), frank(on(1))), on(1))
    assert retried.exit_code == ExitCode.OK, retried.output
    assert [m.rcpt_tos for m in world.mails()] == [("bob@acme.example",), ("it-ops@acme.example",)]
    bob = world.ledger().warning_for(BOB, site="acme", product="jira-software")
    assert bob is not None
    assert bob.warned_at == on(1)  # a full week's notice, counted from the mail that arrived


def test_a_mail_server_that_is_down_fails_the_run_and_nothing_is_recorded(world: World) -> None:
    world.smtp.stop()
    down = world.notify(organization(DAY0), DAY0)
    assert down.exit_code == ExitCode.FAILURE
    assert f"cannot talk to the mail server 127.0.0.1:{world.smtp.port}" in down.stderr
    assert world.ledger() == Ledger()
    assert world.last_commit() == "initial policies"

    world.smtp.start()
    up = world.notify(organization(DAY0), DAY0)
    assert up.exit_code == ExitCode.OK, up.output
    assert [m.rcpt_tos for m in world.mails()] == [("bob@acme.example",), ("it-ops@acme.example",)]


def test_a_wrong_password_is_named_without_being_shown(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "not-the-password-123")
    refused = world.notify(organization(DAY0), DAY0)
    assert refused.exit_code == ExitCode.FAILURE
    assert "refused the login of accessctl@acme.example (535)" in refused.stderr
    assert "not-the-password-123" not in refused.output
    assert world.mails() == []


def test_accounts_without_an_address_are_reported_on_stderr_and_in_the_digest(
    world: World,
) -> None:
    hidden = frank(email=None)
    result = world.notify(organization(DAY0, hidden), DAY0)
    assert result.exit_code == ExitCode.OK, result.output
    assert "not mailed: warning to Frank Idle (557058:00000021-" in result.stderr
    bob_mail, digest = world.mails()
    assert bob_mail.rcpt_tos == ("bob@acme.example",)
    assert "Could not be mailed:\n  - warning to Frank Idle (557058:00000021-" in digest.text
    assert "    1  not mailed (no address)" in digest.text
    assert [w.account_id for w in world.ledger().warnings] == [BOB]


def test_dry_run_sends_and_writes_nothing(world: World) -> None:
    result = world.notify(organization(DAY0), DAY0, "--dry-run")
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stdout.splitlines() == [
        "would send warning to bob@acme.example (jira-software on acme): Your Jira Software "
        "access on acme ends on 30 November 2026 unless you use it",
        "would send the digest to it-ops@acme.example",
    ]
    assert world.mails() == []
    assert not (world.clone / "state" / "ledger.json").exists()
    assert git(world.clone, "status", "--porcelain") == ""
    assert world.smtp.recorder.logins == []  # not even a connection


def test_dry_run_needs_no_password(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_PASSWORD")
    assert world.notify(organization(DAY0), DAY0, "--dry-run").exit_code == ExitCode.OK
    missing = world.notify(organization(DAY0), DAY0)
    assert missing.exit_code == ExitCode.BAD_INPUT
    assert "SMTP_PASSWORD is not set" in missing.stderr


# --- templates and reminders --------------------------------------------------------------------


def test_templates_in_the_policy_repository_override_the_built_in_ones(world: World) -> None:
    world.commit(
        {
            "policies/templates/warning.subject.j2": "[IT] {{ product }} seat: act by "
            "{{ revoke_on | long_date }}\n",
            "policies/templates/warning.txt.j2": "Hi {{ name }}, log in to {{ site_url }} "
            "or lose {{ product }}. -- IT\n",
        },
        "Our own warning text",
    )
    result = world.notify(organization(DAY0), DAY0)
    assert result.exit_code == ExitCode.OK, result.output
    warning, _digest = world.mails()
    assert warning.subject == "[IT] Jira Software seat: act by 30 November 2026"
    assert warning.text == (
        "Hi Bob Idle, log in to https://acme.atlassian.net or lose Jira Software. -- IT\n"
    )
    assert "will be removed on" in warning.html  # no HTML override: the built-in one serves


def test_expiry_reminders_go_once_n_days_before_and_only_to_addresses(world: World) -> None:
    exclusions = (world.clone / "policies" / "exclusions.yaml").read_text()
    world.commit(
        {
            "policies/exclusions.yaml": exclusions + "  - account: contractor@acme.example\n"
            "    reason: Finishing the audit.\n"
            "    owner: Jane from Procurement\n"
            "    expires: 2027-03-31\n"
        },
        "Exclude the auditor",
    )
    # release-managers expires 2027-03-31: 15 days before is too early, 14 days before is due.
    early = on(0).replace(year=2027, month=3, day=16)
    quiet = world.notify(organization(early), early)
    assert quiet.exit_code == ExitCode.OK, quiet.output
    assert [m.rcpt_tos for m in world.mails() if m.rcpt_tos != ("it-ops@acme.example",)] == [
        ("bob@acme.example",)
    ]
    due = early + timedelta(days=1)
    result = world.notify(organization(due), due)
    assert result.exit_code == ExitCode.OK, result.output
    reminder, digest = world.mails()
    assert reminder.rcpt_tos == ("head-of-engineering@acme.example",)
    assert reminder.subject == (
        "The exclusion of release-managers from access policies ends on 31 March 2027"
    )
    assert "It ends on 31 March 2027 (in 14 days)." in reminder.text
    assert "'Jane from Procurement' is not an e-mail address" in result.stderr
    assert "expiry reminder for the exclusion of contractor@acme.example" in digest.text
    [record] = world.ledger().reminders
    assert (record.subject, record.owner, record.sent_at) == (
        "release-managers",
        "head-of-engineering@acme.example",
        due,
    )
    again = world.notify(organization(due + timedelta(days=1)), due + timedelta(days=1))
    assert again.exit_code == ExitCode.OK
    assert [m.rcpt_tos for m in world.mails()] == [("it-ops@acme.example",)]  # the name, again


# --- TLS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_mail_goes_over_tls_when_the_organization_asks_for_it(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, security: str
) -> None:
    certificate = self_signed_certificate(tmp_path)
    if certificate is None:
        pytest.skip("openssl is not installed")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # trust our own certificate
    if security == "starttls":
        world.smtp.restart(tls_context=server_context(certificate))
    else:
        world.smtp.restart(implicit_tls=server_context(certificate))
    org = world.clone / "policies" / "organization.yaml"
    world.commit(
        {
            str(org.relative_to(world.clone)): org.read_text().replace(
                "security: none", f"security: {security}"
            )
        },
        f"SMTP over {security}",
    )
    result = world.notify(organization(DAY0), DAY0)
    assert result.exit_code == ExitCode.OK, result.output
    assert [m.rcpt_tos for m in world.mails()] == [("bob@acme.example",), ("it-ops@acme.example",)]


def test_starttls_asked_of_a_server_without_it_is_explained(world: World) -> None:
    org = world.clone / "policies" / "organization.yaml"
    world.commit(
        {
            "policies/organization.yaml": org.read_text().replace(
                "security: none", "security: starttls"
            )
        },
        "SMTP over STARTTLS",
    )
    result = world.notify(organization(DAY0), DAY0)
    assert result.exit_code == ExitCode.FAILURE
    assert "does not offer STARTTLS; set notifications.smtp.security to tls" in result.stderr


# --- apply: the audit first, the mail after ---------------------------------------------------


def test_apply_keeps_its_changes_and_audit_when_the_mail_server_is_down(
    world: World, atlassian_sim: ServeAtlassian
) -> None:
    assert world.notify(organization(DAY0), DAY0).exit_code == ExitCode.OK
    world.mails()
    day7 = organization(on(7))
    plan_file = world.merge_plan(day7, on(7))
    world.smtp.stop()
    served = atlassian_sim(day7)
    applied = world.cli("apply", plan_file, "--now", iso(on(7, hours=1)))
    bob = next(a for a in served.inventory().accounts if a.account_id == BOB)
    assert applied.exit_code == ExitCode.OK  # the apply succeeded; the mail is reported
    assert "error: notices not sent: cannot talk to the mail server" in applied.stderr
    assert JSW not in bob.groups
    assert world.last_commit().startswith("accessctl: apply plan-20261130-060000-")
    audit = (world.clone / "state" / "audit" / "2026-11.jsonl").read_text().splitlines()
    assert [(r["action"], r["outcome"]) for r in map(json.loads, audit)] == [("revoke", "done")]
    assert git(world.clone, "status", "--porcelain") == ""
