"""PURE: the report as CSV, one row per site and product with every figure, for spreadsheets.

Columns are the `SeatFigures` fields in order, after the site, product, seat limit, currency and
price; empty cells where there is no limit or price. Built in memory: the command writes it.
"""

from __future__ import annotations

import csv
import io

from controller.app.report.model import Report
from controller.app.report.seats import ProductSeats, SeatFigures

LEAD_COLUMNS = ("site", "product", "limit", "currency", "monthly_per_seat")
FIGURE_COLUMNS = tuple(SeatFigures.model_fields)
COLUMNS = LEAD_COLUMNS + FIGURE_COLUMNS


def render_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for product in report.products:
        writer.writerow(_row(product, currency=report.currency))
    return buffer.getvalue()


def _row(product: ProductSeats, *, currency: str | None) -> list[str]:
    lead = [product.site, product.product, product.limit, currency, product.monthly_per_seat]
    figures = [getattr(product.figures, column) for column in FIGURE_COLUMNS]
    return [_cell(value) for value in (*lead, *figures)]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
