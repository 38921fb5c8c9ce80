"""PURE: the request form's answers, read back from the issue GitHub made of them.

GitHub turns a submitted issue form into Markdown: one `### <label>` section per input, in form
order, the answer below it, `_No response_` for an empty one. The labels are whatever the
policy repository's form says (`.github/ISSUE_TEMPLATE/request-access.yml`), so they are read
from the form itself (`form_labels`); the inputs are found by their `id`s: account, site,
product, reason. The issue is anyone's text: every answer is checked before it is used, and
everything wrong is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from controller.core.errors import BadInput
from controller.core.policy.models import AccountRef, Slug, Text

FIELDS = ("account", "site", "product", "reason")
DEFAULT_LABELS: dict[str, str] = {
    "account": "Account",
    "site": "Site",
    "product": "Product",
    "reason": "Why you need it",
}
NO_RESPONSE = "_No response_"
_SECTION = re.compile(r"^###[ \t]+(.+?)[ \t]*$", re.MULTILINE)
_CHECKS: dict[str, tuple[TypeAdapter[str], str]] = {
    "account": (TypeAdapter(AccountRef), "an e-mail address or an Atlassian accountId"),
    "site": (TypeAdapter(Slug), "a site name like acme"),
    "product": (TypeAdapter(Slug), "a product key like jira-software"),
    "reason": (TypeAdapter(Text), "a sentence or two, at most 2000 characters"),
}


@dataclass(frozen=True)
class RequestForm:
    """The answers: whose seat, which site (None: the organization's only one), which product,
    and why."""

    account: str
    site: str | None
    product: str
    reason: str


class FormProblems(BadInput):
    """The issue does not hold a usable request; each problem is one line for the requester."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("the access request is incomplete: " + "; ".join(problems))

    def lines(self) -> list[str]:
        return [f"access request: {problem}" for problem in self.problems]


def form_labels(template: str | None) -> dict[str, str]:
    """Field id -> label, from the issue form's YAML (the built-in labels when there is no
    form, or where the form has no input with that id)."""
    if template is None:
        return dict(DEFAULT_LABELS)
    try:
        data: Any = YAML(typ="safe", pure=True).load(template)
    except YAMLError:
        raise BadInput("the access request form is not valid YAML; fix it") from None
    body = data.get("body") if isinstance(data, dict) else None
    found = {
        str(element["id"]): str(element["attributes"]["label"])
        for element in body or ()
        if isinstance(element, dict)
        and element.get("id") in FIELDS
        and isinstance(element.get("attributes"), dict)
        and element["attributes"].get("label")
    }
    return {**DEFAULT_LABELS, **found}


def parse_request(body: str | None, *, labels: Mapping[str, str]) -> RequestForm:
    """The request in an issue body, or `FormProblems` saying what to fix."""
    answers = sections(body or "")
    values = {field: answers.get(labels[field].casefold(), "") for field in FIELDS}
    problems = [
        problem
        for field in FIELDS
        if (problem := _problem(field, values[field], label=labels[field])) is not None
    ]
    if problems:
        raise FormProblems(problems)
    return RequestForm(
        account=values["account"],
        site=values["site"] or None,
        product=values["product"],
        reason=values["reason"],
    )


def sections(body: str) -> dict[str, str]:
    """Each `### <label>` section's text, by case-folded label; `_No response_` is empty."""
    found: dict[str, str] = {}
    text = body.replace("\r\n", "\n")
    marks = list(_SECTION.finditer(text))
    ends = [mark.start() for mark in marks[1:]] + [len(text)] * bool(marks)
    for mark, end in zip(marks, ends, strict=True):
        value = text[mark.end() : end].strip()
        found.setdefault(mark.group(1).casefold(), "" if value == NO_RESPONSE else _unquoted(value))
    return found


def _unquoted(value: str) -> str:
    """An answer as typed, less the backticks some people wrap an address in."""
    return value.strip().strip("`").strip()


def _problem(field: str, value: str, *, label: str) -> str | None:
    if not value:
        return (
            None if field == "site" else f"the {label} field is empty; edit the issue to fill it in"
        )
    adapter, expected = _CHECKS[field]
    if field != "reason" and "\n" in value:
        return f"the {label} field must be one line: {expected}"
    try:
        adapter.validate_python(value)
    except ValidationError:
        return f"the {label} field is not {expected}"
    return None
