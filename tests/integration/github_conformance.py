"""Every answer of the GitHub simulator, checked against GitHub's own REST description.

`Conformance` is an ASGI middleware wrapped around every GitHub simulator app a test builds
(`install` swaps the `Starlette` class `controller.sim.github.app.create_app` builds with, so the
demo, the CLI's `sim github` and every fixture are covered alike). Each response to a GitHub API
route is validated (jsonschema) against the schema GitHub publishes for its path, method and
status (github_openapi_subset.json, see NOTICE.md); error statuses the description does not list
for a path (401, a rate-limit 403) must still be GitHub's `basic-error`. On top of the schemas:
every URL points at the simulator, timestamps are ISO 8601, and a pull request's
`merged`/`merged_at`/`merge_commit_sha` agree. Routes that are not GitHub's (`/__sim/...`) and
git's own HTTP protocol are left alone.

Failures are collected (a test fails at teardown, see tests/conftest.py); counts per route are
kept for the summary printed at the end of the run.

`python -m tests.integration.github_conformance REPORT.json -- MODULE` runs MODULE's `main()`
(e.g. the demo) with the check installed and writes what it saw to REPORT.json.
"""

from __future__ import annotations

import json
import re
import runpy
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DESCRIPTION = Path(__file__).parent / "github_openapi_subset.json"
NOT_GITHUB = ("/__sim/",)
_GIT_PROTOCOL = re.compile(r"\.git/(info/refs|git-upload-pack|git-receive-pack)$")
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
# Documentation links are the only URLs that leave the simulator, as on GitHub.
_FOREIGN_URL_KEYS = {"documentation_url"}


# --- the description ------------------------------------------------------------------------


@cache
def description() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    return loaded


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema: `nullable: true` becomes "or null" (3.0 has no null type)."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def components() -> dict[str, Any]:
    converted: dict[str, Any] = as_json_schema(description()["components"])
    return converted


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Each path of the description as a pattern; `{ref}` and `{path}` may hold slashes."""
    found = []
    for template in description()["paths"]:
        pattern = re.sub(
            r"\{(\w+)\}",
            lambda m: "(.+)" if m[1] in {"ref", "path", "branch"} else "([^/]+)",
            template,
        )
        found.append((re.compile(f"^{pattern}$"), template))
    # Literal segments first: `/issues/comments/{id}` before `/issues/{n}/...`.
    return sorted(found, key=lambda item: -len(re.sub(r"\{\w+\}", "", item[1])))


def template_of(path: str) -> str | None:
    return next((template for pattern, template in _templates() if pattern.match(path)), None)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = description()["components"][kind][name]
    return node


def response_schema(template: str, method: str, status: int) -> dict[str, Any] | None:
    """The JSON schema of that response; {} when it has no body; None when not described."""
    operation = description()["paths"][template].get(method.lower())
    if operation is None or str(status) not in operation["responses"]:
        return None
    content = _resolve(operation["responses"][str(status)]).get("content", {})
    if "application/json" not in content:
        return {}
    schema: dict[str, Any] = as_json_schema(content["application/json"]["schema"])
    return schema


BASIC_ERROR = {"$ref": "#/components/schemas/basic-error"}


# --- format and coherence checks --------------------------------------------------------------

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError(f"{value!r} is not an ISO 8601 (RFC 3339) date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if isinstance(value, str) and not (urlsplit(value).scheme and urlsplit(value).netloc):
        raise ValueError(f"{value!r} is not an absolute URI")
    return True


@cache
def _validator(schema_json: str) -> jsonschema.protocols.Validator:
    rooted = {**json.loads(schema_json), "components": components()}
    return jsonschema.Draft7Validator(rooted, format_checker=FORMATS)


def schema_errors(body: Any, schema: dict[str, Any]) -> list[str]:
    validator = _validator(json.dumps(schema, sort_keys=True))
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in errors]


def _strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _strings(value, str(name))
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, key)
    elif isinstance(node, str):
        yield key, node


def foreign_urls(body: Any, *, base: str) -> list[str]:
    """URLs in an answer that do not point at the simulator (documentation links aside)."""
    return [
        f"{key}={value}"
        for key, value in _strings(body)
        if value.startswith(("http://", "https://"))
        and key not in _FOREIGN_URL_KEYS
        and not value.startswith(base)
    ]


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def incoherent_pulls(body: Any) -> list[str]:
    """Pull requests whose merge fields disagree."""
    found = []
    for item in _objects(body):
        if "merged_at" not in item or "head" not in item:
            continue
        merged_at, sha = item["merged_at"], item.get("merge_commit_sha")
        merged = item.get("merged", merged_at is not None)
        if merged != (merged_at is not None) or (merged and not sha):
            found.append(f"#{item.get('number')}: merged={merged} merged_at={merged_at} sha={sha}")
        if merged and item.get("state") != "closed":
            found.append(f"#{item.get('number')}: merged but {item.get('state')}")
    return found


# --- the record of what was seen -------------------------------------------------------------


@dataclass
class Record:
    """Responses validated per route, and what did not conform."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, problems: list[str]) -> None:
        with self.lock:
            self.counts[route] += 1
            self.failures += [f"{route}: {problem}" for problem in problems]

    def take_failures(self) -> list[str]:
        with self.lock:
            taken, self.failures = self.failures, []
            return taken

    def as_json(self) -> dict[str, Any]:
        with self.lock:
            return {"counts": dict(self.counts), "failures": list(self.failures)}


