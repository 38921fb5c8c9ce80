"""What `accessctl notify` owes people today: due warnings and expiry reminders (DESIGN §7).

Part of `controller.adapters.mail`. Warnings are exactly the `warn` actions `reconcile` plans (an
account crossing `inactive_after_days - warn_before_days` with no standing warning): the rules
live there, not here. Expiry reminders go to an exclusion's owner once per exclusion and expiry
date, from `expiry_reminder_days` before the date until the date itself (`reminder_due`, a rule
of the ledger). Each mail carries the ledger record to write once it is delivered (the ledger's
`warned` and `reminder_sent` events), so a failed delivery leaves no trace and is retried.
Whoever cannot be mailed (no e-mail address, an owner that is a name) is listed, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from controller.adapters.mail.compose import (
    Mail,
    expiry_reminder_mail,
    one_address,
    warning_mail,
)
from controller.adapters.mail.rendering import Templates
from controller.adapters.mail.request_link import RequestLinks
from controller.core.errors import shown
from controller.core.ledger import (
    Ledger,
    ReminderRecord,
    WarningRecord,
    reminder_due,
    reminder_record,
    reminder_sent,
    warned,
    warning_record,
)
from controller.core.plan.model import Action, Plan
from controller.core.policy.models import Exclusion
from controller.core.policy.policy_set import PolicySet


@dataclass(frozen=True)
class Outgoing:
    """A mail and what the ledger remembers once it is delivered (nothing for notices)."""

    mail: Mail
    record: WarningRecord | ReminderRecord | None = None


@dataclass(frozen=True)
class Unreachable:
    """Someone a mail was due to who has no address we can use."""

    about: str
    why: str

    def __str__(self) -> str:
        return f"{self.about}: {self.why}"


@dataclass
class Outbox:
    outgoing: list[Outgoing] = field(default_factory=list)
    unreachable: list[Unreachable] = field(default_factory=list)

    def extend(self, other: Outbox) -> None:
        self.outgoing += other.outgoing
        self.unreachable += other.unreachable


@dataclass(frozen=True)
class Due:
    """The inputs of one notify run; `plan` is what `reconcile` makes of them."""

    policies: PolicySet
    plan: Plan
    ledger: Ledger
    now: datetime
    templates: Templates
    links: RequestLinks | None = None  # where a warned person may ask for the seat back


def due_mail(due: Due) -> Outbox:
    outbox = Outbox()
    if due.policies.organization.notifications.send_warnings:
        outbox.extend(due_warnings(due))
    outbox.extend(due_reminders(due))
    return outbox


# --- warnings -------------------------------------------------------------------------------


def due_warnings(due: Due) -> Outbox:
    outbox = Outbox()
    for action in (a for a in due.plan.actions if a.action == "warn"):
        if one_address(action.email or ""):
            outbox.outgoing.append(_warning(action, due))
        else:
            outbox.unreachable.append(no_address(action, "warning"))
    return outbox


def _warning(action: Action, due: Due) -> Outgoing:
    record = warning_record(action, policies=due.policies, now=due.now)
    organization = due.policies.organization
    mail = warning_mail(
        action, record, organization=organization, templates=due.templates, links=due.links
    )
    return Outgoing(mail=mail, record=record)


def no_address(action: Action, kind: str) -> Unreachable:
    """Why an account cannot be mailed: no address, or one that is not exactly one address."""
    who = f"{action.name} ({action.account_id})" if action.name else action.account_id
    why = (
        f"its e-mail address {shown(action.email)} is not one e-mail address; tell them another way"
        if action.email
        else "the account shows no e-mail address (hidden by its privacy settings?); "
        "tell them another way"
    )
    return Unreachable(about=f"{kind} to {who} ({action.product} on {action.site})", why=why)


# --- expiry reminders -----------------------------------------------------------------------


def due_reminders(due: Due) -> Outbox:
    today = due.now.date()
    days_before = due.policies.organization.notifications.expiry_reminder_days
    outbox = Outbox()
    for entry in due.policies.exclusion_entries():
        if not reminder_due(due.ledger, entry, today=today, days_before=days_before):
            continue
        if one_address(entry.owner):
            outbox.outgoing.append(_reminder(entry, due))
        else:
            outbox.unreachable.append(_owner_without_address(entry))
    return outbox


def _reminder(entry: Exclusion, due: Due) -> Outgoing:
    mail = expiry_reminder_mail(
        entry,
        organization=due.policies.organization,
        templates=due.templates,
        today=due.now.date(),
    )
    return Outgoing(mail=mail, record=reminder_record(entry, now=due.now))


def _owner_without_address(entry: Exclusion) -> Unreachable:
    return Unreachable(
        about=f"expiry reminder for the exclusion of {entry.subject} (ends {entry.expires})",
        why=f"its owner {shown(entry.owner)} is not an e-mail address; write one in `owner` to "
        "have reminders mailed",
    )


# --- the ledger after delivery --------------------------------------------------------------


def record_delivered(ledger: Ledger, delivered: Outgoing) -> Ledger:
    """The ledger with what a delivered mail leaves behind (a warning or a reminder)."""
    record = delivered.record
    if isinstance(record, WarningRecord):
        return warned(ledger, record)
    if isinstance(record, ReminderRecord):
        return reminder_sent(ledger, record)
    return ledger
