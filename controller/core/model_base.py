"""Shared pydantic configuration for every model that crosses a file or process boundary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable, strict about unknown keys: the shape every file format in accessctl has."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_utc(value: datetime) -> datetime:
    """UTC, to the second: the precision of Atlassian's activity data and of our files."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def format_instant(value: datetime) -> str:
    """The one textual form of an instant in accessctl's files: `2026-11-23T06:00:00Z`."""
    return _as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


# An instant in UTC, written as `2026-11-23T06:00:00Z` (naive input is taken as UTC). pydantic
# writes UTC instants in exactly that form itself, so no Python serializer slows large files.
Instant = Annotated[datetime, AfterValidator(_as_utc)]
