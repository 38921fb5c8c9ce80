"""AtlassianClient: auth and URLs, retries within bounds, pacing, errors without secrets."""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from controller.adapters.atlassian.client import AtlassianClient
from controller.adapters.atlassian.credentials import Credentials, MissingCredentials
from controller.adapters.atlassian.pacing import Pacer
from controller.adapters.http_boundary.errors import (
    Forbidden,
    NotFound,
    RateLimited,
    ServerFailed,
    ServiceError,
    Unauthorized,
    Unreachable,
)
from controller.adapters.http_boundary.rate_limits import Budget
from controller.adapters.http_boundary.retrying import Idempotency, RetryPolicy
from controller.core.errors import BadInput, ExitCode
from controller.core.policy.models import JiraApi
from controller.core.snapshot import Site
from tests.unit.atlassian_fakes import (
    ADMIN_KEY,
    BASE,
    CREDENTIALS,
    JIRA_EMAIL,
    JIRA_TOKEN,
    FakeTime,
    make_client,
)

OK = httpx.Response(200, json={"ok": True})
ACME = Site(name="acme", url="https://acme.atlassian.net", cloud_id="cloud-1")


def scripted(*answers: httpx.Response | Exception) -> tuple[list[httpx.Request], object]:
    """A handler answering in order; the last answer repeats. Returns (requests seen, handler)."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(answers)
    last: list[httpx.Response | Exception] = [answers[-1]]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue, last[0])
        if isinstance(answer, Exception):
            raise answer
        return answer

    return seen, handler


def get(client: AtlassianClient, idempotency: Idempotency = Idempotency.READ) -> httpx.Response:
    method = "GET" if idempotency is Idempotency.READ else "POST"
    return client.send(client.admin_call(method, "v2/orgs/o/things", idempotency=idempotency))


# --- credentials and URLs -------------------------------------------------------------------


def test_admin_calls_carry_the_bearer_key_under_the_base() -> None:
    seen, handler = scripted(OK)
    client = make_client(handler)  # type: ignore[arg-type]
    client.send(client.admin_call("GET", "v1/orgs/o/users", params={"ids": ["a", "b"]}))
    assert str(seen[0].url) == f"{BASE}/admin/v1/orgs/o/users?ids=a&ids=b"
    assert seen[0].headers["authorization"] == f"Bearer {ADMIN_KEY}"


@pytest.mark.parametrize(
    ("via", "template", "url"),
    [
        ("site", None, "https://acme.atlassian.net/rest/api/3/applicationrole"),
        (
            "site",
            "http://127.0.0.1:8765/site/{site}",
            "http://127.0.0.1:8765/site/acme/rest/api/3/applicationrole",
        ),
        ("gateway", None, f"{BASE}/ex/jira/cloud-1/rest/api/3/applicationrole"),
        (
            "gateway",
            "http://127.0.0.1:8765/site/{site}",
            f"{BASE}/ex/jira/cloud-1/rest/api/3/applicationrole",
        ),
    ],
    ids=["site", "site-template", "gateway", "gateway-ignores-template"],
)
def test_jira_calls_go_where_the_token_kind_says_with_basic_auth(
    via: JiraApi, template: str | None, url: str
) -> None:
    seen, handler = scripted(OK)
    credentials = replace(CREDENTIALS, site_url_template=template)
    client = AtlassianClient(credentials, transport=httpx.MockTransport(handler))  # type: ignore[arg-type]
    client.send(client.jira_call(ACME, "applicationrole", via=via))
    assert str(seen[0].url) == url
    expected = base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()
    assert seen[0].headers["authorization"] == f"Basic {expected}"


@pytest.mark.parametrize(
    "url",
    ["https://attacker.example", "http://acme.atlassian.net", "https://acme.atlassian.net.evil.io"],
    ids=["other-host", "plain-http", "lookalike"],
)
def test_the_jira_token_goes_to_no_host_but_atlassian_clouds(url: str) -> None:
    seen, handler = scripted(OK)
    client = make_client(handler)  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="not an Atlassian Cloud address"):
        client.send(
            client.jira_call(Site(name="acme", url=url, cloud_id="c"), "myself", via="site")
        )
    assert seen == []


def test_a_sites_public_tenant_info_gets_no_credential() -> None:
    seen, handler = scripted(httpx.Response(200, json={"cloudId": "cloud-1"}))
    client = make_client(handler)  # type: ignore[arg-type]
    client.send(client.public_call("https://acme.atlassian.net/_edge/tenant_info"))
    assert "authorization" not in seen[0].headers


def test_an_admin_key_alone_serves_the_admin_api_and_names_what_jira_lacks() -> None:
    credentials = Credentials.from_environ({"ATLASSIAN_ADMIN_API_KEY": ADMIN_KEY}, jira=False)
    _, handler = scripted(OK)
    client = AtlassianClient(credentials, transport=httpx.MockTransport(handler))  # type: ignore[arg-type]
    client.send(client.admin_call("GET", "v1/orgs"))
    with pytest.raises(MissingCredentials, match="JIRA_EMAIL"):
        client.send(client.jira_call(ACME, "myself", via="site"))
    assert credentials.secrets() == (ADMIN_KEY,)


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("127.0.0.1:8765/site/{site}", "http(s) URL"),
        ("http://127.0.0.1:8765/site", "name {site} once"),
        ("http://{site}.{site}.test", "name {site} once"),
    ],
    ids=["no-scheme", "no-placeholder", "twice"],
)
def test_a_bad_site_url_template_is_bad_input(template: str, problem: str) -> None:
    environ = {
        "ATLASSIAN_ADMIN_API_KEY": ADMIN_KEY,
        "JIRA_EMAIL": JIRA_EMAIL,
        "JIRA_API_TOKEN": JIRA_TOKEN,
        "ACCESSCTL_SITE_URL_TEMPLATE": template,
    }
    with pytest.raises(BadInput, match=re.escape(problem)):
        Credentials.from_environ(environ)


def test_links_to_another_host_are_rerooted_on_the_base() -> None:
    client = make_client(scripted(OK)[1])  # type: ignore[arg-type]
    assert client.under_base("https://elsewhere.example/admin/v1/x?cursor=c") == (
        f"{BASE}/admin/v1/x?cursor=c"
    )


def test_credentials_name_every_missing_variable() -> None:
    with pytest.raises(MissingCredentials) as raised:
        Credentials.from_environ({"JIRA_EMAIL": "a@b.c"})
    assert "ATLASSIAN_ADMIN_API_KEY" in raised.value.message
    assert "JIRA_API_TOKEN" in raised.value.message
    assert "JIRA_EMAIL" not in raised.value.message.split(";")[0].split("(")[0].replace(
        "ATLASSIAN_ADMIN_API_KEY", ""
    )
    assert raised.value.exit_code == ExitCode.BAD_INPUT


def test_credentials_base_comes_from_the_environment_and_repr_hides_secrets() -> None:
    environ = {
        "ATLASSIAN_ADMIN_API_KEY": ADMIN_KEY,
        "JIRA_EMAIL": JIRA_EMAIL,
        "JIRA_API_TOKEN": JIRA_TOKEN,
        "ATLASSIAN_API_BASE": "http://127.0.0.1:9999/",
    }
    credentials = Credentials.from_environ(environ)
    assert credentials.api_base == "http://127.0.0.1:9999"
    assert ADMIN_KEY not in repr(credentials)
    assert JIRA_TOKEN not in repr(credentials)


# --- retries --------------------------------------------------------------------------------


def test_retry_after_seconds_are_honoured() -> None:
    time = FakeTime()
    seen, handler = scripted(httpx.Response(429, headers={"Retry-After": "3"}), OK)
    get(make_client(handler, time=time))  # type: ignore[arg-type]
    assert len(seen) == 2
    assert time.sleeps == [3.0]


def test_rate_limit_reset_instant_is_honoured_without_retry_after() -> None:
    time = FakeTime()
    seen, handler = scripted(
        httpx.Response(429, headers={"X-RateLimit-Reset": "2026-11-23T06:00:07Z"}), OK
    )
    get(make_client(handler, time=time))  # type: ignore[arg-type]
    assert len(seen) == 2
    assert time.sleeps == [7.0]


def test_a_503_with_retry_after_waits_as_asked() -> None:
    time = FakeTime()
    _seen, handler = scripted(httpx.Response(503, headers={"Retry-After": "2"}), OK)
    get(make_client(handler, time=time))  # type: ignore[arg-type]
    assert time.sleeps == [2.0]


def test_backoff_is_exponential_jittered_and_bounded() -> None:
    time = FakeTime()
    policy = RetryPolicy(max_attempts=6, base_delay=1.0, max_backoff=5.0)
    seen, handler = scripted(httpx.Response(500))
    with pytest.raises(ServerFailed) as raised:
        get(make_client(handler, time=time, retry=policy))  # type: ignore[arg-type]
    assert len(seen) == 6
    # jitter 0.5 -> three quarters of the ceiling 1, 2, 4, 5 (capped), 5
    assert time.sleeps == [0.75, 1.5, 3.0, 3.75, 3.75]
    assert "after 6 attempts" in raised.value.message


def test_a_server_asking_for_too_long_a_wait_ends_the_call() -> None:
    time = FakeTime()
    seen, handler = scripted(httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimited) as raised:
        get(make_client(handler, time=time))  # type: ignore[arg-type]
    assert len(seen) == 1
    assert time.sleeps == []
    assert "3600s" in raised.value.message


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("connect timeout"),
        httpx.ReadTimeout("read timeout"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
    ids=["connect-error", "connect-timeout", "read-timeout", "reset"],
)
def test_reads_are_retried_after_connection_failures_and_timeouts(failure: Exception) -> None:
    seen, handler = scripted(failure, OK)
    assert get(make_client(handler)).status_code == 200  # type: ignore[arg-type]
    assert len(seen) == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("read timeout"), httpx.RemoteProtocolError("reset"), httpx.Response(500)],
    ids=["read-timeout", "reset", "500"],
)
def test_a_plain_write_is_not_retried_when_it_may_have_been_applied(
    failure: httpx.Response | Exception,
) -> None:
    seen, handler = scripted(failure, OK)
    with pytest.raises(ServiceError):
        get(make_client(handler), Idempotency.WRITE)  # type: ignore[arg-type]
    assert len(seen) == 1


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.Response(429, headers={"Retry-After": "1"})],
    ids=["never-connected", "rate-limited"],
)
def test_a_plain_write_is_retried_when_it_provably_was_not_applied(
    failure: httpx.Response | Exception,
) -> None:
    seen, handler = scripted(failure, OK)
    assert get(make_client(handler), Idempotency.WRITE).status_code == 200  # type: ignore[arg-type]
    assert len(seen) == 2


def test_an_idempotent_write_is_retried_after_an_ambiguous_failure() -> None:
    seen, handler = scripted(httpx.ReadTimeout("read timeout"), httpx.Response(503), OK)
    client = make_client(handler)  # type: ignore[arg-type]
    assert get(client, Idempotency.IDEMPOTENT_WRITE).status_code == 200
    assert len(seen) == 3


def test_connection_failures_end_in_one_clear_line() -> None:
    seen, handler = scripted(httpx.ConnectError("connection refused"))
    with pytest.raises(Unreachable) as raised:
        get(make_client(handler, retry=RetryPolicy(max_attempts=3)))  # type: ignore[arg-type]
    assert len(seen) == 3
    assert "after 3 attempts" in raised.value.message
    assert "ATLASSIAN_API_BASE" in raised.value.message
    assert raised.value.exit_code == ExitCode.FAILURE


# --- errors ---------------------------------------------------------------------------------


def echoing(status: int) -> object:
    """An error page that echoes the request's credentials, as a careless proxy might."""

    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers["authorization"]
        text = f"denied for {auth} key={ADMIN_KEY} token={JIRA_TOKEN} " + "x" * 2000
        return httpx.Response(status, json={"errorMessages": [text], "errors": {}})

    return handler


