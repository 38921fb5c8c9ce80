"""Issue forms as GitHub's web page fills them in: what a person's "Submit new issue" sends.

Sits under the issue tracker (issue_tracker.py), which reads the form from the default branch
(`.github/ISSUE_TEMPLATE/<name>`) when someone follows a link to
`{repo}/issues/new?template=<name>&<field id>=<value>...`. As on github.com
("Syntax for issue forms"; "Creating an issue from a URL query"):

- a query parameter named after a field's `id` pre-fills that input or textarea, and `title`
  pre-fills the title (the form's own `title` otherwise);
- the person's answers then take the place of what was pre-filled;
- each input, textarea and dropdown becomes a `### <label>` section of the body, in form order,
  its answer below it, or `_No response_` when left empty (markdown elements add nothing);
- the form's `labels` are added to the issue, but only those the repository already has.

`required` is not enforced: GitHub enforces it only in public repositories, and a policy
repository is private. A form GitHub would not show (no `name`, no `body`, an unknown element
type) is refused the way GitHub refuses the link: not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from controller.sim.github.api_errors import ApiError

FORMS_DIRECTORY = ".github/ISSUE_TEMPLATE"
NO_RESPONSE = "_No response_"
_FIELD_TYPES = frozenset({"input", "textarea", "dropdown"})
_ALL_TYPES = _FIELD_TYPES | {"markdown", "checkboxes"}


@dataclass(frozen=True)
class FormField:
    """One input of the form: its id (what a query parameter names), label and default."""

    id: str
    label: str
    kind: str
    default: str = ""


@dataclass(frozen=True)
class IssueForm:
    name: str
    title: str
    labels: tuple[str, ...]
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class FilledIssue:
    """What the web page sends when the person presses Submit."""

    title: str
    body: str
    labels: tuple[str, ...]


def parse_form(text: str) -> IssueForm:
    """The form in a template file; 404 (as GitHub's link) when GitHub would not show it."""
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        raise _unusable() from None
    if not isinstance(data, dict) or not data.get("name") or not isinstance(data.get("body"), list):
        raise _unusable()
    return IssueForm(
        name=str(data["name"]),
        title=str(data.get("title") or ""),
        labels=_labels(data.get("labels")),
        fields=tuple(_field(element) for element in data["body"] if _is_field(element)),
    )


def fill(form: IssueForm, *, query: Mapping[str, str], answers: Mapping[str, str]) -> FilledIssue:
    """The issue a person submits after following a link with `query` and typing `answers`."""
    values = {f.id: query.get(f.id, f.default) for f in form.fields if f.kind != "dropdown"}
    values |= {f.id: f.default for f in form.fields if f.kind == "dropdown"}
    values |= {key: value for key, value in answers.items() if key in values}
    sections = [f"### {f.label}\n\n{values[f.id].strip() or NO_RESPONSE}" for f in form.fields]
    title = answers.get("title") or query.get("title") or form.title
    return FilledIssue(title=title, body="\n\n".join(sections), labels=form.labels)


def _is_field(element: Any) -> bool:
    if not isinstance(element, dict) or element.get("type") not in _ALL_TYPES:
        raise _unusable()
    return element["type"] in _FIELD_TYPES


def _field(element: dict[str, Any]) -> FormField:
    attributes = element.get("attributes")
    if not isinstance(attributes, dict) or not attributes.get("label"):
        raise _unusable()
    label = str(attributes["label"])
    default = attributes.get("value", "")
    if element["type"] == "dropdown":
        options = attributes.get("options") or []
        chosen = attributes.get("default")
        default = str(options[chosen]) if isinstance(chosen, int) and chosen < len(options) else ""
    return FormField(
        id=str(element.get("id") or label),
        label=label,
        kind=element["type"],
        default=str(default or ""),
    )


def _labels(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(name.strip() for name in value.split(",") if name.strip())
    if isinstance(value, list):
        return tuple(str(name) for name in value)
    return ()


def _unusable() -> ApiError:
    return ApiError(404, "Not Found")
