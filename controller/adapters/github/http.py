"""The GitHub REST transport: auth headers, bounded retries, pagination, status -> error.

The one boundary where httpx and HTTP statuses turn into `controller.adapters.github.errors` types
(kopf's rule: foreign exceptions do not travel). Only safe calls (GET) are retried, with jittered
backoff, and only for transient failures: network errors, 5xx, and rate limits that lift within
`max_wait` seconds. Accepts an httpx `transport=` so tests can swap the network out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from controller.adapters.github.errors import (
    BadCredentials,
    Forbidden,
    ForgeError,
    ForgeUnavailable,
    NotFound,
    NotMergeable,
    RateLimited,
    ValidationFailed,
    describe_reset,
)
from controller.adapters.github.settings import ForgeSettings

API_VERSION = "2022-11-28"
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
_MAX_MESSAGE_CHARS = 200
_MAX_PAGES = 50


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff_seconds: float = 0.5
    max_wait_seconds: float = 30.0

    def delay(self, attempt: int, *, requested: float | None) -> float:
        """How long to wait before retry number `attempt` (1-based): the server's wish, or
        full-jitter exponential backoff."""
        if requested is not None:
            return requested
        return random.uniform(0, self.backoff_seconds * 2 ** (attempt - 1))


DEFAULT_RETRY = RetryPolicy()


class GitHubHttp:
    """An httpx client bound to one GitHub API base URL and token."""

    def __init__(
        self,
        settings: ForgeSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._token = settings.token
        self._retry = retry
        self._sleep = sleep
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
        """Send one request (retrying safe ones); the response, or a ForgeError for >= 400."""
        attempts = self._retry.attempts if method in _SAFE_METHODS else 1
        for attempt in range(1, attempts + 1):
            outcome = self._attempt(method, path, json=json, params=params)
            if isinstance(outcome, httpx.Response):
                return outcome
            failure, wait = outcome
            if not self._should_retry(failure, attempt=attempt, of=attempts, wait=wait):
                raise failure
            self._sleep(self._retry.delay(attempt, requested=wait))
        raise AssertionError("unreachable: the last attempt either returns or raises")

    def _attempt(
        self, method: str, path: str, *, json: Any, params: dict[str, str] | None
    ) -> httpx.Response | tuple[ForgeError, float | None]:
        """One exchange: the response, or the error and how long GitHub asked us to wait."""
        try:
            response = self._client.request(method, path, json=json, params=params)
        except httpx.TransportError as error:
            return self._unreachable(method, path, error=error), None
        if response.status_code < 400:
            return response
        return self._failure(method, path, response=response)

    def _should_retry(
        self, failure: ForgeError, *, attempt: int, of: int, wait: float | None
    ) -> bool:
        if attempt >= of or not isinstance(failure, ForgeUnavailable | RateLimited):
            return False
        # A primary rate limit resets within the hour: not worth holding a job for.
        return wait is None or wait <= self._retry.max_wait_seconds

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
        raise ForgeError(f"GitHub {path} has more than {_MAX_PAGES} pages; narrow the query")

    def _next_page(self, response: httpx.Response) -> str | None:
        url = response.links.get("next", {}).get("url")
        # The token goes wherever the client sends a request: never follow a link off-host.
        if url is not None and httpx.URL(url).host != self._client.base_url.host:
            raise ForgeError(
                f"GitHub sent a next-page link to another host ({httpx.URL(url).host})"
            )
        return url

    # --- mapping -----------------------------------------------------------------------------

    def _unreachable(self, method: str, path: str, *, error: httpx.TransportError) -> ForgeError:
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "could not connect"
        return ForgeUnavailable(
            f"GitHub {method} {path} {kind} ({type(error).__name__}); "
            "check GITHUB_API_URL and the network, then run again"
        )

    def _failure(
        self, method: str, path: str, *, response: httpx.Response
    ) -> tuple[ForgeError, float | None]:
        """The error for a >= 400 response, and how long GitHub asked us to wait (if it did)."""
        status, said = response.status_code, self._scrubbed(_github_message(response))
        where = f"GitHub {method} {httpx.URL(path).path or path} answered {status} ({said})"
        if _is_rate_limited(response):
            return self._rate_limited(where, response)
        return _status_error(status, where=where, details=_error_details(response)), None

    def _rate_limited(self, where: str, response: httpx.Response) -> tuple[ForgeError, float]:
        resets_at = _reset_instant(response)
        retry_after = _retry_after(response)
        wait = retry_after
        if wait is None:
            wait = 60.0 if resets_at is None else max(resets_at.timestamp() - time.time(), 0.0)
        when = describe_reset(resets_at, retry_after)
        message = f"{where}: the GitHub API rate limit is exhausted; {when}, then run again"
        return RateLimited(message, resets_at=resets_at), wait

    def _scrubbed(self, text: str) -> str:
        flat = " ".join(text.replace(self._token, "***").split())
        return flat if len(flat) <= _MAX_MESSAGE_CHARS else flat[: _MAX_MESSAGE_CHARS - 1] + "…"


def _status_error(status: int, *, where: str, details: tuple[str, ...]) -> ForgeError:
    if status == 401:
        return BadCredentials(
            f"{where}: check GITHUB_TOKEN (set, not expired, for this repository)"
        )
    if status == 403:
        return Forbidden(
            f"{where}: GITHUB_TOKEN lacks a permission; grant contents: write and "
            "pull-requests: write (and allow Actions to create pull requests)"
        )
    if status == 404:
        return NotFound(f"{where}: check GITHUB_REPOSITORY and that the token can see it")
    if status in {405, 409}:
        return NotMergeable(f"{where}: resolve conflicts or re-run with the current head")
    if status == 422:
        listed = "; ".join(details)
        return ValidationFailed(f"{where}{': ' + listed if listed else ''}", details=details)
    if status in _TRANSIENT_STATUSES:
        return ForgeUnavailable(f"{where}: GitHub is having trouble; run again later")
    return ForgeError(f"{where}: unexpected answer; run again, or report it if it persists")


def _decoded(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        where = f"{response.request.method} {response.request.url.path}"
        raise ForgeError(f"GitHub {where} answered something that is not JSON") from None


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


def _reset_instant(response: httpx.Response) -> datetime | None:
    raw = response.headers.get("x-ratelimit-reset", "")
    return datetime.fromtimestamp(int(raw), tz=UTC) if raw.isdigit() else None


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after", "")
    return float(raw) if raw.isdigit() else None
