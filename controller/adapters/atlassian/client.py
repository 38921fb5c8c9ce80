"""`AtlassianClient`: the one HTTP boundary of the connector (auth, pacing, retries, errors).

Everything above it (`pagination`, `reading`, `directory`) builds `ApiCall`s and gets back a checked
`httpx.Response`; httpx exceptions and error statuses become the shared error types
(`controller.adapters.http_boundary.errors`) here and nowhere else, in Atlassian's words, under
the shared retry rules. `transport=` lets tests run all of it under `httpx.MockTransport`.

Where calls go: the Admin API at `{base}/admin/v1|v2/...` with the organization key as Bearer;
Jira with Basic e-mail + token, at the site (`https://<site>.atlassian.net/rest/api/3/...`, the
Organization's `jira_api: site`) or through the gateway (`{base}/ex/jira/{cloudId}/rest/api/3/...`,
`jira_api: gateway`); `base` is `ATLASSIAN_API_BASE` (the simulator) or
`https://api.atlassian.com`. Credentials are only ever attached to URLs built here from those
configured bases (`credentials` says which); a site's public `/_edge/tenant_info` gets none.

Concurrency: any number of threads share one client (httpx's `Client` may be shared between
threads; the counters and pacers here are locked), at most `max_in_flight` requests at a time,
paced by one shared `Pacer` per rate limit (Admin v1, Admin v2, each Jira site). Measured on the
simulator (50 ms latency, no rate limit, 2,000 GETs of last-active-dates, client and simulator in
one process): threads 144 / 281 / 510 requests/s at 8 / 16 / 32 in flight; asyncio +
`httpx.AsyncClient` 134 / 275 / 137 requests/s, using 1.5-3x the CPU. Both saturate a rate limit
of 100/s at 8 in flight, so the rate limit, not the client, is the bottleneck; threads win on
the rest: the `Directory` port and the CLI stay synchronous, `MockTransport` handlers stay plain
functions, and no event loop has to cross the click layer.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from controller.adapters.atlassian.credentials import (
    ADMIN_KEY_VARIABLE,
    JIRA_EMAIL_VARIABLE,
    JIRA_TOKEN_VARIABLE,
    Credentials,
)
from controller.adapters.atlassian.pacing import Pacer
from controller.adapters.http_boundary.errors import (
    RateLimited,
    ServiceError,
    UnexpectedResponse,
    Unreachable,
    error_class_for,
)
from controller.adapters.http_boundary.rate_limits import budget_of, requested_wait
from controller.adapters.http_boundary.retrying import (
    Failure,
    GiveUp,
    Idempotency,
    RetryPolicy,
    Timing,
    next_step,
)
from controller.adapters.http_boundary.scrubbing import one_line, scrub, scrubbed_line
from controller.core.policy.models import JiraApi
from controller.core.snapshot import Site

Api = Literal["admin", "jira", "public"]
QueryValue = str | int | bool | Sequence[str]

USER_AGENT = "accessctl (+https://github.com/accessctl/accessctl)"
DEFAULT_MAX_IN_FLIGHT = 8


@dataclass(frozen=True)
class ApiCall:
    """One request, with what the retry logic needs to know about it."""

    method: str
    url: str
    api: Api
    pacer_key: str
    params: Mapping[str, QueryValue] = field(default_factory=dict)
    body: Any = None
    idempotency: Idempotency = Idempotency.READ
    jira_api: JiraApi | None = None  # how a Jira call reaches Jira, for the hint on a failure

    @property
    def label(self) -> str:
        """`POST /admin/v2/.../users/search`: what failed, without host or query."""
        return f"{self.method} {urlsplit(self.url).path}"


class AtlassianClient:
    """Sends `ApiCall`s with the right credential, paced, retried within bounds."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timing: Timing | None = None,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        max_rate: float | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.credentials = credentials
        self.retry = retry or RetryPolicy()
        self.timing = timing or Timing()
        self.max_in_flight = max_in_flight
        self._max_rate = max_rate
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max_in_flight, max_keepalive_connections=max_in_flight
            ),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._pacers: dict[str, Pacer] = {}
        self._pacers_lock = threading.Lock()
        self._requests_sent = 0
        self._count_lock = threading.Lock()

    def __enter__(self) -> AtlassianClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def requests_sent(self) -> int:
        """Every HTTP attempt, retries included (what a rate limit counts)."""
        return self._requests_sent

    # --- building calls ---------------------------------------------------------------------

    def admin_call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        body: Any = None,
        idempotency: Idempotency = Idempotency.READ,
    ) -> ApiCall:
        """A call to `{base}/admin/<path>`; `path` starts with `v1/` or `v2/`."""
        return ApiCall(
            method=method,
            url=f"{self.credentials.api_base}/admin/{path.lstrip('/')}",
            api="admin",
            # Atlassian limits per endpoint family: v1 and v2 are paced on their own.
            pacer_key=f"admin/{path.lstrip('/').split('/', 1)[0]}",
            params=params or {},
            body=body,
            idempotency=idempotency,
        )

    def management_call(self, path: str) -> ApiCall:
        """A read of the user management API, `{base}/users/<path>` (the same key, as Bearer;
        paced with the Admin API v1)."""
        return ApiCall(
            method="GET",
            url=f"{self.credentials.api_base}/users/{path.lstrip('/')}",
            api="admin",
            pacer_key="admin/v1",
        )

    def jira_call(
        self,
        site: Site,
        path: str,
        *,
        via: JiraApi,
        params: Mapping[str, QueryValue] | None = None,
        method: str = "GET",
    ) -> ApiCall:
        """A Jira REST v3 call: at the site itself (`site`, classic tokens) or through the
        gateway (`gateway`, scoped tokens and service accounts); one pace per site either way."""
        if via == "site":
            base = self.credentials.site_base(name=site.name, url=site.url)
        else:
            base = f"{self.credentials.api_base}/ex/jira/{site.cloud_id}"
        return ApiCall(
            method=method,
            url=f"{base}/rest/api/3/{path.lstrip('/')}",
            api="jira",
            pacer_key=f"jira:{site.cloud_id}",
            params=params or {},
            jira_api=via,
        )

    def public_call(self, url: str) -> ApiCall:
        """An unauthenticated GET (a site's `/_edge/tenant_info`): no credential goes with it."""
        return ApiCall(
            method="GET", url=url, api="public", pacer_key=f"public:{urlsplit(url).netloc}"
        )

    def under_base(self, url: str) -> str:
        """A server-given absolute URL, re-rooted on our base so credentials never leave it."""
        given = urlsplit(url)
        base = urlsplit(self.credentials.api_base)
        if (given.scheme, given.netloc) == (base.scheme, base.netloc):
            return url
        query = f"?{given.query}" if given.query else ""
        return f"{base.scheme}://{base.netloc}{given.path}{query}"

    # --- sending ------------------------------------------------------------------------------

    def json(self, call: ApiCall) -> Any:
        """Send and decode the JSON body (an empty body is None)."""
        return decode_json(self.send(call), call)

    def send(self, call: ApiCall) -> httpx.Response:
        """Send with retries; return a 2xx response or raise a `ServiceError`."""
        pacer = self._pacer(call.pacer_key)
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(call, pacer)
            if isinstance(outcome, httpx.Response) and outcome.is_success:
                pacer.observe(budget_of(outcome.headers))
                return outcome
            self._wait_or_raise(outcome, call, pacer=pacer, attempt=attempt)

    def _attempt(self, call: ApiCall, pacer: Pacer) -> httpx.Response | httpx.TransportError:
        pacer.wait_turn()
        try:
            return self._send_once(call)
        except httpx.TransportError as error:
            return error
        finally:
            pacer.finished()

    def _wait_or_raise(
        self,
        outcome: httpx.Response | httpx.TransportError,
        call: ApiCall,
        *,
        pacer: Pacer,
        attempt: int,
    ) -> None:
        """Raise our error when retrying is not allowed or used up; else wait as due.

        429s and server-requested waits pause every worker on that rate limit; other failures
        back off alone.
        """
        failure = self._failure(outcome, call)
        step = next_step(failure, attempt=attempt, policy=self.retry, jitter=self.timing.jitter())
        if isinstance(step, GiveUp):
            raise self._give_up(outcome, call, step=step, attempts=attempt)
        if failure.rate_limited or step.asked:
            pacer.pause(step.seconds)
        else:
            self.timing.sleep(step.seconds)

    def _failure(self, outcome: httpx.Response | httpx.TransportError, call: ApiCall) -> Failure:
        if isinstance(outcome, httpx.TransportError):
            return Failure(call.idempotency, error=outcome)
        return Failure(
            call.idempotency,
            status=outcome.status_code,
            rate_limited=outcome.status_code == 429,
            asked=requested_wait(outcome.headers, now=self.timing.wall_clock()),
        )

    def _give_up(
        self,
        outcome: httpx.Response | httpx.TransportError,
        call: ApiCall,
        *,
        step: GiveUp,
        attempts: int,
    ) -> ServiceError:
        if isinstance(outcome, httpx.TransportError):
            return self._unreachable(call, outcome, attempts=attempts)
        if step.too_long is not None:
            return RateLimited(
                f"{self._where(call)}: the server asked us to wait {step.too_long:.0f}s "
                f"(more than {self.retry.max_server_wait:.0f}s); try again later",
                status=outcome.status_code,
                resets_at=budget_of(outcome.headers).resets_at,
            )
        return self.error_for(outcome, call, attempts=attempts)

    def _send_once(self, call: ApiCall) -> httpx.Response:
        request = self._http.build_request(
            call.method,
            call.url,
            # An empty mapping would replace the query of a server-given `links.next` URL.
            params=_query(call.params) if call.params else None,
            json=call.body,
            headers=self._authorization(call.api),
        )
        with self._slots:
            with self._count_lock:
                self._requests_sent += 1
            return self._http.send(request)

    def _authorization(self, api: Api) -> dict[str, str]:
        if api == "admin":
            return {"Authorization": self.credentials.bearer_auth_value()}
        if api == "jira":
            return {"Authorization": self.credentials.basic_auth_value()}
        return {}

    def _pacer(self, key: str) -> Pacer:
        with self._pacers_lock:
            if key not in self._pacers:
                self._pacers[key] = Pacer(
                    clock=self.timing.monotonic, sleep=self.timing.sleep, max_rate=self._max_rate
                )
            return self._pacers[key]

    # --- errors ------------------------------------------------------------------------------

    def error_for(self, response: httpx.Response, call: ApiCall, *, attempts: int) -> ServiceError:
        """An HTTP failure as our error type, in Atlassian's words, scrubbed and truncated."""
        status = response.status_code
        detail = self._detail(response)
        where = f"{self._where(call)}: {status} {response.reason_phrase}".rstrip()
        hint = _hint_for(status, call)
        message = f"{where}{f' ({detail})' if detail else ''}{f'; {hint}' if hint else ''}"
        if status >= 500 or status == 429:
            message += f" (after {attempts} attempt{'s' if attempts != 1 else ''})"
        error_class = error_class_for(status)
        if error_class is RateLimited:
            resets_at = budget_of(response.headers).resets_at
            return RateLimited(self._scrub(message), status=status, resets_at=resets_at)
        return error_class(self._scrub(message), status=status)

    def _unreachable(
        self, call: ApiCall, error: httpx.TransportError, *, attempts: int
    ) -> Unreachable:
        kind = type(error).__name__
        reason = one_line(str(error), 120)
        message = (
            f"{self._where(call)}: no response ({kind}{f': {reason}' if reason else ''}) "
            f"after {attempts} attempt{'s' if attempts != 1 else ''}; "
            f"check the network and {self._base_hint()}"
        )
        return Unreachable(self._scrub(message))

    def _where(self, call: ApiCall) -> str:
        if call.api == "public":
            return f"GET {call.url}"
        api = "Admin API" if call.api == "admin" else "Jira"
        return f"{api} {call.label}"

    def _base_hint(self) -> str:
        return f"that {self.credentials.api_base} is reachable (ATLASSIAN_API_BASE)"

    def _detail(self, response: httpx.Response) -> str:
        return scrubbed_line(error_text(response), self.credentials.secrets())

    def _scrub(self, text: str) -> str:
        return scrub(text, self.credentials.secrets())


