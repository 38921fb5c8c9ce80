"""What can go wrong talking to GitHub, as `RunFailure`s that say what to do next.

The one place HTTP statuses become accessctl errors is `controller.adapters.github.http`; everything
above it (the workflows, the CLI) sees only these types. Messages are one line, carry GitHub's own
message cut short, and never the token.
"""

from __future__ import annotations

from datetime import UTC, datetime

from controller.core.errors import BadInput, RunFailure


class ForgeError(RunFailure):
    """A GitHub API call failed (exit 1)."""


class ForgeNotConfigured(BadInput):
    """GITHUB_REPOSITORY / GITHUB_TOKEN are missing or malformed (exit 2)."""


class BadCredentials(ForgeError):
    """401: the token is missing, wrong, expired or revoked."""


class Forbidden(ForgeError):
    """403 for a reason other than rate limiting: the token lacks a permission."""


class RateLimited(ForgeError):
    """403/429 because a primary or secondary rate limit is exhausted."""

    def __init__(self, message: str, *, resets_at: datetime | None) -> None:
        super().__init__(message)
        self.resets_at = resets_at


class NotFound(ForgeError):
    """404: the repository, branch, pull request or comment is not there (or not visible)."""


class ValidationFailed(ForgeError):
    """422: GitHub refused the request's content; `details` holds its `errors[].message`s."""

    def __init__(self, message: str, *, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.details = details


class NotMergeable(ForgeError):
    """405/409 on merge: conflicts, already merged or closed, or the head moved."""


class ForgeUnavailable(ForgeError):
    """GitHub did not answer usefully: network failure, timeout, or 5xx after retries."""


def describe_reset(resets_at: datetime | None, retry_after: float | None) -> str:
    """When a rate limit lifts, as the user should read it."""
    if retry_after is not None:
        return f"retry after {retry_after:.0f} s"
    if resets_at is not None:
        return f"it resets at {resets_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return "wait a few minutes"
