"""Mail templates: jinja2, a subject, a plain-text and an HTML body per message kind.

Part of `controller.adapters.mail`, between the message contexts
(`controller.adapters.mail.compose`) and the mailer. The built-in templates ship in
`controller/adapters/mail/templates/`; a policy repository overrides any of them by placing a file
of the same name under `policies/templates/` (looked up first through a `ChoiceLoader`). HTML
templates are autoescaped, so an account name or a reason can never inject markup, and every
template runs in jinja2's sandbox. A broken override is the user's input: it fails with `file:line`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from controller.core.errors import BadInput

MessageKind = Literal["warning", "revocation", "restore", "digest", "expiry-reminder"]
MESSAGE_KINDS: tuple[MessageKind, ...] = (
    "warning",
    "revocation",
    "restore",
    "digest",
    "expiry-reminder",
)
OVERRIDE_DIRECTORY = "templates"
BUILT_IN = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def template_names(kind: MessageKind) -> tuple[str, str, str]:
    """The subject, text and HTML template of one kind: what an override file is named."""
    return (f"{kind}.subject.j2", f"{kind}.txt.j2", f"{kind}.html.j2")


def long_date(value: date | datetime) -> str:
    """`30 November 2026`: unambiguous in every country, unlike 11/30 or 30/11."""
    day = value.date() if isinstance(value, datetime) else value
    return f"{day.day} {day:%B %Y}"


class Templates:
    """The templates of one run: the policy repository's overrides, then the built-in ones."""

    def __init__(self, policies_dir: Path | None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if policies_dir is not None:
            loaders.append(jinja2.FileSystemLoader(policies_dir / OVERRIDE_DIRECTORY))
        loaders.append(jinja2.FileSystemLoader(BUILT_IN))
        # Sandboxed: an override is reviewed, but it runs where SMTP_PASSWORD and the Atlassian
        # keys live, so a template must not reach beyond the values it is given.
        self._env = ImmutableSandboxedEnvironment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False, default=False
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._env.filters["long_date"] = long_date

    def render(self, kind: MessageKind, context: Mapping[str, object]) -> Rendered:
        subject, text, html = (self._render(name, context) for name in template_names(kind))
        return Rendered(subject=" ".join(subject.split()), text=text, html=html)

    def render_text(self, name: str, context: Mapping[str, object]) -> str:
        """One template by file name, e.g. `access-request.subject.j2`."""
        return self._render(name, context)

    def _render(self, name: str, context: Mapping[str, object]) -> str:
        try:
            return self._env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as error:
            where = f"{error.filename or name}:{error.lineno}"
            raise BadInput(f"{where}: {error.message}; {_FIX}") from None
        except jinja2.TemplateError as error:  # SecurityError (the sandbox) included
            raise BadInput(f"{self._path_of(name)}: {error.message or error}; {_FIX}") from None

    def _path_of(self, name: str) -> str:
        try:
            _, filename, _ = self._env.loader.get_source(self._env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            return name
        return filename or name


_FIX = "fix the template, or delete the override to use the built-in one"
