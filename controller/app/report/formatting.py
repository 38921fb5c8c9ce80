"""PURE: how the report's renderers write numbers, money, rates and instants, in one place so
the Markdown, HTML and CSV forms agree."""

from __future__ import annotations

from datetime import date, datetime

import jinja2

from controller.core.model_base import format_instant

NOT_KNOWN = "\N{EN DASH}"  # an empty cell that still reads as "nothing to say"


def amount(value: float | None, currency: str | None = None) -> str:
    """`1,234.50 USD`; a dash when there is no price to say it with."""
    if value is None:
        return NOT_KNOWN
    return f"{value:,.2f}" + (f" {currency}" if currency else "")


def percent(rate: float | None) -> str:
    return NOT_KNOWN if rate is None else f"{rate:.1%}"


def optional(value: object) -> str:
    return NOT_KNOWN if value is None else str(value)


def day(value: date | datetime | None) -> str:
    if value is None:
        return NOT_KNOWN
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def short_sha(sha: str | None) -> str:
    return sha[:12] if sha else NOT_KNOWN


def install_filters(env: jinja2.Environment) -> jinja2.Environment:
    env.filters.update(
        amount=amount,
        percent=percent,
        optional=optional,
        day=day,
        instant=format_instant,
        sha=short_sha,
    )
    return env
