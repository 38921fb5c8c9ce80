"""Simulator bookkeeping without HTTP: token buckets, seeded faults, cursors, config."""

from __future__ import annotations

import pytest

from controller.sim.atlassian import RateLimit, SimConfig
from controller.sim.atlassian.gateway import ApiError
from controller.sim.atlassian.paging import decode_cursor, encode_cursor, page_of
from controller.sim.atlassian.products import parse_site_ari, site_ari
from controller.sim.atlassian.traffic import FaultPlan, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refuses_until_it_refills() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(rps=2.0, burst=3), clock=clock)

    allowed = [bucket.take() for _ in range(3)]
    refused = bucket.take()
    clock.now += 0.5
    refilled = bucket.take()

    assert [a.allowed for a in allowed] == [True, True, True]
    assert [a.remaining for a in allowed] == [2, 1, 0]
    assert (refused.allowed, refused.retry_after, refused.limit) == (False, 1, 3)
    assert refilled.allowed


def test_a_slow_bucket_asks_for_a_longer_wait() -> None:
    bucket = TokenBucket(RateLimit(rps=0.2, burst=1), clock=FakeClock())
    bucket.take()

    assert bucket.take().retry_after == 5


def test_faults_follow_the_seed() -> None:
    def draws(seed: int) -> list[str | None]:
        plan = FaultPlan(rate=0.3, seed=seed, kinds=("500", "drop"))
        return [plan.next_fault() for _ in range(50)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)
    assert set(draws(1)) == {None, "500", "drop"}


def test_no_faults_at_rate_zero_and_reset_replays() -> None:
    quiet = FaultPlan(rate=0.0, seed=1, kinds=("500",))
    plan = FaultPlan(rate=0.5, seed=9, kinds=("503",))
    first = [plan.next_fault() for _ in range(20)]
    plan.reset()

    assert {quiet.next_fault() for _ in range(100)} == {None}
    assert [plan.next_fault() for _ in range(20)] == first


def test_family_rate_limits_override_the_common_one() -> None:
    config = SimConfig(rate_limit_rps=10, burst=4, family_rate_limits={"jira": RateLimit(1, 1)})

    assert config.rate_limit("admin-v1") == RateLimit(10, 4)
    assert config.rate_limit("jira") == RateLimit(1, 1)
    assert SimConfig().rate_limit("admin-v2") is None


def test_cursors_round_trip_and_garbage_is_the_documented_400() -> None:
    cursor = encode_cursor({"offset": 40, "query": {"status": ["active"]}})

    assert decode_cursor(cursor) == {"offset": 40, "query": {"status": ["active"]}}
    for garbage in ("%%%", encode_cursor({"no": "offset"}), "bm90IGpzb24"):
        with pytest.raises(ApiError) as raised:
            decode_cursor(garbage)
        assert (raised.value.status, raised.value.code) == (400, "ADMIN-400-1")


@pytest.mark.parametrize(
    ("count", "start", "is_last", "next_start"),
    [
        (0, 0, True, None),
        (1, 0, True, None),
        (3, 0, True, None),
        (4, 0, False, 3),
        (4, 3, True, None),
    ],
)
def test_page_boundaries(count: int, start: int, is_last: bool, next_start: int | None) -> None:
    page = page_of(list(range(count)), start=start, size=3)

    assert (page.is_last, page.next_start) == (is_last, next_start)


def test_site_aris() -> None:
    ari = site_ari("jira-software", "cloud-1")

    assert ari == "ari:cloud:jira-software::site/cloud-1"
    assert parse_site_ari(ari) == ("jira-software", "cloud-1")
    assert parse_site_ari("acme") is None
