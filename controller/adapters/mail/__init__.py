"""E-mail for the human side of revocation: warnings, notices, reminders, the admin digest.

Shell layer beside `controller.app.executor` (DESIGN §1, §7). `due` decides what `accessctl notify`
owes people today from the plan `reconcile` makes; `after_apply` turns an apply's results into
notices; `compose` and `rendering` write the mails from jinja2 templates the policy repository
may override, and `request_link` the link in them that asks for a seat back; `delivery` hands
them to a `Mailer`, and `mailer` is the one SMTP connection.
"""

from controller.adapters.mail.after_apply import Applied, apply_digest_facts, notices
from controller.adapters.mail.compose import Letterhead, Mail, letterhead
from controller.adapters.mail.delivery import Delivery, Failed, deliver, deliver_with_digest
from controller.adapters.mail.digest import DigestFacts, digest_mail, notify_digest_facts, run_link
from controller.adapters.mail.due import (
    Due,
    Outbox,
    Outgoing,
    Unreachable,
    due_mail,
    record_delivered,
)
from controller.adapters.mail.mailer import Mailer, MailFailure, SmtpSettings, smtp_session
from controller.adapters.mail.rendering import Templates
from controller.adapters.mail.request_link import RequestLinks, request_links

__all__ = [
    "Applied",
    "Delivery",
    "DigestFacts",
    "Due",
    "Failed",
    "Letterhead",
    "Mail",
    "MailFailure",
    "Mailer",
    "Outbox",
    "Outgoing",
    "RequestLinks",
    "SmtpSettings",
    "Templates",
    "Unreachable",
    "apply_digest_facts",
    "deliver",
    "deliver_with_digest",
    "digest_mail",
    "due_mail",
    "letterhead",
    "notices",
    "notify_digest_facts",
    "record_delivered",
    "request_links",
    "run_link",
    "smtp_session",
]
