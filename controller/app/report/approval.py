"""Who approved a plan, as the reports show it. Pure.

`accessctl report` and `accessctl audit` read it offline (`controller.app.approvals`): first from
the approval apply recorded in the plan's applied marker (`controller.core.state_records`), as
GitHub told it then; for plans applied before that, or where GitHub could not be asked, from git.
"""

from __future__ import annotations

from typing import Literal

from controller.core.model_base import Frozen, Instant
from controller.core.plan.model import RequestRef
from controller.core.state_records import PolicyApproval, PullRequestApproval

ApprovalSource = Literal["git", "pull-request", "policy"]


class Approval(Frozen):
    """Who let a plan in.

    - `pull-request`: recorded at apply time from GitHub: the pull request that merged the plan
      (`pull`, `url`), who merged it (`name`) and who approved it in a review (`approved_by`);
    - `policy`: a restore no person reviewed on its own, pre-approved by a reviewed restore
      policy (`policy`) and asked for in an issue (`request`);
    - `git`: read from history: the author of the commit that brought the plan file into the
      default branch (`name`, `email`), for a merge commit whoever merged; squash and rebase
      merges credit the branch's author instead (`merge` is false then).
    """

    source: ApprovalSource = "git"
    commit: str | None = None
    name: str = ""
    email: str = ""
    at: Instant | None = None
    merge: bool = True
    pull: int | None = None
    url: str | None = None
    approved_by: tuple[str, ...] = ()
    policy: str | None = None
    request: RequestRef | None = None

    @property
    def label(self) -> str:
        if self.source == "pull-request":
            merged = f"@{self.name}" if self.name else "someone"
            reviews = ", ".join(f"@{login}" for login in self.approved_by) or "no approving review"
            return f"{merged} merged #{self.pull} ({reviews})"
        if self.source == "policy" and self.request is not None:
            return (
                f"restore policy {self.policy} (asked in issue #{self.request.issue} "
                f"by @{self.request.author})"
            )
        return f"{self.name} <{self.email}>"


def recorded_approval(record: PullRequestApproval | PolicyApproval) -> Approval:
    """The approval apply recorded in a plan's applied marker."""
    if isinstance(record, PolicyApproval):
        return Approval(source="policy", policy=record.policy, request=record.request)
    return Approval(
        source="pull-request",
        commit=record.merge_commit,
        name=record.merged_by or "",
        at=record.merged_at,
        pull=record.pull,
        url=record.url,
        approved_by=record.approved_by,
    )