@pytest.mark.parametrize(
    ("status", "api", "error_type", "hint"),
    [
        (401, "admin", Unauthorized, "ATLASSIAN_ADMIN_API_KEY"),
        (401, "site", Unauthorized, "`jira_api: site` takes a classic API token"),
        (401, "gateway", Unauthorized, "`jira_api: gateway` takes a scoped API token"),
        (403, "admin", Forbidden, "organization admin"),
        (403, "site", Forbidden, "Administer Jira"),
        (404, "admin", NotFound, "org_id"),
        (404, "gateway", NotFound, "cloud_id"),
        (500, "admin", ServerFailed, "after 8 attempts"),
        (502, "site", ServerFailed, "after 8 attempts"),
    ],
    ids=lambda value: str(value) if not isinstance(value, type) else value.__name__,
)
def test_statuses_map_to_our_errors_with_hints_and_no_secrets(
    status: int, api: str, error_type: type[ServiceError], hint: str
) -> None:
    client = make_client(echoing(status))  # type: ignore[arg-type]
    call = (
        client.admin_call("GET", "v2/orgs/o/directories")
        if api == "admin"
        else client.jira_call(ACME, "myself", via="site" if api == "site" else "gateway")
    )
    with pytest.raises(error_type) as raised:
        client.send(call)
    message = raised.value.message
    assert hint in message
    assert str(status) in message
    assert ADMIN_KEY not in message
    assert JIRA_TOKEN not in message
    assert base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode() not in message
    assert "\n" not in message
    assert len(message) < 700
    assert raised.value.exit_code == ExitCode.FAILURE


