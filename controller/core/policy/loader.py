"""Load a policy repository: find the files, read them, validate every document, check the set.

Shell side of `controller.core.policy`: it reads files; the checks it calls are pure. All problems
in all files are collected and raised together as one `InvalidFiles` (exit 2).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from controller.core.errors import BadInput, InvalidFiles, Problem
from controller.core.policy.checks import check_policy_set
from controller.core.policy.models import (
    KINDS,
    AccessGrants,
    Exclusions,
    GitHubIdentities,
    InactivityPolicy,
    Organization,
    RestorePolicy,
)
from controller.core.policy.policy_set import LoadedPolicies, Located, PolicySet
from controller.core.policy.yaml_source import SourceDocument, line_of, read_yaml_documents

MODELS: dict[str, type[BaseModel]] = {
    "Organization": Organization,
    "InactivityPolicy": InactivityPolicy,
    "Exclusions": Exclusions,
    "RestorePolicy": RestorePolicy,
    "AccessGrants": AccessGrants,
    "GitHubIdentities": GitHubIdentities,
}
POLICY_SUFFIXES = (".yaml", ".yml")

PATTERN_MEANINGS = {
    "^[a-z0-9][a-z0-9._-]*$": "expected a name of lower-case letters, digits, `.`, `_` and `-`",
    "^([^@\\s]+@[^@\\s]+\\.[^@\\s]+|[A-Za-z0-9][A-Za-z0-9:_-]{5,127})$": (
        "expected an e-mail address or an Atlassian accountId like 557058:0a1b2c3d"
    ),
    "^https?://[^\\s/]+/?$": "expected a site URL like https://acme.atlassian.net",
    "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$": "expected an e-mail address",
    "^[A-Za-z0-9](-?[A-Za-z0-9])*$": (
        "expected a GitHub login: letters, digits and single hyphens, not first or last"
    ),
    "^https?://[^\\s/]+(/[^\\s/?#]+){2}$": (
        "expected a repository URL like https://github.com/acme/access-policies"
    ),
    "^[A-Za-z0-9][A-Za-z0-9._-]*\\.ya?ml$": "expected a file name like request-access.yml",
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
    errors, warnings = check_policy_set(documents, today=today, complete=not problems)
    problems += errors
    if problems:
        raise InvalidFiles(problems)
    return LoadedPolicies(
        policies=_assemble(documents),
        files=tuple(display_path(f) for f in files),
        warnings=tuple(sorted(warnings)),
        sources=located,
        documents=tuple(documents),
    )


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def validate_document(source: SourceDocument) -> tuple[BaseModel | None, list[Problem]]:
    """One document as its model, or every problem the model found in it."""
    data = source.data
    if not isinstance(data, dict):
        message = (
            "a policy document is a mapping that starts with `version: 1` and `kind: ...`, "
            f"found {describe(data)}"
        )
        return None, [Problem(source.file, source.start_line, "", message)]
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in MODELS:
        return None, [_kind_problem(source, kind)]
    model_class = MODELS[kind]
    try:
        return model_class.model_validate(data), []
    except ValidationError as error:
        details = _without_echoes(model_class, error.errors())
        return None, [_problem(source, model_class, error=e) for e in details]


def _kind_problem(source: SourceDocument, kind: object) -> Problem:
    line = line_of(source.node, ("kind",))
    expected = ", ".join(KINDS)
    if "kind" not in source.data:
        message = f"missing required key `kind`; add one of {expected}"
    elif not isinstance(kind, str):
        message = f"expected one of {expected} (got {describe(kind)})"
    else:
        guess = _close_match(kind, KINDS, cutoff=0.8)
        hint = f"did you mean {guess}?" if guess else f"expected one of {expected}"
        message = f"unknown kind {kind!r}; {hint}"
    return Problem(source.file, line, "kind", message)


def _without_echoes(model: type[BaseModel], errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop errors that only repeat another one in worse words.

    pydantic counts only the valid entries of a list, so a list whose one entry is wrong also
    "needs at least 1 entry"; and a misspelled required key is also a missing one.
    """
    item_parents = {tuple(e["loc"][:i]) for e in errors for i in range(len(e["loc"]))}
    misspelled = {
        (*e["loc"][:-1], guess)
        for e in errors
        if e["type"] == "extra_forbidden"
        and (guess := _close_match(str(e["loc"][-1]), _keys_at(model, tuple(e["loc"][:-1]))))
    }
    return [
        e
        for e in errors
        if not (e["type"] == "too_short" and tuple(e["loc"]) in item_parents)
        and not (e["type"] == "missing" and tuple(e["loc"]) in misspelled)
    ]


def _close_match(word: str, choices: Sequence[str], *, cutoff: float = 0.6) -> str | None:
    """The choice `word` was probably meant to be, ignoring case."""
    by_lower = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[found[0]] if found else None


def _problem(source: SourceDocument, model: type[BaseModel], *, error: ErrorDetails) -> Problem:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    if error["type"] == "value_error":
        loc = _key_named_in(str(error["msg"]), source.data, loc=loc)
    line = line_of(source.node, loc, key=error["type"] == "extra_forbidden")
    path = ".".join(str(p) for p in loc)
    return Problem(source.file, line, path, _message(model, error))


