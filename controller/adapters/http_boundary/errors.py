"""The failure types of both service clients (STYLE: one HTTP boundary, one error type).

Each client maps httpx exceptions and error statuses to these at its boundary, with a message in
its own words: one line, which call failed, what to do next, scrubbed and cut short. They are
`RunFailure`s (exit 1); `apply` records them per action, the CLI prints them.
"""

from __future__ import annotations

from datetime import datetime

from controller.core.errors import RunFailure


class ServiceError(RunFailure):
    """A call to Atlassian or GitHub failed after the retries it was allowed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unauthorized(ServiceError):
    """401: the credential is missing, wrong, expired or revoked."""


class Forbidden(ServiceError):
    """403 for another reason than a rate limit: the credential lacks a permission."""


class NotFound(ServiceError):
    """404: the thing does not exist, or is hidden from this credential."""


class Rejected(ServiceError):
    """Another 4xx: the request was refused as sent (400, 409, 415, 422...)."""


class RateLimited(ServiceError):
    """A rate limit still refused us after every allowed retry, or asked for a longer wait
    than we may spend; `resets_at` says when it lifts, when the server said."""

    def __init__(
        self, message: str, *, status: int | None = None, resets_at: datetime | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.resets_at = resets_at


class Unavailable(ServiceError):
    """The service gave no useful answer; running again later may work."""


class ServerFailed(Unavailable):
    """5xx after every allowed retry."""


class Unreachable(Unavailable):
    """No response: connection refused or reset, or a timeout, after every allowed retry."""


class UnexpectedResponse(ServiceError):
    """An answer we cannot use: not JSON, not the documented shape, a link off our host."""


def error_class_for(status: int) -> type[ServiceError]:
    """The failure type an error status means (a client may refine it: GitHub's 422...)."""
    by_status: dict[int, type[ServiceError]] = {
        401: Unauthorized,
        403: Forbidden,
        404: NotFound,
        429: RateLimited,
    }
    if status in by_status:
        return by_status[status]
    return ServerFailed if status >= 500 else Rejected
