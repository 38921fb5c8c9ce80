"""Mail from the commands: what went out and what did not, on the console, and the notices that
follow an apply.

`accessctl notify` and `accessctl apply` both deliver through `controller.adapters.mail` and
report the delivery the same way (`show_delivery`, `report_unreachable`). `send_apply_notices` is
the after-apply step of `accessctl apply`: notices for what the apply changed and the admin
digest, once the audit is committed; a mail problem is reported on stderr, and neither undoes
the apply nor changes its exit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from controller.adapters.mail import (
    Applied,
    Delivery,
    Mail,
    Outbox,
    SmtpSettings,
    Templates,
    apply_digest_facts,
    deliver_with_digest,
    digest_mail,
    letterhead,
    notices,
    request_links,
    run_link,
    smtp_session,
)
from controller.app import console
from controller.app.executor import ApplyReport
from controller.core.errors import AccessctlError
from controller.core.plan import Plan
from controller.core.policy.models import Smtp
from controller.core.policy.policy_set import PolicySet


def report_unreachable(outbox: Outbox) -> None:
    for unreachable in outbox.unreachable:
        console.warn(f"not mailed: {unreachable}")


def show_delivery(delivery: Delivery) -> None:
    for sent in delivery.sent:
        console.out(console.cell(f"sent {sent.mail.about}"))
    for failed in delivery.failed:
        console.error(f"not delivered: {failed}")


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
        links=request_links(applied.policies.organization, environ),
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
