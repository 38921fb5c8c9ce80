"""Property: whatever is edited in a sealed plan file, apply carries out nothing the fresh data
does not justify, and audits no value the fresh data did not have (tests/plan_edits.py).

A bounded run; `make bench` runs many more examples (tests/benchmarks/test_apply_edits_bench.py).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.plan_edits import SCENARIOS, Edit, check, every_whole_action_edit, reviewed_plan


def test_the_unedited_plan_runs_whole() -> None:
    assert check([], holds_key=False, active_since=None) == []
    assert len(reviewed_plan().actions) >= 6  # every kind of action is there to be edited


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCENARIOS)
def test_no_edit_escapes(scenario: tuple[list[Edit], bool, str | None]) -> None:
    edits, holds_key, active_since = scenario
    escaped = check(edits, holds_key=holds_key, active_since=active_since)
    assert escaped == [], [e.name for e in edits]


@pytest.mark.parametrize("holds_key", [False, True], ids=["editor-without-key", "key-holder"])
def test_no_whole_action_edit_escapes(holds_key: bool) -> None:
    """Every whole-action edit (added, duplicated, dropped, kind flipped, groups added, account
    swapped) of every reviewed action, which the bounded random run draws only now and then."""
    edits = every_whole_action_edit(len(reviewed_plan().actions))
    escaped = {
        e.name: found
        for e in edits
        if (found := check([e], holds_key=holds_key, active_since=None))
    }
    assert escaped == {}