def _key_named_in(message: str, data: Any, *, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """A check across keys (`warn_before_days` < `inactive_after_days`) fails on the whole
    mapping; point at the first key its message names that the mapping has."""
    for step in loc:
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            return loc
    if not isinstance(data, dict):
        return loc
    for backticked, plain in re.findall(r"`(\w+)`|\b([a-z]+_[a-z_]+)\b", message):
        if (backticked or plain) in data:
            return (*loc, backticked or plain)
    return loc


def _message(model: type[BaseModel], error: ErrorDetails) -> str:
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "extra_forbidden":
        return _unknown_key_message(model, loc)
    if kind == "missing":
        return _missing_key_message(model, loc)
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        return _literal_message(loc, error)
    explain = EXPLANATIONS.get(kind)
    what = explain(error.get("ctx") or {}) if explain else _plain_words(str(error["msg"]))
    given = error.get("input")
    if kind == "string_type" and isinstance(given, int | float | date):
        what += "; put it in quotes, YAML reads it as a number, a date or true/false"
    return f"{what} (got {describe(given)})"


def _plain_words(pydantic_message: str) -> str:
    return pydantic_message.replace("Input should be", "expected")


def _pattern_meaning(ctx: dict[str, Any]) -> str:
    pattern = str(ctx.get("pattern", ""))
    return PATTERN_MEANINGS.get(pattern, f"does not match the pattern {pattern}")


def _number(bound: object) -> str:
    """A bound as people write it: a fraction's limit of 1.0 is "1"."""
    return str(int(bound)) if isinstance(bound, float) and bound.is_integer() else str(bound)


def _entries(count: object) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


EXPLANATIONS: dict[str, typing.Callable[[dict[str, Any]], str]] = {
    "string_pattern_mismatch": _pattern_meaning,
    "string_too_short": lambda ctx: (
        "must not be empty"
        if ctx.get("min_length") == 1
        else f"needs at least {ctx.get('min_length')} characters"
    ),
    "string_too_long": lambda ctx: f"is too long; at most {ctx.get('max_length')} characters",
    "string_type": lambda ctx: "expected text",
    "int_type": lambda ctx: "expected a whole number",
    "int_parsing": lambda ctx: "expected a whole number",
    "int_from_float": lambda ctx: "expected a whole number",
    "float_type": lambda ctx: "expected a number",
    "float_parsing": lambda ctx: "expected a number",
    "bool_type": lambda ctx: "expected true or false",
    "bool_parsing": lambda ctx: "expected true or false",
    "greater_than_equal": lambda ctx: f"must be at least {_number(ctx.get('ge'))}",
    "greater_than": lambda ctx: f"must be more than {_number(ctx.get('gt'))}",
    "less_than_equal": lambda ctx: f"must be at most {_number(ctx.get('le'))}",
    "less_than": lambda ctx: f"must be less than {_number(ctx.get('lt'))}",
    "too_short": lambda ctx: f"needs at least {_entries(ctx.get('min_length'))}",
    "too_long": lambda ctx: f"has too many entries; at most {ctx.get('max_length')}",
    "tuple_type": lambda ctx: "expected a list; write `[a, b]` or one `- item` per line",
    "list_type": lambda ctx: "expected a list; write `[a, b]` or one `- item` per line",
    "model_type": lambda ctx: "expected a mapping of `key: value` lines",
    "dict_type": lambda ctx: "expected a mapping of `key: value` lines",
    "date_type": lambda ctx: "expected a date like 2026-12-31",
    "date_parsing": lambda ctx: "expected a date like 2026-12-31",
    "date_from_datetime_parsing": lambda ctx: "expected a date like 2026-12-31",
    "date_from_datetime_inexact": lambda ctx: "expected a date without a time, like 2026-12-31",
}
"""What each pydantic error type means, in words for someone editing a policy file."""


def describe(value: object) -> str:
    """A value as the user wrote it, short enough for one line."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list" if value else "an empty list"
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _missing_key_message(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    if loc == ("version",):
        return "missing required key `version`; add `version: 1`"
    field = _field_at(model, loc)
    about = field.description if field is not None and field.description else ""
    about = f": {about[:1].lower()}{about[1:].rstrip('.')}" if about else ""
    return f"missing required key `{loc[-1]}`; add it{about}"


def _literal_message(loc: tuple[Any, ...], error: ErrorDetails) -> str:
    given = error.get("input")
    if loc == ("version",):
        return f"unsupported version; write `version: 1` (got {describe(given)})"
    options = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
    guess = _close_match(str(given), options)
    hint = f"; did you mean `{guess}`?" if guess else ""
    return f"expected one of {', '.join(options)}{hint} (got {describe(given)})"


def _unknown_key_message(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    allowed = _keys_at(model, loc[:-1])
    guess = _close_match(str(loc[-1]), allowed)
    if guess:
        return f"unknown key; did you mean `{guess}`?"
    if allowed:
        return "unknown key; allowed here: " + ", ".join(allowed)
    return "unknown key; remove it"


def _keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed by the model nested at `loc` (list indices are stepped over)."""
    current = _model_at(model, loc)
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _field_at(model: type[BaseModel], loc: tuple[Any, ...]) -> FieldInfo | None:
    """The field a key at `loc` stands for, by name or by alias (`from`)."""
    parent = _model_at(model, loc[:-1])
    if parent is None:
        return None
    return next((f for name, f in parent.model_fields.items() if loc[-1] in (name, f.alias)), None)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for step in loc:
        if current is None:
            return None
        if isinstance(step, int):
            continue
        field = _field_at(current, (step,))
        current = _model_in(field.annotation) if field else None
    return current


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _locate_documents(
    documents: list[tuple[BaseModel, SourceDocument]],
) -> dict[tuple[str, str], Located]:
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
        identities=of(GitHubIdentities),
    )


def load_policy_set(directory: Path, *, today: date) -> PolicySet:
    """The policy set of a repository, for commands that only need the values."""
    return load_policies([directory], today=today).policies
