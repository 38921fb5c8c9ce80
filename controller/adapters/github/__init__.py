"""GitHub REST for the GitOps workflows: the plan pull request, its comments and labels (httpx).

Configured from GITHUB_API_URL / GITHUB_REPOSITORY / GITHUB_TOKEN (GitHub Actions sets them; the
simulator prints them). Failures are `ForgeError`s (`RunFailure`, exit 1) that say what to do.
"""

from controller.adapters.github.client import GitHubForge
from controller.adapters.github.errors import (
    BadCredentials,
    Forbidden,
    ForgeError,
    ForgeNotConfigured,
    ForgeUnavailable,
    NotFound,
    NotMergeable,
    RateLimited,
    ValidationFailed,
)
from controller.adapters.github.http import RetryPolicy
from controller.adapters.github.models import (
    FileContent,
    IssueComment,
    Label,
    MergeResult,
    PullRequest,
    Repository,
)
from controller.adapters.github.settings import ForgeSettings

__all__ = [
    "BadCredentials",
    "FileContent",
    "Forbidden",
    "ForgeError",
    "ForgeNotConfigured",
    "ForgeSettings",
    "ForgeUnavailable",
    "GitHubForge",
    "IssueComment",
    "Label",
    "MergeResult",
    "NotFound",
    "NotMergeable",
    "PullRequest",
    "RateLimited",
    "Repository",
    "RetryPolicy",
    "ValidationFailed",
]
