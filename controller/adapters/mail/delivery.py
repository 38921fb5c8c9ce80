"""Hand mails to a `Mailer` one by one and keep score: what went out, what failed and why.

Part of `controller.adapters.mail`, between the outbox and the mail server. A recipient that
is not exactly one e-mail address is skipped and reported, and the others are mailed; a refused
message does not stop the others; `on_delivered` runs right after each success, so the caller
can record it at once (a run killed half-way then resends at most the one mail in flight). The
admin digest goes last, so it can tell how the others fared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from controller.adapters.mail.compose import Letterhead, Mail, email_message, one_address
from controller.adapters.mail.due import Outgoing
from controller.adapters.mail.mailer import Mailer, MailFailure
from controller.core.errors import shown


@dataclass(frozen=True)
class Failed:
    outgoing: Outgoing
    error: str

    def __str__(self) -> str:
        return f"{self.outgoing.mail.about}: {self.error}"


@dataclass
class Delivery:
    sent: list[Outgoing] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for o in self.sent if o.mail.kind == kind)

    def merge(self, other: Delivery) -> None:
        self.sent += other.sent
        self.failed += other.failed


def deliver(
    outgoing: Sequence[Outgoing],
    mailer: Mailer,
    *,
    letterhead: Letterhead,
    on_delivered: Callable[[Outgoing], None] = lambda _: None,
) -> Delivery:
    delivery = Delivery()
    for item in outgoing:
        recipients = tuple(r for r in item.mail.to if one_address(r))
        delivery.failed += [
            Failed(item, f"{shown(r)} is not one e-mail address; not sent to it")
            for r in item.mail.to
            if r not in recipients
        ]
        if not recipients:
            continue
        try:
            mailer.send(email_message(replace(item.mail, to=recipients), letterhead))
        except MailFailure as failure:
            delivery.failed.append(Failed(item, failure.message))
            continue
        delivery.sent.append(item)
        on_delivered(item)
    return delivery


def deliver_with_digest(
    outgoing: Sequence[Outgoing],
    mailer: Mailer,
    *,
    letterhead: Letterhead,
    digest: Callable[[Delivery], Mail | None],
    on_delivered: Callable[[Outgoing], None] = lambda _: None,
) -> Delivery:
    """Deliver the run's mails, then the digest of how that went, over the same connection."""
    delivery = deliver(outgoing, mailer, letterhead=letterhead, on_delivered=on_delivered)
    summary = digest(delivery)
    if summary is not None:
        delivery.merge(deliver([Outgoing(mail=summary)], mailer, letterhead=letterhead))
    return delivery
