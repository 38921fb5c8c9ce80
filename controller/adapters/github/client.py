"""The GitHub operations the workflows need: the plan pull request, its comments and labels,
who merged and approved it, and the access-request issues.

Sits in the imperative shell: `commands/` call these after `controller.adapters.git_workspace`
pushed a branch. Each operation is written to be re-run safely by a daily job: `open_or_update_pull`
finds the open pull request for a branch before creating one (and recovers when a concurrent run
created it first), and `upsert_comment` keeps ONE comment per marker, editing it on later runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from controller.adapters.github.errors import (
    Forbidden,
    ForgeError,
    NotFound,
    NotMergeable,
    ValidationFailed,
)
from controller.adapters.github.http import DEFAULT_RETRY, GitHubHttp, RetryPolicy
from controller.adapters.github.models import (
    Account,
    BranchProtection,
    BranchRule,
    FileContent,
    GitRef,
    Issue,
    IssueComment,
    Label,
    MergeResult,
    PullRequest,
    Repository,
    Review,
    Ruleset,
    WorkflowPermissions,
)
from controller.adapters.github.settings import ForgeSettings
from controller.core.doctor.github import ACTIONS_SETTING

Model = TypeVar("Model", bound=BaseModel)
_ALREADY_EXISTS = "A pull request already exists"
# GitHub's own words when the repository setting forbids the Actions token to open pull requests.
_ACTIONS_MAY_NOT_CREATE = "GitHub Actions is not permitted to create or approve pull requests"
_PROTECTED_MERGE = ("Required status check", "approving review", "Repository rule violations")


class ActionsMayNotOpenPulls(Forbidden):
    """403: the repository does not let the Actions token create pull requests."""


class ProtectedMerge(NotMergeable):
    """405: the base branch's protection or rulesets want checks or reviews first."""


