"""The block YAML writer of plan files: whatever JSON can hold reads back unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from controller.core.plan.yaml_text import dump_yaml, sequence_item, text


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
