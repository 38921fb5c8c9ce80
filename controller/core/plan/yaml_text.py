"""Block-style YAML text for JSON data: how plan files are written. Pure.

A plan of a large first clean-up holds tens of thousands of actions; ruamel's pure-Python
emitter takes the better part of a minute on those, this takes a fraction of a second. It
writes only what JSON can hold (mappings with string keys, lists, strings, integers, floats,
booleans, null), in one canonical layout, the one ruamel writes: two-space indentation, list
items at their key's indentation.

A string is written plain only when no YAML reader could take it for anything else: it starts
with a letter or `_`, holds only printable characters, no `: ` or ` #`, does not end in `:` or a
space, and is not a word YAML 1.1 reads as a boolean or null (`yes`, `off`, `null`, ...). Other
printable one-line strings are single-quoted; the rest are double-quoted with escapes. A test
reads random data written this way back with ruamel as YAML 1.2 and 1.1 and gets it unchanged.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields
from datetime import date, datetime
from typing import Any

# What is not safe between quotes or in a plain scalar: control characters (tab and line
# breaks too), DEL and the C1 controls, what YAML 1.1 reads as line breaks (U+2028, U+2029),
# surrogates, the byte-order mark and the non-characters U+FFFE, U+FFFF. Everything else is
# YAML-printable. (Written as the few excluded ranges: a class of the many allowed ones costs
# ten times as much to compile, at every start of the command line.)
_UNSAFE = "\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"
_PLAIN = re.compile(f"[A-Za-z_][^{_UNSAFE}]*")
# Plain words a YAML 1.1 or 1.2 reader takes for a boolean or null, in any letter case.
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_SINGLE_QUOTABLE = re.compile(f"[^{_UNSAFE}]*")
_NEEDS_ESCAPE = re.compile(f"[{_UNSAFE}]")

Scalar = str | int | float | bool | None


def dump_yaml(data: dict[str, Any]) -> str:
    """A mapping as block YAML, one line per scalar, ending in a newline."""
    lines: list[str] = []
    _mapping(data, indent="", lines=lines)
    return "\n".join(lines) + "\n"


def sequence_item(value: Any) -> str:
    """One item of a top-level list (`- ...`), so that long lists can be written item by item."""
    lines: list[str] = []
    _sequence([value], indent="", lines=lines)
    return "\n".join(lines) + "\n"


def _mapping(data: dict[str, Any], *, indent: str, lines: list[str]) -> None:
    for key, value in data.items():
        label = _KEYS.get(key) or _KEYS.setdefault(key, text(key))
        kind = type(value)
        if kind is str:
            lines.append(f"{indent}{label}: {text(value)}")
        elif kind is dict and value:
            lines.append(f"{indent}{label}:")
            _mapping(value, indent=indent + "  ", lines=lines)
        elif kind is list and value:
            lines.append(f"{indent}{label}:")
            _sequence(value, indent=indent, lines=lines)
        else:
            lines.append(f"{indent}{label}: {leaf(value)}")


# Keys are the models' field names: a few dozen, written hundreds of thousands of times.
_KEYS: dict[str, str] = {}


def _sequence(items: list[Any], *, indent: str, lines: list[str]) -> None:
    inner = indent + "  "
    for item in items:
        if type(item) is dict and item:
            start = len(lines)
            _mapping(item, indent=inner, lines=lines)
            lines[start] = f"{indent}- {lines[start][len(inner) :]}"
        elif type(item) is list and item:
            lines.append(f"{indent}-")
            _sequence(item, indent=inner, lines=lines)
        else:
            lines.append(f"{indent}- {leaf(item)}")


def leaf(value: Scalar | dict[str, Any] | list[Any]) -> str:
    """A scalar, or an empty collection in flow style."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    return "{}" if isinstance(value, dict) else "[]"


