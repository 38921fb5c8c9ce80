"""The pure preview: which seat changes two plans differ by, and the comment that says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from controller.core.inert_text import code_fence
from controller.core.plan import Action, Plan, Skipped, Summary
from controller.core.plan.model import ActionKind, action_key
from controller.core.preview import PlanDiff, Provenance, diff_plans, render_invalid, render_preview

NOW = datetime(2026, 11, 23, 6, tzinfo=UTC)
POLICY = "jira-software-60d"


def act(kind: ActionKind, who: str = "bob", *, policy: str = POLICY) -> Action:
    account_id = f"id-{who}"
    return Action(
        key=action_key(kind, site="acme", product="jira-software", account_id=account_id),
        action=kind,
        account_id=account_id,
        email=f"{who}@acme.example",
        site="acme",
        product="jira-software",
        policy=policy,
        reason=f"{kind} {who}",
    )


def skip(who: str = "bob", reason: str = "excluded: on leave") -> Skipped:
    return Skipped(
        account_id=f"id-{who}",
        email=f"{who}@acme.example",
        site="acme",
        product="jira-software",
        policy=POLICY,
        reason=reason,
    )


def plan(
    *actions: Action, skipped: tuple[Skipped, ...] = (), name: str = "plan-20261123-060000-0000000a"
) -> Plan:
    counts = {k: sum(a.action == k for a in actions) for k in ("revoke", "warn", "restore")}
    return Plan(
        id=name,
        created_at=NOW,
        expires_at=NOW,
        org_id="org",
        policies_digest="sha256:p",
        inventory_digest="sha256:i",
        ledger_digest="sha256:l",
        summary=Summary(total_actions=len(actions), **counts),
        actions=actions,
        skipped=skipped,
    )


def changes(diff: PlanDiff) -> list[tuple[str, str, str]]:
    return [(c.change, c.label, c.instead) for p in diff.policies for c in p.changes]


@pytest.mark.parametrize(
    ("base", "head", "expected"),
    [
        pytest.param(
            plan(),
            plan(act("warn")),
            [("newly-warned", "bob@acme.example", "no action")],
            id="newly-warned",
        ),
        pytest.param(
            plan(act("warn")),
            plan(),
            [("no-longer-warned", "bob@acme.example", "no action")],
            id="no-longer-warned",
        ),
        pytest.param(
            plan(act("warn")),
            plan(act("revoke")),
            [("newly-revoked", "bob@acme.example", "warned")],
            id="warning-became-revocation",
        ),
        pytest.param(
            plan(act("revoke")),
            plan(act("warn")),
            [("newly-spared", "bob@acme.example", "warned")],
            id="revocation-became-warning",
        ),
        pytest.param(
            plan(act("revoke")),
            plan(act("clear-warning"), skipped=(skip(),)),
            [("newly-spared", "bob@acme.example", "skipped: excluded: on leave; warning cleared")],
            id="excluded-spared-without-echo",
        ),
        pytest.param(
            plan(),
            plan(act("restore")),
            [("newly-restored", "bob@acme.example", "no action")],
            id="newly-restored",
        ),
        pytest.param(
            plan(act("grant")),
            plan(),
            [("no-longer-granted", "bob@acme.example", "no action")],
            id="no-longer-granted",
        ),
        pytest.param(
            plan(),
            plan(act("clear-warning")),
            [("newly-cleared", "bob@acme.example", "no action")],
            id="clearing-alone-is-shown",
        ),
        pytest.param(
            plan(act("revoke"), act("warn", "amy")),
            plan(act("revoke"), act("warn", "amy")),
            [],
            id="unchanged",
        ),
    ],
)
def test_seat_changes(base: Plan, head: Plan, expected: list[tuple[str, str, str]]) -> None:
    assert changes(diff_plans(base, head)) == expected


def test_changes_are_grouped_by_policy_and_counted() -> None:
    base = plan(act("warn", "amy", policy="b-policy"))
    head = plan(act("revoke", "bob"), act("warn", "cat"), act("warn", "dan", policy="b-policy"))

    diff = diff_plans(base, head)

    assert [p.policy for p in diff.policies] == ["b-policy", POLICY]
    assert [c.label for c in diff.policies[1].of("newly-warned")] == ["cat@acme.example"]
    assert diff.counts["newly-warned"] == 2
    assert diff.counts["no-longer-warned"] == 1
    assert diff.counts["newly-revoked"] == 1
    assert (diff.base.warn, diff.head.warn, diff.head.revoke) == (1, 2, 1)


@pytest.mark.parametrize(
    ("head_refusal", "base_refusal", "introduces"),
    [(("too many",), (), True), (("too many",), ("too many",), False), ((), (), False)],
    ids=["pull-request-causes-it", "already-refused", "accepted"],
)
def test_a_refusal_is_the_pull_requests_only_when_the_base_was_accepted(
    head_refusal: tuple[str, ...], base_refusal: tuple[str, ...], introduces: bool
) -> None:
    diff = diff_plans(plan(), plan(), head_refusal=head_refusal, base_refusal=base_refusal)
    assert diff.introduces_refusal is introduces


PROVENANCE = Provenance(
    base_ref="origin/main",
    base_commit="a" * 40,
    head_commit="b" * 40,
    inventory_taken_at="2026-11-23T06:00:00Z",
    as_of="2026-11-23T06:00:00Z",
)


def test_the_comment_leads_with_the_counts_and_escapes_cells() -> None:
    head = plan(act("revoke", "bob|<x>"), act("warn", "amy"))

    text = render_preview(diff_plans(plan(), head), provenance=PROVENANCE)

    headline = text.split("\n\n")[1]
    assert headline == "**1 newly revoked · 0 newly spared · 1 newly warned · 0 no longer warned**"
    assert "`bob\\|<x>@acme.example`" in text
    assert "<summary>Newly revoked: 1</summary>" in text


def test_a_refusal_is_shown_first() -> None:
    diff = diff_plans(plan(), plan(act("revoke")), head_refusal=("the plan revokes 1 seat",))

    text = render_preview(diff, provenance=PROVENANCE)

    assert text.index("**This change would be refused**") < text.index("newly revoked")
    assert "> - `the plan revokes 1 seat`" in text


def test_a_huge_difference_is_cut_to_fit_a_comment() -> None:
    many = tuple(act("warn", f"person{n:05d}") for n in range(3000))

    text = render_preview(diff_plans(plan(), plan(*many)), provenance=PROVENANCE, limit=20_000)

    assert len(text) < 20_000
    assert "<summary>Newly warned: 3000</summary>" in text
    assert "more | | | run `accessctl preview` to see all |" in text


def test_invalid_policies_are_listed_in_a_fence_their_text_cannot_close() -> None:
    problems = ["policies/a.yaml:3: name: expected a name, found ```oops```"]

    text = render_invalid(problems, head_commit="c" * 40)

    assert f"````text\n{problems[0]}\n````" in text
    assert "1 problem at `cccccccccccc`" in text
    assert code_fence("no backticks") == "```"
