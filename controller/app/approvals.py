"""Who approved each plan: the person who merged it, read from the history of the state clone.

Shared by `accessctl report` and `accessctl audit`. A plan file enters the default branch in the
commit that merges its pull request; that commit's author is whoever merged it.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from controller.adapters.git_workspace import CommitInfo
from controller.app import console
from controller.app.context import RunContext
from controller.app.report import Approval
from controller.core.errors import RunFailure


def read_approvals(context: RunContext) -> dict[str, Approval]:
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
