"""The Atlassian simulator's traffic behaviour over real HTTP: rate limits, latency, faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from controller.sim.atlassian import RateLimit
from tests.integration.sim_atlassian_support import (
    ADMIN,
    API,
    BOB,
    JIRA,
    JSW_ACME,
    V1,
    V2,
    assert_error_collection,
    example,
    serving,
    snapshot,
)

pytestmark = pytest.mark.integration


def parse_reset(value: str) -> datetime:
    assert value.endswith("Z")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_rate_limit_answers_429_with_retry_after_and_headers(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    limits = {"jira": RateLimit(rps=0.5, burst=2)}
    client = atlassian_api(family_rate_limits=limits)
    first, second, third = (client.get(f"{API}/myself", auth=JIRA) for _ in range(3))
    admin = client.get(f"{V1}/users", headers=ADMIN)  # another family, another bucket
    stats = client.get("/__sim/stats").json()

    assert [r.status_code for r in (first, second, third)] == [200, 200, 429]
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert [first.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Remaining"]] == [
        "1",
        "0",
    ]
    reset_in = parse_reset(first.headers["X-RateLimit-Reset"]) - datetime.now(UTC)
    assert -1 <= reset_in.total_seconds() <= 10
    assert int(third.headers["Retry-After"]) >= 1
    assert third.headers["X-RateLimit-Remaining"] == "0"
    assert parse_reset(third.headers["X-RateLimit-Reset"]) >= parse_reset(
        first.headers["X-RateLimit-Reset"]
    )
    assert_error_collection(third.json())
    assert admin.status_code == 200
    assert "X-RateLimit-Limit" not in admin.headers  # unlimited families carry no headers
    assert (stats["rate_limited"], stats["responses_429"]) == (1, 1)


def test_the_bucket_refills(atlassian_api: Callable[..., httpx.Client]) -> None:
    # One token every half second: the second request comes well within it, even on a busy box.
    client = atlassian_api(rate_limit_rps=2.0, burst=1)
    first = client.get(f"{V1}/users", headers=ADMIN)
    refused = client.get(f"{V1}/users", headers=ADMIN)
    deadline = time.monotonic() + 3
    while (later := client.get(f"{V1}/users", headers=ADMIN)).status_code == 429:
        assert time.monotonic() < deadline

    assert (first.status_code, refused.status_code, later.status_code) == (200, 429, 200)
    assert refused.json()["errors"][0]["code"] == "ADMIN-429-1"


def test_latency_is_applied_concurrently(atlassian_api: Callable[..., httpx.Client]) -> None:
    async def five_at_once(base_url: str) -> float:
        async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
            started = time.monotonic()
            await asyncio.gather(*(client.get(f"{API}/myself", auth=JIRA) for _ in range(5)))
            return time.monotonic() - started

    client = atlassian_api(latency_ms=300)
    elapsed = asyncio.run(five_at_once(str(client.base_url)))

    assert 0.3 <= elapsed < 1.2  # five requests, one latency: they wait side by side


def statuses(
    atlassian_api: Callable[..., httpx.Client], seed: int, *, count: int = 30
) -> list[int]:
    client = atlassian_api(fault_rate=0.5, fault_seed=seed, fault_kinds=("429", "500", "503"))
    return [client.get(f"{API}/myself", auth=JIRA).status_code for _ in range(count)]


def test_faults_are_reproducible_for_a_seed(atlassian_api: Callable[..., httpx.Client]) -> None:
    first, again, other = (statuses(atlassian_api, seed) for seed in (42, 42, 43))

    assert first == again
    assert first != other
    assert {429, 500, 503, 200} <= set(first)


def test_fault_responses_carry_retry_after_and_are_counted(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    client = atlassian_api(fault_rate=1.0, fault_kinds=("503",))
    response = client.get(f"{V1}/users", headers=ADMIN)
    stats = client.get("/__sim/stats").json()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["errors"][0]["status"] == "503"
    assert stats["faults"] == {"503": 1}


@pytest.mark.parametrize("kind", ["429", "500", "503", "drop"])
def test_a_faulted_change_is_not_applied(
    atlassian_api: Callable[..., httpx.Client], kind: str
) -> None:
    client = atlassian_api(fault_rate=1.0, fault_kinds=(kind,))
    try:
        response = client.delete(f"{V2}/-/groups/{JSW_ACME}/memberships/{BOB}", headers=ADMIN)
        assert response.status_code == int(kind)
    except httpx.TransportError:
        assert kind == "drop"
    assert snapshot(client) == example()


def test_dropped_connection_is_a_transport_error(
    atlassian_api: Callable[..., httpx.Client],
) -> None:
    client = atlassian_api(fault_rate=1.0, fault_kinds=("drop",))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(f"{API}/myself", auth=JIRA)
    stats = client.get("/__sim/stats").json()

    assert stats["faults"] == {"drop": 1}


def test_slow_fault_outlasts_the_client_timeout_and_shuts_down_promptly() -> None:
    started = time.monotonic()
    with (
        serving(fault_rate=1.0, fault_kinds=("slow",), slow_seconds=30) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get(f"{V1}/users", headers=ADMIN, timeout=0.3)

    assert time.monotonic() - started < 5
