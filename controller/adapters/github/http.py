"""The GitHub REST transport: auth headers, bounded retries, pagination, status -> error.

The one boundary where httpx and HTTP statuses turn into the shared error types
(`controller.adapters.http_boundary.errors`; kopf's rule: foreign exceptions do not travel),
under the shared retry rules: reads are retried after transient failures (network errors, 5xx,
rate limits), writes only when GitHub provably never processed them (no connection, or a rate
limit refused them), every wait bounded by `max_server_wait`. GitHub's rate-limit rules
("Rate limits for the REST API"): a 403 or 429 is a rate limit when `x-ratelimit-remaining` is
0, a `retry-after` is given, or the message says so; wait `retry-after` seconds, else until
`x-ratelimit-reset` (epoch seconds) when the budget is spent, else at least a minute. The clock
comes in through `Timing`. Accepts an httpx `transport=` so tests can swap the network out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from controller.adapters.github.errors import NotMergeable, ValidationFailed
from controller.adapters.github.settings import ForgeSettings
from controller.adapters.http_boundary.errors import (
    RateLimited,
    ServiceError,
    UnexpectedResponse,
    Unreachable,
    error_class_for,
)
from controller.adapters.http_boundary.rate_limits import (
    budget_of,
    requested_wait,
    retry_after_seconds,
)
from controller.adapters.http_boundary.retrying import (
    Failure,
    GiveUp,
    Idempotency,
    RetryPolicy,
    Timing,
    next_step,
)
from controller.adapters.http_boundary.scrubbing import scrubbed_line

API_VERSION = "2022-11-28"
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_MAX_MESSAGE_CHARS = 200
_MAX_PAGES = 50
# GitHub: a secondary rate limit that names no wait means "wait at least one minute".
UNANNOUNCED_RATE_LIMIT_WAIT = 60.0
# A primary rate limit resets within the hour: not worth holding a job for.
DEFAULT_RETRY = RetryPolicy(max_attempts=3, base_delay=0.5, max_backoff=8.0, max_server_wait=30.0)

__all__ = ["DEFAULT_RETRY", "GitHubHttp", "RetryPolicy", "Timing"]


class GitHubHttp:
    """An httpx client bound to one GitHub API base URL and token."""

    def __init__(
        self,
        settings: ForgeSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        timing: Timing | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._token = settings.token
        self._retry = retry
        self._timing = timing or Timing()
        self._client = httpx.Client(
            base_url=settings.api_url,
            transport=transport,
            timeout=timeout_seconds,
            headers={
                "Authorization": f"Bearer {settings.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "accessctl",
            },
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, retried as the shared rules allow; the response, or our error."""
        idempotency = Idempotency.READ if method in _SAFE_METHODS else Idempotency.WRITE
        attempt = 0
        while True:
            attempt += 1
            outcome = self._exchange(method, path, json=json, params=params)
            if isinstance(outcome, httpx.Response) and outcome.status_code < 400:
                return outcome
            failure = self._failure(outcome, idempotency)
            jitter = self._timing.jitter()
            step = next_step(failure, attempt=attempt, policy=self._retry, jitter=jitter)
            if isinstance(step, GiveUp):
                raise self._error(method, path, outcome=outcome)
            self._timing.sleep(step.seconds)

    def _exchange(
        self, method: str, path: str, *, json: Any, params: dict[str, str] | None
    ) -> httpx.Response | httpx.TransportError:
        try:
            return self._client.request(method, path, json=json, params=params)
        except httpx.TransportError as error:
            return error

    def _failure(
        self, outcome: httpx.Response | httpx.TransportError, idempotency: Idempotency
    ) -> Failure:
        if isinstance(outcome, httpx.TransportError):
            return Failure(idempotency, error=outcome)
        limited = _is_rate_limited(outcome)
        asked = requested_wait(outcome.headers, now=self._timing.wall_clock())
        if limited and asked is None:
            asked = UNANNOUNCED_RATE_LIMIT_WAIT
        return Failure(idempotency, status=outcome.status_code, rate_limited=limited, asked=asked)

    def get_json(self, path: str, *, params: dict[str, str] | None = None) -> Any:
        return _decoded(self.request("GET", path, params=params))

    def send_json(self, method: str, path: str, *, body: Any) -> Any:
        response = self.request(method, path, json=body)
        return _decoded(response) if response.content else None

    def paginate(self, path: str, *, params: dict[str, str] | None = None) -> Iterator[Any]:
        """Every item of a list endpoint, following `Link: rel="next"` (bounded)."""
        url: str | None = path
        query: dict[str, str] | None = {"per_page": "100", **(params or {})}
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            response = self.request("GET", url, params=query)
            yield from _decoded(response)
            url, query = self._next_page(response), None
        raise ServiceError(f"GitHub {path} has more than {_MAX_PAGES} pages; narrow the query")

    def _next_page(self, response: httpx.Response) -> str | None:
        url = response.links.get("next", {}).get("url")
        # The token goes wherever the client sends a request: never follow a link off-host.
        if url is not None and httpx.URL(url).host != self._client.base_url.host:
            raise UnexpectedResponse(
                f"GitHub sent a next-page link to another host ({httpx.URL(url).host})"
            )
        return url

    # --- mapping -----------------------------------------------------------------------------

    def _error(
        self, method: str, path: str, *, outcome: httpx.Response | httpx.TransportError
    ) -> ServiceError:
        if isinstance(outcome, httpx.TransportError):
            return _unreachable(method, path, error=outcome)
        status, said = outcome.status_code, self._scrubbed(_github_message(outcome))
        where = f"GitHub {method} {httpx.URL(path).path or path} answered {status} ({said})"
        if _is_rate_limited(outcome):
            return self._rate_limited(where, outcome)
        return _status_error(status, where=where, details=_error_details(outcome))

    def _rate_limited(self, where: str, response: httpx.Response) -> RateLimited:
        resets_at = budget_of(response.headers).resets_at
        retry_after = retry_after_seconds(
            response.headers.get("retry-after"), now=self._timing.wall_clock()
        )
        when = _describe_reset(resets_at, retry_after)
        message = f"{where}: the GitHub API rate limit is exhausted; {when}, then run again"
        return RateLimited(message, status=response.status_code, resets_at=resets_at)

    def _scrubbed(self, text: str) -> str:
        return scrubbed_line(text, (self._token,), limit=_MAX_MESSAGE_CHARS)


