"""GitHub REST for the GitOps workflows: the plan pull request, its comments and labels (httpx).

Configured from GITHUB_API_URL / GITHUB_REPOSITORY / GITHUB_TOKEN (GitHub Actions sets them; the
simulator prints them). Failures are `ForgeError`s (`RunFailure`, exit 1) that say what to do.
"""

from controller.forge.client import GitHubForge
from controller.forge.errors import (
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
from controller.forge.http import RetryPolicy
from controller.forge.models import (
    FileContent,
    IssueComment,
    Label,
    MergeResult,
    PullRequest,
    Repository,
)
from controller.forge.settings import ForgeSettings

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
