"""When a failed Atlassian call may be sent again, and how long to wait first. Pure.

Which requests are retried (the reasoning `AtlassianClient` relies on):

- `READ` (every GET, and the read-only `POST .../users/search`): any timeout, connection error,
  429 or 5xx. Sending a read twice changes nothing.
- `IDEMPOTENT_WRITE` (group membership add/remove, suspend, restore): the same. These operations
  *set* a state rather than change it by a delta, and the `Directory` treats "already a member",
  "not a member", "already suspended" as success, so a second delivery converges on the same
  state. An attempt whose response was lost and whose retry finds the work done is reported as
  done by the `Directory`, which reads the state before it writes.
- `WRITE` (any other mutation): only when the request provably never reached the server's logic:
  the connection was never established (`ConnectError`, `ConnectTimeout`, `PoolTimeout`), or the
  answer was 429 (Atlassian's rate limiter refuses a request before it is processed). A read
  timeout or a 5xx after sending is ambiguous, so it is not retried.

Waits: `Retry-After` (seconds or HTTP date) first, then `X-RateLimit-Reset` (ISO-8601), else
jittered exponential backoff. All bounded: a server asking for more than `max_server_wait` ends
the call instead of stalling a run.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx


class Idempotency(enum.Enum):
    READ = "read"
    IDEMPOTENT_WRITE = "idempotent-write"
    WRITE = "write"


RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Failures that happen before a single byte of the request was sent.
NEVER_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
# Failures after (possibly) sending: the server may have acted on the request.
MAYBE_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying one call; the defaults survive a 20% fault rate comfortably."""

    max_attempts: int = 8
    base_delay: float = 0.25
    max_backoff: float = 20.0
    max_server_wait: float = 120.0


def may_retry_status(status: int, idempotency: Idempotency) -> bool:
    if status == 429:
        return True
    return status in RETRIED_STATUSES and idempotency is not Idempotency.WRITE


def may_retry_error(error: httpx.TransportError, idempotency: Idempotency) -> bool:
    if isinstance(error, NEVER_SENT_ERRORS):
        return True
    return isinstance(error, MAYBE_SENT_ERRORS) and idempotency is not Idempotency.WRITE


def backoff_delay(attempt: int, *, policy: RetryPolicy, jitter: float) -> float:
    """Exponential in the attempt number (1-based), capped, scaled by jitter in [0, 1).

    Half of the delay is fixed and half is random ("equal jitter"): retries of many workers
    spread out, yet none retries immediately.
    """
    ceiling = min(policy.max_backoff, policy.base_delay * 2.0 ** (attempt - 1))
    return ceiling / 2 + ceiling / 2 * jitter


def requested_delay(headers: httpx.Headers, *, now: datetime) -> float | None:
    """Seconds the server asked us to wait, from `Retry-After` or `X-RateLimit-Reset`."""
    retry_after = _retry_after_seconds(headers.get("retry-after"), now=now)
    if retry_after is not None:
        return retry_after
    reset = parse_instant(headers.get("x-ratelimit-reset"))
    if reset is None:
        return None
    return max(0.0, (reset - now).total_seconds())


def _retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


def parse_instant(value: str | None) -> datetime | None:
    """An ISO-8601 instant such as `2026-11-23T06:00:05Z` or Jira's `2026-11-23T06:01Z`."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    # A reset without an offset is UTC, like every instant Atlassian documents.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
