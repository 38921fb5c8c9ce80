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
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from controller.errors import Problem

MAX_FILE_BYTES = 5_000_000


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
    except (MarkedYAMLError, ReaderError, YAMLError) as error:
        return [], [_syntax_problem(error, display, text)]
    documents = [
        SourceDocument(display, _start_line(n), to_plain(n), n) for n in nodes if n is not None
    ]
    if not documents:
        return [], [Problem(display, 1, "", "file is empty; a policy file needs `version: 1` and a `kind`")]
    return documents, []


def _parser() -> YAML:
    yaml = YAML(typ="rt")
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
        return "", Problem(display, line, "", "binary content (NUL byte); policy files are YAML text")
    return text, None


def _syntax_problem(error: Exception, display: str, text: str) -> Problem:
    if isinstance(error, ReaderError):
        line = text[: error.position].count("\n") + 1
        return Problem(display, line, "", f"YAML syntax: {error.reason} in the file")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    return Problem(display, line, "", "YAML syntax: " + _explain(error))


def _explain(error: Exception) -> str:
    problem = str(getattr(error, "problem", "") or error).strip()
    context = str(getattr(error, "context", "") or "").strip()
    if "\\t" in problem or "'\\t'" in problem or "tab" in problem.lower():
        return "a tab character; indent YAML with spaces"
    if "duplicate key" in problem or "duplicate key" in context:
        key = problem.split('"')[1] if '"' in problem else ""
        return f"duplicate key {key!r}; each key may appear once in a mapping".replace(" ''", "")
    detail = f"{problem} ({context})" if context else problem
    return " ".join(detail.split())


def _start_line(node: Any) -> int:
    lc = getattr(node, "lc", None)
    return (lc.line + 1) if lc is not None and lc.line is not None else 1


def to_plain(node: Any) -> Any:
    """ruamel's round-trip types as plain dict/list/str/int/float/bool/date values."""
    if isinstance(node, CommentedMap):
        return {str(k) if not isinstance(k, str) else k: to_plain(v) for k, v in node.items()}
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

    Where the path leaves the document (a missing key), the line of the deepest mapping that
    exists is the best place to point at.
    """
    line = _start_line(node)
    for depth, step in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, CommentedMap) and step in node:
            line = node.lc.key(step)[0] + 1 if (key and last) else node.lc.value(step)[0] + 1
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
            line = node.lc.item(step)[0] + 1
            node = node[step]
        else:
            break
    return line
