"""Safety guards: a plan revoking too much is refused whole, and says how to raise the limit."""

from __future__ import annotations

from typing import Any

import pytest

from controller.core.errors import ExitCode
from controller.core.ledger import Ledger
from controller.core.plan import Plan, dump_plan_yaml, parse_plan, render_markdown
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.safety import TRIM_HINT, PlanRefused, check_plan, within_limits
from controller.core.snapshot import Inventory
from tests.factories import NOW, account, inactivity, inventory, organization, policy_set


def plan_with(
    idle: int, active: int, *, safety: dict[str, Any], limits: dict[str, Any] | None = None
) -> None:
    accounts = [account(f"idle-{n}", idle=200) for n in range(idle)]
    accounts += [account(f"busy-{n}", idle=1) for n in range(active)]
    policies = policy_set(inactivity(limits=limits or {}), org=organization(safety=safety))
    check_plan(reconcile(policies, inventory(*accounts), ledger=Ledger(), now=NOW), policies)


@pytest.mark.parametrize(
    ("idle", "active", "safety", "limits"),
    [
        pytest.param(1, 9, {}, None, id="10-percent-is-allowed"),
        pytest.param(5, 5, {"max_revocation_fraction": 0.5}, None, id="raised-fraction"),
        pytest.param(
            3, 0, {"max_revocations": 3, "max_revocation_fraction": 1}, None, id="at-the-cap"
        ),
        pytest.param(0, 10, {"max_revocations": 0}, None, id="nothing-to-revoke"),
        pytest.param(
            4, 6, {}, {"max_revocation_fraction": 0.4}, id="policy-raises-its-own-fraction"
        ),
    ],
)
def test_within_limits(
    idle: int, active: int, safety: dict[str, Any], limits: dict[str, Any] | None
) -> None:
    plan_with(idle, active, safety=safety, limits=limits)


