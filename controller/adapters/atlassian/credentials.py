"""Credentials and where they may go: read from the environment in this one place (DESIGN §3).

The shell (`controller.app.commands`) calls `Credentials.from_environ(os.environ)`; everything below
receives the value. `repr` never shows a secret, and `secrets()` lists what the shared scrubber
(`controller.adapters.http_boundary.scrubbing`) must take out of every message, including the
Basic-auth header value derived from the Jira token.

Where each credential is sent, and nowhere else:

- the Admin API key, as Bearer, to `api_base` (`https://api.atlassian.com`);
- the Jira e-mail and token, as Basic, either to a site (`https://<site>.atlassian.net`, the
  Organization's `jira_api: site`, for a classic API token) or to `api_base`'s gateway
  (`/ex/jira/<cloud_id>`, `jira_api: gateway`, for a scoped token or a service account).

The simulator stands in for both hosts: `ATLASSIAN_API_BASE` replaces api.atlassian.com and
`ACCESSCTL_SITE_URL_TEMPLATE` (e.g. `http://127.0.0.1:8765/site/{site}`) replaces each site's URL.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from controller.core.errors import BadInput

DEFAULT_API_BASE = "https://api.atlassian.com"
CLOUD_SITE_SUFFIX = ".atlassian.net"

ADMIN_KEY_VARIABLE = "ATLASSIAN_ADMIN_API_KEY"
JIRA_EMAIL_VARIABLE = "JIRA_EMAIL"
JIRA_TOKEN_VARIABLE = "JIRA_API_TOKEN"
API_BASE_VARIABLE = "ATLASSIAN_API_BASE"
SITE_URL_TEMPLATE_VARIABLE = "ACCESSCTL_SITE_URL_TEMPLATE"
SITE_PLACEHOLDER = "{site}"

_WHERE_TO_GET = {
    ADMIN_KEY_VARIABLE: "an organization API key from admin.atlassian.com → Settings → API keys",
    JIRA_EMAIL_VARIABLE: "the e-mail address of the Atlassian account the API token belongs to",
    JIRA_TOKEN_VARIABLE: "an API token from id.atlassian.com → Security → API tokens",
}
JIRA_VARIABLES = (JIRA_EMAIL_VARIABLE, JIRA_TOKEN_VARIABLE)


class MissingCredentials(BadInput):
    """An environment variable the connector needs is not set (exit 2: the user's input)."""


@dataclass(frozen=True)
class Credentials:
    """Bearer key for the Admin API, Basic e-mail + token for Jira, and where to send them.

    The Jira pair is None for a run that only talks to the Admin API (`accessctl init`).
    """

    admin_api_key: str = field(repr=False)
    jira_email: str | None = None
    jira_api_token: str | None = field(default=None, repr=False)
    api_base: str = DEFAULT_API_BASE
    site_url_template: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, jira: bool = True) -> Credentials:
        """Read the secrets (without `jira`, the Admin key alone); name every missing variable
        at once, with where to get it."""
        wanted = [ADMIN_KEY_VARIABLE, *(JIRA_VARIABLES if jira else ())]
        missing = [name for name in wanted if not environ.get(name, "").strip()]
        if missing:
            hints = "; ".join(f"{name} ({_WHERE_TO_GET[name]})" for name in missing)
            raise MissingCredentials(f"set the environment variable(s): {hints}")
        base = environ.get(API_BASE_VARIABLE, "").strip() or DEFAULT_API_BASE
        return cls(
            admin_api_key=environ[ADMIN_KEY_VARIABLE].strip(),
            jira_email=environ[JIRA_EMAIL_VARIABLE].strip() if jira else None,
            jira_api_token=environ[JIRA_TOKEN_VARIABLE].strip() if jira else None,
            api_base=base.rstrip("/"),
            site_url_template=_site_url_template(environ.get(SITE_URL_TEMPLATE_VARIABLE, "")),
        )

    def site_base(self, *, name: str, url: str) -> str:
        """Where a site answers: its own URL, or the template's stand-in for it. The Jira
        token goes to a site, so a site's own URL must be an Atlassian Cloud one."""
        if self.site_url_template is not None:
            return self.site_url_template.replace(SITE_PLACEHOLDER, name).rstrip("/")
        parts = urlsplit(url)
        if parts.scheme != "https" or not (parts.hostname or "").endswith(CLOUD_SITE_SUFFIX):
            raise BadInput(
                f"site {name}: {url} is not an Atlassian Cloud address (https://<site>"
                f"{CLOUD_SITE_SUFFIX}); the Jira token is sent to no other host: fix the site's "
                "url in the Organization policy, or reach Jira through the gateway "
                "(`jira_api: gateway`)"
            )
        return url.rstrip("/")

    def basic_auth_value(self) -> str:
        if self.jira_email is None or self.jira_api_token is None:
            hints = "; ".join(f"{name} ({_WHERE_TO_GET[name]})" for name in JIRA_VARIABLES)
            raise MissingCredentials(f"set the environment variable(s): {hints}")
        pair = f"{self.jira_email}:{self.jira_api_token}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def bearer_auth_value(self) -> str:
        return "Bearer " + self.admin_api_key

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never appear in output."""
        if self.jira_api_token is None:
            return (self.admin_api_key,)
        encoded = self.basic_auth_value().removeprefix("Basic ")
        return (self.admin_api_key, self.jira_api_token, encoded)


def connector_environment(
    *,
    api_base: str,
    site_url_template: str,
    admin_key: str,
    jira_email: str,
    jira_token: str,
) -> dict[str, str]:
    """The environment that points accessctl at stand-ins for api.atlassian.com and the sites
    (the simulator), with these credentials."""
    return {
        API_BASE_VARIABLE: api_base,
        SITE_URL_TEMPLATE_VARIABLE: site_url_template,
        ADMIN_KEY_VARIABLE: admin_key,
        JIRA_EMAIL_VARIABLE: jira_email,
        JIRA_TOKEN_VARIABLE: jira_token,
    }


def _site_url_template(value: str) -> str | None:
    """`ACCESSCTL_SITE_URL_TEMPLATE`, checked: an http(s) URL naming `{site}` once."""
    template = value.strip()
    if not template:
        return None
    parts = urlsplit(template.replace(SITE_PLACEHOLDER, "site"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(
            f"{SITE_URL_TEMPLATE_VARIABLE} must be an http(s) URL, "
            f"e.g. http://127.0.0.1:8765/site/{SITE_PLACEHOLDER}"
        )
    if template.count(SITE_PLACEHOLDER) != 1:
        raise BadInput(
            f"{SITE_URL_TEMPLATE_VARIABLE} must name {SITE_PLACEHOLDER} once, where the site's "
            f"name goes, e.g. http://127.0.0.1:8765/site/{SITE_PLACEHOLDER}"
        )
    return template