def _unreachable(method: str, path: str, *, error: httpx.TransportError) -> Unreachable:
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "could not connect"
    return Unreachable(
        f"GitHub {method} {path} {kind} ({type(error).__name__}); "
        "check GITHUB_API_URL and the network, then run again"
    )


def _status_error(status: int, *, where: str, details: tuple[str, ...]) -> ServiceError:
    """GitHub's statuses in its words: what the token lacks, what to check, what to do next."""
    if status in {405, 409}:
        return NotMergeable(
            f"{where}: resolve conflicts or re-run with the current head", status=status
        )
    if status == 422:
        listed = "; ".join(details)
        return ValidationFailed(f"{where}{': ' + listed if listed else ''}", details=details)
    return error_class_for(status)(f"{where}: {_advice(status)}", status=status)


def _advice(status: int) -> str:
    advice = {
        401: "check GITHUB_TOKEN (set, not expired, for this repository)",
        403: "GITHUB_TOKEN lacks a permission; grant contents: write and "
        "pull-requests: write (and allow Actions to create pull requests)",
        404: "check GITHUB_REPOSITORY and that the token can see it",
    }
    if status in advice:
        return advice[status]
    if status >= 500:
        return "GitHub is having trouble; run again later"
    return "unexpected answer; run again, or report it if it persists"


def _describe_reset(resets_at: datetime | None, retry_after: float | None) -> str:
    """When a rate limit lifts, as the user should read it."""
    if retry_after is not None:
        return f"retry after {retry_after:.0f} s"
    if resets_at is not None:
        return f"it resets at {resets_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return "wait a few minutes"


def _decoded(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        where = f"{response.request.method} {response.request.url.path}"
        raise UnexpectedResponse(f"GitHub {where} answered something that is not JSON") from None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _github_message(response: httpx.Response) -> str:
    body = _json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return response.reason_phrase or "no message"


def _error_details(response: httpx.Response) -> tuple[str, ...]:
    """422's `errors[]`, each as its message or `resource.field code`."""
    body = _json_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ()
    return tuple(_error_text(item) for item in errors if isinstance(item, dict | str))


def _error_text(item: dict[str, Any] | str) -> str:
    if isinstance(item, str):
        return item[:_MAX_MESSAGE_CHARS]
    if isinstance(item.get("message"), str):
        return str(item["message"])[:_MAX_MESSAGE_CHARS]
    return f"{item.get('resource', '?')}.{item.get('field', '?')} {item.get('code', 'invalid')}"


def _is_rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    headers = response.headers
    exhausted = headers.get("x-ratelimit-remaining") == "0"
    return (
        exhausted or "retry-after" in headers or "rate limit" in _github_message(response).lower()
    )
