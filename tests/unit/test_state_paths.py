"""A plan id is a plan id: checked in the plan file's schema and again before it names a file;
every path into state/ is built by `StateDir`, which never leaves the state directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from controller.adapters.state_dir import StateDir
from controller.core.errors import BadInput
from controller.core.plan import dump_plan_json, parse_plan
from tests.unit.test_plan_files import sample_plan

NOT_PLAN_IDS = [
    pytest.param("../../../../tmp/x", id="climbs-out-to-tmp"),
    pytest.param("../audit/2026-11", id="into-the-audit-log"),
    pytest.param("plan-20261123-060000-" + "a" * 279, id="300-characters"),
    pytest.param("plan-20261123-060000-86e605a0\nerror: all good", id="newline-forging-a-line"),
    pytest.param("plan-20261123-060000-86E605A0", id="upper-case-hex"),
    pytest.param("", id="empty"),
]
PATHS: dict[str, Callable[[StateDir, str], Path]] = {
    "plan": StateDir.plan_path,
    "summary": StateDir.summary_path,
    "applied": StateDir.applied_path,
    "refused": StateDir.refused_path,
    "journal": StateDir.journal_path,
}


@pytest.mark.parametrize("plan_id", NOT_PLAN_IDS)
def test_a_plan_file_with_another_id_is_refused_by_its_schema(plan_id: str) -> None:
    data = json.loads(dump_plan_json(sample_plan()))
    data["id"] = plan_id
    with pytest.raises(BadInput) as refused:
        parse_plan(json.dumps(data).encode(), source="state/plans/p.yaml")
    assert refused.value.message.startswith("state/plans/p.yaml: id: ")
    assert "\n" not in refused.value.message


@pytest.mark.parametrize("plan_id", NOT_PLAN_IDS)
@pytest.mark.parametrize("which", sorted(PATHS))
def test_no_state_path_is_built_from_what_is_not_a_plan_id(
    plan_id: str, which: str, tmp_path: Path
) -> None:
    with pytest.raises(BadInput) as refused:
        PATHS[which](StateDir(tmp_path / "state"), plan_id)
    message = refused.value.message
    assert "is not a plan id" in message
    assert "\n" not in message
    assert len(message) < 200


def test_a_plan_id_names_its_files_inside_the_state_directory(tmp_path: Path) -> None:
    state = StateDir(tmp_path / "state")
    plan_id = "plan-20261123-060000-86e605a0"
    assert state.journal_path(plan_id) == tmp_path / "state/journal" / f"{plan_id}.jsonl"
    assert state.applied_path(plan_id) == tmp_path / "state/plans" / f"{plan_id}.applied.json"


def test_a_link_out_of_the_state_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "audit").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(BadInput, match="leads outside the state directory"):
        StateDir(tmp_path / "state").audit_path(datetime(2026, 11, 23, tzinfo=UTC))


def test_files_not_named_like_a_plan_are_never_pending(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    good = plans / "plan-20261123-060000-86e605a0.yaml"
    odd = plans / "plan-copy of the plan.yaml"
    for path in (good, odd):
        path.write_text("")
    state = StateDir(tmp_path)
    assert state.pending_plans() == [good]
    assert state.misnamed_plans() == [odd]