def _hint_for(status: int, call: ApiCall) -> str:
    """What to do about a failure, where the status alone says it; a refused change is left to
    the server's own words (an IdP-synced group, a full licence), which say it better."""
    if call.api == "admin":
        return _admin_hint(status, write=call.idempotency is not Idempotency.READ)
    if call.api == "jira":
        return _jira_hint(status, via=call.jira_api or "gateway")
    return ""


def _admin_hint(status: int, *, write: bool) -> str:
    if status == 401:
        return f"check {ADMIN_KEY_VARIABLE} (an organization API key; keys expire after a year)"
    if status == 403 and not write:
        return "the API key needs organization admin rights on this organization"
    if status == 404 and not write:
        return "check org_id and directory in the Organization policy"
    return ""


def _jira_hint(status: int, *, via: JiraApi) -> str:
    if status == 401:
        pair = f"{JIRA_EMAIL_VARIABLE} and {JIRA_TOKEN_VARIABLE} (a token of that e-mail's account)"
        if via == "site":
            return (
                f"check {pair}; `jira_api: site` takes a classic API token, a scoped token or a "
                "service account's needs `jira_api: gateway` in the Organization policy"
            )
        return (
            f"check {pair}; `jira_api: gateway` takes a scoped API token (or a service "
            "account's) with the scopes docs/day-one.md lists, a classic token needs "
            "`jira_api: site` in the Organization policy"
        )
    if status == 403:
        return "the Jira account needs the Administer Jira global permission on this site"
    if status == 404:
        return "check the site's url and cloud_id in the Organization policy"
    return ""


