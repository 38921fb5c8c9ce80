"""Markdown rendering of a plan for the pull request: totals first, per-policy tables,
collapsible detail. Every value from the organization or the policies is a code span
(`controller.core.inert_text`): it can neither mention, link nor render. Always fits GitHub's
65,536-character limit, pointing to the plan file when rows had to be cut. Pure: a plan in, a
string out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jinja2

from controller.core.inert_text import install_markdown_filters
from controller.core.model_base import format_instant
from controller.core.plan.model import Action, Plan, Skipped

GITHUB_BODY_LIMIT = 65_536
ROW_BUDGETS = (None, 1000, 400, 150, 50, 20, 5, 0)
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("controller.core.plan", "templates"),
    autoescape=False,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


install_markdown_filters(_ENV)


@dataclass(frozen=True)
class Section:
    policy: str
    actions: list[Action]
    skipped: list[Skipped]
    max_rows: int | None
    deferred: list[Skipped] = field(default_factory=list)

    @property
    def shown(self) -> list[Action]:
        return self.actions[: self.max_rows]

    @property
    def hidden(self) -> int:
        return len(self.actions) - len(self.shown)

    @property
    def skipped_shown(self) -> list[Skipped]:
        return self.skipped[: self.max_rows]

    @property
    def skipped_hidden(self) -> int:
        return len(self.skipped) - len(self.skipped_shown)

    @property
    def deferred_shown(self) -> list[Skipped]:
        return self.deferred[: self.max_rows]

    @property
    def deferred_hidden(self) -> int:
        return len(self.deferred) - len(self.deferred_shown)


def render_markdown(plan: Plan, *, plan_path: str, limit: int = GITHUB_BODY_LIMIT) -> str:
    """The review text; rows are cut, largest budget first, until it fits `limit` characters."""
    text = ""
    for budget in ROW_BUDGETS:
        text = _render(plan, plan_path, max_rows=budget)
        if len(text) < limit:
            return text
    return text[: limit - 200] + f"\n\n> Cut to fit; the whole plan is in `{plan_path}`.\n"


def _render(plan: Plan, plan_path: str, *, max_rows: int | None) -> str:
    policies = sorted(
        {a.policy for a in plan.actions}
        | {s.policy for s in plan.skipped}
        | {d.policy for d in plan.deferred}
    )
    sections = [
        Section(
            policy=name,
            actions=[a for a in plan.actions if a.policy == name],
            skipped=[s for s in plan.skipped if s.policy == name],
            max_rows=max_rows,
            deferred=[d for d in plan.deferred if d.policy == name],
        )
        for name in policies
    ]
    cut = any(s.hidden or s.skipped_hidden or s.deferred_hidden for s in sections)
    return _ENV.get_template("plan.md.j2").render(
        plan=plan,
        sections=sections,
        plan_path=plan_path,
        created=format_instant(plan.created_at),
        expires=format_instant(plan.expires_at),
        cut=cut,
    )
