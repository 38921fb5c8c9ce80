"""When a failed request may be sent again, and how long to wait first. Pure, but for `Timing`.

Which requests are retried (both clients rely on this reasoning):

- `READ` (GET, HEAD, and read-only POSTs such as Atlassian's `users/search`): any timeout,
  connection error, rate limit, 408 or 5xx. Sending a read twice changes nothing.
- `IDEMPOTENT_WRITE` (Atlassian group membership add/remove, suspend, restore): the same. These
  *set* a state rather than change it by a delta, and the `Directory` treats "already a member",
  "not a member", "already suspended" as success, so a second delivery converges on the same
  state.
- `WRITE` (any other mutation: GitHub's pull requests, comments, labels, merges): only when the
  request provably never reached the server's logic: the connection was never established
  (`ConnectError`, `ConnectTimeout`, `PoolTimeout`), or a rate limit refused it (a rate limiter
  answers before the request is processed). A read timeout or a 5xx after sending is ambiguous,
  so it is not retried.

Waits: what the server asked for (`rate_limits.requested_wait`; a server asking for more than
`max_server_wait` ends the call rather than stall a run), else exponential backoff with equal
jitter. Attempts are bounded by `max_attempts`.

`Timing` carries the clocks, sleep and jitter source into the clients; the rules take `now` and
`jitter` as parameters, so tests never wait and never depend on the wall clock.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx


class Idempotency(enum.Enum):
    READ = "read"
    IDEMPOTENT_WRITE = "idempotent-write"
    WRITE = "write"


RETRIED_STATUSES = frozenset({408, 500, 502, 503, 504})
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
class Timing:
    """Clocks, sleep and the jitter source: the real ones by default, fakes in tests."""

    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    jitter: Callable[[], float] = random.random


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying one call; the defaults survive a 20% fault rate comfortably."""

    max_attempts: int = 8
    base_delay: float = 0.25
    max_backoff: float = 20.0
    max_server_wait: float = 120.0


@dataclass(frozen=True)
class Failure:
    """One failed attempt, as the retry rules see it."""

    idempotency: Idempotency
    error: httpx.TransportError | None = None
    status: int | None = None
    # The service's own reading of the answer: Atlassian's 429, GitHub's 403 or 429.
    rate_limited: bool = False
    # Seconds the server asked us to wait (`requested_wait`, or a service's documented default).
    asked: float | None = None


@dataclass(frozen=True)
class Retry:
    """Send again after `seconds`; `asked` when the server set the wait (and may expect
    every request to hold off, not just this one)."""

    seconds: float
    asked: bool


@dataclass(frozen=True)
class GiveUp:
    """Raise the failure; `too_long` holds the wait the server asked for when that is what
    ended the call (more than `max_server_wait`)."""

    too_long: float | None = None


def next_step(
    failure: Failure, *, attempt: int, policy: RetryPolicy, jitter: float
) -> Retry | GiveUp:
    """After failed attempt number `attempt` (1-based): wait and retry, or give up."""
    if attempt >= policy.max_attempts or not may_retry(failure):
        return GiveUp()
    if failure.asked is None:
        return Retry(backoff_delay(attempt, policy=policy, jitter=jitter), asked=False)
    if failure.asked > policy.max_server_wait:
        return GiveUp(too_long=failure.asked)
    return Retry(failure.asked, asked=True)


def may_retry(failure: Failure) -> bool:
    """Whether sending the request again is safe and may help (see the module's rules)."""
    ambiguous_ok = failure.idempotency is not Idempotency.WRITE
    if failure.error is not None:
        if isinstance(failure.error, NEVER_SENT_ERRORS):
            return True
        return isinstance(failure.error, MAYBE_SENT_ERRORS) and ambiguous_ok
    if failure.rate_limited:
        return True
    return failure.status in RETRIED_STATUSES and ambiguous_ok


def backoff_delay(attempt: int, *, policy: RetryPolicy, jitter: float) -> float:
    """Exponential in the attempt number (1-based), capped, scaled by jitter in [0, 1).

    Half of the delay is fixed and half is random ("equal jitter"): retries of many workers
    spread out, yet none retries immediately.
    """
    ceiling = min(policy.max_backoff, policy.base_delay * 2.0 ** (attempt - 1))
    return ceiling / 2 + ceiling / 2 * jitter
