"""What accessctl reads from GitHub: frozen models holding only the fields it uses.

GitHub's objects are wide and grow over time, so unlike accessctl's own file formats these
models ignore unknown keys; a missing field the workflows rely on is still an error.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from controller.adapters.github.errors import ForgeError


class GitHubObject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Account(GitHubObject):
    login: str


class Label(GitHubObject):
    name: str
    color: str | None = None
    description: str | None = None


class BranchTip(GitHubObject):
    """One side of a pull request: branch name and the commit it pointed at."""

    ref: str
    sha: str | None = None


class PullRequest(GitHubObject):
    number: int
    title: str
    body: str | None = None
    state: Literal["open", "closed"]
    html_url: str
    head: BranchTip
    base: BranchTip
    labels: tuple[Label, ...] = ()
    user: Account | None = None
    draft: bool = False
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    merged_by: Account | None = None  # only a single pull request's answer names it

    @property
    def merged(self) -> bool:
        # List responses omit `merged`; `merged_at` is present in every pull request shape.
        return self.merged_at is not None

    @property
    def label_names(self) -> frozenset[str]:
        return frozenset(label.name for label in self.labels)


class IssueComment(GitHubObject):
    id: int
    body: str = ""
    html_url: str
    user: Account | None = None
    created_at: datetime
    updated_at: datetime


class LinkedPull(GitHubObject):
    """What an issue says when it is a pull request (the issues endpoints list both)."""

    url: str | None = None


class Issue(GitHubObject):
    number: int
    title: str
    body: str | None = None
    state: Literal["open", "closed"]
    state_reason: str | None = None
    html_url: str
    user: Account | None = None
    # How the author relates to the repository: OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE...
    author_association: str = "NONE"
    labels: tuple[Label, ...] = ()
    pull_request: LinkedPull | None = None

    @property
    def is_pull(self) -> bool:
        return self.pull_request is not None

    @property
    def label_names(self) -> frozenset[str]:
        return frozenset(label.name for label in self.labels)


class Review(GitHubObject):
    """One review of a pull request: `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, ..."""

    id: int
    user: Account | None = None
    state: str
    submitted_at: datetime | None = None


class MergeResult(GitHubObject):
    sha: str
    merged: bool
    message: str


class WorkflowPermissions(GitHubObject):
    """Settings > Actions > General > Workflow permissions of the repository."""

    default_workflow_permissions: Literal["read", "write"]
    can_approve_pull_request_reviews: bool


class RequiredChecks(GitHubObject):
    contexts: tuple[str, ...] = ()
    strict: bool = False


class AppRef(GitHubObject):
    slug: str


class Allowances(GitHubObject):
    """People and apps a protection names (bypass lists, push restrictions); teams left out."""

    users: tuple[Account, ...] = ()
    apps: tuple[AppRef, ...] = ()

    @property
    def logins(self) -> tuple[str, ...]:
        return tuple(user.login for user in self.users)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(app.slug for app in self.apps)


class RequiredReviews(GitHubObject):
    required_approving_review_count: int = 0
    bypass_pull_request_allowances: Allowances | None = None


class Enabled(GitHubObject):
    enabled: bool = False


class BranchProtection(GitHubObject):
    """Classic branch protection, as much of it as decides whether accessctl can push."""

    required_status_checks: RequiredChecks | None = None
    required_pull_request_reviews: RequiredReviews | None = None
    enforce_admins: Enabled = Enabled()
    restrictions: Allowances | None = None  # None: anyone with write access may push


class BranchRule(GitHubObject):
    """One active rule of a ruleset on a branch (`pull_request`, `required_status_checks` ...)."""

    type: str
    ruleset_id: int | None = None
    parameters: dict[str, object] | None = None


class RulesetRule(GitHubObject):
    type: str


class Ruleset(GitHubObject):
    """A repository ruleset, with whether the caller may bypass it (`always`, `exempt`,
    `pull_requests_only`, `never`; absent where GitHub does not say)."""

    id: int
    name: str
    current_user_can_bypass: str | None = None
    rules: tuple[RulesetRule, ...] = ()


class RepositoryRights(GitHubObject):
    """The caller's own rights on the repository (GitHub shows them to a person's token)."""

    admin: bool = False
    push: bool = False
    pull: bool = False


class Repository(GitHubObject):
    full_name: str
    default_branch: str
    html_url: str
    private: bool = False
    permissions: RepositoryRights | None = None


class GitObject(GitHubObject):
    sha: str
    type: str


class GitRef(GitHubObject):
    ref: str
    object: GitObject


class FileContent(GitHubObject):
    """A file from the contents API; `text` decodes GitHub's wrapped base64."""

    path: str
    sha: str
    encoding: str
    content: str

    @property
    def data(self) -> bytes:
        if self.encoding != "base64":
            # GitHub answers encoding "none" for files over 1 MB: the content is not inline.
            raise ForgeError(f"{self.path} is too large for the contents API; read it from git")
        return base64.b64decode("".join(self.content.split()))

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")
