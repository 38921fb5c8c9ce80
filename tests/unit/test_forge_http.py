"""The GitHub transport's rules, under httpx.MockTransport: retries, error mapping, no secrets."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from controller.adapters.github import (
    Forbidden,
    ForgeError,
    ForgeNotConfigured,
    ForgeSettings,
    GitHubForge,
    NotFound,
    RateLimited,
    RetryPolicy,
    Unavailable,
    ValidationFailed,
)
from controller.adapters.github.http import GitHubHttp
from controller.adapters.http_boundary.errors import Rejected, ServerFailed, UnexpectedResponse
from controller.adapters.http_boundary.retrying import Timing
from controller.core.errors import ExitCode

SECRET = "ghs_secret-token-value"
SETTINGS = ForgeSettings(repository="acme/access", token=SECRET, api_url="https://api.test")
RETRY_THRICE = RetryPolicy(max_attempts=3, max_server_wait=30)
REPOSITORY = {"full_name": "acme/access", "default_branch": "main", "html_url": "https://x"}
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


class Recorder:
    """A fake GitHub that answers from a script and remembers every request and every sleep."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def forge(self, retry: RetryPolicy = RETRY_THRICE) -> GitHubForge:
        # A fixed wall clock: waits computed from GitHub's reset instants are exact.
        timing = Timing(sleep=self.sleeps.append, wall_clock=lambda: NOW, jitter=lambda: 0.5)
        http = GitHubHttp(SETTINGS, transport=httpx.MockTransport(self), retry=retry, timing=timing)
        return GitHubForge(http, settings=SETTINGS)


def test_requests_carry_githubs_headers() -> None:
    fake = Recorder(httpx.Response(200, json=REPOSITORY))

    fake.forge().repository()

    headers = fake.requests[0].headers
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"
    assert str(fake.requests[0].url) == "https://api.test/repos/acme/access"


def test_safe_calls_are_retried_after_transient_failures() -> None:
    fake = Recorder(
        httpx.Response(503, json={"message": "Service Unavailable"}),
        httpx.ConnectError("connection reset"),
        httpx.Response(200, json=REPOSITORY),
    )

    repository = fake.forge().repository()

    assert repository.default_branch == "main"
    assert len(fake.requests) == 3
    assert len(fake.sleeps) == 2


def test_retries_are_bounded() -> None:
    fake = Recorder(httpx.Response(502, json={"message": "Bad Gateway"}))

    with pytest.raises(ServerFailed, match="502"):
        fake.forge(RetryPolicy(max_attempts=3)).repository()

    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(503, json={"message": "Service Unavailable"}), httpx.ReadTimeout("lost")],
    ids=["503", "read-timeout"],
)
def test_writes_are_not_retried_when_github_may_have_applied_them(
    failure: httpx.Response | Exception,
) -> None:
    fake = Recorder(failure, httpx.Response(200, json=[]))

    with pytest.raises(Unavailable):
        fake.forge().add_labels(1, ["accessctl"])

    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.Response(403, headers={"retry-after": "2"}, json={"message": "secondary rate limit"}),
    ],
    ids=["never-connected", "rate-limited"],
)
def test_writes_are_retried_when_github_provably_never_processed_them(
    failure: httpx.Response | Exception,
) -> None:
    fake = Recorder(failure, httpx.Response(200, json=[]))

    fake.forge().add_labels(1, ["accessctl"])

    assert len(fake.requests) == 2


def test_secondary_rate_limit_waits_as_told_then_retries() -> None:
    fake = Recorder(
        httpx.Response(403, headers={"retry-after": "7"}, json={"message": "secondary rate limit"}),
        httpx.Response(200, json=REPOSITORY),
    )

    fake.forge().repository()

    assert fake.sleeps == [7.0]


