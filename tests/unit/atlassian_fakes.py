"""Test doubles for the connector's unit tests: a fake clock and a client over MockTransport."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from controller.adapters.atlassian import AtlassianClient, Credentials, RetryPolicy, Timing

ADMIN_KEY = "admin-key-SECRET-1234567890"
JIRA_TOKEN = "jira-token-SECRET-0987654321"
JIRA_EMAIL = "bot@acme.example"
BASE = "https://api.test"
CREDENTIALS = Credentials(
    admin_api_key=ADMIN_KEY, jira_email=JIRA_EMAIL, jira_api_token=JIRA_TOKEN, api_base=BASE
)
WALL_START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """Time that passes only when someone sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now

    def wall_clock(self) -> datetime:
        return WALL_START + timedelta(seconds=self.now)

    def timing(self, *, jitter: float = 0.5) -> Timing:
        return Timing(
            sleep=self.sleep,
            monotonic=self.monotonic,
            wall_clock=self.wall_clock,
            jitter=lambda: jitter,
        )


def make_client(
    handler: Handler,
    *,
    time: FakeTime | None = None,
    retry: RetryPolicy | None = None,
    max_in_flight: int = 4,
) -> AtlassianClient:
    return AtlassianClient(
        CREDENTIALS,
        transport=httpx.MockTransport(handler),
        timing=(time or FakeTime()).timing(),
        retry=retry,
        max_in_flight=max_in_flight,
    )
