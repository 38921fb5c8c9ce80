"""The simulator's front door, in front of every Admin API and Jira endpoint.

For each request, in the order api.atlassian.com applies them: configured latency, credentials
(401), the family's token bucket (429), then a seeded fault. Faults are decided and served *before*
the handler runs, so a faulted request never changes the organization, reads and writes alike: a
client may retry any failure without double-applying it. A `slow` fault holds the request for
`slow_seconds` (longer than any sane client timeout) and then answers 504, still without running
the handler. A `drop` fault closes the TCP connection without a byte of response.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import math
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from controller.sim.atlassian.config import FAMILIES, Family, FaultKind, SimConfig
from controller.sim.atlassian.org_state import OrgState
from controller.sim.atlassian.traffic import Admission, FaultPlan, Stats, TokenBucket

ADMIN_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
# Documented ApplicationError codes (jira.js admin models); statuses without one omit `code`.
ADMIN_DEFAULT_CODES = {400: "ADMIN-400-24", 429: "ADMIN-429-1", 500: "ADMIN-500-1"}
JIRA_UNAUTHENTICATED = "Client must be authenticated to access this resource."
RATE_LIMITED = "Rate limit exceeded; retry after the Retry-After delay"


class ApiError(Exception):
    """A handler's refusal; the gateway renders it in the endpoint family's error style."""

    def __init__(self, status: int, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass
class Simulation:
    """Everything a handler may use: the organization, the behaviour, the counters."""

    state: OrgState
    config: SimConfig
    stats: Stats
    faults: FaultPlan
    buckets: dict[Family, TokenBucket]
    caller_id: str

    def reset(self) -> None:
        self.state.reset()
        self.stats.reset()
        self.faults.reset()
        self.buckets.update(make_buckets(self.config))


Handler = Callable[[Request, Simulation], Awaitable[Response]]


def make_buckets(config: SimConfig) -> dict[Family, TokenBucket]:
    limits = {family: config.rate_limit(family) for family in FAMILIES}
    return {family: TokenBucket(rate) for family, rate in limits.items() if rate is not None}


def api_route(
    sim: Simulation, *, family: Family, method: str, path: str, handler: Handler
) -> Route:
    """A Starlette route whose requests pass the front door before reaching `handler`."""

    async def endpoint(request: Request) -> Response:
        sim.stats.request(f"{method} {path}")
        response = await _through_the_gateway(request, sim, family=family, handler=handler)
        if not isinstance(response, DroppedConnection):
            sim.stats.response(response.status_code)
        return response

    return Route(path, endpoint, methods=[method])


async def _through_the_gateway(
    request: Request, sim: Simulation, *, family: Family, handler: Handler
) -> Response:
    if sim.config.latency_ms > 0:
        await asyncio.sleep(sim.config.latency_ms / 1000)
    if not _authenticated(request, config=sim.config, family=family):
        return _unauthorized(family)
    admission = sim.buckets[family].take() if family in sim.buckets else None
    response = await _answer(request, sim, family=family, handler=handler, admission=admission)
    if admission is not None:
        response.headers.update(rate_limit_headers(admission))
    if family == "jira":
        response.headers["X-AAccountId"] = sim.caller_id
    return response


async def _answer(
    request: Request,
    sim: Simulation,
    *,
    family: Family,
    handler: Handler,
    admission: Admission | None,
) -> Response:
    if admission is not None and not admission.allowed:
        sim.stats.rate_limited()
        return error_response(family, ApiError(429, RATE_LIMITED))
    fault = sim.faults.next_fault()
    if fault is not None:
        sim.stats.fault(fault)
        return await fault_response(
            fault, family=family, config=sim.config, receive=request.receive
        )
    try:
        return await handler(request, sim)
    except ApiError as error:
        return error_response(family, error)
    except ClientDisconnect:
        # The client hung up before its body arrived: nothing was changed, nobody will read this.
        return Response(status_code=400)


# -- credentials -----------------------------------------------------------------------------


def _authenticated(request: Request, *, config: SimConfig, family: Family) -> bool:
    header = request.headers.get("authorization", "")
    if family == "jira":
        return _basic_matches(header, f"{config.jira_email}:{config.jira_token}")
    return secrets.compare_digest(header.encode(), f"Bearer {config.admin_key}".encode())


def _basic_matches(header: str, expected: str) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return secrets.compare_digest(given, expected.encode())


def _unauthorized(family: Family) -> Response:
    if family == "jira":
        response = error_response(family, ApiError(401, JIRA_UNAUTHENTICATED))
        response.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
        return response
    return error_response(family, ApiError(401, "The API key is missing, invalid or expired"))


# -- error bodies ----------------------------------------------------------------------------


def error_response(family: Family, error: ApiError) -> Response:
    """An error in the family's documented shape (Jira ErrorCollection, Admin `errors[]`)."""
    if family == "jira":
        body: dict[str, Any] = {"errorMessages": [error.message], "errors": {}}
    else:
        body = {"errors": [_admin_error(error)]}
    return JSONResponse(body, status_code=error.status)