@pytest.mark.parametrize("status", [403, 404, 409])
def test_a_refused_change_keeps_atlassians_reason_without_a_misleading_hint(status: int) -> None:
    reason = "group 'engineering-sso' is synced from your identity provider"
    answer = httpx.Response(status, json={"errors": [{"title": "Refused", "detail": reason}]})
    client = make_client(scripted(answer)[1])  # type: ignore[arg-type]
    call = client.admin_call(
        "POST",
        "v2/orgs/o/directories/d/groups/g/memberships",
        idempotency=Idempotency.IDEMPOTENT_WRITE,
    )
    with pytest.raises(ServiceError) as raised:
        client.send(call)
    assert reason in raised.value.message
    assert "organization admin" not in raised.value.message
    assert "check org_id" not in raised.value.message


# --- pacing ---------------------------------------------------------------------------------


def test_a_pause_holds_every_worker_until_it_ends() -> None:
    time = FakeTime()
    pacer = Pacer(clock=time.monotonic, sleep=time.sleep)
    pacer.wait_turn()
    pacer.pause(2.0)
    pacer.finished()
    pacer.wait_turn()
    pacer.finished()
    pacer.wait_turn()
    assert time.now >= 2.0
    assert time.sleeps[0] == 2.0
    assert pacer.rate is not None  # it slows down after a 429


