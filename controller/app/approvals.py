"""Who approved each plan: asked of GitHub when a plan is applied, read back offline afterwards.

`accessctl apply` records it (`approval_on_github`): the commit that brought the plan file into
the branch (a merge commit, or a squash or rebase commit), the pull request GitHub says that
commit merged (`GET /commits/{sha}/pulls`), who merged it (`merged_by`) and who approved it in
a review (`GET /pulls/{n}/reviews`, each reviewer's latest verdict). Commit authorship alone
cannot tell: squash and rebase merges credit the branch's author, and a bot may merge.

`accessctl report` and `accessctl audit` read it back (`read_approvals`) from the applied
markers in `state/`, and, for plans applied before approvals were recorded or where GitHub could
not be asked, from git: the author of the commit that added the plan file. No network either way.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from controller.adapters.git_workspace import CommitInfo
from controller.adapters.github import GitHubForge, PullRequest, Review
from controller.app import console
from controller.app.report import Approval
from controller.app.report.approval import recorded_approval
from controller.app.run_context import RunContext
from controller.core.errors import AccessctlError, RunFailure
from controller.core.state_records import PullRequestApproval

# A later review of these kinds replaces a reviewer's earlier verdict; a comment does not.
_VERDICTS = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


def read_approvals(context: RunContext) -> dict[str, Approval]:
    """Who approved each applied plan: as recorded at apply time, else from git history."""
    recorded = {
        marker.plan_id: recorded_approval(marker.approval)
        for marker in context.state.applied_markers()
        if marker.approval is not None
    }
    return {**approvals_from_git(context), **recorded}


def approvals_from_git(context: RunContext) -> dict[str, Approval]:
    """Who merged each plan, from the history of the branch checked out (the default branch in
    the scheduled job); empty, with a note, when git cannot tell."""
    plans = context.state.plans_dir
    if not plans.is_dir():
        return {}
    try:
        workspace = context.require_workspace()
        added = workspace.commits_adding(workspace.relative_path(plans))
    except RunFailure as failure:
        console.info(f"approvers unknown: {failure.message}")
        return {}
    return {
        PurePosixPath(path).stem: approval(commit)
        for path, commit in added.items()
        if path.endswith(".yaml")
    }


def approval(commit: CommitInfo) -> Approval:
    return Approval(
        commit=commit.sha,
        name=commit.author_name,
        email=commit.author_email,
        at=commit.authored_at,
        merge=commit.merge,
    )


# --- at apply time ----------------------------------------------------------------------------


def approval_on_github(context: RunContext, *, plan_id: str) -> PullRequestApproval | None:
    """The pull request that brought `plan_id` in, who merged and who approved it, as GitHub
    says now; None, with a note, when it cannot be told (a plan not committed, no GitHub
    settings, no merged pull request for the commit, GitHub unreachable): the apply goes on,
    and the reports fall back to git."""
    try:
        sha = _commit_adding(context, plan_id=plan_id)
        if sha is None or not context.environ.get("GITHUB_TOKEN"):
            return None
        with GitHubForge.from_env(context.environ) as forge:
            return _approval_of_commit(forge, sha=sha)
    except AccessctlError as error:
        console.warn(f"who approved {plan_id} is not recorded: {error.message}")
        return None


def _commit_adding(context: RunContext, *, plan_id: str) -> str | None:
    workspace = context.workspace
    if workspace is None:
        return None
    path = workspace.relative_path(context.state.plan_path(plan_id))
    added = workspace.commits_adding(str(PurePosixPath(path).parent))
    commit = added.get(path)
    return commit.sha if commit else None


def _approval_of_commit(forge: GitHubForge, *, sha: str) -> PullRequestApproval | None:
    merged = [p for p in forge.pulls_of_commit(sha) if p.merged]
    chosen = next((p for p in merged if p.merge_commit_sha == sha), None) or next(
        iter(merged), None
    )
    if chosen is None:
        console.info(f"no merged pull request brought in {sha[:12]}; approvers from git")
        return None
    pull = forge.get_pull(chosen.number)  # only a single pull request names `merged_by`
    return pull_request_approval(pull, forge.reviews(pull.number))


def pull_request_approval(pull: PullRequest, reviews: list[Review]) -> PullRequestApproval:
    return PullRequestApproval(
        pull=pull.number,
        url=pull.html_url,
        merged_by=pull.merged_by.login if pull.merged_by else None,
        approved_by=approving_reviewers(reviews),
        merge_commit=pull.merge_commit_sha,
        merged_at=pull.merged_at,
    )


def approving_reviewers(reviews: list[Review]) -> tuple[str, ...]:
    """Reviewers whose latest verdict is an approval, sorted."""
    latest: dict[str, str] = {}
    for review in sorted(reviews, key=lambda r: r.id):
        if review.user is not None and review.state in _VERDICTS:
            latest[review.user.login] = review.state
    return tuple(sorted(login for login, state in latest.items() if state == "APPROVED"))
