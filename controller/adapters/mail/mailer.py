"""SMTP delivery: the one place accessctl talks to a mail server (standard library `smtplib`).

Shell side of `controller.adapters.mail`. The rest of the package sees only the narrow `Mailer`
protocol (send one message or raise `MailFailure`), so it runs unchanged against an in-memory
mailer in tests. One connection serves a whole run: `smtp_session` opens it (plain, STARTTLS or
implicit TLS as the Organization file says, then the login with `SMTP_PASSWORD`) and closes it.
A login over a plain connection is refused unless the server is this machine (a local relay).
Every smtplib and socket error becomes a `MailFailure` whose message names the server and what
to do, and never the password.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal, Protocol

from controller.adapters.http_boundary.scrubbing import scrubbed_line
from controller.core.errors import BadInput, RunFailure
from controller.core.policy.models import Smtp

PASSWORD_VARIABLE = "SMTP_PASSWORD"
# A mail server that stops answering must not hang the scheduled job.
DEFAULT_TIMEOUT_SECONDS = 30.0
_MAX_REPLY_CHARS = 200


class MailFailure(RunFailure):
    """The mail server could not be reached, refused the login or refused a message (exit 1)."""


class Mailer(Protocol):
    """Delivers one message; raises `MailFailure` when the server does not take it."""

    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to deliver: the Organization's `notifications.smtp` plus the password."""

    host: str
    port: int
    security: Literal["starttls", "tls", "none"]
    sender: str
    username: str | None = None
    password: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_policy(cls, smtp: Smtp, *, environ: Mapping[str, str]) -> SmtpSettings:
        """The settings, with the password from `SMTP_PASSWORD` when a username needs one."""
        password = environ.get(PASSWORD_VARIABLE, "")
        if smtp.username and not password:
            raise BadInput(
                f"notifications.smtp.username is {smtp.username} but {PASSWORD_VARIABLE} is not "
                "set; set it to the mail account's password (in CI: a repository secret)"
            )
        if smtp.username and smtp.security == "none" and not is_loopback(smtp.host):
            raise BadInput(
                f"notifications.smtp logs in to {smtp.host} with security: none, which would send "
                f"{PASSWORD_VARIABLE} in clear text over the network; set "
                "notifications.smtp.security to starttls or tls (or relay through a server on "
                "this machine)"
            )
        return cls(
            host=smtp.host,
            port=smtp.port,
            security=smtp.security,
            sender=smtp.sender,
            username=smtp.username,
            password=password,
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def scrub(self, text: str) -> str:
        """Server replies, one line, cut short, without the password should a server echo it."""
        return scrubbed_line(text, (self.password,), limit=_MAX_REPLY_CHARS)


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine without asking DNS (`localhost`, 127/8, ::1)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@contextmanager
def smtp_session(settings: SmtpSettings) -> Iterator[Mailer]:
    """One logged-in connection for the whole run, closed however the run ends."""
    client = _connect(settings)
    try:
        _secure_and_login(client, settings)
        yield SmtpMailer(client, settings)
    finally:
        _close(client)


def try_session(settings: SmtpSettings) -> str:
    """Connect, secure and log in as a run does, then quit without sending anything (what
    `accessctl doctor` checks); says how it went, or raises `MailFailure`."""
    with smtp_session(settings):
        pass
    security = {"starttls": "STARTTLS", "tls": "implicit TLS", "none": "no TLS"}[settings.security]
    login = f"logged in as {settings.username}" if settings.username else "no login"
    return f"{settings.where}, {security}, {login}"


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    try:
        if settings.security == "tls":
            return smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise _unreachable(settings, error) from None


def _secure_and_login(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    try:
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password)
    except smtplib.SMTPNotSupportedError:
        raise MailFailure(_not_supported(settings)) from None
    except smtplib.SMTPAuthenticationError as error:
        raise MailFailure(
            f"the mail server {settings.where} refused the login of {settings.username} "
            f"({error.smtp_code}); check {PASSWORD_VARIABLE} and notifications.smtp.username"
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        raise _unreachable(settings, error) from None


def _not_supported(settings: SmtpSettings) -> str:
    if settings.security == "starttls":
        return (
            f"the mail server {settings.where} does not offer STARTTLS; set "
            "notifications.smtp.security to tls (implicit TLS, usually port 465) or none"
        )
    return (
        f"the mail server {settings.where} does not offer a login; remove "
        "notifications.smtp.username, or use the server's submission port"
    )


def _unreachable(settings: SmtpSettings, error: BaseException) -> MailFailure:
    if isinstance(error, ssl.SSLCertVerificationError):
        return MailFailure(
            f"the mail server {settings.where} showed a TLS certificate this machine does not "
            f"trust ({settings.scrub(error.verify_message or str(error.reason))}); give the "
            "server a certificate from a public CA, or point SSL_CERT_FILE at the CA that "
            "signed it"
        )
    return MailFailure(
        f"cannot talk to the mail server {settings.where} ({_describe(settings, error)}); "
        "check notifications.smtp in the Organization file and that the server is up"
    )


def _describe(settings: SmtpSettings, error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return settings.scrub(f"{error.smtp_code} {_text(error.smtp_error)}")
    if isinstance(error, ssl.SSLError):
        return settings.scrub(f"TLS: {error.reason or error}")
    if isinstance(error, OSError) and error.strerror:
        return settings.scrub(error.strerror)
    return settings.scrub(str(error) or type(error).__name__)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()  # the server is gone already; just release the socket


class SmtpMailer:
    """`Mailer` over an open smtplib connection."""

    def __init__(self, client: smtplib.SMTP, settings: SmtpSettings) -> None:
        self._client = client
        self._settings = settings

    def send(self, message: EmailMessage) -> None:
        recipients = message.get_all("To", [])
        try:
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise MailFailure(self._refused(error.recipients)) from None
        except (OSError, smtplib.SMTPException) as error:
            raise MailFailure(
                f"{', '.join(recipients)}: not delivered ({_describe(self._settings, error)})"
            ) from None
        if refused:  # accepted for some recipients only: the others must hear of the failure
            raise MailFailure(self._refused(refused))

    def _refused(self, recipients: Mapping[str, tuple[int, bytes]]) -> str:
        where = self._settings.where
        reasons = (
            f"{address}: refused by {where} ({self._reply(code, reply)})"
            for address, (code, reply) in sorted(recipients.items())
        )
        return "; ".join(reasons)

    def _reply(self, code: int, reply: bytes) -> str:
        return self._settings.scrub(f"{code} {_text(reply)}")
