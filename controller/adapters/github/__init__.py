"""GitHub REST for the GitOps workflows: the plan pull request, its comments and labels, its
approvers, and the access-request issues (httpx).

Configured from GITHUB_API_URL / GITHUB_REPOSITORY / GITHUB_TOKEN (GitHub Actions sets them; the
simulator prints them). Failures are the shared `ServiceError`s (`ForgeError` here; `RunFailure`,
exit 1) that say what to do.
"""

from controller.adapters.github.client import ActionsMayNotOpenPulls, GitHubForge, ProtectedMerge
from controller.adapters.github.errors import (
    Forbidden,
    ForgeError,
    ForgeNotConfigured,
    NotFound,
    NotMergeable,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from controller.adapters.github.http import RetryPolicy
from controller.adapters.github.models import (
    BranchProtection,
    BranchRule,
    FileContent,
    Issue,
    IssueComment,
    Label,
    MergeResult,
    PullRequest,
    Repository,
    Review,
    WorkflowPermissions,
)
from controller.adapters.github.settings import ForgeSettings

__all__ = [
    "ActionsMayNotOpenPulls",
    "BranchProtection",
    "BranchRule",
    "FileContent",
    "Forbidden",
    "ForgeError",
    "ForgeNotConfigured",
    "ForgeSettings",
    "GitHubForge",
    "Issue",
    "IssueComment",
    "Label",
    "MergeResult",
    "NotFound",
    "NotMergeable",
    "ProtectedMerge",
    "PullRequest",
    "RateLimited",
    "Repository",
    "RetryPolicy",
    "Review",
    "Unauthorized",
    "Unavailable",
    "ValidationFailed",
    "WorkflowPermissions",
]
