"""What each mail says: the template context of every message kind, and the e-mail it becomes.

Part of `controller.adapters.mail`, between what is due (`controller.adapters.mail.due`, the
after-apply notices) and delivery. A `Mail` is a value (recipients, rendered subject and bodies);
turning it into an `EmailMessage` adds the envelope every mail of a run shares. Pure but for the
templates read from disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from typing import Any

from controller.adapters.mail.rendering import MessageKind, Rendered, Templates
from controller.adapters.mail.request_link import RequestLinks
from controller.core.ledger import WarningRecord
from controller.core.plan.model import Action
from controller.core.policy.models import Exclusion, Organization
from controller.core.snapshot import product_name

# RFC 5322's hard limit, not its 78-character advice: Python folds a subject that does not fit
# the first line onto a continuation line, which some clients show with a leading blank.
MAIL_POLICY = SMTP_POLICY.clone(max_line_length=998)


def organization_label(organization: Organization) -> str:
    """How mails name the organization: its description (as a phrase), else its id."""
    return (organization.description or organization.org_id).rstrip(".")


@dataclass(frozen=True)
class Mail:
    """One message to send: who gets it, what it is about (for reports), and its text."""

    kind: MessageKind
    to: tuple[str, ...]
    about: str
    rendered: Rendered


@dataclass(frozen=True)
class Letterhead:
    """What every mail of one run shares: sender, where replies go, and the date."""

    sender: str
    reply_to: str
    now: datetime


def contact_of(organization: Organization) -> str:
    """Whom a user asks about their access: the first admin-digest address, else the sender.

    The people who read the digest are the ones who can act on a question; a policy-level
    contact would be one more setting for the same answer."""
    notifications = organization.notifications
    if notifications.admin_digest:
        return notifications.admin_digest[0]
    return notifications.smtp.sender if notifications.smtp else ""


def letterhead(organization: Organization, *, now: datetime) -> Letterhead:
    smtp = organization.notifications.smtp
    sender = smtp.sender if smtp else ""
    return Letterhead(sender=sender, reply_to=contact_of(organization) or sender, now=now)


def site_url(organization: Organization, site: str) -> str:
    return next((s.url.rstrip("/") for s in organization.sites if s.name == site), "")


# --- per-account messages -------------------------------------------------------------------


def _seat_context(action: Action, organization: Organization) -> dict[str, Any]:
    return {
        "name": action.name or action.email or action.account_id,
        "email": action.email,
        "account": action.email or action.account_id,
        "product": product_name(action.product),
        "product_key": action.product,
        "site": action.site,
        "site_url": site_url(organization, action.site),
        "organization": organization_label(organization),
        "contact": contact_of(organization),
        "policy": action.policy,
        "reason": action.reason,
        "last_active": action.evidence.last_active,
        "added_to_org": action.evidence.added_to_org,
        # What else goes with it: a suspension takes everything, a shared group what it shares.
        "all_access": action.all_access or action.method == "suspend",
        "also_removes": [f"{product_name(x.product)} on {x.site}" for x in action.also_removes],
    }


def with_request_link(
    context: dict[str, Any], action: Action, *, links: RequestLinks | None, templates: Templates
) -> dict[str, Any]:
    """The seat's context with where to ask for it back (`request_link`, `request_via`)."""
    link = links.link(action, context=context, templates=templates) if links else None
    return context | {"request_link": link, "request_via": links.via if links else "none"}


def warning_mail(
    action: Action,
    record: WarningRecord,
    *,
    organization: Organization,
    templates: Templates,
    links: RequestLinks | None = None,
) -> Mail:
    context = _seat_context(action, organization) | {"revoke_on": record.revoke_not_before}
    context = with_request_link(context, action, links=links, templates=templates)
    return _to_account(action, "warning", rendered=templates.render("warning", context))


def revocation_mail(
    action: Action,
    *,
    organization: Organization,
    templates: Templates,
    now: datetime,
    links: RequestLinks | None = None,
) -> Mail:
    context = _seat_context(action, organization) | {
        "removed_on": now,
        "groups": [g.name for g in action.groups],
        "suspended": action.all_access or action.method == "suspend",
        "warned_at": action.evidence.warned_at,
    }
    context = with_request_link(context, action, links=links, templates=templates)
    return _to_account(action, "revocation", rendered=templates.render("revocation", context))


def restore_mail(
    action: Action, *, organization: Organization, templates: Templates, now: datetime
) -> Mail:
    asked = action.evidence.requested_in
    context = _seat_context(action, organization) | {
        "restored_on": now,
        "removed_at": action.evidence.removed_at,
        "groups": [g.name for g in action.groups],
        "unsuspended": action.method == "suspend",
        "request_issue": asked.issue if asked else None,
        "request_url": asked.url if asked else None,
    }
    return _to_account(action, "restore", rendered=templates.render("restore", context))


def _to_account(action: Action, kind: MessageKind, *, rendered: Rendered) -> Mail:
    about = f"{kind} to {action.email} ({action.product} on {action.site})"
    return Mail(kind=kind, to=(action.email or "",), about=about, rendered=rendered)


# --- expiry reminders -----------------------------------------------------------------------


def expiry_reminder_mail(
    entry: Exclusion, *, organization: Organization, templates: Templates, today: date
) -> Mail:
    expires = entry.expires or today
    context = {
        "owner": entry.owner,
        "subject": entry.subject,
        "subject_kind": "account" if entry.account else "group",
        "reason": entry.reason,
        "expires": expires,
        "days_left": (expires - today).days,
        "organization": organization_label(organization),
        "contact": contact_of(organization),
    }
    rendered = templates.render("expiry-reminder", context)
    about = f"expiry reminder to {entry.owner} (exclusion of {entry.subject}, ends {expires})"
    return Mail(kind="expiry-reminder", to=(entry.owner,), about=about, rendered=rendered)


# --- the envelope ---------------------------------------------------------------------------


def one_address(text: str) -> str | None:
    """`text` when it is exactly one e-mail address, as a recipient must be: a bare addr-spec,
    without a display name, a comment, a second address or a line break; else None. An address
    comes from an inventory or a policy file: it is data, and must never become headers."""
    try:
        parsed = Address(addr_spec=text)
    except (ValueError, IndexError):  # header defects are ValueErrors; "" is an IndexError
        return None
    return text if parsed.addr_spec == text and parsed.domain else None


def email_message(mail: Mail, letterhead: Letterhead) -> EmailMessage:
    """The mail as multipart/alternative: plain text first, HTML as the richer alternative."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = Address("accessctl", addr_spec=letterhead.sender)
    message["To"] = ", ".join(mail.to)
    if letterhead.reply_to and letterhead.reply_to != letterhead.sender:
        message["Reply-To"] = letterhead.reply_to
    message["Subject"] = mail.rendered.subject
    message["Date"] = format_datetime(letterhead.now)
    # A domain of our own: make_msgid would otherwise resolve this host's name, which can hang.
    message["Message-ID"] = make_msgid(domain=letterhead.sender.rpartition("@")[2] or None)
    # RFC 3834: machine-sent, so out-of-office replies and auto-forwards stay quiet.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.rendered.text)
    message.add_alternative(mail.rendered.html, subtype="html")
    return message
