"""PURE: the report's charts as inline SVG text, for the self-contained HTML report.

No script, no font, no external reference: shapes and text only, so the file renders the same
offline, in a mail client's preview and on paper. Each bar carries a `<title>` (a tooltip in a
browser) and each chart a text alternative. Colours are fixed per series so the legend, the
tables and the printed page agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from controller.app.report.history import MonthRow
from controller.app.report.seats import BUCKETS, ProductSeats

# Green to red as seats go idle, grey for never used; chosen to stay apart for common colour
# vision deficiencies and when printed in greyscale (lightness differs between neighbours).
BUCKET_COLOURS = {
    "active_30": "#1b7837",
    "idle_30_60": "#7fbf7b",
    "idle_60_90": "#fdb863",
    "idle_90_180": "#e66101",
    "idle_180_plus": "#b2182b",
    "never_active": "#8c8c8c",
}
HISTORY_SERIES = (
    ("revoked", "Revoked", "#b2182b"),
    ("restored", "Restored", "#2166ac"),
    ("granted", "Granted", "#762a83"),
    ("warned", "Warned", "#fdb863"),
)
HISTORY_MONTHS_SHOWN = 24
WIDTH = 960
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Frame:
    """Where the plot area sits inside the SVG's view box."""

    left: int
    top: int
    width: int
    height: int


def _svg(*, height: int, label: str, body: Sequence[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" {FONT}>\n' + "\n".join(body) + "\n</svg>"
    )


def _rect(*, x: float, y: float, w: float, h: float, fill: str, title: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}">'
        f"<title>{escape(title)}</title></rect>"
    )


def _text(text: str, *, x: float, y: float, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'


def _legend(entries: Sequence[tuple[str, str]], *, y: int) -> list[str]:
    shapes, x = [], 10.0
    for label, colour in entries:
        shapes.append(_rect(x=x, y=y - 10, w=12, h=12, fill=colour, title=label))
        shapes.append(_text(label, x=x + 17, y=y))
        x += 30 + 7 * len(label)
    return shapes


# --- seats per product, stacked by activity -----------------------------------------------

ROW_HEIGHT = 34
BAR_HEIGHT = 22


def activity_chart(products: Sequence[ProductSeats]) -> str:
    """One horizontal bar per site/product, split by activity bucket, to a common scale."""
    frame = Frame(left=230, top=40, width=WIDTH - 230 - 70, height=ROW_HEIGHT * len(products))
    largest = max((p.figures.total for p in products), default=0) or 1
    body = _legend([(b.label, BUCKET_COLOURS[b.field]) for b in BUCKETS], y=20)
    for row, product in enumerate(products):
        body += _product_bar(product, frame=frame, y=frame.top + row * ROW_HEIGHT, scale=largest)
    label = "Seats per product by days since last use: " + "; ".join(
        f"{p.site} {p.product} {p.figures.total} seats, {p.figures.active_30} active in 30 days"
        for p in products
    )
    return _svg(height=frame.top + frame.height + 10, label=label, body=body)


def _product_bar(product: ProductSeats, *, frame: Frame, y: int, scale: int) -> list[str]:
    name = f"{product.site} / {product.product}"
    shapes = [_text(name, x=frame.left - 10, y=y + BAR_HEIGHT / 2 + 4, anchor="end")]
    x = float(frame.left)
    for bucket in BUCKETS:
        count = int(getattr(product.figures, bucket.field))
        width = frame.width * count / scale
        if count:
            colour = BUCKET_COLOURS[bucket.field]
            title = f"{name}: {count} {bucket.label}"
            shapes.append(_rect(x=x, y=y, w=width, h=BAR_HEIGHT, fill=colour, title=title))
        x += width
    shapes.append(_text(str(product.figures.total), x=x + 6, y=y + BAR_HEIGHT / 2 + 4))
    return shapes


# --- history per month --------------------------------------------------------------------

HISTORY_HEIGHT = 280


def history_chart(months: Sequence[MonthRow]) -> str:
    """Grouped bars per month (the last HISTORY_MONTHS_SHOWN): revoked, restored, granted,
    warned, on a shared axis starting at zero."""
    shown = list(months)[-HISTORY_MONTHS_SHOWN:]
    frame = Frame(left=50, top=40, width=WIDTH - 50 - 20, height=HISTORY_HEIGHT - 40 - 40)
    top = _nice_ceiling(max((_count(m, f) for m in shown for f, _, _ in HISTORY_SERIES), default=0))
    body = _legend([(label, colour) for _, label, colour in HISTORY_SERIES], y=20)
    body += _axis(frame, top)
    slot = frame.width / max(len(shown), 1)
    for index, month in enumerate(shown):
        body += _month_bars(month, frame=frame, x=frame.left + index * slot, slot=slot, top=top)
    body += _month_labels(shown, frame=frame, slot=slot)
    label = "Actions per month: " + "; ".join(
        f"{m.month}: " + ", ".join(f"{_count(m, f)} {f}" for f, _, _ in HISTORY_SERIES)
        for m in shown
    )
    return _svg(height=HISTORY_HEIGHT, label=label, body=body)


def _count(month: MonthRow, field: str) -> int:
    return int(getattr(month, field))


def _month_labels(months: Sequence[MonthRow], *, frame: Frame, slot: float) -> list[str]:
    """Under the bars; every other (or every third...) month once there are more than 12."""
    every = math.ceil(len(months) / 12) or 1
    y = frame.top + frame.height + 16
    return [
        _text(month.month, x=frame.left + (index + 0.5) * slot, y=y, anchor="middle")
        for index, month in enumerate(months)
        if index % every == 0
    ]


def _month_bars(month: MonthRow, *, frame: Frame, x: float, slot: float, top: int) -> list[str]:
    width = slot * 0.8 / len(HISTORY_SERIES)
    shapes = []
    for series, (field, label, colour) in enumerate(HISTORY_SERIES):
        count = _count(month, field)
        if not count:
            continue
        height = frame.height * count / top
        shapes.append(
            _rect(
                x=x + slot * 0.1 + series * width,
                y=frame.top + frame.height - height,
                w=width,
                h=height,
                fill=colour,
                title=f"{month.month}: {count} {label.lower()}",
            )
        )
    return shapes


def _axis(frame: Frame, top: int) -> list[str]:
    """Baseline and three gridlines with their values."""
    lines = []
    for step in range(4):
        value = top * step // 3
        y = frame.top + frame.height - frame.height * value / top
        lines.append(
            f'<line x1="{frame.left}" y1="{y:.1f}" x2="{frame.left + frame.width}" y2="{y:.1f}" '
            f'stroke="{"#444" if step == 0 else "#ddd"}" stroke-width="1"/>'
        )
        lines.append(_text(str(value), x=frame.left - 6, y=y + 4, anchor="end"))
    return lines


def _nice_ceiling(value: int) -> int:
    """The smallest of 3, 6, 9, 15, 30, 60, 90, 150, ... at or above `value` (gridlines at
    thirds of it land on whole numbers)."""
    magnitude = 1
    while True:
        for step in (3, 6, 9, 15):
            if value <= step * magnitude:
                return step * magnitude
        magnitude *= 10
