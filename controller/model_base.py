"""Shared pydantic configuration for every model that crosses a file or process boundary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer


class Frozen(BaseModel):
    """Immutable, strict about unknown keys: the shape every file format in accessctl has."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_instant(value: datetime) -> str:
    """The one textual form of an instant in accessctl's files: `2026-11-23T06:00:00Z`."""
    return _as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


# An instant in UTC, written as `2026-11-23T06:00:00Z` (naive input is taken as UTC).
Instant = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(format_instant, return_type=str, when_used="json"),
]
