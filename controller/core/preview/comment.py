"""Markdown for the preview comment on a policy pull request: counts first, then per policy a
collapsible list of the accounts each change touches. Fits GitHub's comment limit by cutting
rows (largest budget first), like the plan's own rendering. Pure: values in, a string out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jinja2

from controller.core.inert_text import code_fence, install_markdown_filters
from controller.core.plan.review_body import GITHUB_BODY_LIMIT
from controller.core.preview.diff import CHANGES, Change, PlanDiff, SeatChange

MARKER = "<!-- accessctl:preview -->"
ROW_BUDGETS = (None, 500, 200, 50, 10, 0)
TITLES: dict[Change, str] = {
    "newly-revoked": "Newly revoked",
    "newly-spared": "Newly spared (no longer revoked)",
    "newly-warned": "Newly warned",
    "no-longer-warned": "No longer warned",
    "newly-granted": "Newly granted",
    "no-longer-granted": "No longer granted",
    "newly-restored": "Newly restored",
    "no-longer-restored": "No longer restored",
    "newly-cleared": "Warnings newly cleared",
    "no-longer-cleared": "Warnings no longer cleared",
}
# Shown in the totals line even when zero: the numbers a reviewer looks for first.
ALWAYS_COUNTED: tuple[Change, ...] = (
    "newly-revoked",
    "newly-spared",
    "newly-warned",
    "no-longer-warned",
)
_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("controller.core.preview", "templates"),
    autoescape=False,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
install_markdown_filters(_ENV)


@dataclass(frozen=True)
class ChangeList:
    """One collapsible list: the seats of one policy that changed the same way."""

    change: Change
    entries: tuple[SeatChange, ...]
    max_rows: int | None

    @property
    def title(self) -> str:
        return TITLES[self.change]

    @property
    def appeared(self) -> bool:
        """Whether the pull request adds this treatment (the `instead` column is "before")."""
        return self.change.startswith("newly") and self.change != "newly-spared"

    @property
    def shown(self) -> tuple[SeatChange, ...]:
        return self.entries[: self.max_rows]

    @property
    def hidden(self) -> int:
        return len(self.entries) - len(self.shown)


@dataclass(frozen=True)
class Provenance:
    """Where the two plans came from, for the comment's footer."""

    base_ref: str
    base_commit: str
    head_commit: str
    inventory_taken_at: str
    as_of: str


def render_preview(
    diff: PlanDiff, *, provenance: Provenance, limit: int = GITHUB_BODY_LIMIT
) -> str:
    """The preview comment; rows are cut until it fits `limit` characters."""
    text = ""
    for budget in ROW_BUDGETS:
        text = _render(diff, provenance, max_rows=budget)
        if len(text) < limit:
            return text
    return text[: limit - 100] + "\n\n> Cut to fit a comment; run `accessctl preview` locally.\n"


def _render(diff: PlanDiff, provenance: Provenance, *, max_rows: int | None) -> str:
    sections = [
        (policy.policy, _lists(policy.changes, max_rows=max_rows)) for policy in diff.policies
    ]
    counts = diff.counts
    headline = [
        (TITLES[change].split(" (")[0].lower(), counts[change])
        for change in CHANGES
        if change in ALWAYS_COUNTED or counts[change]
    ]
    return _ENV.get_template("preview.md.j2").render(
        diff=diff, sections=sections, headline=headline, context=provenance
    )


def _lists(changes: Sequence[SeatChange], *, max_rows: int | None) -> list[ChangeList]:
    return [
        ChangeList(change=change, entries=entries, max_rows=max_rows)
        for change in CHANGES
        if (entries := tuple(c for c in changes if c.change == change))
    ]


def render_invalid(problems: Sequence[str], *, head_commit: str) -> str:
    """The comment for a pull request whose policies do not load: every FILE:LINE problem."""
    text = "\n".join(problems)
    return _ENV.get_template("invalid.md.j2").render(
        problems=problems, text=text, fence=code_fence(text), head_commit=head_commit
    )
