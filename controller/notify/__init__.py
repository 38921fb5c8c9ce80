"""E-mail for the human side of revocation: warnings, notices, reminders, the admin digest.

Shell layer beside `controller.apply` (DESIGN §1, §7). `due` decides what `accessctl notify`
owes people today from the plan `reconcile` makes; `after_apply` turns an apply's results into
notices; `compose` and `rendering` write the mails from jinja2 templates the policy repository
may override; `delivery` hands them to a `Mailer`, and `mailer` is the one SMTP connection.
"""

from controller.notify.after_apply import Applied, apply_digest_facts, notices
from controller.notify.compose import Letterhead, Mail, letterhead
from controller.notify.delivery import Delivery, Failed, deliver, deliver_with_digest
from controller.notify.digest import DigestFacts, digest_mail, notify_digest_facts, run_link
from controller.notify.due import Due, Outbox, Outgoing, Unreachable, due_mail, record_delivered
from controller.notify.mailer import Mailer, MailFailure, SmtpSettings, smtp_session
from controller.notify.rendering import Templates

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
    "run_link",
    "smtp_session",
]
