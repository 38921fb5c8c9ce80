"""PURE: the report as ONE self-contained HTML file: inline CSS, inline SVG charts, no script and
no external reference of any kind, readable offline and printable (A4 landscape print CSS).

A Content-Security-Policy of `default-src 'none'` in the page makes a browser refuse any network
fetch the page might still try, should a later edit slip one in. Pure: a report in, text out.
"""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from controller.app.report.charts import (
    BUCKET_COLOURS,
    HISTORY_SERIES,
    activity_chart,
    history_chart,
)
from controller.app.report.formatting import install_filters
from controller.app.report.history import REGRANT_WINDOW_DAYS
from controller.app.report.model import Report
from controller.app.report.seats import BUCKETS

STATUS_WORDS = {"active": "active", "expiring": "expires soon", "expired": "expired"}
_ENV = install_filters(
    jinja2.Environment(
        loader=jinja2.PackageLoader("controller.app.report", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
)


def render_html(report: Report) -> str:
    total = report.totals.total
    return _ENV.get_template("report.html.j2").render(
        report=report,
        # The charts are built from escaped text by `charts`; they are markup, not data.
        activity_svg=Markup(activity_chart(report.products)),
        history_svg=Markup(history_chart(report.months)),
        buckets=BUCKETS,
        colours=BUCKET_COLOURS,
        series=HISTORY_SERIES,
        limit_total=seats_bought(report),
        active_share=report.totals.active_30 / total if total else None,
        status_words=STATUS_WORDS,
        window_days=REGRANT_WINDOW_DAYS,
    )


def seats_bought(report: Report) -> int | None:
    """Seats bought over all products; unknown when any product is unlimited or unreported."""
    limits = [p.limit for p in report.products if p.limit is not None]
    return sum(limits) if limits and len(limits) == len(report.products) else None
