"""The keyed seal of plan files: every field counts, no value can slide into its neighbour, and a
plan sealed as it is written holds exactly the seals `seal_plan` makes, which apply then checks
whatever format or layout the file is read from."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter

from controller.core.plan import Plan, dump_plan_json, dump_plan_yaml, parse_plan
from controller.core.plan.model import (
    ACTION_KINDS,
    Action,
    Evidence,
    GroupRef,
    ProductOnSite,
    RequestRef,
)
from controller.core.plan.seal import (
    ActionSealer,
    PlanKey,
    action_seal,
    action_sealed,
    action_text,
    header_seal,
    header_sealed,
    seal_plan,
)
from controller.core.plan.yaml_text import record_item
from tests.factories import NOW, PLAN_KEY
from tests.unit.test_plan_yaml_text import plans_of_every_kind, read_back

PLAN_ID = "plan-20261123-060000-0a1b2c3d"
EVERY_KIND = plans_of_every_kind()

# An action with every field set, down to the evidence of a restore asked for in an issue, so
# that the table below reaches every field an action can have.
FULL = Action(
    key="revoke:acme:jira-software:557058:ana",
    action="revoke",
    account_id="557058:ana",
    email="ana@acme.example",
    name="Ana Souza",
    site="acme",
    product="jira-software",
    policy="jsw-60",
    method="remove-from-groups",
    groups=(
        GroupRef(id="g-jsw", name="jira-software-users-acme"),
        GroupRef(id="g-both", name="jira-software-both-sites"),
    ),
    also_removes=(ProductOnSite(site="labs", product="jira-software"),),
    all_access=False,
    reason="not active on jira-software at acme for 91 days (policy allows 60)",
    evidence=Evidence(
        last_active=NOW - timedelta(days=91),
        added_to_org=NOW - timedelta(days=700),
        idle_days=91,
        threshold_days=60,
        warned_at=NOW - timedelta(days=7),
        revoke_not_before=NOW - timedelta(days=1),
        removed_at=NOW - timedelta(days=30),
        removed_by_plan="plan-20261024-060000-abcdef12",
        requested_in=RequestRef(
            issue=42, url="https://github.com/acme/access/issues/42", author="ana-s"
        ),
    ),
)

Path = tuple[str | int, ...]


def leaf_paths(value: Any, *, skip: frozenset[str] = frozenset()) -> list[Path]:
    """Every scalar in a record, a model or a tuple of them, as a path of names and indices."""
    if dataclasses.is_dataclass(value) or isinstance(value, BaseModel):
        return [
            (name, *rest)
            for name in _field_names(value)
            if name not in skip
            for rest in leaf_paths(getattr(value, name))
        ]
    if isinstance(value, tuple):
        return [(index, *rest) for index, item in enumerate(value) for rest in leaf_paths(item)]
    return [()]


def _field_names(value: Any) -> list[str]:
    if isinstance(value, BaseModel):
        return list(type(value).model_fields)
    return [f.name for f in dataclasses.fields(value)]


def nudged(value: Any, path: Path) -> Any:
    """`value` with the scalar at `path` changed by one character of its written form."""
    if not path:
        return _one_character_off(value)
    step, rest = path[0], path[1:]
    if isinstance(value, tuple):
        assert isinstance(step, int)
        return (*value[:step], nudged(value[step], rest), *value[step + 1 :])
    assert isinstance(step, str)
    changed = nudged(getattr(value, step), rest)
    if isinstance(value, BaseModel):
        return value.model_copy(update={step: changed})
    return dataclasses.replace(value, **{step: changed})


def _one_character_off(value: Any) -> Any:
    if isinstance(value, bool):  # the one exception: true and false differ by more
        return not value
    if isinstance(value, int):
        assert value % 10 != 9, "choose values whose last digit can go up by one"
        return value + 1
    if isinstance(value, datetime):
        assert value.second != 59
        return value + timedelta(seconds=1)
    assert isinstance(value, str), f"set every field to a value: {value!r}"
    assert value, "set every text to a non-empty one"
    return value[:-1] + ("x" if value[-1] != "x" else "y")


def dotted(path: Path) -> str:
    return ".".join(str(step) for step in path)


def test_the_full_action_sets_every_field() -> None:
    assert all(
        not isinstance(field, tuple) or field
        for field in (getattr(FULL, f.name) for f in dataclasses.fields(FULL))
    )
    assert all(
        getattr(FULL.evidence, f.name) is not None for f in dataclasses.fields(FULL.evidence)
    )


@pytest.mark.parametrize("path", leaf_paths(FULL, skip=frozenset({"seal"})), ids=dotted)
def test_a_one_character_change_to_any_field_of_an_action_changes_its_seal(path: Path) -> None:
    edited = nudged(FULL, path)
    assert action_seal(PLAN_ID, edited, key=PLAN_KEY) != action_seal(PLAN_ID, FULL, key=PLAN_KEY)


def test_an_action_copied_into_another_plan_loses_its_seal() -> None:
    other_plan = PLAN_ID[:-1] + "e"
    assert action_seal(other_plan, FULL, key=PLAN_KEY) != action_seal(PLAN_ID, FULL, key=PLAN_KEY)


def header_plan() -> Plan:
    """A trimmed plan (skips, deferrals, limits trimmed to) with every header field set."""
    plan = EVERY_KIND[1].model_copy(update={"base_commit": "0a1b2c3d4e5f"})
    assert all(getattr(plan, name) for name in Plan.model_fields if name != "seal")
    return plan


HEADER = header_plan()


@pytest.mark.parametrize(
    "path", leaf_paths(HEADER, skip=frozenset({"seal", "actions", "version"})), ids=dotted
)
def test_a_one_character_change_to_any_field_of_the_header_changes_its_seal(path: Path) -> None:
    assert header_seal(nudged(HEADER, path), PLAN_KEY) != header_seal(HEADER, PLAN_KEY)


def test_the_header_seal_covers_the_version_too() -> None:
    assert header_seal(HEADER.model_copy(update={"version": 2}), PLAN_KEY) != header_seal(
        HEADER, PLAN_KEY
    )


# Pairs of actions whose values hold the same characters split differently between fields.
# Each text is written quoted or escaped wherever it could be read as anything else, one line
# per value, so the split shows in the text the seal is made over.
SPLITS: list[tuple[str, Callable[[Action], Action], Callable[[Action], Action]]] = [
    (
        "email-into-name",
        lambda a: dataclasses.replace(a, email="ana@acme.example", name="Ana"),
        lambda a: dataclasses.replace(a, email="ana@acme.example\n  name: Ana", name=""),
    ),
    (
        "name-into-site",
        lambda a: dataclasses.replace(a, name="Ana", site="acme"),
        lambda a: dataclasses.replace(a, name="Ana\n  site: acme", site=""),
    ),
    (
        "reason-into-evidence",
        lambda a: dataclasses.replace(a, reason="idle", evidence=Evidence(idle_days=91)),
        lambda a: dataclasses.replace(
            a, reason="idle\nevidence:\n  idle_days: 91", evidence=Evidence()
        ),
    ),
    (
        "one-group-or-two",
        lambda a: dataclasses.replace(a, groups=(GroupRef("g-1", "a"), GroupRef("g-2", "b"))),
        lambda a: dataclasses.replace(a, groups=(GroupRef("g-1", "a\n  - id: g-2\n    name: b"),)),
    ),
    (
        "group-id-into-name",
        lambda a: dataclasses.replace(a, groups=(GroupRef("g-1", "x"),)),
        lambda a: dataclasses.replace(a, groups=(GroupRef("g-", "1x"),)),
    ),
    (
        "text-or-null",
        lambda a: dataclasses.replace(a, email=None),
        lambda a: dataclasses.replace(a, email="null"),
    ),
    (
        "instant-moved-to-another-field",
        lambda a: dataclasses.replace(a, evidence=Evidence(last_active=NOW)),
        lambda a: dataclasses.replace(a, evidence=Evidence(added_to_org=NOW)),
    ),
    (
        "quote-in-value",
        lambda a: dataclasses.replace(a, name="O'Brien", site="x"),
        lambda a: dataclasses.replace(a, name="O", site="'Brien'x"),
    ),
]


@pytest.mark.parametrize(
    ("one", "other"), [(one, other) for _, one, other in SPLITS], ids=[s[0] for s in SPLITS]
)
def test_two_splits_of_the_same_characters_seal_differently(
    one: Callable[[Action], Action], other: Callable[[Action], Action]
) -> None:
    first, second = one(FULL), other(FULL)
    assert action_text(first) != action_text(second)
    assert action_seal(PLAN_ID, first, key=PLAN_KEY) != action_seal(PLAN_ID, second, key=PLAN_KEY)


def test_the_plan_id_is_framed_by_its_length() -> None:
    """Without the length, `a` + `\\nb…` and `a\\nb` + `…` would be the same message."""
    text = action_text(FULL)
    first = ActionSealer("plan-a", PLAN_KEY).seal("b\n" + text)
    second = ActionSealer("plan-a\nb", PLAN_KEY).seal(text)
    assert first != second


def test_another_key_makes_other_seals() -> None:
    other = PlanKey.from_text("another-key-0123456789abcdef0123456789abcdef")
    assert action_seal(PLAN_ID, FULL, key=other) != action_seal(PLAN_ID, FULL, key=PLAN_KEY)


texts = st.text(max_size=12)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
actions = st.builds(
    Action,
    key=texts,
    action=st.sampled_from(ACTION_KINDS),
    account_id=texts,
    email=st.none() | texts,
    name=texts,
    site=texts,
    product=texts,
    policy=texts,
    method=st.none() | st.sampled_from(["remove-from-groups", "suspend"]),
    groups=st.lists(st.builds(GroupRef, texts, texts), max_size=3).map(tuple),
    also_removes=st.lists(st.builds(ProductOnSite, site=texts, product=texts), max_size=2).map(
        tuple
    ),
    all_access=st.booleans(),
    reason=texts,
    evidence=st.builds(
        Evidence,
        last_active=st.none() | instants,
        added_to_org=st.none() | instants,
        idle_days=st.none() | st.integers(min_value=0, max_value=10**6),
        threshold_days=st.none() | st.integers(min_value=0, max_value=10**6),
        warned_at=st.none() | instants,
        revoke_not_before=st.none() | instants,
        removed_at=st.none() | instants,
        removed_by_plan=st.none() | texts,
        requested_in=st.none()
        | st.builds(RequestRef, issue=st.integers(min_value=1), url=texts, author=texts),
    ),
    seal=st.just(""),
)
ACTION_FORM: TypeAdapter[Action] = TypeAdapter(Action)


@settings(max_examples=200, deadline=None)
@given(actions)
def test_what_an_action_seal_covers_reads_back_as_exactly_its_fields(action: Action) -> None:
    """The text is YAML that reads back to the action's fields but its seal: two actions that
    differ in any value, however their characters are split, cannot share it."""
    fields = ACTION_FORM.dump_python(action, mode="json")
    del fields["seal"]
    assert read_back(action_text(action)) == [fields]


@settings(max_examples=100, deadline=None)
@given(actions)
def test_any_action_sealed_as_written_verifies_once_read_back(action: Action) -> None:
    plan = EVERY_KIND[0].model_copy(update={"actions": (action,)})
    written = parse_plan(dump_plan_yaml(plan, key=PLAN_KEY), source="p")
    [read] = written.actions
    assert dataclasses.replace(read, seal="") == action
    assert action_sealed(written.id, read, key=PLAN_KEY)


@pytest.mark.parametrize("plan", EVERY_KIND, ids=["whole", "trimmed"])
def test_a_plan_sealed_as_it_is_written_is_the_sealed_plan_written(plan: Plan) -> None:
    sealed = seal_plan(plan, PLAN_KEY)
    assert dump_plan_yaml(plan, key=PLAN_KEY) == dump_plan_yaml(sealed)
    assert dump_plan_json(plan, key=PLAN_KEY) == dump_plan_json(sealed)
    assert all(
        record_item(action) == ActionSealer(plan.id, PLAN_KEY).item(action)
        for action in sealed.actions
    )


@pytest.mark.parametrize("dump", [dump_plan_yaml, dump_plan_json], ids=["yaml", "json"])
@pytest.mark.parametrize("plan", EVERY_KIND, ids=["whole", "trimmed"])
def test_the_seals_verify_whatever_format_the_file_is_in(
    plan: Plan, dump: Callable[..., bytes]
) -> None:
    written = parse_plan(dump(plan, key=PLAN_KEY), source="p")
    assert written.actions
    assert header_sealed(written, PLAN_KEY)
    assert all(action_sealed(written.id, action, key=PLAN_KEY) for action in written.actions)


def test_the_seals_verify_after_the_file_is_laid_out_differently() -> None:
    """The seal is over values, written canonically when checked: a file with its strings
    quoted otherwise still verifies, and an edited value does not."""
    plan = EVERY_KIND[0]
    text = dump_plan_yaml(plan, key=PLAN_KEY).decode()
    requoted = re.sub(r"^(\s*-? ?)(action|site): ([a-z-]+)$", r'\1\2: "\3"', text, flags=re.M)
    assert requoted.count('"') > 2 * len(plan.actions)
    written = parse_plan(requoted.encode(), source="p")
    assert all(action_sealed(written.id, action, key=PLAN_KEY) for action in written.actions)
    renamed = text.replace(f"name: {plan.actions[0].name}\n", "name: Someone Else\n", 1)
    edited = parse_plan(renamed.encode(), source="p")
    assert edited.actions[0].name == "Someone Else"
    assert not action_sealed(edited.id, edited.actions[0], key=PLAN_KEY)
    assert all(action_sealed(edited.id, action, key=PLAN_KEY) for action in edited.actions[1:])
