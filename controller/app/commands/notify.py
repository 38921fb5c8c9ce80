"""`accessctl notify [--dry-run] [--push]`: send the mail that is due, record it, commit it.

Shell around `controller.adapters.mail` (DESIGN §7). Plans with `reconcile` from the policies, the
ledger and the organization (or `--inventory FILE`), and mails exactly the `warn` actions of that
plan plus the expiry reminders due to exclusion owners, over one SMTP connection. Each delivered
mail is written to `state/ledger.json` at once (so a killed run resends at most one), and the
ledger is committed (and with `--push` pushed) at the end. A warning in the ledger is not planned
again, so a second run mails nothing; a failed delivery is not recorded, so the next run retries
it, and this one exits 1. `--dry-run` prints what would be sent and touches nothing.

The safety guards are not consulted: a warning changes no access, and the revocations it leads
to still go through a reviewed, guarded plan.

`send_apply_notices` is the after-apply step of `accessctl apply`: notices for what the apply
changed and the admin digest, once the audit is committed; a mail problem is reported on
stderr, and neither undoes the apply nor changes its exit code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from controller.adapters.git_workspace import GitFailure, Workspace
from controller.adapters.mail import (
    Applied,
    Delivery,
    Due,
    Mail,
    Outbox,
    Outgoing,
    SmtpSettings,
    Templates,
    apply_digest_facts,
    deliver_with_digest,
    digest_mail,
    due_mail,
    letterhead,
    notices,
    notify_digest_facts,
    record_delivered,
    run_link,
    smtp_session,
)
from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.app.executor import ApplyReport
from controller.core.errors import AccessctlError, BadInput, ExitCode
from controller.core.ledger import Ledger
from controller.core.plan import Plan
from controller.core.policy import load_policies
from controller.core.policy.models import Smtp
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Inventory


@dataclass(frozen=True)
class NotifyRequest:
    policies_dir: Path
    state_dir: Path
    now: datetime
    dry_run: bool = False
    commit: bool = True
    push: bool = False


def run(
    request: NotifyRequest,
    *,
    inventory_source: Callable[[], Inventory],
    environ: Mapping[str, str],
) -> int:
    if request.push and not request.commit:
        raise BadInput("--push needs the ledger committed; drop --no-commit or --push")
    policies = _load(request)
    smtp = policies.organization.notifications.smtp
    if smtp is None:
        console.info("notifications.smtp is not set in the Organization file: no mail to send")
        return ExitCode.OK
    # Configuration problems surface before the slow read of the organization.
    settings = None if request.dry_run else SmtpSettings.from_policy(smtp, environ=environ)
    due = _due(request, policies=policies, inventory=inventory_source())
    outbox = due_mail(due)
    report_unreachable(outbox)
    if settings is None:
        return _show_dry_run(outbox, policies)
    if not outbox.outgoing and not outbox.unreachable:
        console.info("nothing due: no warnings or expiry reminders to send")
        return ExitCode.OK
    state = StateDir(request.state_dir)
    delivery = _send_and_record(outbox, settings, due=due, state=state, link=run_link(environ))
    if any(sent.record for sent in delivery.sent) and request.commit:
        _commit_ledger(request, delivery)
    return ExitCode.FAILURE if delivery.failed else ExitCode.OK


def _due(request: NotifyRequest, *, policies: PolicySet, inventory: Inventory) -> Due:
    """The plan `reconcile` makes today, and what it needs to write the mails."""
    ledger = StateDir(request.state_dir).read_ledger()
    return Due(
        policies=policies,
        plan=reconcile(policies, inventory, ledger=ledger, now=request.now),
        ledger=ledger,
        now=request.now,
        templates=Templates(request.policies_dir),
    )


def _load(request: NotifyRequest) -> PolicySet:
    loaded = load_policies([request.policies_dir], today=request.now.date())
    for warning in loaded.warnings:
        console.warn(str(warning))
    return loaded.policies


@dataclass
class LedgerKeeper:
    """Writes the ledger after each delivered mail: what went out is on disk at once."""

    state: StateDir
    ledger: Ledger

    def record(self, delivered: Outgoing) -> None:
        if delivered.record is None:
            return
        self.ledger = record_delivered(self.ledger, delivered)
        self.state.write_ledger(self.ledger)


def _send_and_record(
    outbox: Outbox, settings: SmtpSettings, *, due: Due, state: StateDir, link: str | None
) -> Delivery:
    """Deliver over one connection, writing the ledger after each mail; the digest last."""
    keeper = LedgerKeeper(state, due.ledger)
    console.info(f"sending {len(outbox.outgoing)} mail(s) through {settings.where}")
    with smtp_session(settings) as mailer:
        delivery = deliver_with_digest(
            outbox.outgoing,
            mailer,
            letterhead=letterhead(due.policies.organization, now=due.now),
            digest=lambda delivered: _notify_digest(outbox, delivered, due=due, link=link),
            on_delivered=keeper.record,
        )
    show_delivery(delivery)
    if delivery.failed:
        console.error("what was not delivered is not recorded: the next run sends it again")
    return delivery


def _notify_digest(
    outbox: Outbox, delivery: Delivery, *, due: Due, link: str | None
) -> Mail | None:
    facts = notify_digest_facts(outbox, delivery, spared=due.plan.skipped, link=link)
    if not facts.worth_sending:
        return None
    organization = due.policies.organization
    return digest_mail(facts, organization=organization, templates=due.templates, now=due.now)


# --- output ---------------------------------------------------------------------------------


def report_unreachable(outbox: Outbox) -> None:
    for unreachable in outbox.unreachable:
        console.warn(f"not mailed: {unreachable}")


def show_delivery(delivery: Delivery) -> None:
    for sent in delivery.sent:
        console.out(f"sent {sent.mail.about}")
    for failed in delivery.failed:
        console.error(f"not delivered: {failed}")


def _show_dry_run(outbox: Outbox, policies: PolicySet) -> int:
    for item in outbox.outgoing:
        console.out(f"would send {item.mail.about}: {item.mail.rendered.subject}")
    recipients = policies.organization.notifications.admin_digest
    if recipients and (outbox.outgoing or outbox.unreachable):
        console.out(f"would send the digest to {', '.join(recipients)}")
    console.info(f"dry run: {len(outbox.outgoing)} mail(s) due; nothing sent, nothing written")
    return ExitCode.OK


# --- git ------------------------------------------------------------------------------------


def _commit_ledger(request: NotifyRequest, delivery: Delivery) -> None:
    workspace = _workspace(request.state_dir)
    if workspace is None:
        return
    ledger = StateDir(request.state_dir.resolve()).ledger_path
    path = workspace.relative_path(ledger)
    sha = workspace.commit_paths([path], message=commit_message(delivery))
    console.info(f"committed {path} as {sha[:12]}" if sha else f"{path} unchanged")
    if request.push:
        branch = workspace.current_branch()
        if branch is None:
            raise GitFailure(
                "HEAD is detached; check out the branch the state belongs to, then push"
            )
        console.info(f"pushed {branch} at {workspace.push_with_rebase(branch)[:12]}")


def _workspace(state_dir: Path) -> Workspace | None:
    """The clone holding `state/`; outside git the ledger is written but not committed."""
    try:
        return Workspace.open(state_dir.resolve() if state_dir.exists() else Path.cwd())
    except GitFailure:
        console.warn(f"{state_dir} is not in a git clone: the ledger is written but not committed")
        return None


def commit_message(delivery: Delivery) -> str:
    warnings, reminders = delivery.count("warning"), delivery.count("expiry-reminder")
    lines = [o.mail.about for o in delivery.sent if o.record is not None]
    return (
        f"accessctl: notify: {warnings} warning(s), {reminders} expiry reminder(s) sent\n\n"
        + "\n".join(lines)
        + "\n"
    )


# --- after an apply -------------------------------------------------------------------------


@dataclass(frozen=True)
class AppliedPlan:
    """An apply that ran, and what its notices need to know about it."""

    report: ApplyReport
    plan: Plan
    policies: PolicySet
    policies_dir: Path
    now: datetime
    commit: str | None = None


def send_apply_notices(applied: AppliedPlan, *, environ: Mapping[str, str]) -> None:
    """Notices and digest for an apply; what fails is reported on stderr.

    Never raises for an expected failure: the apply already happened and its audit is written,
    so a mail server that is down, a missing SMTP_PASSWORD or a broken template override is
    reported and changes nothing else. The daily `accessctl notify` fails loudly on the same
    problems, so they do not go unnoticed."""
    report = applied.report
    if report.dry_run or report.already_applied or not report.results:
        return
    smtp = applied.policies.organization.notifications.smtp
    if smtp is None:
        return
    try:
        _send_apply_notices(applied, smtp=smtp, environ=environ)
    except AccessctlError as error:
        for line in error.lines():
            console.error(f"notices not sent: {line}")


def _send_apply_notices(applied: AppliedPlan, *, smtp: Smtp, environ: Mapping[str, str]) -> None:
    settings = SmtpSettings.from_policy(smtp, environ=environ)
    facts = Applied(
        plan_id=applied.plan.id,
        results=applied.report.results,
        spared=applied.plan.skipped,
        policies=applied.policies,
        now=applied.now,
        templates=Templates(applied.policies_dir),
    )
    outbox = notices(facts)
    report_unreachable(outbox)
    link = run_link(environ, commit=applied.commit)

    def digest(delivery: Delivery) -> Mail | None:
        summary = apply_digest_facts(
            facts,
            headline=applied.report.headline(),
            mail_failures=[str(f) for f in delivery.failed],
            unreachable=[str(u) for u in outbox.unreachable],
            link=link,
        )
        organization, templates = applied.policies.organization, facts.templates
        return digest_mail(summary, organization=organization, templates=templates, now=facts.now)

    with smtp_session(settings) as mailer:
        delivery = deliver_with_digest(
            outbox.outgoing,
            mailer,
            letterhead=letterhead(applied.policies.organization, now=applied.now),
            digest=digest,
        )
    show_delivery(delivery)
