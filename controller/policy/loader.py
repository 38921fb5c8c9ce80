"""Load a policy repository: find the files, read them, validate every document, check the set.

Shell side of `controller.policy`: it reads files; the checks it calls are pure. All problems in
all files are collected and raised together as one `InvalidFiles` (exit 2).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from controller.errors import BadInput, InvalidFiles, Problem
from controller.policy.checks import check_policy_set
from controller.policy.models import (
    KINDS,
    AccessGrants,
    Exclusions,
    InactivityPolicy,
    Organization,
    RestorePolicy,
)
from controller.policy.policy_set import LoadedPolicies, Located, PolicySet
from controller.policy.yaml_source import SourceDocument, line_of, read_yaml_documents

MODELS: dict[str, type[BaseModel]] = {
    "Organization": Organization,
    "InactivityPolicy": InactivityPolicy,
    "Exclusions": Exclusions,
    "RestorePolicy": RestorePolicy,
    "AccessGrants": AccessGrants,
}
POLICY_SUFFIXES = (".yaml", ".yml")

PATTERN_MEANINGS = {
    "^[a-z0-9][a-z0-9._-]*$": "use lower-case letters, digits, `.`, `_` and `-`",
    "^https?://[^\\s/]+/?$": "expected a site URL like https://acme.atlassian.net",
    "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$": "expected an e-mail address",
    "^\\S(.*\\S)?$": "expected a group name without leading or trailing spaces",
}


def policy_files(paths: Sequence[Path]) -> list[Path]:
    """Every YAML file under the given files and directories, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.suffix in POLICY_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise BadInput(f"{path}: no such file or directory; pass a policy directory or file")
    return found


def load_policies(paths: Sequence[Path], *, today: date) -> LoadedPolicies:
    """Read, validate and check a policy set; raise `InvalidFiles` listing every problem."""
    files = policy_files(paths)
    if not files:
        shown = ", ".join(str(p) for p in paths)
        raise BadInput(f"{shown}: no policy files (*.yaml) found; see policies/ for examples")
    problems: list[Problem] = []
    documents: list[tuple[BaseModel, SourceDocument]] = []
    for path in files:
        sources, read_problems = read_yaml_documents(path, display_path(path))
        problems += read_problems
        for source in sources:
            model, doc_problems = validate_document(source)
            problems += doc_problems
            if model is not None:
                documents.append((model, source))
    located = _locate_documents(documents)
    errors, warnings = check_policy_set(documents, today=today)
    problems += errors
    if problems:
        raise InvalidFiles(problems)
    return LoadedPolicies(
        policies=_assemble(documents),
        files=tuple(display_path(f) for f in files),
        warnings=tuple(sorted(warnings)),
        sources=located,
    )


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def validate_document(source: SourceDocument) -> tuple[BaseModel | None, list[Problem]]:
    data = source.data
    if not isinstance(data, dict):
        found = type(data).__name__ if not isinstance(data, list) else "a list"
        message = f"a policy document is a mapping with `version` and `kind`, found {found}"
        return None, [Problem(source.file, source.start_line, "", message)]
    kind = data.get("kind")
    if kind not in MODELS:
        return None, [_kind_problem(source, kind)]
    model_class = MODELS[str(kind)]
    try:
        return model_class.model_validate(data), []
    except ValidationError as error:
        return None, [_problem(source, model_class, e) for e in error.errors()]


def _kind_problem(source: SourceDocument, kind: object) -> Problem:
    line = line_of(source.node, ("kind",))
    expected = ", ".join(KINDS)
    if kind is None:
        return Problem(source.file, line, "kind", f"missing; expected one of {expected}")
    guess = difflib.get_close_matches(str(kind), KINDS, n=1)
    hint = f"; did you mean {guess[0]}?" if guess else f"; expected one of {expected}"
    return Problem(source.file, line, "kind", f"unknown kind {kind!r}{hint}")


def _problem(source: SourceDocument, model: type[BaseModel], error: ErrorDetails) -> Problem:
    loc = tuple(error["loc"])
    is_key_error = error["type"] == "extra_forbidden"
    line = line_of(source.node, loc, key=is_key_error)
    path = ".".join(str(p) for p in loc)
    return Problem(source.file, line, path, _message(model, error))


def _message(model: type[BaseModel], error: ErrorDetails) -> str:
    kind, loc, given = error["type"], tuple(error["loc"]), error.get("input")
    if kind == "extra_forbidden":
        return _unknown_key_message(model, loc)
    if kind == "missing":
        return "required key is missing"
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        meaning = PATTERN_MEANINGS.get(pattern, f"does not match {pattern}")
        return f"{meaning} (got {_short(given)})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in {"date_from_datetime_parsing", "date_parsing", "date_type"}:
        return f"expected a date like 2026-12-31 (got {_short(given)})"
    message = str(error["msg"])
    if kind.startswith("int") or kind.startswith("float") or kind.startswith("bool"):
        message = message.replace("Input should be", "expected")
    return f"{message} (got {_short(given)})" if given is not None and not isinstance(given, dict) else message


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unknown_key_message(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    allowed = _keys_at(model, loc[:-1])
    name = str(loc[-1])
    guess = difflib.get_close_matches(name, allowed, n=1)
    if guess:
        return f"unknown key; did you mean `{guess[0]}`?"
    return "unknown key; allowed here: " + ", ".join(allowed) if allowed else "unknown key"


def _keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed by the model nested at `loc` (list indices are stepped over)."""
    current: type[BaseModel] | None = model
    for step in loc:
        if current is None:
            return []
        if isinstance(step, int):
            continue
        field = current.model_fields.get(str(step))
        current = _model_in(field.annotation) if field else None
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _locate_documents(documents: list[tuple[BaseModel, SourceDocument]]) -> dict[tuple[str, str], Located]:
    located: dict[tuple[str, str], Located] = {}
    for model, source in documents:
        key = (str(getattr(model, "kind", "")), str(getattr(model, "name", "")))
        located.setdefault(key, Located(source.file, source.start_line))
    return located


def _assemble(documents: list[tuple[BaseModel, SourceDocument]]) -> PolicySet:
    models = [m for m, _ in documents]

    def of(kind: type[BaseModel]) -> tuple[Any, ...]:
        return tuple(sorted((m for m in models if isinstance(m, kind)), key=lambda m: m.name))

    organization = next(m for m in models if isinstance(m, Organization))
    return PolicySet(
        organization=organization,
        inactivity=of(InactivityPolicy),
        exclusions=of(Exclusions),
        restore=of(RestorePolicy),
        grants=of(AccessGrants),
    )


def load_policy_set(directory: Path, *, today: date) -> PolicySet:
    """The policy set of a repository, for commands that only need the values."""
    return load_policies([directory], today=today).policies
