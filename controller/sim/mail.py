"""A local mail catcher for the demo: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what
it receives, so `accessctl notify` and apply's notices are sent exactly as in production."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class MailCatcher:
    """The aiosmtpd handler: every accepted message, parsed."""

    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)

    # aiosmtpd calls `handle_DATA` by name for each message.
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = getattr(envelope, "original_content", None) or b""
        parsed = message_from_bytes(content, policy=policy.default)
        if isinstance(parsed, EmailMessage):
            self.received.append(parsed)
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A loopback port nothing listens on now (for servers that need the number up front)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def catching_mail() -> Iterator[MailCatcher]:
    """An SMTP server on a free loopback port for the duration of the block."""
    catcher = MailCatcher(port=free_port())
    controller = Controller(catcher, hostname="127.0.0.1", port=catcher.port, ready_timeout=5.0)
    controller.start()
    try:
        yield catcher
    finally:
        controller.stop()
