"""Safety guards: a plan revoking too much is refused whole, and says how to raise the limit."""

from __future__ import annotations

from typing import Any

import pytest

from controller.core.errors import ExitCode
from controller.core.ledger import Ledger
from controller.core.reconcile import reconcile
from controller.core.safety import PlanRefused, check_plan
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
