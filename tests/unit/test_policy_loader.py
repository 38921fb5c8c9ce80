"""The policy loader's parts: where a value was written, plain values, and error messages.

The whole path through the CLI is covered by test_validate_corpus.py; these tests pin the pieces
so a failure there says which piece broke.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from controller.core.errors import Problem
from controller.core.policy import load_policies, policies_digest
from controller.core.policy.loader import MODELS, PATTERN_MEANINGS, describe, validate_document
from controller.core.policy.yaml_source import line_of, read_yaml_documents, to_plain

EXAMPLES = Path(__file__).resolve().parents[2] / "policies"
EXAMPLE_DAY = date(2026, 11, 23)


def parse(text: str) -> Any:
    return YAML(typ="rt").load(text)


def problems_in(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    sources, problems = read_yaml_documents(path, "policy.yaml")
    for source in sources:
        problems += validate_document(source)[1]
    return problems


# --- line_of -------------------------------------------------------------------------------

EXCLUSIONS = """\
# comment
version: 1
kind: Exclusions
entries:
  - account: ceo@acme.example
    reason: Executive.
  - group: release-managers
    expires: 2027-03-31
limits:
  max: 3
flow: {a: 1, b: [x, y]}
1: numeric key
null: null key
"""


@pytest.mark.parametrize(
    ("path", "key", "line"),
    [
        pytest.param((), False, 2, id="document-starts-at-first-key"),
        pytest.param(("kind",), False, 3, id="scalar-value"),
        pytest.param(("entries",), False, 4, id="list-value-points-at-its-key"),
        pytest.param(("entries", 1), False, 7, id="list-item"),
        pytest.param(("entries", 1, "expires"), False, 8, id="key-in-list-item"),
        pytest.param(("entries", 1, "owner"), False, 7, id="missing-key-points-at-its-mapping"),
        pytest.param(("entries", 5), False, 4, id="missing-item-points-at-the-list"),
        pytest.param(("limits",), False, 9, id="mapping-value-points-at-its-key"),
        pytest.param(("limits", "max"), True, 10, id="key-itself"),
        pytest.param(("flow", "b", 1), False, 11, id="flow-style"),
        pytest.param(("kind", "deeper"), False, 3, id="path-past-a-scalar"),
        pytest.param(("1",), True, 12, id="numeric-key-as-text"),
        pytest.param(("null",), True, 13, id="null-key-as-text"),
        pytest.param(("nowhere",), False, 2, id="missing-top-level-key"),
    ],
)
def test_line_of(path: tuple[str | int, ...], key: bool, line: int) -> None:
    assert line_of(parse(EXCLUSIONS), path, key=key) == line


def test_line_of_merged_key_points_at_the_mapping_that_merges_it() -> None:
    node = parse("base: &b\n  reason: r\nentry:\n  <<: *b\n  owner: o\n")
    assert line_of(node, ("entry", "owner")) == 5
    assert line_of(node, ("entry", "reason")) == 3


# --- to_plain ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        pytest.param("a: 1", {"a": 1}, id="int"),
        pytest.param("a: 99999999999999999999", {"a": 99999999999999999999}, id="huge-int"),
        pytest.param("a: 0.25", {"a": 0.25}, id="float"),
        pytest.param("a: yes-please", {"a": "yes-please"}, id="text"),
        pytest.param("a: true", {"a": True}, id="bool"),
        pytest.param("a:", {"a": None}, id="empty-value"),
        pytest.param("a: 2027-03-31", {"a": date(2027, 3, 31)}, id="date"),
        pytest.param("a: 2027-03-31T10:00:00", {"a": datetime(2027, 3, 31, 10)}, id="timestamp"),
        pytest.param("a: [x, {b: 2}]", {"a": ["x", {"b": 2}]}, id="nested"),
        pytest.param("1: x\nnull: y\nfalse: z", {"1": "x", "null": "y", "false": "z"}, id="keys"),
        pytest.param("a: !Custom text", {"a": "text"}, id="tag-ignored"),
    ],
)
def test_to_plain(text: str, plain: Any) -> None:
    value = to_plain(parse(text))
    assert value == plain
    assert [type(v) for v in value.values()] == [type(v) for v in plain.values()]


def test_impossible_date_is_kept_as_text_for_the_model_to_report(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 2026-13-45\nb: 2027-02-30\n")
    sources, problems = read_yaml_documents(path, "x.yaml")
    assert problems == []
    assert sources[0].data == {"a": "2026-13-45", "b": "2027-02-30"}


# --- messages for each pydantic error type -------------------------------------------------

RESTORE = "version: 1\nkind: RestorePolicy\nname: back\neligible_groups: [staff]\n"
POLICY = "version: 1\nkind: InactivityPolicy\nname: p\nsite: acme\nproduct: jira-software\n"
ENTRY = "version: 1\nkind: Exclusions\nname: x\nentries:\n  - owner: o\n"


def _case(id_: str, text: str, error_type: str, line: int, path: str, fragment: str) -> Any:
    return pytest.param(text, error_type, line, path, fragment, id=id_)


@pytest.mark.parametrize(
    ("text", "error_type", "line", "path", "fragment"),
    [
        _case(
            "missing",
            POLICY,
            "missing",
            1,
            "inactive_after_days",
            "missing required key `inactive_after_days`; add it: a number of days (1 to 3650)",
        ),
        _case(
            "unknown-key-typo",
            RESTORE + "active_within_days: 3\nactive_within_day: 4\n",
            "extra_forbidden",
            6,
            "active_within_day",
            "unknown key; did you mean `active_within_days`?",
        ),
        _case(
            "unknown-key-no-match",
            RESTORE + "active_within_days: 3\nbogus: 4\n",
            "extra_forbidden",
            6,
            "bogus",
            "unknown key; allowed here: version, kind, name, description, eligible_groups",
        ),
        _case(
            "pattern-name",
            RESTORE.replace("back", "Back Home") + "active_within_days: 3\n",
            "string_pattern_mismatch",
            3,
            "name",
            "expected a name of lower-case letters, digits, `.`, `_` and `-` (got 'Back Home')",
        ),
        _case(
            "pattern-account",
            ENTRY + "    account: x y\n    reason: r\n",
            "string_pattern_mismatch",
            6,
            "entries.0.account",
            "expected an e-mail address or an Atlassian accountId",
        ),
        _case(
            "text-empty",
            ENTRY + "    account: a@b.cd\n    reason: ''\n",
            "string_too_short",
            7,
            "entries.0.reason",
            "must not be empty (got '')",
        ),
        _case(
            "text-too-long",
            ENTRY + "    account: a@b.cd\n    reason: " + "x" * 2001 + "\n",
            "string_too_long",
            7,
            "entries.0.reason",
            "is too long; at most 2000 characters",
        ),
        _case(
            "text-given-a-number",
            POLICY.replace("jira-software", "2026") + "inactive_after_days: 60\n",
            "string_type",
            5,
            "product",
            "expected text; put it in quotes",
        ),
        _case(
            "int-given-words",
            POLICY + "inactive_after_days: sixty\n",
            "int_type",
            6,
            "inactive_after_days",
            "expected a whole number (got 'sixty')",
        ),
        _case(
            "int-given-a-fraction",
            POLICY + "inactive_after_days: 60.5\n",
            "int_type",
            6,
            "inactive_after_days",
            "expected a whole number (got 60.5)",
        ),
        _case(
            "int-given-nothing",
            POLICY + "inactive_after_days:\n",
            "int_type",
            6,
            "inactive_after_days",
            "expected a whole number (got an empty value)",
        ),
        _case(
            "float-given-words",
            POLICY + "inactive_after_days: 60\nlimits: {max_revocation_fraction: half}\n",
            "float_parsing",
            7,
            "limits.max_revocation_fraction",
            "expected a number (got 'half')",
        ),
        _case(
            "more-than",
            POLICY + "inactive_after_days: 60\nlimits: {max_revocation_fraction: 0}\n",
            "greater_than",
            7,
            "limits.max_revocation_fraction",
            "must be more than 0 (got 0)",
        ),
        _case(
            "at-least",
            POLICY + "inactive_after_days: 0\n",
            "greater_than_equal",
            6,
            "inactive_after_days",
            "must be at least 1 (got 0)",
        ),
        _case(
            "at-most-huge",
            POLICY + "inactive_after_days: 99999999999999999999\n",
            "less_than_equal",
            6,
            "inactive_after_days",
            "must be at most 3650 (got 99999999999999999999)",
        ),
        _case(
            "list-empty",
            RESTORE.replace("[staff]", "[]") + "active_within_days: 3\n",
            "too_short",
            4,
            "eligible_groups",
            "needs at least 1 entry (got an empty list)",
        ),
        _case(
            "list-given-text",
            RESTORE.replace("[staff]", "staff") + "active_within_days: 3\n",
            "tuple_type",
            4,
            "eligible_groups",
            "expected a list; write `[a, b]` or one `- item` per line (got 'staff')",
        ),
        _case(
            "mapping-given-a-list",
            POLICY + "inactive_after_days: 60\nexclude: [a]\n",
            "model_type",
            7,
            "exclude",
            "expected a mapping of `key: value` lines (got a list)",
        ),
        _case(
            "date-given-words",
            ENTRY + "    account: a@b.cd\n    reason: r\n    expires: soon\n",
            "date_from_datetime_parsing",
            8,
            "entries.0.expires",
            "expected a date like 2026-12-31 (got 'soon')",
        ),
        _case(
            "date-given-a-time",
            ENTRY + "    account: a@b.cd\n    reason: r\n    expires: 2027-01-01 10:00:00\n",
            "date_from_datetime_inexact",
            8,
            "entries.0.expires",
            "expected a date without a time",
        ),
        _case(
            "choice",
            POLICY + "inactive_after_days: 60\naction: suspended\n",
            "literal_error",
            7,
            "action",
            "expected one of remove-from-groups, suspend; did you mean `suspend`?",
        ),
        _case(
            "version",
            RESTORE.replace("version: 1", "version: 2") + "active_within_days: 3\n",
            "literal_error",
            1,
            "version",
            "unsupported version; write `version: 1` (got 2)",
        ),
        _case(
            "check-across-keys",
            POLICY + "inactive_after_days: 60\nwarn_before_days: 60\n",
            "value_error",
            7,
            "warn_before_days",
            "warn_before_days (60) must be less than inactive_after_days (60)",
        ),
        _case(
            "check-of-an-entry",
            ENTRY + "    reason: r\n",
            "value_error",
            5,
            "entries.0",
            "give exactly one of `account` or `group`",
        ),
    ],
)
def test_message_for_each_pydantic_error_type(
    tmp_path: Path, text: str, error_type: str, line: int, path: str, fragment: str
) -> None:
    model = MODELS[str(to_plain(parse(text))["kind"])]
    with pytest.raises(ValidationError) as raised:
        model.model_validate(to_plain(parse(text)))
    assert error_type in {e["type"] for e in raised.value.errors()}

    problems = problems_in(tmp_path, text)

    assert len(problems) == 1, problems
    assert (problems[0].line, problems[0].path) == (line, path)
    assert fragment in problems[0].message


def test_misspelled_required_key_is_reported_once_as_a_typo(tmp_path: Path) -> None:
    problems = problems_in(tmp_path, RESTORE + "active_within_dayz: 3\n")
    assert [(p.path, p.message) for p in problems] == [
        ("active_within_dayz", "unknown key; did you mean `active_within_days`?")
    ]


def test_an_invalid_entry_is_not_also_a_missing_entry(tmp_path: Path) -> None:
    problems = problems_in(tmp_path, RESTORE.replace("staff", "' staff'") + "active_within_days: 3")
    assert [p.path for p in problems] == ["eligible_groups.0"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param({"a": 1}, "a mapping", id="mapping"),
        pytest.param([1], "a list", id="list"),
        pytest.param([], "an empty list", id="empty-list"),
        pytest.param(None, "an empty value", id="none"),
        pytest.param(False, "false", id="bool"),
        pytest.param(date(2027, 1, 2), "2027-01-02", id="date"),
        pytest.param("x" * 50, "'" + "x" * 36 + "...", id="long-text"),
    ],
)
def test_describe(value: object, shown: str) -> None:
    assert describe(value) == shown


def test_every_pattern_in_the_models_has_a_meaning() -> None:
    def patterns(schema: Any) -> set[str]:
        if isinstance(schema, dict):
            found = {schema["pattern"]} if isinstance(schema.get("pattern"), str) else set()
            return found.union(*(patterns(v) for v in schema.values()))
        if isinstance(schema, list):
            return set().union(*(patterns(v) for v in schema))
        return set()

    used = set().union(*(patterns(model.model_json_schema()) for model in MODELS.values()))
    assert used <= set(PATTERN_MEANINGS)


# --- the example set -----------------------------------------------------------------------


def test_example_policies_are_valid_without_warnings() -> None:
    loaded = load_policies([EXAMPLES], today=EXAMPLE_DAY)
    assert loaded.warnings == ()
    assert len(loaded.files) == 7


def test_loading_does_not_depend_on_file_order(tmp_path: Path) -> None:
    files = sorted(EXAMPLES.glob("*.yaml"))
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    for index, path in enumerate(reversed(files)):
        shutil.copy(path, renamed / f"{index}-{path.name}")

    digests = {
        policies_digest(load_policies(paths, today=EXAMPLE_DAY).policies)
        for paths in ([EXAMPLES], files, list(reversed(files)), [renamed])
    }

    assert len(digests) == 1
