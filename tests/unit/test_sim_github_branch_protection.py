"""Branch protection and rulesets in the GitHub simulator: who may push or merge, in GitHub's
words; and how the git adapter reads a push the remote refused."""

from __future__ import annotations

import pytest

from controller.adapters.git_workspace import Rejection
from controller.sim.github.accounts import ACTIONS_BOT, ADMIN, APP_BOT, Actor
from controller.sim.github.branch_protection import (
    ZERO_SHA,
    ClassicProtection,
    RefUpdate,
    Ruleset,
    classic_push_refusal,
    merge_refusal,
    ruleset_push_refusal,
)

OLD, NEW = "a" * 40, "b" * 40
FORWARD = RefUpdate("refs/heads/main", OLD, NEW, fast_forward=True)
FORCED = RefUpdate("refs/heads/main", OLD, NEW, fast_forward=False)
DELETION = RefUpdate("refs/heads/main", OLD, ZERO_SHA, fast_forward=True)
PR_ONLY = ClassicProtection(require_pull_request=True)
CHECKED = ClassicProtection(required_checks=("ci",))


@pytest.mark.parametrize(
    ("protection", "actor", "update", "statuses", "expected"),
    [
        (PR_ONLY, ACTIONS_BOT, FORWARD, {}, ["Changes must be made through a pull request."]),
        (PR_ONLY, ADMIN, FORWARD, {}, []),
        (
            ClassicProtection(require_pull_request=True, enforce_admins=True),
            ADMIN,
            FORWARD,
            {},
            ["Changes must be made through a pull request."],
        ),
        (
            ClassicProtection(
                require_pull_request=True, pull_request_bypass=frozenset({APP_BOT.login})
            ),
            APP_BOT,
            FORWARD,
            {},
            [],
        ),
        (
            ClassicProtection(require_pull_request=True, required_approvals=2),
            ACTIONS_BOT,
            FORWARD,
            {},
            ["At least 2 approving reviews are required by reviewers with write access."],
        ),
        (CHECKED, APP_BOT, FORWARD, {}, ['Required status check "ci" is expected.']),
        (CHECKED, APP_BOT, FORWARD, {"ci": "pending"}, ['Required status check "ci" is expected.']),
        (CHECKED, APP_BOT, FORWARD, {"ci": "failure"}, ['Required status check "ci" is failing.']),
        (CHECKED, APP_BOT, FORWARD, {"ci": "success"}, []),
        (ClassicProtection(), APP_BOT, FORCED, {}, ["Cannot force-push to this protected branch"]),
        (ClassicProtection(allow_force_pushes=True), APP_BOT, FORCED, {}, []),
        (ClassicProtection(), ADMIN, DELETION, {}, ["Cannot delete this protected branch"]),
        (
            ClassicProtection(push_allowed=frozenset({"octo-admin"})),
            APP_BOT,
            FORWARD,
            {},
            ["You're not authorized to push to this branch."],
        ),
    ],
    ids=[
        "pull-request-required",
        "admin-passes",
        "admins-enforced",
        "app-in-bypass-allowances",
        "approvals-required",
        "check-not-reported",
        "check-pending",
        "check-failing",
        "check-passed",
        "force-push",
        "force-push-allowed",
        "deletion",
        "push-restricted",
    ],
)
def test_classic_protection(
    protection: ClassicProtection,
    actor: Actor,
    update: RefUpdate,
    statuses: dict[str, str],
    expected: list[str],
) -> None:
    refusal = classic_push_refusal(protection, actor=actor, update=update, statuses=statuses)
    assert (list(refusal.messages) if refusal else []) == expected


MAIN_RULES = Ruleset(
    id=1,
    name="main",
    branches=("main",),
    require_pull_request=True,
    required_checks=("ci",),
    bypass_app_ids=frozenset({APP_BOT.app_id or 0}),
)