def _admin_error(error: ApiError) -> dict[str, str]:
    fields = {
        "id": str(uuid.uuid4()),
        "status": str(error.status),
        "title": ADMIN_TITLES.get(error.status, "Error"),
        "detail": error.message,
    }
    code = error.code or ADMIN_DEFAULT_CODES.get(error.status)
    if code is not None:
        fields["code"] = code
    return fields


# -- rate limits and faults ------------------------------------------------------------------


def rate_limit_headers(admission: Admission) -> dict[str, str]:
    reset_at = datetime.now(UTC) + timedelta(seconds=math.ceil(admission.reset_after))
    headers = {
        "X-RateLimit-Limit": str(admission.limit),
        "X-RateLimit-Remaining": str(admission.remaining),
        "X-RateLimit-Reset": reset_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if not admission.allowed:
        headers["Retry-After"] = str(admission.retry_after)
    return headers


async def fault_response(
    kind: FaultKind, *, family: Family, config: SimConfig, receive: Receive
) -> Response:
    if kind == "drop":
        return DroppedConnection()
    if kind == "slow":
        await _hold(receive, seconds=config.slow_seconds)
        return error_response(family, ApiError(504, "The service did not answer in time"))
    status = int(kind)
    response = error_response(family, ApiError(status, _fault_message(status)))
    if status in (429, 503):
        response.headers["Retry-After"] = str(config.retry_after_seconds)
    return response


def _fault_message(status: int) -> str:
    if status == 429:
        return RATE_LIMITED
    if status == 503:
        return "Service temporarily unavailable; retry after the Retry-After delay"
    return "Internal server error"


class DroppedConnection(Response):
    """Not a response: resets the client's connection, as a failing proxy or network would."""

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = _transport_behind(receive)
        if transport is None:
            # Not uvicorn: start a response and never finish it, so the server must close.
            await send({"type": "http.response.start", "status": 200, "headers": _PROMISED})
            return
        transport.abort()
        await _until_disconnected(receive)


_PROMISED = [(b"content-length", b"1024")]


def _transport_behind(receive: Receive) -> Any:
    """uvicorn's `receive` is a method of its request cycle, which holds the socket transport."""
    cycle = getattr(receive, "__self__", None)
    return getattr(cycle, "transport", None)


async def _until_disconnected(receive: Receive) -> None:
    # Waiting for uvicorn to notice the abort stops it from answering a 500 on the dead socket.
    await _hold(receive, seconds=1.0)


async def _hold(receive: Receive, *, seconds: float) -> None:
    """Wait `seconds`, or less if the client hangs up first (it timed out: nobody listens)."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(disconnected(), timeout=seconds)
    except TimeoutError:
        return
