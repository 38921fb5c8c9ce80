"""The block YAML writer of plan files: whatever JSON can hold reads back unchanged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from ruamel.yaml import YAML

from controller.core.ledger import Ledger, RemovalRecord
from controller.core.plan import Plan, dump_plan_yaml, parse_plan
from controller.core.plan.model import Action, GroupRef, Skipped
from controller.core.plan.yaml_text import dump_yaml, record_item, sequence_item, text
from controller.core.reconcile import reconcile
from controller.core.safety import within_limits
from tests.factories import (
    NOW,
    account,
    inactivity,
    inventory,
    organization,
    policy_set,
    restore_policy,
    warned,
)


def read_back(document: str, *, version: tuple[int, int] | None = None) -> Any:
    yaml = YAML(typ="safe", pure=True)
    if version is not None:
        yaml.version = version  # type: ignore[assignment]
    return yaml.load(document)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        pytest.param("jira-software", "jira-software", id="name-plain"),
        pytest.param("sha256:0a1b", "sha256:0a1b", id="colon-inside-plain"),
        pytest.param("not active since 2026-01-01 (61 days)", None, id="sentence-plain"),
        pytest.param("557058:0a1b", "'557058:0a1b'", id="digit-start-quoted"),
        pytest.param("2026-11-23T06:00:00Z", "'2026-11-23T06:00:00Z'", id="instant-quoted"),
        pytest.param("yes", "'yes'", id="yaml11-boolean"),
        pytest.param("Off", "'Off'", id="boolean-any-case"),
        pytest.param("null", "'null'", id="null-word"),
        pytest.param("", "''", id="empty"),
        pytest.param("a: b", "'a: b'", id="colon-space"),
        pytest.param("a #b", "'a #b'", id="space-hash"),
        pytest.param("ends:", "'ends:'", id="trailing-colon"),
        pytest.param("trailing ", "'trailing '", id="trailing-space"),
        pytest.param("- item", "'- item'", id="dash-start"),
        pytest.param("it's", "it's", id="apostrophe-inside-plain"),
        pytest.param("'quoted'", "'''quoted'''", id="quote-start"),
        pytest.param("line\nbreak", '"line\\nbreak"', id="newline-escaped"),
        pytest.param("tab\there", '"tab\\there"', id="tab-escaped"),
        pytest.param("esc\x1b[31m", '"esc\\u001b[31m"', id="escape-character"),
        pytest.param("c1\x85", '"c1\\u0085"', id="next-line-character"),
        pytest.param("sep\u2028", '"sep\\u2028"', id="line-separator"),
        pytest.param("bom\ufeff", '"bom\\ufeff"', id="byte-order-mark"),
        pytest.param("Müller", "Müller", id="unicode-plain"),
    ],
)
def test_strings_are_written_plain_only_when_nothing_can_misread_them(
    value: str, written: str | None
) -> None:
    if written is not None:
        assert text(value) == written
    assert read_back(f"k: {text(value)}\n") == {"k": value}


def test_layout_is_the_usual_block_style() -> None:
    data = {"a": 1, "b": [{"c": None, "d": [True, 2.5]}, "e"], "f": {}, "g": [], "h": {"i": "j"}}
    assert dump_yaml(data) == (
        "a: 1\nb:\n- c: null\n  d:\n  - true\n  - 2.5\n- e\nf: {}\ng: []\nh:\n  i: j\n"
    )
    assert sequence_item({"x": [[1], []]}) == "- x:\n  -\n    - 1\n  - []\n"


keys = st.text(min_size=1, max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
documents = st.dictionaries(
    keys,
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=20,
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_json_data_reads_back_unchanged_as_yaml_1_2_and_1_1(data: dict[str, Any]) -> None:
    written = dump_yaml(data) if data else "{}\n"
    assert read_back(written) == data
    assert read_back("%YAML 1.1\n---\n" + written, version=(1, 1)) == data


def plans_of_every_kind() -> list[Plan]:
    """Revocations (with groups, shared-group losses, suspensions), warnings, grants, restores,
    clear-warnings, skips and deferrals: every field a plan record has, set and unset."""
    people = [
        account("idle", idle=400, groups=("g-both", "g-jsw")),
        account("warned", idle=1, email=None),
        account("gone", idle=300, groups=("g-suite",)),
        account("fraction", idle=100),
        account("app", idle=400, account_type="app"),
        account("back", idle=None, elsewhere=[("acme", "confluence", 1)], groups=("g-staff",)),
    ]
    policies = policy_set(
        inactivity(allow_collateral=True, warn_before_days=0),
        inactivity(name="labs", site="labs", action="suspend"),
        restore=[restore_policy()],
        org=organization(
            safety={"over_limit": "trim", "max_revocations": 1, "max_revocation_fraction": 1}
        ),
    )
    removal = RemovalRecord(
        account_id="back",
        site="acme",
        product="jira-software",
        policy="jsw-60",
        groups=(GroupRef(id="g-jsw", name="jira-software-users-acme"),),
        removed_at=NOW - timedelta(days=30),
        plan_id="plan-20261024-060000-abcdef12",
    )
    ledger = Ledger(warnings=(warned("warned", days=3),), removals=(removal,))
    plan = reconcile(policies, inventory(*people), ledger=ledger, now=NOW)
    trimmed = within_limits(plan, policies)
    assert trimmed.deferred
    return [plan, trimmed]


@pytest.mark.parametrize("plan", plans_of_every_kind(), ids=["whole", "trimmed"])
def test_records_are_written_as_their_json_form_would_be(plan: Plan) -> None:
    assert {a.action for a in plan.actions} >= {"revoke", "clear-warning", "restore"}
    assert plan.skipped
    assert bool(plan.deferred) == bool(plan.summary.trimmed_by)
    for name, kind in (("actions", Action), ("skipped", Skipped), ("deferred", Skipped)):
        adapter: TypeAdapter[Any] = TypeAdapter(kind)
        for record in getattr(plan, name):
            assert record_item(record) == sequence_item(adapter.dump_python(record, mode="json"))
    assert parse_plan(dump_plan_yaml(plan), source="p") == plan
