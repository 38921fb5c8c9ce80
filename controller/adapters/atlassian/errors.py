"""The connector's failures, as the project's own exception types (STYLE: one HTTP boundary).

`AtlassianClient` is the only place that sees httpx exceptions and raw status codes; it turns
them into these classes, so `apply`, the commands and the CLI never handle httpx. Every message
is one line, says which API call failed and what to do next, is truncated, and has every
credential scrubbed out of it (an echoed request or body can carry one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from controller.core.errors import BadInput, RunFailure

MAX_DETAIL_CHARS = 300
REDACTED = "[redacted]"
# Authorization values can be echoed by proxies and error pages even when we never print them.
_AUTH_VALUE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")


class MissingCredentials(BadInput):
    """An environment variable the connector needs is not set (exit 2: the user's input)."""


class AtlassianError(RunFailure):
    """An Atlassian API call failed after the retries it was allowed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unauthorized(AtlassianError):
    """401: the credential was rejected."""


class Forbidden(AtlassianError):
    """403: the credential is valid but lacks a permission."""


class NotFound(AtlassianError):
    """404: the organization, site, group or account does not exist (or is hidden from us)."""


class Rejected(AtlassianError):
    """Another 4xx: the request was refused as sent (400, 409, 415, 422...)."""


class RateLimited(AtlassianError):
    """429 after every allowed retry, or a server asking us to wait longer than we may."""


class ServerFailed(AtlassianError):
    """5xx after every allowed retry."""


class Unreachable(AtlassianError):
    """No response: connection refused or reset, or a timeout, after every allowed retry."""


class UnexpectedResponse(AtlassianError):
    """A response we cannot read: not JSON, or not the documented shape."""


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove every secret (and anything that looks like an Authorization value) from text."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return _AUTH_VALUE.sub(lambda match: f"{match.group(1)} {REDACTED}", text)


def shorten(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """One line, at most `limit` characters: enough to recognise an error body, no more."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