@pytest.mark.parametrize(
    ("actor", "update", "expected"),
    [
        (
            ACTIONS_BOT,
            FORWARD,
            [
                "Changes must be made through a pull request.",
                'Required status check "ci" is expected.',
            ],
        ),
        (
            ADMIN,
            FORWARD,
            [
                "Changes must be made through a pull request.",
                'Required status check "ci" is expected.',
            ],
        ),
        (APP_BOT, FORWARD, []),
        (ACTIONS_BOT, DELETION, ["Cannot delete this branch"]),
        (ACTIONS_BOT, RefUpdate("refs/heads/topic", OLD, NEW, fast_forward=False), []),
    ],
    ids=["actions-token", "admin-without-bypass", "app-bypasses", "deletion", "other-branch"],
)
def test_rulesets(actor: Actor, update: RefUpdate, expected: list[str]) -> None:
    refusal = ruleset_push_refusal((MAIN_RULES,), actor=actor, update=update, statuses={})
    assert (list(refusal.messages) if refusal else []) == expected


def test_refusals_read_as_github_writes_them() -> None:
    classic = classic_push_refusal(PR_ONLY, actor=ACTIONS_BOT, update=FORWARD, statuses={})
    rules = ruleset_push_refusal((MAIN_RULES,), actor=ACTIONS_BOT, update=FORWARD, statuses={})
    assert classic is not None
    assert rules is not None
    assert classic.push_lines() == [
        "error: GH006: Protected branch update failed for refs/heads/main.",
        "error: Changes must be made through a pull request.",
    ]
    assert (
        rules.push_lines()[0]
        == "error: GH013: Repository rule violations found for refs/heads/main."
    )
    assert "- Changes must be made through a pull request." in rules.push_lines()
    assert rules.api_message().startswith("Repository rule violations found\n\n")


def test_a_merge_waits_for_checks_and_approvals() -> None:
    protection = ClassicProtection(
        required_checks=("ci",), required_approvals=1, require_pull_request=True
    )
    waiting = merge_refusal(
        branch="main", protection=protection, rulesets=(), actor=APP_BOT, statuses={}, approvals=0
    )
    ready = merge_refusal(
        branch="main",
        protection=protection,
        rulesets=(),
        actor=APP_BOT,
        statuses={"ci": "success"},
        approvals=1,
    )
    assert waiting is not None
    assert waiting.messages == (
        'Required status check "ci" is expected.',
        "At least 1 approving review is required by reviewers with write access.",
    )
    assert ready is None


@pytest.mark.parametrize(
    ("porcelain", "stderr", "by_remote", "said"),
    [
        (
            "To http://x/acme/access.git\n"
            "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\nDone\n",
            "remote: error: GH006: Protected branch update failed for refs/heads/main.        \n"
            "remote: error: Changes must be made through a pull request.        \n"
            "error: failed to push some refs to 'http://x-access-token:secret@x/acme/access.git'\n",
            True,
            (
                "GH006: Protected branch update failed for refs/heads/main.",
                "Changes must be made through a pull request.",
            ),
        ),
        (
            "!\tmain:refs/heads/main\t[remote rejected] "
            "(push declined due to repository rule violations)\n",
            "remote: error: GH013: Repository rule violations found for refs/heads/main.\n"
            "remote: \n"
            "remote: - Cannot force-push to this branch\n",
            True,
            (
                "GH013: Repository rule violations found for refs/heads/main.",
                "Cannot force-push to this branch",
            ),
        ),
        ("!\tmain:refs/heads/main\t[rejected] (fetch first)\n", "hint: pull first\n", False, ()),
    ],
    ids=["protected-branch", "ruleset", "behind"],
)
def test_a_refused_push_is_read_with_what_the_remote_said(
    porcelain: str, stderr: str, by_remote: bool, said: tuple[str, ...]
) -> None:
    rejection = Rejection.from_porcelain(porcelain, stderr=stderr)
    assert rejection is not None
    assert rejection.by_remote is by_remote
    assert rejection.remote_says == said
    assert "secret" not in str(rejection)
