"""PURE: the report as Markdown, for the GitHub Actions job summary and for reading in a PR.

`accessctl report --format markdown` prints it and appends it to `$GITHUB_STEP_SUMMARY` in the
scheduled workflow. Tables only (GitHub renders no SVG in a summary); the long lists are cut to
the most recent rows so a years-old audit log still fits a job summary.
"""

from __future__ import annotations

import jinja2

from controller.app.report.formatting import install_filters
from controller.app.report.history import REGRANT_WINDOW_DAYS
from controller.app.report.model import Report
from controller.core.inert_text import install_markdown_filters

MONTHS_SHOWN = 24
PLANS_SHOWN = 50
STATUS_MARKS = {"active": "active", "expiring": "**expires soon**", "expired": "**expired**"}
_ENV = install_filters(
    jinja2.Environment(
        loader=jinja2.PackageLoader("controller.app.report", "templates"),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
)
install_markdown_filters(_ENV)


def render_markdown(report: Report) -> str:
    months = report.months[-MONTHS_SHOWN:]
    plans = report.plans[:PLANS_SHOWN]
    return _ENV.get_template("report.md.j2").render(
        report=report,
        months_shown=months,
        months_hidden=len(report.months) - len(months),
        plans_shown=plans,
        plans_hidden=len(report.plans) - len(plans),
        status_marks=STATUS_MARKS,
        window_days=REGRANT_WINDOW_DAYS,
    )