SEEN = Record()


def check_response(
    *, method: str, path: str, status: int, body: bytes, base: str
) -> tuple[str, list[str]] | None:
    """(route, problems) for one answer, or None when it is not a GitHub API answer."""
    if path.startswith(NOT_GITHUB) or _GIT_PROTOCOL.search(path):
        return None
    template = template_of(path)
    route = f"{method} {template or path} {status}"
    parsed, problems = _parsed(body)
    schema = response_schema(template, method, status) if template else None
    if schema is None and status >= 400:
        schema, route = BASIC_ERROR, route + " (basic-error)"
    if schema is None:
        return route, [*problems, "GitHub's description has no such response"]
    if schema == {} and status >= 400 and body:
        # The description leaves out the error body GitHub sends with some refusals.
        schema, route = BASIC_ERROR, route + " (basic-error)"
    if schema == {}:
        return route, problems + ([] if not body else [f"a body where none belongs: {body[:80]!r}"])
    problems += schema_errors(parsed, schema)
    problems += [f"URL off the simulator: {u}" for u in foreign_urls(parsed, base=base)]
    return route, problems + incoherent_pulls(parsed)


def _parsed(body: bytes) -> tuple[Any, list[str]]:
    if not body:
        return None, []
    try:
        return json.loads(body), []
    except ValueError:
        return None, [f"not JSON: {body[:80]!r}"]


# --- the middleware ---------------------------------------------------------------------------


class Conformance:
    """ASGI middleware: passes every exchange through unchanged, then checks the answer."""

    def __init__(self, app: ASGIApp, record: Record = SEEN) -> None:
        self.app = app
        self.record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, chunks = 0, []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    # Recorded before the client has the whole answer: a test that asserts
                    # right after its last call still sees it counted (and checked).
                    self._check(scope, status=status, body=b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _check(self, scope: Scope, *, status: int, body: bytes) -> None:
        host, port = scope["server"]
        checked = check_response(
            method=scope["method"],
            path=scope["path"],
            status=status,
            body=body,
            base=f"{scope['scheme']}://{host}:{port}",
        )
        if checked is not None:
            self.record.add(*checked)


class ConformingStarlette(Starlette):
    """Starlette with the conformance check outermost."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["middleware"] = [Middleware(Conformance), *kwargs.get("middleware", ())]
        super().__init__(*args, **kwargs)


def install() -> None:
    """Check every GitHub simulator app built from now on in this process."""
    import controller.sim.github.app as simulator

    simulator.Starlette = ConformingStarlette  # type: ignore[misc]


def summary(record: Record = SEEN) -> list[str]:
    width = max((len(route) for route in record.counts), default=0)
    return [f"{route:<{width}}  {count:>5}" for route, count in sorted(record.counts.items())]


def _run_checked(report: Path, module: str) -> int:
    install()
    try:
        runpy.run_module(module, run_name="__main__")
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    else:
        code = 0
    report.write_text(json.dumps(SEEN.as_json()), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(_run_checked(Path(sys.argv[1]), sys.argv[3]))
