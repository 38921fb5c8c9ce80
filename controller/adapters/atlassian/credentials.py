"""Credentials and the API base: read from the environment in this one place (DESIGN §3).

The shell (`controller.app.commands`) calls `Credentials.from_environ(os.environ)`; everything below
receives the value. `repr` never shows a secret, and `secrets()` lists what the shared scrubber
(`controller.adapters.http_boundary.scrubbing`) must take out of every message, including the
Basic-auth header value derived from the Jira token.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

from controller.core.errors import BadInput

DEFAULT_API_BASE = "https://api.atlassian.com"

ADMIN_KEY_VARIABLE = "ATLASSIAN_ADMIN_API_KEY"
JIRA_EMAIL_VARIABLE = "JIRA_EMAIL"
JIRA_TOKEN_VARIABLE = "JIRA_API_TOKEN"
API_BASE_VARIABLE = "ATLASSIAN_API_BASE"

_WHERE_TO_GET = {
    ADMIN_KEY_VARIABLE: "an organization API key from admin.atlassian.com → Settings → API keys",
    JIRA_EMAIL_VARIABLE: "the e-mail address of the Atlassian account the API token belongs to",
    JIRA_TOKEN_VARIABLE: "an API token from id.atlassian.com → Security → API tokens",
}


class MissingCredentials(BadInput):
    """An environment variable the connector needs is not set (exit 2: the user's input)."""


@dataclass(frozen=True)
class Credentials:
    """Bearer key for the Admin API, Basic e-mail + token for Jira, and where to send them."""

    admin_api_key: str = field(repr=False)
    jira_email: str
    jira_api_token: str = field(repr=False)
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Credentials:
        """Read all three secrets; name every missing variable at once, with where to get it."""
        missing = [name for name in _WHERE_TO_GET if not environ.get(name, "").strip()]
        if missing:
            hints = "; ".join(f"{name} ({_WHERE_TO_GET[name]})" for name in missing)
            raise MissingCredentials(f"set the environment variable(s): {hints}")
        base = environ.get(API_BASE_VARIABLE, "").strip() or DEFAULT_API_BASE
        return cls(
            admin_api_key=environ[ADMIN_KEY_VARIABLE].strip(),
            jira_email=environ[JIRA_EMAIL_VARIABLE].strip(),
            jira_api_token=environ[JIRA_TOKEN_VARIABLE].strip(),
            api_base=base.rstrip("/"),
        )

    def basic_auth_value(self) -> str:
        pair = f"{self.jira_email}:{self.jira_api_token}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def bearer_auth_value(self) -> str:
        return "Bearer " + self.admin_api_key

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never appear in output."""
        encoded = self.basic_auth_value().removeprefix("Basic ")
        return (self.admin_api_key, self.jira_api_token, encoded)
