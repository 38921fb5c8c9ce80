"""The simulator's front door, in front of every Admin API and Jira endpoint.

For each request, in the order api.atlassian.com applies them: configured latency, credentials
(401), the family's token bucket (429), then a seeded fault. Credentials depend on the door a
request comes through: the Admin API key; at a site, the classic Jira token; through the gateway,
the scoped Jira token, whose scopes must cover the endpoint (Atlassian's `401 Unauthorized; scope
does not match`); a site's `/_edge/tenant_info` needs none. An Admin API key created with scopes
(`SimConfig.admin_key_scopes`) is refused with a 403 by an endpoint its scopes do not cover, and
by every endpoint Atlassian names no scope for (last-active dates, memberships, suspension, the
user management API): a key without scopes reaches them all (the 403's wording is the
simulator's, UNCONFIRMED; its status is what a scoped key meets on the user management API).

Faults are decided and served *before* the handler runs, so a faulted request never changes the
organization, reads and writes alike: a client may retry any failure without double-applying it.
A `slow` fault holds the request for `slow_seconds` (longer than any sane client timeout) and
then answers 504, still without running the handler. A `drop` fault closes the TCP connection
without a byte of response.
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
from typing import Any, Literal

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
GATEWAY_UNAUTHORIZED = "Unauthorized"
SCOPE_MISMATCH = "Unauthorized; scope does not match"

Door = Literal["admin", "jira-site", "jira-gateway", "public"]
# Scopes an endpoint accepts: any one of these sets (Jira's classic scopes, or granular ones).
Scopes = tuple[tuple[str, ...], ...]
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
    sim: Simulation,
    *,
    family: Family,
    method: str,
    path: str,
    handler: Handler,
    door: Door | None = None,
    scopes: Scopes = (),
) -> Route:
    """A Starlette route whose requests pass the front door before reaching `handler`; the door
    is the Admin API's for the admin families, the gateway's for Jira unless given."""
    through: Door = door or ("jira-gateway" if family == "jira" else "admin")

    async def endpoint(request: Request) -> Response:
        sim.stats.request(f"{method} {path}")
        response = await _through_the_gateway(
            request, sim, family=family, handler=handler, door=(through, scopes)
        )
        if not isinstance(response, DroppedConnection):
            sim.stats.response(response.status_code)
        return response

    return Route(path, endpoint, methods=[method])


async def _through_the_gateway(
    request: Request,
    sim: Simulation,
    *,
    family: Family,
    handler: Handler,
    door: tuple[Door, Scopes],
) -> Response:
    if sim.config.latency_ms > 0:
        await asyncio.sleep(sim.config.latency_ms / 1000)
    refused = _unauthenticated(request, config=sim.config, door=door[0], scopes=door[1])
    if refused is not None:
        return refused
    admission = sim.buckets[family].take() if family in sim.buckets else None
    response = await _answer(request, sim, family=family, handler=handler, admission=admission)
    if admission is not None:
        response.headers.update(rate_limit_headers(admission))
    if door[0] in ("jira-site", "jira-gateway"):
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


def _unauthenticated(
    request: Request, *, config: SimConfig, door: Door, scopes: Scopes
) -> Response | None:
    """The 401 this door gives the request's credentials, or None when they are good."""
    header = request.headers.get("authorization", "")
    if door == "public":
        return None
    if door == "admin":
        good = secrets.compare_digest(header.encode(), f"Bearer {config.admin_key}".encode())
        if not good:
            return _unauthorized("admin-v2")
        return _scope_refusal(config.admin_key_scopes, wanted=scopes)
    if door == "jira-site":
        good = _basic_matches(header, f"{config.jira_email}:{config.jira_token}")
        return None if good else _unauthorized("jira")
    if not _basic_matches(header, f"{config.jira_email}:{config.jira_scoped_token}"):
        return _gateway_refusal(GATEWAY_UNAUTHORIZED)
    held = set(config.jira_token_scopes)
    if scopes and not any(held.issuperset(wanted) for wanted in scopes):
        return _gateway_refusal(SCOPE_MISMATCH)
    return None


def _scope_refusal(held: tuple[str, ...] | None, *, wanted: Scopes) -> Response | None:
    """An Admin API key with scopes reaches only the endpoints one of its scope sets covers;
    an endpoint Atlassian names no scope for takes a key without scopes (`held` None) only."""
    if held is None or any(set(held).issuperset(scopes) for scopes in wanted):
        return None
    needed = " or ".join(" + ".join(scopes) for scopes in wanted) or "a key without scopes"
    return error_response(
        "admin-v2", ApiError(403, f"The API key's scopes do not allow this; it needs {needed}")
    )


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


def _gateway_refusal(message: str) -> Response:
    """api.atlassian.com's own answer, before Jira sees the request: `{code, message}`."""
    return JSONResponse({"code": 401, "message": message}, status_code=401)


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