@pytest.mark.parametrize(
    ("idle", "active", "safety", "limits", "message"),
    [
        pytest.param(
            2,
            8,
            {},
            None,
            "revokes 2 of 10 jira-software seats on acme (20.0%)",
            id="default-10-percent",
        ),
        pytest.param(
            4,
            0,
            {"max_revocations": 3, "max_revocation_fraction": 1},
            None,
            "more than safety.max_revocations (3)",
            id="absolute-cap",
        ),
        pytest.param(
            3,
            0,
            {"max_revocation_fraction": 1},
            {"max_revocations": 2},
            "policy jsw-60 revokes 3 seats, more than its limits.max_revocations (2)",
            id="policy-cap",
        ),
        pytest.param(
            5,
            5,
            {"max_revocation_fraction": 1},
            {"max_revocation_fraction": 0.2},
            "above limits.max_revocation_fraction of policy jsw-60 (0.2)",
            id="policy-fraction",
        ),
    ],
)
def test_refused(
    idle: int, active: int, safety: dict[str, Any], limits: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(PlanRefused) as refused:
        plan_with(idle, active, safety=safety, limits=limits)
    assert refused.value.exit_code == ExitCode.REFUSED
    text = "\n".join(refused.value.lines())
    assert message in text
    assert "raise" in text
    assert "reviewed pull request" in text


def test_every_breach_is_listed() -> None:
    with pytest.raises(PlanRefused) as refused:
        plan_with(5, 0, safety={"max_revocations": 1}, limits={"max_revocations": 2})
    assert len(refused.value.lines()) == 3


def test_warnings_do_not_count_as_revocations() -> None:
    accounts = [account(f"idle-{n}", idle=200) for n in range(10)]
    policies = policy_set(
        inactivity(warn_before_days=7), org=organization(safety={"max_revocations": 0})
    )
    check_plan(reconcile(policies, inventory(*accounts), ledger=Ledger(), now=NOW), policies)


# --- a staged first clean-up: over_limit: trim ------------------------------------------------


def neglected(
    idle: int, active: int, *, safety: dict[str, Any], limits: dict[str, Any] | None = None
) -> tuple[Plan, PolicySet, Inventory]:
    """`idle` accounts idle 101, 102, ... days, `active` used yesterday."""
    accounts = [account(f"idle-{n:02d}", idle=101 + n) for n in range(idle)]
    accounts += [account(f"busy-{n:02d}", idle=1) for n in range(active)]
    policies = policy_set(inactivity(limits=limits or {}), org=organization(safety=safety))
    snapshot = inventory(*accounts)
    plan = reconcile(policies, snapshot, ledger=Ledger(), now=NOW)
    return within_limits(plan, policies), policies, snapshot


def revoked(plan: Plan) -> list[str]:
    return sorted(a.account_id for a in plan.actions if a.action == "revoke")


TRIM = {"over_limit": "trim"}


@pytest.mark.parametrize(
    ("idle", "active", "safety", "limits", "kept", "trimmed_by"),
    [
        pytest.param(
            10,
            0,
            {**TRIM, "max_revocations": 3, "max_revocation_fraction": 1},
            None,
            ["idle-07", "idle-08", "idle-09"],
            ["safety.max_revocations (3) in the Organization"],
            id="total-cap-keeps-the-longest-idle",
        ),
        pytest.param(
            10,
            40,
            TRIM,
            None,
            ["idle-05", "idle-06", "idle-07", "idle-08", "idle-09"],
            [
                "safety.max_revocation_fraction in the Organization (0.1) for jira-software "
                "seats on acme"
            ],
            id="default-fraction-of-50-seats",
        ),
        pytest.param(
            10,
            0,
            {**TRIM, "max_revocation_fraction": 1},
            {"max_revocations": 2},
            ["idle-08", "idle-09"],
            ["limits.max_revocations (2) of policy jsw-60"],
            id="policy-cap",
        ),
        pytest.param(
            4,
            0,
            {**TRIM, "max_revocations": 2, "max_revocation_fraction": 0.25},
            None,
            ["idle-03"],
            [
                "safety.max_revocation_fraction in the Organization (0.25) for jira-software "
                "seats on acme"
            ],
            id="the-tightest-limit-wins",
        ),
    ],
)
def test_trim_keeps_the_longest_idle_within_every_limit_and_defers_the_rest(
    idle: int,
    active: int,
    safety: dict[str, Any],
    limits: dict[str, Any] | None,
    kept: list[str],
    trimmed_by: list[str],
) -> None:
    plan, policies, _ = neglected(idle, active, safety=safety, limits=limits)
    check_plan(plan, policies)  # the limits still hold
    assert revoked(plan) == kept
    assert sorted(d.account_id for d in plan.deferred) == sorted(
        f"idle-{n:02d}" for n in range(idle) if f"idle-{n:02d}" not in kept
    )
    assert plan.summary.revoke == plan.summary.seats_reclaimed == len(kept)
    assert plan.summary.deferred == idle - len(kept)
    assert list(plan.summary.trimmed_by) == trimmed_by
    assert all("deferred to a later run" in d.reason for d in plan.deferred)


def test_a_plan_within_the_limits_is_not_trimmed() -> None:
    plan, _, _ = neglected(1, 20, safety=TRIM)
    assert (revoked(plan), plan.deferred, plan.summary.trimmed_by) == (["idle-00"], (), ())


def test_refuse_is_the_default_and_says_trim_exists() -> None:
    with pytest.raises(PlanRefused) as refused:
        neglected(10, 0, safety={"max_revocations": 3, "max_revocation_fraction": 1})
    assert refused.value.lines()[-1] == TRIM_HINT


def test_the_next_run_picks_up_what_was_deferred() -> None:
    safety = {**TRIM, "max_revocation_fraction": 0.1}
    first, policies, snapshot = neglected(10, 40, safety=safety)
    assert len(revoked(first)) == 5
    gone = set(revoked(first))
    after = Inventory.model_validate(
        {
            **snapshot.model_dump(),
            "accounts": [
                {**a, "groups": ["g-staff"]} if a["account_id"] in gone else a
                for a in snapshot.model_dump()["accounts"]
            ],
        }
    )
    second = within_limits(reconcile(policies, after, ledger=Ledger(), now=NOW), policies)
    assert revoked(second) == ["idle-01", "idle-02", "idle-03", "idle-04"]  # 10% of 45 seats
    assert second.summary.deferred == 1


def test_a_trimmed_plan_says_so_in_its_files_and_review_text() -> None:
    plan, _, _ = neglected(
        10, 0, safety={**TRIM, "max_revocations": 3, "max_revocation_fraction": 1}
    )
    yaml_text = dump_plan_yaml(plan).decode()
    assert "deferred: 7" in yaml_text
    assert "trimmed_by:\n  - safety.max_revocations (3) in the Organization" in yaml_text
    assert parse_plan(dump_plan_yaml(plan), source="p") == plan
    markdown = render_markdown(plan, plan_path="state/plans/p.yaml")
    assert "7 revocations deferred" in markdown
    assert "safety.max_revocations (3) in the Organization" in markdown
