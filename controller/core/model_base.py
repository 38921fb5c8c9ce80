"""Shared pydantic configuration for every model that crosses a file or process boundary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    ValidationError,
)
from pydantic_core import CoreSchema, core_schema


class Frozen(BaseModel):
    """Immutable, strict about unknown keys: the shape every file format in accessctl has."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def first_error(error: ValidationError) -> str:
    """`where: what` of the first problem pydantic found, for a one-line error about a file."""
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top)"
    return f"{where}: {first['msg']}"


def as_utc(value: datetime) -> datetime:
    """UTC, to the second: the precision of Atlassian's activity data and of our files."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def format_instant(value: datetime) -> str:
    """The one textual form of an instant in accessctl's files: `2026-11-23T06:00:00Z`."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


# An instant in UTC, written as `2026-11-23T06:00:00Z` (naive input is taken as UTC). pydantic
# writes UTC instants in exactly that form itself, so no Python serializer slows large files.
Instant = Annotated[datetime, AfterValidator(as_utc)]


def _utc_instant_schema(source: object, handler: GetCoreSchemaHandler) -> CoreSchema:
    return core_schema.json_or_python_schema(
        json_schema=core_schema.datetime_schema(tz_constraint=0),
        python_schema=core_schema.no_info_after_validator_function(
            as_utc, core_schema.datetime_schema()
        ),
    )


# `Instant` for files with hundreds of thousands of instants (inventory snapshots): read from
# JSON by pydantic-core alone, with no Python call per value. The text must be UTC (`...Z` or
# `+00:00`), as every file accessctl writes is; Python values are normalised as for `Instant`.
UtcInstant = Annotated[datetime, GetPydanticSchema(_utc_instant_schema)]