def started_in_background(pacer: Pacer) -> threading.Thread:
    worker = threading.Thread(target=pacer.wait_turn, daemon=True)
    worker.start()
    worker.join(timeout=0.1)
    return worker


def test_one_request_goes_out_before_the_first_answer() -> None:
    pacer = Pacer(clock=FakeTime().monotonic, sleep=FakeTime().sleep)
    pacer.wait_turn()
    second = started_in_background(pacer)
    assert second.is_alive()  # held: nothing is known about the server's budget yet
    pacer.observe(Budget(remaining=9, limit=10))
    second.join(timeout=1)
    assert not second.is_alive()


def test_unpaced_requests_in_flight_stay_within_the_last_remaining_budget() -> None:
    pacer = Pacer(clock=FakeTime().monotonic, sleep=FakeTime().sleep)
    pacer.wait_turn()
    pacer.observe(Budget(remaining=6, limit=10))  # 60% left: unpaced
    pacer.finished()
    for _ in range(6):
        pacer.wait_turn()
    seventh = started_in_background(pacer)
    assert seventh.is_alive()  # six in flight spend the six tokens the server reported
    pacer.finished()
    seventh.join(timeout=1)
    assert not seventh.is_alive()


def token_bucket_server(time: FakeTime, *, rps: float, burst: int) -> object:
    """A server with a token bucket like Atlassian's (and the simulator's) rate limit."""
    state = {"tokens": float(burst), "stamp": 0.0, "refused": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        state["tokens"] = min(burst, state["tokens"] + (time.now - state["stamp"]) * rps)
        state["stamp"] = time.now
        headers = {"X-RateLimit-Limit": str(burst)}
        if state["tokens"] < 1:
            state["refused"] += 1
            return httpx.Response(429, headers={**headers, "Retry-After": "1"})
        state["tokens"] -= 1
        headers["X-RateLimit-Remaining"] = str(int(state["tokens"]))
        return httpx.Response(200, json={}, headers=headers)

    handler.state = state  # type: ignore[attr-defined]
    return handler


def test_the_pacer_learns_the_servers_rate_and_avoids_429s() -> None:
    time = FakeTime()
    handler = token_bucket_server(time, rps=20, burst=10)
    client = make_client(handler, time=time)  # type: ignore[arg-type]
    for _ in range(400):
        get(client)
    refused = handler.state["refused"]  # type: ignore[attr-defined]
    # 400 requests at 20/s take 19.5 s at best (10 come from the initial burst).
    assert 19.5 <= time.now <= 19.5 * 1.25
    assert refused <= 3


def test_budget_headers_without_limit_still_pace() -> None:
    time = FakeTime()
    pacer = Pacer(clock=time.monotonic, sleep=time.sleep)
    for remaining in (50, 40, 30, 20, 10):
        time.now += 0.5
        pacer.observe(Budget(remaining=remaining))
    assert pacer.rate is not None