def error_text(response: httpx.Response) -> str:
    """The human part of an Atlassian error body (Jira, Admin v1/v2 shapes), else raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    messages: list[str] = []
    if isinstance(body, dict):
        messages += [str(m) for m in body.get("errorMessages") or []]
        errors = body.get("errors")
        if isinstance(errors, dict):
            messages += [f"{k}: {v}" for k, v in errors.items()]
        elif isinstance(errors, list):
            messages += [_admin_error_text(e) for e in errors]
        if isinstance(body.get("message"), str):
            messages.append(body["message"])
    return "; ".join(m for m in messages if m) or response.text


def _admin_error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    parts = [str(error[k]) for k in ("code", "title", "detail") if error.get(k)]
    return ": ".join(parts)


def decode_json(response: httpx.Response, call: ApiCall) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponse(
            f"{call.label}: the response is not JSON ({one_line(response.text, 80)!r})",
            status=response.status_code,
        ) from None


def _query(params: Mapping[str, QueryValue]) -> httpx.QueryParams:
    """Query pairs; sequences repeat the key (`accountId=a&accountId=b`), booleans are lower."""
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in params.items():
        if isinstance(value, str | int | bool):
            pairs.append((key, _query_text(value)))
        else:
            pairs += [(key, item) for item in value]
    return httpx.QueryParams(pairs)


def _query_text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
