"""The shared HTTP boundary's rules, table by table: Retry-After, rate-limit headers, retry
decisions and secret scrubbing. Pure functions: a fixed `now`, a fixed jitter, no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.adapters.http_boundary.errors import (
    Forbidden,
    NotFound,
    RateLimited,
    Rejected,
    ServerFailed,
    ServiceError,
    Unauthorized,
    error_class_for,
)
from controller.adapters.http_boundary.rate_limits import (
    Budget,
    budget_of,
    requested_wait,
    reset_instant,
    retry_after_seconds,
)
from controller.adapters.http_boundary.retrying import (
    Failure,
    GiveUp,
    Idempotency,
    Retry,
    RetryPolicy,
    backoff_delay,
    next_step,
)
from controller.adapters.http_boundary.scrubbing import (
    REDACTED,
    one_line,
    scrub,
    scrubbed_line,
)

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
EPOCH_NOW = int(NOW.timestamp())

# --- Retry-After ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        (" 120 ", 120.0),
        ("Mon, 23 Nov 2026 06:00:30 GMT", 30.0),  # IMF-fixdate, the preferred form
        ("Monday, 23-Nov-26 06:01:00 GMT", 60.0),  # RFC 850, obsolete but to be accepted
        ("Mon Nov 23 06:00:05 2026", 5.0),  # asctime: no zone, and HTTP-dates are GMT
        ("Mon, 23 Nov 2026 08:00:30 +0200", 30.0),  # a zone other than GMT still counts
        ("Sun, 22 Nov 2026 06:00:00 GMT", 0.0),  # in the past: now
        (
            "Fri, 31 Dec 9999 23:59:59 GMT",
            (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - NOW).total_seconds(),
        ),
        ("99999999999999999999", 1e20),  # huge: read as asked; the policy refuses to wait
        ("-5", None),
        ("1.5", None),  # delay-seconds are digits only
        ("1e3", None),
        ("soon", None),
        ("", None),
        ("Mon, 32 Nov 2026 06:00:00 GMT", None),
        ("٣", None),  # a digit, but not an ASCII one
        (None, None),
    ],
    ids=[
        "seconds",
        "zero",
        "padded",
        "imf-fixdate",
        "rfc850",
        "asctime",
        "other-zone",
        "past-date",
        "far-date",
        "huge-seconds",
        "negative",
        "fraction",
        "exponent",
        "words",
        "empty",
        "impossible-date",
        "non-ascii-digit",
        "absent",
    ],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


@given(st.text())
def test_any_retry_after_is_a_wait_or_nothing_never_an_exception(value: str) -> None:
    seconds = retry_after_seconds(value, now=NOW)
    assert seconds is None or seconds >= 0


@given(st.text())
def test_any_rate_limit_reset_is_an_instant_or_nothing_never_an_exception(value: str) -> None:
    instant = reset_instant(value)
    assert instant is None or instant.tzinfo is not None


# --- rate-limit headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        (str(EPOCH_NOW + 5), NOW + timedelta(seconds=5)),  # GitHub: epoch seconds
        ("2026-11-23T06:00:05Z", NOW + timedelta(seconds=5)),  # Atlassian Admin API
        ("2026-11-23T06:01Z", NOW + timedelta(minutes=1)),  # Jira: minutes only
        ("2026-11-23T08:00:05+02:00", NOW + timedelta(seconds=5)),
        ("2026-11-23T06:00:05", NOW + timedelta(seconds=5)),  # no offset: UTC
        ("99999999999999999999", None),  # beyond any calendar
        ("tomorrow", None),
        ("", None),
        (None, None),
    ],
    ids=[
        "epoch",
        "iso",
        "iso-minutes",
        "iso-offset",
        "iso-naive",
        "huge",
        "words",
        "empty",
        "absent",
    ],
)
def test_rate_limit_reset(value: str | None, instant: datetime | None) -> None:
    assert reset_instant(value) == instant


@pytest.mark.parametrize(
    ("headers", "budget"),
    [
        (
            {"X-RateLimit-Remaining": "7", "X-RateLimit-Limit": "10"},
            Budget(remaining=7, limit=10),
        ),
        (
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH_NOW)},
            Budget(remaining=0, resets_at=NOW),
        ),
        ({"X-RateLimit-Remaining": "7.5", "X-RateLimit-Limit": "many"}, Budget()),
        ({}, Budget()),
    ],
    ids=["counts", "spent-with-reset", "unreadable", "none"],
)
def test_budget_of(headers: dict[str, str], budget: Budget) -> None:
    assert budget_of(httpx.Headers(headers)) == budget


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "3", "X-RateLimit-Reset": "2026-11-23T06:00:09Z"}, 3.0),
        ({"X-RateLimit-Reset": "2026-11-23T06:00:09Z"}, 9.0),  # Atlassian 429: no remaining
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH_NOW + 40)}, 40.0),
        # Budget left: the reset is the primary window's, not the reason for this refusal.
        ({"x-ratelimit-remaining": "12", "x-ratelimit-reset": str(EPOCH_NOW + 3000)}, None),
        ({"X-RateLimit-Reset": "2026-11-23T05:00:00Z"}, 0.0),  # already past
        ({"Retry-After": "soon", "X-RateLimit-Reset": "2026-11-23T06:00:02Z"}, 2.0),
        ({}, None),
    ],
    ids=[
        "retry-after-first",
        "reset-without-remaining",
        "reset-when-spent",
        "reset-while-budget-left",
        "past-reset",
        "garbage-retry-after-then-reset",
        "nothing-asked",
    ],
)
def test_requested_wait(headers: dict[str, str], wait: float | None) -> None:
    assert requested_wait(httpx.Headers(headers), now=NOW) == wait


# --- retry decisions --------------------------------------------------------------------------

READ, IDEMPOTENT, WRITE = Idempotency.READ, Idempotency.IDEMPOTENT_WRITE, Idempotency.WRITE
POLICY = RetryPolicy(max_attempts=4, base_delay=1.0, max_backoff=5.0, max_server_wait=60.0)
BACKOFF_1 = Retry(0.75, asked=False)  # jitter 0.5 -> three quarters of the ceiling 1


@pytest.mark.parametrize(
    ("failure", "attempt", "step"),
    [
        (Failure(READ, status=500), 1, BACKOFF_1),
        (Failure(READ, status=503), 1, BACKOFF_1),
        (Failure(READ, status=408), 1, BACKOFF_1),
        (Failure(READ, status=404), 1, GiveUp()),
        (Failure(READ, status=403), 1, GiveUp()),
        (Failure(READ, error=httpx.ReadTimeout("t")), 1, BACKOFF_1),
        (Failure(READ, error=httpx.RemoteProtocolError("reset")), 1, BACKOFF_1),
        (Failure(READ, error=httpx.UnsupportedProtocol("ftp")), 1, GiveUp()),
        (Failure(IDEMPOTENT, status=502), 1, BACKOFF_1),
        (Failure(IDEMPOTENT, error=httpx.ReadTimeout("t")), 1, BACKOFF_1),
        (Failure(WRITE, status=500), 1, GiveUp()),
        (Failure(WRITE, error=httpx.ReadTimeout("t")), 1, GiveUp()),
        (Failure(WRITE, error=httpx.ConnectError("refused")), 1, BACKOFF_1),
        (Failure(WRITE, error=httpx.PoolTimeout("pool")), 1, BACKOFF_1),
        (Failure(WRITE, status=429, rate_limited=True), 1, BACKOFF_1),
        (Failure(WRITE, status=403, rate_limited=True, asked=7.0), 1, Retry(7.0, asked=True)),
        (Failure(READ, status=503, asked=2.0), 1, Retry(2.0, asked=True)),
        (Failure(READ, status=429, rate_limited=True, asked=0.0), 1, Retry(0.0, asked=True)),
        (Failure(READ, status=429, rate_limited=True, asked=3600.0), 1, GiveUp(too_long=3600.0)),
        (Failure(READ, status=429, rate_limited=True, asked=3.0), 4, GiveUp()),
        (Failure(READ, status=500), 4, GiveUp()),
        (Failure(WRITE, status=500, asked=2.0), 1, GiveUp()),  # asked, yet ambiguous
    ],
    ids=[
        "read-500",
        "read-503",
        "read-408",
        "read-404",
        "read-403",
        "read-timeout",
        "read-reset",
        "read-unsupported-protocol",
        "idempotent-502",
        "idempotent-timeout",
        "write-500",
        "write-timeout",
        "write-never-connected",
        "write-pool-timeout",
        "write-429",
        "write-rate-limited-asked",
        "503-asked",
        "asked-zero",
        "asked-too-long",
        "last-attempt-429",
        "last-attempt-500",
        "write-500-asked",
    ],
)
def test_retry_decisions(failure: Failure, attempt: int, step: Retry | GiveUp) -> None:
    assert next_step(failure, attempt=attempt, policy=POLICY, jitter=0.5) == step


@pytest.mark.parametrize(
    ("attempt", "jitter", "seconds"),
    [(1, 0.0, 0.5), (1, 0.999, 0.9995), (2, 0.0, 1.0), (3, 0.5, 3.0), (4, 0.0, 2.5), (9, 0.0, 2.5)],
    ids=["first-low", "first-high", "second", "third", "capped", "long-after-cap"],
)
def test_backoff_doubles_is_capped_and_never_zero(
    attempt: int, jitter: float, seconds: float
) -> None:
    assert backoff_delay(attempt, policy=POLICY, jitter=jitter) == pytest.approx(seconds)


# --- error types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, Rejected),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (409, Rejected),
        (429, RateLimited),
        (500, ServerFailed),
        (503, ServerFailed),
    ],
    ids=str,
)
def test_each_status_has_one_error_type(status: int, error: type[ServiceError]) -> None:
    assert error_class_for(status) is error


# --- scrubbing --------------------------------------------------------------------------------

KEY = "admin-key-SECRET-1234567890"
TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"


@pytest.mark.parametrize(
    ("text", "secrets", "scrubbed"),
    [
        (f"key={KEY}!", (KEY,), f"key={REDACTED}!"),
        (f"{KEY}-suffix and {KEY[:10]}", (KEY[:10], KEY), f"{REDACTED}-suffix and {REDACTED}"),
        ("nothing to hide", ("",), "nothing to hide"),
        (
            "fatal: unable to access 'https://x-access-token:abc123@github.com/acme/a.git/'",
            (),
            f"fatal: unable to access 'https://{REDACTED}@github.com/acme/a.git/'",
        ),
        (f"denied for Bearer {TOKEN}", (), f"denied for Bearer {REDACTED}"),
        ("denied for Basic Ym90QGFjbWUuZXhhbXBsZTp0b2tlbg==", (), f"denied for Basic {REDACTED}"),
        (f"token {TOKEN} leaked", (), f"token {REDACTED} leaked"),
        ("github_pat_11ABCDEFG0123456789_abcdefXYZ in log", (), f"{REDACTED} in log"),
        (
            "Basic authentication with passwords is deprecated",
            (),
            "Basic authentication with passwords is deprecated",
        ),
    ],
    ids=[
        "known-secret",
        "longest-first",
        "empty-secret-ignored",
        "url-credentials",
        "bearer-value",
        "basic-value",
        "github-token-shape",
        "fine-grained-token",
        "ordinary-words-kept",
    ],
)
def test_scrub(text: str, secrets: tuple[str, ...], scrubbed: str) -> None:
    assert scrub(text, secrets) == scrubbed


def test_one_line_flattens_and_cuts() -> None:
    assert one_line("a\n  b\tc", 10) == "a b c"
    assert one_line("x" * 20, 10) == "x" * 9 + "…"


def test_a_secret_across_the_cut_is_scrubbed_before_cutting() -> None:
    text = "x" * 290 + KEY
    line = scrubbed_line(text, (KEY,), limit=300)
    assert KEY[:5] not in line
    assert len(line) <= 300