def _number(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    shown = repr(value)
    mantissa, e, exponent = shown.partition("e")
    if e and "." not in mantissa:  # YAML 1.1 reads `1e-05` as text: its floats need the dot
        return f"{mantissa}.0e{exponent}"
    return shown


def text(value: str) -> str:
    """A string: plain when nothing can misread it, else single-quoted, else double-quoted."""
    if (
        _PLAIN.fullmatch(value)
        and ": " not in value
        and " #" not in value
        and value[-1] not in ": "
        and (len(value) > 5 or value.lower() not in _RESERVED)
    ):
        return value
    if _SINGLE_QUOTABLE.fullmatch(value):
        return "'" + value.replace("'", "''") + "'"
    return _double_quoted(value)


# --- records: frozen dataclasses, written as their JSON form would be, without making it -----


def record_item(record: Any, *, but: str | None = None) -> str:
    """A dataclass as one top-level list item, field by field, exactly as `sequence_item`
    writes its JSON form (pydantic's `mode="json"`: instants as ISO text, tuples as lists).
    A plan holds tens of thousands of actions; not making their JSON form first saves a fifth
    of the writing. `but` names a field left out (an action's seal, made over the others)."""
    lines: list[str] = []
    _record(record, indent="  ", lines=lines, labels=_labels(type(record), but=but))
    lines[0] = "- " + lines[0][2:]
    return "\n".join(lines) + "\n"


def item_field(name: str, value: str) -> str:
    """One more text field of a top-level list item, as `record_item` writes it: the line that
    `record_item(record)` adds to `record_item(record, but=name)` when `name` is its last field."""
    return f"  {text(name)}: {text(value)}\n"


def _record(
    record: Any, *, indent: str, lines: list[str], labels: list[tuple[str, str]] | None = None
) -> None:
    # The common types first, tested by identity: this runs for every field of every record.
    for name, label in _labels(type(record)) if labels is None else labels:
        value = getattr(record, name)
        kind = type(value)
        if kind is str:
            lines.append(f"{indent}{label}: {text(value)}")
        elif value is None:
            lines.append(f"{indent}{label}: null")
        elif kind is int:
            lines.append(f"{indent}{label}: {value}")
        elif kind is datetime:
            lines.append(f"{indent}{label}: {_instant(value)}")
        elif kind is tuple and value:
            lines.append(f"{indent}{label}:")
            _record_items(value, indent=indent, lines=lines)
        elif hasattr(kind, "__dataclass_fields__"):
            lines.append(f"{indent}{label}:")
            _record(value, indent=indent + "  ", lines=lines)
        else:
            lines.append(f"{indent}{label}: {_as_json_leaf(value)}")


def _record_items(items: tuple[Any, ...], *, indent: str, lines: list[str]) -> None:
    inner = indent + "  "
    for item in items:
        if hasattr(type(item), "__dataclass_fields__"):
            start = len(lines)
            _record(item, indent=inner, lines=lines)
            lines[start] = f"{indent}- {lines[start][len(inner) :]}"
        else:
            lines.append(f"{indent}- {_as_json_leaf(item)}")


def _instant(value: datetime) -> str:
    """ISO 8601 as pydantic writes it (UTC as `Z`), quoted as `text` would: it starts with a
    digit and holds only ASCII digits and `-:.+TZ`, so single quotes always fit."""
    shown = value.isoformat()
    return f"'{shown[:-6]}Z'" if shown.endswith("+00:00") else f"'{shown}'"


def _as_json_leaf(value: Any) -> str:
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, date):
        return text(value.isoformat())
    if value is None or isinstance(value, str | int | float):
        return leaf(value)
    if value == ():
        return "[]"
    raise TypeError(f"no YAML form for {type(value).__name__} in a plan record")


_LABELS: dict[tuple[type, str | None], list[tuple[str, str]]] = {}


def _labels(kind: type, *, but: str | None = None) -> list[tuple[str, str]]:
    """The fields of a record type and their written keys, in order, `but` one if named."""
    labels = _LABELS.get((kind, but))
    if labels is None:
        names = [f.name for f in fields(kind)]
        if but is not None:
            names.remove(but)  # a ValueError if `kind` has no such field: nothing is left out
        labels = _LABELS[kind, but] = [(name, text(name)) for name in names]
    return labels


def _double_quoted(value: str) -> str:
    """JSON's escapes are YAML's; what JSON leaves raw but YAML may not hold is escaped too."""
    return _NEEDS_ESCAPE.sub(_escape, json.dumps(value, ensure_ascii=False))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
