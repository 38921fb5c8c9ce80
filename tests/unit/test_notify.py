"""The core of `controller.adapters.mail` without a mail server: what is due, what the mails say,
what the ledger keeps, how failures are counted. (The real SMTP server is in
tests/integration/test_notify.py.)"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.adapters.mail import (
    Applied,
    Due,
    Letterhead,
    MailFailure,
    Outgoing,
    SmtpSettings,
    Templates,
    deliver,
    due_mail,
    notices,
    record_delivered,
    run_link,
)
from controller.adapters.mail.compose import email_message, one_address
from controller.adapters.state_dir import StateDir
from controller.app.cli import main
from controller.app.executor import ActionResult, ApplyRun, updated_ledger
from controller.core.errors import BadInput, ExitCode
from controller.core.ledger import Ledger
from controller.core.plan.model import Plan
from controller.core.policy.models import Exclusion, Smtp
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account
from tests.factories import (
    NOW,
    PLAN_KEY,
    account,
    inactivity,
    inventory,
    organization,
    policy_set,
)
from tests.fakes import FakeDirectory

SMTP = Smtp.model_validate({"host": "127.0.0.1", "port": 2525, "from": "accessctl@acme.example"})
NOTIFICATIONS = {"smtp": SMTP.model_dump(by_alias=True), "admin_digest": ["it-ops@acme.example"]}
ORG = organization(notifications=NOTIFICATIONS)


def policies(*, send_warnings: bool = True, exclusions: tuple[Exclusion, ...] = ()) -> PolicySet:
    org = organization(notifications={**NOTIFICATIONS, "send_warnings": send_warnings})
    excluded = [e.model_dump(exclude_none=True) for e in exclusions]
    return policy_set(inactivity(warn_before_days=7), excluded=excluded, org=org)


def due_for(
    *people: Account,
    ledger: Ledger | None = None,
    templates: Templates | None = None,
    send_warnings: bool = True,
    exclusions: tuple[Exclusion, ...] = (),
) -> Due:
    chosen = policies(send_warnings=send_warnings, exclusions=exclusions)
    known = ledger or Ledger()
    plan = reconcile(chosen, inventory(*people), ledger=known, now=NOW)
    return Due(
        policies=chosen, plan=plan, ledger=known, now=NOW, templates=templates or Templates(None)
    )


class Outbox:
    """A `Mailer` that keeps what it is given and refuses chosen recipients."""

    def __init__(self, *, refuse: set[str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = refuse or set()

    def send(self, message: EmailMessage) -> None:
        if message["To"] in self.refuse:
            raise MailFailure(f"{message['To']}: refused (550 no such user)")
        self.messages.append(message)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return body.get_content()  # type: ignore[no-any-return]


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return body.get_content()  # type: ignore[no-any-return]


LETTERHEAD = Letterhead(sender="accessctl@acme.example", reply_to="it-ops@acme.example", now=NOW)


# --- warnings -------------------------------------------------------------------------------


def test_a_due_warning_says_when_why_and_whom_to_ask() -> None:
    outbox = due_mail(due_for(account("bob", idle=55), account("busy", idle=1)))
    [item] = outbox.outgoing
    assert item.mail.to == ("bob@acme.example",)
    assert item.record is not None
    message = email_message(item.mail, LETTERHEAD)
    assert message["Subject"] == (
        "Your Jira Software access on acme ends on 30 November 2026 unless you use it"
    )
    assert message["Reply-To"] == "it-ops@acme.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert text_of(message) == (
        "Hello Bob,\n\n"
        "Your Jira Software access on acme will be removed on 30 November 2026 because\n"
        "you have not used it since 29 September 2026.\n\n"
        "Open Jira Software at https://acme.atlassian.net before then to keep it, "
        "or ask it-ops@acme.example.\n\n"
        "Nothing else changes: your other products and sites stay as they are.\n\n"
        "-- \n"
        f"accessctl for {ORG.org_id} (policy jsw-60)\n"
    )


def test_the_warning_record_is_the_one_apply_would_write(tmp_path: Path) -> None:
    due = due_for(account("bob", idle=55))
    [item] = due_mail(due).outgoing
    [warn] = [a for a in due.plan.actions if a.action == "warn"]
    run = ApplyRun(
        plan=due.plan,
        policies=due.policies,
        directory=FakeDirectory(inventory()),
        state=StateDir(tmp_path),
        now=NOW,
        key=PLAN_KEY,
    )
    applied = updated_ledger(Ledger(), [ActionResult(warn.key, warn, "done")], run=run)
    assert applied.warnings == (item.record,)


def test_accounts_without_an_address_are_reported_not_skipped() -> None:
    outbox = due_mail(due_for(account("hidden", idle=55, email=None)))
    assert outbox.outgoing == []
    [unreachable] = outbox.unreachable
    assert "hidden" in str(unreachable)
    assert "no e-mail address" in str(unreachable)


def test_send_warnings_off_mails_no_warning() -> None:
    assert due_mail(due_for(account("bob", idle=55), send_warnings=False)).outgoing == []


def test_a_standing_warning_is_not_sent_again() -> None:
    due = due_for(account("bob", idle=55))
    [item] = due_mail(due).outgoing
    ledger = record_delivered(Ledger(), item)
    assert due_mail(due_for(account("bob", idle=56), ledger=ledger)).outgoing == []


def test_html_is_escaped_and_text_is_not() -> None:
    sneaky = replace(account("bob", idle=55), name="<script>alert(1)</script> & Co")
    [item] = due_mail(due_for(sneaky)).outgoing
    message = email_message(item.mail, LETTERHEAD)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html_of(message)
    assert "<script>" not in html_of(message)
    assert "Hello <script>alert(1)</script> & Co," in text_of(message)


# --- expiry reminders -----------------------------------------------------------------------

EXPIRES = date(2026, 12, 7)  # 14 days after NOW


def exclusion(owner: str = "lead@acme.example", expires: date | None = EXPIRES) -> Exclusion:
    return Exclusion(account="bob@acme.example", reason="On leave", owner=owner, expires=expires)


def test_reminders_go_to_owners_with_an_address_and_the_rest_are_reported() -> None:
    entries = (
        exclusion(),
        exclusion(owner="Jane from HR").model_copy(update={"account": "x@acme.example"}),
    )
    outbox = due_mail(due_for(exclusions=entries))
    [item] = outbox.outgoing
    assert item.mail.to == ("lead@acme.example",)
    assert item.mail.rendered.subject == (
        "The exclusion of bob@acme.example from access policies ends on 7 December 2026"
    )
    assert "in 14 days" in item.mail.rendered.text
    [unreachable] = outbox.unreachable
    assert "'Jane from HR' is not an e-mail address" in str(unreachable)


def test_the_ledger_keeps_reminders_through_an_apply(tmp_path: Path) -> None:
    [item] = due_mail(due_for(exclusions=(exclusion(),))).outgoing
    ledger = record_delivered(Ledger(), item)
    plan = reconcile(policies(), inventory(), ledger=ledger, now=NOW)
    run = ApplyRun(
        plan=plan,
        policies=policies(),
        directory=FakeDirectory(inventory()),
        state=StateDir(tmp_path),
        now=NOW,
        key=PLAN_KEY,
    )
    assert updated_ledger(ledger, [], run=run).reminders == ledger.reminders


# --- delivery -------------------------------------------------------------------------------


def test_a_refused_mail_does_not_stop_the_others_and_is_not_recorded() -> None:
    outgoing = due_mail(due_for(account("bob", idle=55), account("carol", idle=58))).outgoing
    mailer = Outbox(refuse={"bob@acme.example"})
    recorded: list[Outgoing] = []
    delivery = deliver(outgoing, mailer, letterhead=LETTERHEAD, on_delivered=recorded.append)
    assert [m["To"] for m in mailer.messages] == ["carol@acme.example"]
    assert [o.mail.to for o in recorded] == [("carol@acme.example",)]
    [failed] = delivery.failed
    assert str(failed).startswith("warning to bob@acme.example (jira-software on acme): ")


# --- after an apply -------------------------------------------------------------------------


def applied_plan(plan: Plan, outcome: str, *, chosen: PolicySet) -> Applied:
    results = [ActionResult(a.key, a, outcome) for a in plan.actions]  # type: ignore[arg-type]
    return Applied(
        plan_id=plan.id,
        results=results,
        spared=plan.skipped,
        policies=chosen,
        now=NOW,
        templates=Templates(None),
    )


def test_a_revoke_that_ran_earns_a_notice_and_one_that_was_already_done_does_not() -> None:
    chosen = policy_set(inactivity(), org=ORG)
    plan = reconcile(chosen, inventory(account("idle", idle=90)), ledger=Ledger(), now=NOW)
    [item] = notices(applied_plan(plan, "done", chosen=chosen)).outgoing
    assert item.mail.rendered.subject == "Your Jira Software access on acme was removed"
    assert "You were removed from: jira-software-users-acme." in item.mail.rendered.text
    assert notices(applied_plan(plan, "already", chosen=chosen)).outgoing == []


# --- templates, settings, links -------------------------------------------------------------


def override(policies_dir: Path, name: str, text: str) -> Templates:
    (policies_dir / "templates").mkdir(exist_ok=True)
    (policies_dir / "templates" / name).write_text(text)
    return Templates(policies_dir)


def test_an_override_wins_and_a_broken_one_names_its_line(tmp_path: Path) -> None:
    templates = override(tmp_path, "warning.subject.j2", "Heads up, {{ name }}\n")
    [item] = due_mail(due_for(account("bob", idle=55), templates=templates)).outgoing
    assert item.mail.rendered.subject == "Heads up, Bob"
    assert item.mail.rendered.text.startswith("Hello Bob,")  # the built-in body still serves
    broken = override(tmp_path, "warning.subject.j2", "Hi\n{{ name \n")
    with pytest.raises(BadInput, match=r"warning\.subject\.j2:2: .*delete the override"):
        due_mail(due_for(account("bob", idle=55), templates=broken))


def test_an_override_using_an_unknown_name_is_bad_input(tmp_path: Path) -> None:
    templates = override(tmp_path, "warning.subject.j2", "{{ nickname }}\n")
    with pytest.raises(BadInput, match=r"templates/warning\.subject\.j2: 'nickname' is undefined"):
        due_mail(due_for(account("bob", idle=55), templates=templates))


def test_a_username_without_password_is_bad_input_and_the_password_never_shows() -> None:
    smtp = SMTP.model_copy(update={"username": "bot@acme.example"})
    with pytest.raises(BadInput, match="SMTP_PASSWORD is not set"):
        SmtpSettings.from_policy(smtp, environ={})
    settings = SmtpSettings.from_policy(smtp, environ={"SMTP_PASSWORD": "hunter2-pw"})
    assert "hunter2-pw" not in repr(settings)
    assert settings.scrub("535 bad hunter2-pw") == "535 bad [redacted]"


@pytest.mark.parametrize(
    ("environ", "commit", "link"),
    [
        pytest.param({}, "abc", None, id="outside-actions"),
        pytest.param(
            {"GITHUB_REPOSITORY": "acme/access", "GITHUB_REF": "refs/pull/12/merge"},
            "abc",
            "https://github.com/acme/access/pull/12",
            id="pull-request",
        ),
        pytest.param(
            {"GITHUB_REPOSITORY": "acme/access", "GITHUB_SERVER_URL": "https://ghe.acme"},
            "abc",
            "https://ghe.acme/acme/access/commit/abc",
            id="merge-commit",
        ),
        pytest.param(
            {"GITHUB_REPOSITORY": "acme/access", "GITHUB_RUN_ID": "99"},
            None,
            "https://github.com/acme/access/actions/runs/99",
            id="workflow-run",
        ),
    ],
)
def test_run_link(environ: dict[str, str], commit: str | None, link: str | None) -> None:
    assert run_link(environ, commit=commit) == link


def test_an_override_cannot_reach_beyond_its_values(tmp_path: Path) -> None:
    escape = "{{ name.__class__.__mro__[1].__subclasses__() }}\n"
    templates = override(tmp_path, "warning.subject.j2", escape)
    with pytest.raises(BadInput, match=r"warning\.subject\.j2: .*unsafe"):
        due_mail(due_for(account("bob", idle=55), templates=templates))


def test_push_without_commit_is_refused_before_anything_runs() -> None:
    result = CliRunner().invoke(main, ["notify", "--no-commit", "--push"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "--push needs the ledger committed" in result.stderr


# --- recipients are data, never headers ----------------------------------------------------

HOSTILE = [
    pytest.param("bob@acme.example\r\nBcc: attacker@evil.example", id="cr-lf-adds-a-header"),
    pytest.param("bob@acme.example\n", id="trailing-newline"),
    pytest.param("bob@acme.example, attacker@evil.example", id="a-list"),
    pytest.param("attacker@evil.example <bob@acme.example>", id="address-as-display-name"),
    pytest.param('"bob@acme.example" <attacker@evil.example>', id="quoted-name-other-address"),
    pytest.param("bob@acme.example (attacker@evil.example)", id="a-comment"),
]


@pytest.mark.parametrize("address", HOSTILE)
def test_an_address_that_is_not_exactly_one_is_never_mailed(address: str) -> None:
    assert one_address(address) is None
    hostile = dataclasses.replace(account("mallory", idle=55), email=address)
    outbox = due_mail(due_for(hostile, account("carol", idle=58)))
    assert [o.mail.to for o in outbox.outgoing] == [("carol@acme.example",)]
    [unreachable] = outbox.unreachable
    assert "is not one e-mail address" in str(unreachable)
    assert "\n" not in str(unreachable)
    assert "\r" not in str(unreachable)


@pytest.mark.parametrize("address", HOSTILE)
def test_delivery_skips_and_reports_a_bad_recipient_and_mails_the_others(address: str) -> None:
    [item] = due_mail(due_for(account("carol", idle=58))).outgoing
    digest = dataclasses.replace(item.mail, to=(address, "it-ops@acme.example"))
    alone = dataclasses.replace(item.mail, to=(address,))
    mailer = Outbox()
    delivery = deliver(
        [Outgoing(mail=digest), Outgoing(mail=alone), item], mailer, letterhead=LETTERHEAD
    )
    assert [m["To"] for m in mailer.messages] == ["it-ops@acme.example", "carol@acme.example"]
    assert all("evil" not in str(m) for m in mailer.messages)
    assert len(delivery.failed) == 2
    assert all("is not one e-mail address; not sent to it" in str(f) for f in delivery.failed)


def test_one_address_is_a_plain_address() -> None:
    assert one_address("bob@acme.example") == "bob@acme.example"
    assert one_address("") is None


@pytest.mark.parametrize(
    ("host", "security", "refused"),
    [
        pytest.param("smtp.acme.example", "none", True, id="plain-to-a-remote-server"),
        pytest.param("10.0.0.5", "none", True, id="plain-to-a-lan-address"),
        pytest.param("127.0.0.1", "none", False, id="plain-to-loopback"),
        pytest.param("::1", "none", False, id="plain-to-ipv6-loopback"),
        pytest.param("localhost", "none", False, id="plain-to-localhost"),
        pytest.param("smtp.acme.example", "starttls", False, id="starttls"),
        pytest.param("smtp.acme.example", "tls", False, id="implicit-tls"),
    ],
)
def test_a_password_is_never_sent_in_clear_text_but_to_loopback(
    host: str, security: str, refused: bool
) -> None:
    smtp = SMTP.model_copy(update={"host": host, "security": security, "username": "bot"})
    environ = {"SMTP_PASSWORD": "hunter2-pw"}
    if not refused:
        assert SmtpSettings.from_policy(smtp, environ=environ).host == host
        return
    with pytest.raises(BadInput) as refusal:
        SmtpSettings.from_policy(smtp, environ=environ)
    assert "set notifications.smtp.security to starttls or tls" in refusal.value.message
    assert "hunter2-pw" not in refusal.value.message
