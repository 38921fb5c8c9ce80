"""What can go wrong talking to GitHub: the shared failure types, and GitHub's own refinements.

The one place HTTP statuses become accessctl errors is `controller.adapters.github.http`, with
the shared types of `controller.adapters.http_boundary.errors` (`NotFound`, `Forbidden`,
`RateLimited`...), re-exported here under the names the GitHub modules use. Only what GitHub
alone answers is defined here: a 422's list of problems, a merge refused, missing settings.
Messages are one line, carry GitHub's own message cut short, and never the token.
"""

from __future__ import annotations

from controller.adapters.http_boundary.errors import (
    Forbidden,
    NotFound,
    RateLimited,
    Rejected,
    ServerFailed,
    ServiceError,
    Unauthorized,
    Unavailable,
    UnexpectedResponse,
    Unreachable,
)
from controller.core.errors import BadInput

# Every failure of a GitHub call is a `ServiceError`; the GitHub modules call it by this name.
ForgeError = ServiceError

__all__ = [
    "Forbidden",
    "ForgeError",
    "ForgeNotConfigured",
    "NotFound",
    "NotMergeable",
    "RateLimited",
    "Rejected",
    "ServerFailed",
    "Unauthorized",
    "Unavailable",
    "UnexpectedResponse",
    "Unreachable",
    "ValidationFailed",
]


class ForgeNotConfigured(BadInput):
    """GITHUB_REPOSITORY / GITHUB_TOKEN are missing or malformed (exit 2)."""


class ValidationFailed(Rejected):
    """422: GitHub refused the request's content; `details` holds its `errors[].message`s."""

    def __init__(
        self, message: str, *, status: int | None = 422, details: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, status=status)
        self.details = details


class NotMergeable(Rejected):
    """405/409 on merge: conflicts, already merged or closed, or the head moved."""
