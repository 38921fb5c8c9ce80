"""`accessctl notify [--dry-run] [--push]`: send the mail that is due, record it, commit it.

Shell around `controller.adapters.mail` (DESIGN §7). Plans with `reconcile` from the policies, the
ledger and the organization (or `--inventory FILE`), and mails exactly the `warn` actions of that
plan plus the expiry reminders due to exclusion owners, over one SMTP connection. Each delivered
mail is written to `state/ledger.json` at once (so a killed run resends at most one), and
`state/` is committed (and with `--push` pushed) at the end. A warning in the ledger is not planned
again, so a second run mails nothing; a failed delivery is not recorded, so the next run retries
it, and this one exits 1. `--dry-run` prints what would be sent and touches nothing.

The safety guards are not consulted: a warning changes no access, and the revocations it leads
to still go through a reviewed, guarded plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.adapters.git_workspace import state_branch
from controller.adapters.mail import (
    Delivery,
    Due,
    Mail,
    Outbox,
    Outgoing,
    SmtpSettings,
    Templates,
    deliver_with_digest,
    digest_mail,
    due_mail,
    letterhead,
    notify_digest_facts,
    record_delivered,
    request_links,
    run_link,
    smtp_session,
)
from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.app.mailing import report_unreachable, show_delivery
from controller.app.run_context import RunContext
from controller.core.errors import BadInput, ExitCode
from controller.core.ledger import Ledger
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Inventory


@dataclass(frozen=True)
class NotifyRequest:
    dry_run: bool = False
    commit: bool = True
    push: bool = False


def run(context: RunContext, request: NotifyRequest) -> int:
    if request.push and not request.commit:
        raise BadInput("--push needs the ledger committed; drop --no-commit or --push")
    policies = context.policies
    smtp = policies.organization.notifications.smtp
    if smtp is None:
        console.info("notifications.smtp is not set in the Organization file: no mail to send")
        return ExitCode.OK
    # Configuration problems surface before the slow read of the organization.
    settings = None if request.dry_run else SmtpSettings.from_policy(smtp, environ=context.environ)
    due = _due(context, inventory=context.inventory())
    outbox = due_mail(due)
    report_unreachable(outbox)
    if settings is None:
        return _show_dry_run(outbox, policies)
    if not outbox.outgoing and not outbox.unreachable:
        console.info("nothing due: no warnings or expiry reminders to send")
        return ExitCode.OK
    link = run_link(context.environ)
    delivery = _send_and_record(outbox, settings, due=due, state=context.state, link=link)
    if any(sent.record for sent in delivery.sent) and request.commit:
        # Refused by branch protection, the ledger commit is kept on a branch of its own.
        parked = state_branch(f"notify-{context.now:%Y%m%d-%H%M%S}")
        context.commit_state(commit_message(delivery), push=request.push, park_as=parked)
    return ExitCode.FAILURE if delivery.failed else ExitCode.OK


def _due(context: RunContext, *, inventory: Inventory) -> Due:
    """The plan `reconcile` makes today, and what it needs to write the mails."""
    ledger = context.state.read_ledger()
    return Due(
        policies=context.policies,
        plan=reconcile(context.policies, inventory, ledger=ledger, now=context.now),
        ledger=ledger,
        now=context.now,
        templates=Templates(context.policies_dir),
        links=request_links(context.policies.organization, context.environ),
    )


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


def _show_dry_run(outbox: Outbox, policies: PolicySet) -> int:
    for item in outbox.outgoing:
        console.out(console.cell(f"would send {item.mail.about}: {item.mail.rendered.subject}"))
    recipients = policies.organization.notifications.admin_digest
    if recipients and (outbox.outgoing or outbox.unreachable):
        console.out(console.cell(f"would send the digest to {', '.join(recipients)}"))
    console.info(f"dry run: {len(outbox.outgoing)} mail(s) due; nothing sent, nothing written")
    return ExitCode.OK


def commit_message(delivery: Delivery) -> str:
    warnings, reminders = delivery.count("warning"), delivery.count("expiry-reminder")
    lines = [o.mail.about for o in delivery.sent if o.record is not None]
    return (
        f"accessctl: notify: {warnings} warning(s), {reminders} expiry reminder(s) sent\n\n"
        + "\n".join(lines)
        + "\n"
    )