def parse(model: type[Model], data: Any, *, what: str) -> Model:
    """Validate GitHub's answer; an unexpected shape is a ForgeError, not a traceback."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in error.errors()[:3])
        raise ForgeError(f"GitHub answered an unexpected {what} (fields: {fields})") from None


class GitHubForge:
    """One repository on GitHub (or the simulator), reached with one token."""

    def __init__(self, http: GitHubHttp, *, settings: ForgeSettings) -> None:
        self._http = http
        self.settings = settings
        self._repo_path = f"/repos/{settings.repository}"

    @classmethod
    def connect(
        cls,
        settings: ForgeSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> GitHubForge:
        return cls(GitHubHttp(settings, transport=transport, retry=retry), settings=settings)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] = os.environ,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> GitHubForge:
        """GITHUB_API_URL (default api.github.com), GITHUB_REPOSITORY, GITHUB_TOKEN."""
        return cls.connect(ForgeSettings.from_env(environ), transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHubForge:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- repository, branches, files ---------------------------------------------------------

    def repository(self) -> Repository:
        return parse(Repository, self._http.get_json(self._repo_path), what="repository")

    # --- settings a run depends on (what `doctor` reads) --------------------------------------

    def authenticated_user(self) -> Account:
        """Whose token this is; GitHub answers 403 for app and Actions tokens."""
        return parse(Account, self._http.get_json("/user"), what="user")

    def workflow_permissions(self) -> WorkflowPermissions:
        """The Actions token's defaults and whether it may open pull requests (admin read)."""
        data = self._http.get_json(f"{self._repo_path}/actions/permissions/workflow")
        return parse(WorkflowPermissions, data, what="workflow permissions")

    def branch_protection(self, branch: str) -> BranchProtection | None:
        """The branch's classic protection; None when it has none."""
        try:
            data = self._http.get_json(f"{self._repo_path}/branches/{branch}/protection")
        except NotFound:
            return None
        return parse(BranchProtection, data, what="branch protection")

    def branch_rules(self, branch: str) -> tuple[BranchRule, ...]:
        """Every rule of the rulesets active on `branch` (readable with any token)."""
        pages = self._http.paginate(f"{self._repo_path}/rules/branches/{branch}")
        return tuple(parse(BranchRule, item, what="branch rule") for item in pages)

    def ruleset(self, ruleset_id: int) -> Ruleset:
        """One repository ruleset, and whether this token may bypass it."""
        data = self._http.get_json(f"{self._repo_path}/rulesets/{ruleset_id}")
        return parse(Ruleset, data, what="ruleset")

    def labels(self) -> tuple[Label, ...]:
        """Every label of the repository."""
        pages = self._http.paginate(f"{self._repo_path}/labels")
        return tuple(parse(Label, item, what="label") for item in pages)

    def branch_sha(self, branch: str) -> str | None:
        """The commit `branch` points at on GitHub, or None when there is no such branch."""
        try:
            data = self._http.get_json(f"{self._repo_path}/git/ref/heads/{branch}")
        except NotFound:
            return None
        return parse(GitRef, data, what="git ref").object.sha

    def read_file(self, path: str, *, ref: str) -> FileContent | None:
        try:
            data = self._http.get_json(f"{self._repo_path}/contents/{path}", params={"ref": ref})
        except NotFound:
            return None
        if not isinstance(data, dict):
            raise ForgeError(f"{path} at {ref} is a folder on GitHub, not a file")
        return parse(FileContent, data, what="file")

    # --- pull requests -----------------------------------------------------------------------

    def find_open_pull(self, head_branch: str, base: str) -> PullRequest | None:
        """The open pull request from `head_branch` into `base`, if there is one."""
        params = {"state": "open", "head": f"{self.settings.owner}:{head_branch}", "base": base}
        found = self._http.get_json(f"{self._repo_path}/pulls", params=params)
        pulls = [parse(PullRequest, item, what="pull request") for item in found]
        return min(pulls, key=lambda pull: pull.number, default=None)

    def pulls_from(self, head_branch: str, *, state: str = "all") -> list[PullRequest]:
        """The pull requests from `head_branch`, newest first."""
        params = {"state": state, "head": f"{self.settings.owner}:{head_branch}"}
        pages = self._http.paginate(f"{self._repo_path}/pulls", params=params)
        pulls = [parse(PullRequest, item, what="pull request") for item in pages]
        return sorted(pulls, key=lambda pull: -pull.number)

    def pulls_of_commit(self, sha: str) -> list[PullRequest]:
        """The pull request a merge commit merged (and any whose head is that commit)."""
        pages = self._http.paginate(f"{self._repo_path}/commits/{sha}/pulls")
        return [parse(PullRequest, item, what="pull request") for item in pages]

    def reviews(self, number: int) -> list[Review]:
        pages = self._http.paginate(f"{self._repo_path}/pulls/{number}/reviews")
        return [parse(Review, item, what="review") for item in pages]

    def get_pull(self, number: int) -> PullRequest:
        data = self._http.get_json(f"{self._repo_path}/pulls/{number}")
        return parse(PullRequest, data, what="pull request")

    def open_or_update_pull(
        self, *, head: str, base: str, title: str, body: str, labels: Iterable[str] = ()
    ) -> PullRequest:
        """Create the pull request for `head`, or refresh the open one's title and body."""
        pull = self.find_open_pull(head, base) or self._create_or_find(
            head=head, base=base, title=title, body=body
        )
        if (pull.title, pull.body or "") != (title, body):
            pull = self._update_pull(pull.number, {"title": title, "body": body})
        wanted = set(labels)
        if not wanted <= pull.label_names:
            added = self.add_labels(pull.number, sorted(wanted))
            pull = pull.model_copy(update={"labels": added})
        return pull

    def _create_or_find(self, *, head: str, base: str, title: str, body: str) -> PullRequest:
        request = {"head": head, "base": base, "title": title, "body": body}
        try:
            data = self._http.send_json("POST", f"{self._repo_path}/pulls", body=request)
        except Forbidden as error:
            if _ACTIONS_MAY_NOT_CREATE not in str(error):
                raise
            raise ActionsMayNotOpenPulls(
                f"GitHub refused to open the pull request from {head} with 403 "
                f'"{_ACTIONS_MAY_NOT_CREATE}.": {ACTIONS_SETTING}'
            ) from None
        except ValidationFailed as error:
            # Another run opened it between our look-up and our create: use theirs.
            existing = self.find_open_pull(head, base) if _duplicate(error) else None
            if existing is None:
                raise
            return existing
        return parse(PullRequest, data, what="pull request")

    def _update_pull(self, number: int, changes: dict[str, str]) -> PullRequest:
        data = self._http.send_json("PATCH", f"{self._repo_path}/pulls/{number}", body=changes)
        return parse(PullRequest, data, what="pull request")

    def close_pull(self, number: int, comment: str | None = None) -> PullRequest:
        """Close without merging, first saying why when `comment` is given."""
        if comment:
            self._create_comment(number, comment)
        return self._update_pull(number, {"state": "closed"})

    def merge_pull(
        self, number: int, *, title: str, expected_head_sha: str | None = None
    ) -> MergeResult:
        """Merge with a merge commit; with `expected_head_sha`, only if the head is still that."""
        request = {"commit_title": title, "merge_method": "merge"}
        if expected_head_sha is not None:
            request["sha"] = expected_head_sha
        try:
            data = self._http.send_json(
                "PUT", f"{self._repo_path}/pulls/{number}/merge", body=request
            )
        except NotMergeable as error:
            if not any(marker in str(error) for marker in _PROTECTED_MERGE):
                raise
            raise ProtectedMerge(
                f"{error}; the base branch's protection or rulesets want these first. A pull "
                "request opened with GITHUB_TOKEN starts no workflow, so its checks never "
                "report: open it with a GitHub App token (docs/github.md)"
            ) from None
        return parse(MergeResult, data, what="merge result")

    # --- issues ------------------------------------------------------------------------------

    def get_issue(self, number: int) -> Issue:
        data = self._http.get_json(f"{self._repo_path}/issues/{number}")
        return parse(Issue, data, what="issue")

    def open_issues(self, *, label: str) -> list[Issue]:
        """Open issues with `label`, pull requests left out (the endpoint lists both)."""
        params = {"state": "open", "labels": label}
        pages = self._http.paginate(f"{self._repo_path}/issues", params=params)
        issues = [parse(Issue, item, what="issue") for item in pages]
        return [issue for issue in issues if not issue.is_pull]

    def close_issue(self, number: int, *, reason: str = "completed") -> Issue:
        """Close an issue, saying why: `completed` or `not_planned`."""
        path = f"{self._repo_path}/issues/{number}"
        data = self._http.send_json("PATCH", path, body={"state": "closed", "state_reason": reason})
        return parse(Issue, data, what="issue")

    # --- comments and labels -----------------------------------------------------------------

    def list_comments(self, number: int) -> list[IssueComment]:
        pages = self._http.paginate(f"{self._repo_path}/issues/{number}/comments")
        return [parse(IssueComment, item, what="comment") for item in pages]

    def upsert_comment(self, number: int, *, marker: str, body: str) -> IssueComment:
        """Keep ONE comment starting with `marker` (e.g. `<!-- accessctl:preview -->`) on the
        pull request or issue: create it, or edit it in place on later runs."""
        text = body if body.lstrip().startswith(marker) else f"{marker}\n{body}"
        mine = [c for c in self.list_comments(number) if c.body.lstrip().startswith(marker)]
        if not mine:
            return self._create_comment(number, text)
        if mine[0].body == text:
            return mine[0]
        return self._update_comment(mine[0].id, text)

    def _create_comment(self, number: int, body: str) -> IssueComment:
        path = f"{self._repo_path}/issues/{number}/comments"
        return parse(
            IssueComment, self._http.send_json("POST", path, body={"body": body}), what="comment"
        )

    def _update_comment(self, comment_id: int, body: str) -> IssueComment:
        path = f"{self._repo_path}/issues/comments/{comment_id}"
        return parse(
            IssueComment, self._http.send_json("PATCH", path, body={"body": body}), what="comment"
        )

    def add_labels(self, number: int, labels: Iterable[str]) -> tuple[Label, ...]:
        """Add labels (GitHub creates unknown ones); all labels the pull request now has."""
        path = f"{self._repo_path}/issues/{number}/labels"
        data = self._http.send_json("POST", path, body={"labels": list(labels)})
        return tuple(parse(Label, item, what="label") for item in data)


def _duplicate(error: ValidationFailed) -> bool:
    return any(detail.startswith(_ALREADY_EXISTS) for detail in error.details)
