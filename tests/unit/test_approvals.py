"""Who approved a plan: each reviewer's latest verdict, and how the reports name the approver."""

from __future__ import annotations

import pytest

from controller.adapters.github import Review
from controller.app.approvals import approving_reviewers
from controller.app.report.approval import Approval, recorded_approval
from controller.core.plan.model import RequestRef
from controller.core.state_records import PolicyApproval, PullRequestApproval


def reviews(*verdicts: tuple[str, str]) -> list[Review]:
    return [
        Review.model_validate({"id": number, "user": {"login": login}, "state": state})
        for number, (login, state) in enumerate(verdicts, start=1)
    ]


@pytest.mark.parametrize(
    ("verdicts", "approvers"),
    [
        ([("ana", "APPROVED")], ("ana",)),
        ([("ana", "APPROVED"), ("ana", "COMMENTED")], ("ana",)),
        ([("ana", "APPROVED"), ("ana", "CHANGES_REQUESTED")], ()),
        ([("ana", "CHANGES_REQUESTED"), ("ana", "APPROVED")], ("ana",)),
        ([("ana", "APPROVED"), ("ana", "DISMISSED")], ()),
        ([("bo", "APPROVED"), ("ana", "APPROVED"), ("cy", "COMMENTED")], ("ana", "bo")),
        ([], ()),
    ],
    ids=[
        "approved",
        "a-later-comment-keeps-it",
        "changes-requested-later",
        "approved-after-changes",
        "dismissed",
        "two-of-three",
        "no-review",
    ],
)
def test_approvers_are_the_reviewers_whose_latest_verdict_approves(
    verdicts: list[tuple[str, str]], approvers: tuple[str, ...]
) -> None:
    assert approving_reviewers(reviews(*verdicts)) == approvers


REQUEST = RequestRef(issue=7, url="https://github.example/acme/access/issues/7", author="dana")


@pytest.mark.parametrize(
    ("approval", "label"),
    [
        (
            recorded_approval(
                PullRequestApproval(pull=3, url="u", merged_by="ana", approved_by=("bo", "cy"))
            ),
            "@ana merged #3 (@bo, @cy)",
        ),
        (
            recorded_approval(PullRequestApproval(pull=3, url="u", merged_by="ana")),
            "@ana merged #3 (no approving review)",
        ),
        (
            recorded_approval(PolicyApproval(policy="returning-staff", request=REQUEST)),
            "restore policy returning-staff (asked in issue #7 by @dana)",
        ),
        (
            Approval(name="Riley Reviewer", email="riley@acme.example"),
            "Riley Reviewer <riley@acme.example>",
        ),
    ],
    ids=["pull-request", "merged-without-review", "policy", "git"],
)
def test_reports_name_the_approver_by_where_it_was_told(approval: Approval, label: str) -> None:
    assert approval.label == label
