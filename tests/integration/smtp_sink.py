"""A real SMTP server for the notify tests: aiosmtpd on 127.0.0.1, recording what it receives.

It speaks real SMTP (EHLO, AUTH LOGIN/PLAIN with one known password, optional STARTTLS) so the
tests go through smtplib exactly as production does. `refuse` makes it answer 550 to chosen
recipients; `serve_smtp` starts it on a free port and stops it however the test ends.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from controller.sim.mail import free_port

SMTP_USER = "accessctl@acme.example"
SMTP_PASSWORD = "s3cret-smtp-Pa55word"
READY_SECONDS = 5.0


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")

    def _part(self, subtype: str) -> str:
        """One alternative's text, with the wire's CRLF line ends read as newlines."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None
        return str(body.get_content()).replace("\r\n", "\n")


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps every accepted message, refuses the addresses in `refuse`."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def take(self) -> list[Received]:
        """What arrived since the last call."""
        taken, self.received = self.received, []
        return taken

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself


@dataclass
class SmtpServer:
    """The server on a fixed port, so a test can stop it and start it again where it was.

    `tls_context` offers STARTTLS; `implicit_tls` speaks TLS from the first byte (port 465
    style)."""

    recorder: Recorder
    port: int
    tls_context: ssl.SSLContext | None = None
    implicit_tls: ssl.SSLContext | None = None
    _controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.recorder,
            hostname="127.0.0.1",
            port=self.port,
            ready_timeout=READY_SECONDS,
            ssl_context=self.implicit_tls,
            authenticator=self.recorder.authenticate,
            auth_require_tls=False,
            tls_context=self.tls_context,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(
        self,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        """Stop, take the TLS set-up given (none: plain SMTP), and start again on the port."""
        self.stop()
        self.tls_context, self.implicit_tls = tls_context, implicit_tls
        self.start()


@contextmanager
def serve_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(Recorder(), free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def self_signed_certificate(directory: Path) -> Path | None:
    """A certificate for 127.0.0.1 and its key (cert.pem, key.pem); None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return directory / "cert.pem"


def server_context(certificate: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, certificate.with_name("key.pem"))
    return context