def test_a_spent_primary_rate_limit_waits_for_its_reset_on_the_given_clock() -> None:
    reset = int(NOW.timestamp()) + 12  # epoch seconds, 12 s after the fake clock's now
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    fake = Recorder(
        httpx.Response(403, headers=headers, json={"message": "API rate limit exceeded"}),
        httpx.Response(200, json=REPOSITORY),
    )

    fake.forge().repository()

    assert fake.sleeps == [12.0]


def test_a_secondary_rate_limit_naming_no_wait_means_a_minute_too_long_to_hold() -> None:
    fake = Recorder(
        httpx.Response(403, json={"message": "You have exceeded a secondary rate limit"})
    )

    with pytest.raises(RateLimited, match="wait a few minutes"):
        fake.forge().repository()

    assert fake.sleeps == []


def test_primary_rate_limit_an_hour_away_fails_at_once_saying_when() -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"}
    fake = Recorder(httpx.Response(403, headers=headers, json={"message": "API rate limit"}))

    with pytest.raises(RateLimited, match="resets at 2100-01-01T00:00:00Z") as raised:
        fake.forge().repository()

    assert fake.sleeps == []
    assert raised.value.exit_code == ExitCode.FAILURE


@pytest.mark.parametrize(
    ("status", "error", "advice"),
    [
        (403, Forbidden, "pull-requests: write"),
        (404, NotFound, "GITHUB_REPOSITORY"),
        (418, Rejected, "unexpected answer"),
    ],
    ids=["forbidden", "not-found", "unexpected"],
)
def test_statuses_map_to_errors_that_say_what_to_do(
    status: int, error: type[ForgeError], advice: str
) -> None:
    fake = Recorder(httpx.Response(status, json={"message": "nope"}))

    with pytest.raises(error, match=advice):
        fake.forge().repository()


def test_validation_errors_list_githubs_messages() -> None:
    body = {
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}],
    }
    fake = Recorder(httpx.Response(422, json=body))

    with pytest.raises(ValidationFailed, match=r"PullRequest\.head invalid"):
        fake.forge().merge_pull(1, title="t")


def test_messages_never_carry_the_token_and_are_cut_short() -> None:
    echoed = f"token {SECRET} is not allowed here " + "x" * 1000
    fake = Recorder(httpx.Response(500, json={"message": echoed}))

    with pytest.raises(ServerFailed) as raised:
        fake.forge(RetryPolicy(max_attempts=1)).repository()

    assert SECRET not in raised.value.message
    assert len(raised.value.message) < 400


def test_an_unexpected_shape_is_an_error_not_a_traceback() -> None:
    fake = Recorder(httpx.Response(200, json={"full_name": "acme/access"}))

    with pytest.raises(ForgeError, match="unexpected repository"):
        fake.forge().repository()


def test_pagination_never_follows_links_to_another_host() -> None:
    fake = Recorder(
        httpx.Response(200, json=[], headers={"link": '<https://evil.test/x?page=2>; rel="next"'})
    )

    with pytest.raises(UnexpectedResponse, match="another host"):
        fake.forge().list_comments(1)


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({"GITHUB_REPOSITORY": "acme/access"}, "GITHUB_TOKEN"),
        ({"GITHUB_TOKEN": SECRET}, "GITHUB_REPOSITORY"),
        ({"GITHUB_TOKEN": SECRET, "GITHUB_REPOSITORY": "access"}, "OWNER/NAME"),
    ],
    ids=["no-token", "no-repository", "malformed-repository"],
)
def test_settings_come_from_the_environment(environ: dict[str, str], missing: str) -> None:
    with pytest.raises(ForgeNotConfigured, match=missing) as raised:
        ForgeSettings.from_env(environ)

    assert raised.value.exit_code == ExitCode.BAD_INPUT
    assert SECRET not in raised.value.message


def test_api_url_defaults_to_github() -> None:
    settings = ForgeSettings.from_env({"GITHUB_TOKEN": SECRET, "GITHUB_REPOSITORY": "acme/a"})

    assert settings.api_url == "https://api.github.com"
    assert SECRET not in repr(settings)
