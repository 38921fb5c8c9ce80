"""Read YAML policy files with ruamel.yaml, keeping where every key and item was written.

The rest of the loader works on plain Python values; this module is the only one that knows
ruamel's node types. Every failure becomes a `Problem` with file and line, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedOrderedMap, CommentedSeq, CommentedSet
from ruamel.yaml.constructor import ConstructorError, DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import Node
from ruamel.yaml.reader import ReaderError

from controller.core.errors import SHOWN_LIMIT, Problem, shown

MAX_FILE_BYTES = 5_000_000
MAX_EXPANDED_NODES = 200_000
_ABSENT = object()


@dataclass(frozen=True)
class SourceDocument:
    """One YAML document of a policy file, as plain data plus the node that knows line numbers."""

    file: str
    start_line: int
    data: Any
    node: Any


def read_yaml_documents(path: Path, display: str) -> tuple[list[SourceDocument], list[Problem]]:
    """All documents of one file, or the problems that kept it from being read."""
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        return [], [Problem(display, 1, "", f"file is larger than {MAX_FILE_BYTES} bytes")]
    text, problem = _decode(raw, display)
    if problem:
        return [], [problem]
    try:
        nodes = list(_parser().load_all(text))
        if any(_expands_beyond(n, MAX_EXPANDED_NODES) for n in nodes):
            message = (
                f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values; "
                "write the values out instead of nesting aliases"
            )
            return [], [Problem(display, 1, "", message)]
        tagged = [problem for n in nodes for problem in _tagged_values(n, display)]
        if tagged:
            return [], tagged
        documents = [
            SourceDocument(display, _start_line(n), to_plain(n), n) for n in nodes if n is not None
        ]
    except (MarkedYAMLError, ReaderError, YAMLError) as error:
        return [], [_syntax_problem(error, display, text=text)]
    except RecursionError:
        message = "YAML nests too deeply (or an alias refers to itself); write the values out"
        return [], [Problem(display, 1, "", message)]
    if not documents:
        return [], [_empty_file_problem(display, text)]
    return documents, []


def _empty_file_problem(display: str, text: str) -> Problem:
    what = "file is empty" if not text.strip() else "file has only comments, no YAML document"
    return Problem(display, 1, "", f"{what}; a policy file needs `version: 1` and a `kind`")


class _PolicyConstructor(RoundTripConstructor):
    """ruamel's round-trip constructor, but a bad value never escapes as a bare ValueError.

    YAML resolves `2026-13-45` as a timestamp and then fails to build the date; keeping the text
    lets the model report it with its key path. Other impossible values (`!!int abc`) become a
    YAML error at the node, so they get a line.
    """

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return str(node.value)

    def construct_non_recursive_object(self, node: Node, tag: str | None = None) -> Any:
        try:
            return super().construct_non_recursive_object(node, tag)
        except ValueError as error:
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise ConstructorError(
                problem=f"cannot read {shown(node.value)} as {tag} ({_cut(error)}); "
                "fix the value or the tag",
                problem_mark=node.start_mark,
            ) from None


def _cut(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= SHOWN_LIMIT else text[:SHOWN_LIMIT] + "…"


_PolicyConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _PolicyConstructor.construct_yaml_timestamp
)


def _parser() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _PolicyConstructor
    yaml.allow_duplicate_keys = False
    return yaml


def _decode(raw: bytes, display: str) -> tuple[str, Problem | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = f"not UTF-8 text (byte 0x{raw[error.start]:02x}); policy files are UTF-8 YAML"
        return "", Problem(display, line, "", message)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return "", Problem(
            display, line, "", "binary content (NUL byte); policy files are YAML text"
        )
    return text, None


# What ruamel says (a phrase of its problem or context), whether the fix is where the construct
# started (its context mark) rather than where the parser gave up, and what to tell the user.
_SYNTAX_HINTS: tuple[tuple[str, bool, str], ...] = (
    ("'\\t'", False, "a tab character; indent YAML with spaces"),
    ("tab character", False, "a tab character; indent YAML with spaces"),
    (
        "while scanning a quoted scalar",
        True,
        "a quoted value is never closed; add the closing quote",
    ),
    (
        "while parsing a flow sequence",
        True,
        "a `[` list is never closed; end it with `]` and separate its items with `,`",
    ),
    (
        "while parsing a flow mapping",
        True,
        "a `{` mapping is never closed; end it with `}` and separate its entries with `,`",
    ),
    ("while scanning a simple key", True, "a key without a `:`; write `key: value`"),
    (
        "mapping values are not allowed here",
        False,
        "a `:` where no key may start; indent this key like the keys around it, "
        "or quote a value that contains `: `",
    ),
    (
        "expected <block end>, but found ']'",
        False,
        "a `]` without a matching `[`; remove it, or open the list with `[`",
    ),
    (
        "expected <block end>, but found '}'",
        False,
        "a `}` without a matching `{`; remove it, or open the mapping with `{`",
    ),
    (
        "expected <block end>",
        False,
        "this line is indented differently from the lines around it; start the keys of one "
        "mapping, and the `-` items of one list, in the same column",
    ),
    (
        "cannot start any token",
        False,
        "`{found}` cannot start a plain value (YAML reserves it); put the value in quotes",
    ),
)


def _syntax_problem(error: Exception, display: str, *, text: str) -> Problem:
    if isinstance(error, ReaderError):
        line = text[: error.position].count("\n") + 1
        character = f"U+{error.character:04X}" if isinstance(error.character, int) else "?"
        message = f"YAML syntax: character {character} is not allowed in YAML text; remove it"
        return Problem(display, line, "", message)
    problem = " ".join(str(getattr(error, "problem", "") or error).split())
    context = " ".join(str(getattr(error, "context", "") or "").split())
    problem_line = _mark_line(getattr(error, "problem_mark", None))
    context_line = _mark_line(getattr(error, "context_mark", None))
    if isinstance(error, DuplicateKeyError):
        message = _duplicate_key(problem, text, mark=getattr(error, "problem_mark", None))
        return Problem(display, problem_line or 1, "", message)
    for phrase, at_context, hint in _SYNTAX_HINTS:
        if phrase in f"{problem} {context}":
            line = (context_line if at_context else problem_line) or problem_line or 1
            found = problem.split("'")[1] if problem.count("'") >= 2 else "this character"
            return Problem(display, line, "", "YAML syntax: " + hint.replace("{found}", found))
    detail = f"{problem} ({context})" if context else problem
    return Problem(display, problem_line or context_line or 1, "", f"YAML syntax: {detail}")


def _mark_line(mark: Any) -> int | None:
    return int(mark.line) + 1 if mark is not None else None


def _duplicate_key(problem: str, text: str, *, mark: Any) -> str:
    """Name the key, and where it was first written when that is plain to see."""
    key = problem.split('"')[1] if problem.count('"') >= 2 else ""
    first = _first_occurrence(text, key, mark=mark) if key and mark is not None else None
    where = f" (first written on line {first})" if first else ""
    return (
        f"YAML syntax: duplicate key {key!r}{where}; a key may appear once in a mapping, "
        "so remove or merge one of them"
    )


def _first_occurrence(text: str, key: str, *, mark: Any) -> int | None:
    """The earlier line of the same block mapping that starts with the same key."""
    lines, column = text.splitlines(), int(mark.column)
    for number in range(int(mark.line), 0, -1):
        candidate = lines[number - 1]
        stripped = candidate.lstrip(" -")
        indent = len(candidate) - len(stripped)
        if not stripped or stripped.startswith("#") or indent > column:
            continue
        if indent < column:
            return None
        if stripped.startswith(f"{key}:"):
            return number
        if "-" in candidate[:column]:
            return None  # the first line of a list item starts the mapping
    return None


def _start_line(node: Any) -> int:
    lc = getattr(node, "lc", None)
    return (lc.line + 1) if lc is not None and lc.line is not None else 1


# Tags that only say what plain YAML would infer anyway (`!!str 5`); any other (`!!python/...`,
# `!custom`, `!!set`) is refused, never constructed.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)


def _tagged_values(root: Any, display: str) -> list[Problem]:
    """A problem for every explicitly tagged value but the plain ones, at its line."""
    problems: list[Problem] = []
    pending: list[tuple[Any, int]] = [(root, _start_line(root))]
    while pending:
        node, line = pending.pop()
        tag = _tag_of(node)
        if tag is not None and tag not in _PLAIN_TAGS:
            shown_tag = shown(tag.replace("tag:yaml.org,2002:", "!!"))
            message = (
                f"YAML tag {shown_tag} is not allowed: policy files hold plain values "
                "(mappings, lists, text, numbers, dates); remove the tag"
            )
            problems.append(Problem(display, line, "", message))
        pending.extend(_children(node, line))
    return sorted(problems)


def _tag_of(node: Any) -> str | None:
    if isinstance(node, CommentedSet | CommentedOrderedMap):
        return (
            "tag:yaml.org,2002:set" if isinstance(node, CommentedSet) else "tag:yaml.org,2002:omap"
        )
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag) if tag is not None else None
    return str(value) if value else None


def _children(node: Any, line: int) -> list[tuple[Any, int]]:
    """Each value inside a mapping or list with the line it starts on (its parent's when ruamel
    did not record one)."""
    if isinstance(node, CommentedMap):
        # Keys a merge (`<<: *defaults`) brought in have no line of their own.
        return [(value, _line(node.lc.data.get(key), line)) for key, value in node.items()]
    if isinstance(node, CommentedSeq):
        return [(value, _line(node.lc.item(i), line)) for i, value in enumerate(node)]
    return []


def _line(position: Any, fallback: int) -> int:
    return int(position[0]) + 1 if position and position[0] is not None else fallback


def _expands_beyond(root: Any, limit: int) -> bool:
    """Whether the document, with every alias expanded, has more than `limit` values.

    ruamel shares aliased nodes instead of copying them, so a few lines of nested aliases
    ("billion laughs") would only blow up when converted; count first, without recursion.
    """
    pending, seen = [root], 0
    while pending:
        node = pending.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(node, CommentedMap):
            pending.extend(node.values())
        elif isinstance(node, CommentedSeq):
            pending.extend(node)
    return False


def to_plain(node: Any) -> Any:
    """ruamel's round-trip types as plain dict/list/str/int/float/bool/date values."""
    if isinstance(node, CommentedMap):
        return {key_text(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, datetime):
        return datetime.fromisoformat(node.isoformat())
    if isinstance(node, date):
        return date(node.year, node.month, node.day)
    return str(node)


def line_of(node: Any, path: tuple[str | int, ...], *, key: bool = False) -> int:
    """The line where the value at `path` (or its key, with `key=True`) was written.

    A mapping or list value is pointed at by its key (`exclude:`), where a reader looks for it;
    so is an empty value, which ruamel places on the line after its key. Where the path leaves
    the document (a missing key), the line of the deepest mapping that exists is the best place
    to point at.
    """
    line = _start_line(node)
    for depth, step in enumerate(path):
        if isinstance(node, CommentedMap) and (written := _written_key(node, step)) is not _ABSENT:
            value = node[written]
            at_key = (
                (key and depth == len(path) - 1)
                or value is None
                or isinstance(value, CommentedMap | CommentedSeq)
            )
            line = (node.lc.key(written) if at_key else node.lc.value(written))[0] + 1
            node = value
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
            line = _line(node.lc.item(step), line)
            node = node[step]
        else:
            break
    return line


def _written_key(node: CommentedMap, step: str | int) -> Any:
    """The key as written in YAML (`1`, `null`) for a path step that `to_plain` made text.

    Keys pulled in by a merge (`<<: *defaults`) have no line of their own: `_ABSENT`.
    """
    for written in node.lc.data:
        if key_text(written) == str(step):
            return written
    return _ABSENT


def key_text(key: Any) -> str:
    """A mapping key as text, spelled the way YAML writes it (`null`, `true`, `1`)."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)
