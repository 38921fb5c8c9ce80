"""What a server says about waiting: `Retry-After` and the `X-RateLimit-*` headers. Pure.

- `Retry-After` (RFC 9110 §10.2.3) is delay-seconds (digits) or an HTTP-date in any of the three
  forms a recipient must accept (IMF-fixdate, RFC 850, asctime; always GMT). A date in the past
  means "now"; anything else (negative, fractional, words) is ignored, as if it were absent.
- `X-RateLimit-Limit` / `-Remaining` are integers; `X-RateLimit-Reset` is when the budget refills:
  an ISO-8601 instant at Atlassian (`2026-11-23T06:00:05Z`, Jira also `2026-11-23T06:01Z`),
  epoch seconds at GitHub (`1763877605`). Both services send them on every response.

`now` is always a parameter: nothing here reads a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Budget:
    """The rate-limit headers of one response; None where a header is absent or unreadable."""

    remaining: int | None = None
    limit: int | None = None
    resets_at: datetime | None = None


def budget_of(headers: httpx.Headers) -> Budget:
    return Budget(
        remaining=_count(headers.get("x-ratelimit-remaining")),
        limit=_count(headers.get("x-ratelimit-limit")),
        resets_at=reset_instant(headers.get("x-ratelimit-reset")),
    )


def requested_wait(headers: httpx.Headers, *, now: datetime) -> float | None:
    """Seconds the server asked us to wait: `Retry-After`, else the budget's reset when the
    budget is spent (or not reported); None when it asked nothing."""
    retry_after = retry_after_seconds(headers.get("retry-after"), now=now)
    if retry_after is not None:
        return retry_after
    budget = budget_of(headers)
    # A reset while budget remains is the primary window's (GitHub: up to an hour away), not
    # the reason for this refusal.
    if budget.resets_at is None or budget.remaining not in (0, None):
        return None
    return max(0.0, (budget.resets_at - now).total_seconds())


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """A `Retry-After` value as seconds from `now` (never negative); None when unreadable."""
    if value is None:
        return None
    text = value.strip()
    if _DIGITS.fullmatch(text):
        return float(text)
    when = _http_date(text)
    return None if when is None else max(0.0, (when - now).total_seconds())


def reset_instant(value: str | None) -> datetime | None:
    """`X-RateLimit-Reset` as an instant: epoch seconds (GitHub) or ISO-8601 (Atlassian)."""
    text = (value or "").strip()
    if not text:
        return None
    if _DIGITS.fullmatch(text):
        return _from_epoch(int(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    # An instant without an offset is UTC, like every instant Atlassian documents.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _http_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # asctime dates carry no zone, and "-0000" parses as none: HTTP-dates are GMT.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _from_epoch(seconds: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _count(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if _DIGITS.fullmatch(text) else None
