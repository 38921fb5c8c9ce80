"""Pagination for the simulator: opaque Admin API cursors and Jira's startAt/maxResults.

Cursors are base64url JSON, opaque to clients like Atlassian's: a v1 `links.next` is a full URL
carrying one, a v2 `links.next` is the bare cursor. A cursor that does not decode is the
documented `ADMIN-400-1 Invalid page cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.requests import Request

from controller.sim.atlassian.gateway import ApiError

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    start: int
    size: int
    total: int

    @property
    def is_last(self) -> bool:
        return self.start + len(self.items) >= self.total

    @property
    def next_start(self) -> int | None:
        return None if self.is_last else self.start + len(self.items)

    @property
    def prev_start(self) -> int | None:
        return None if self.start == 0 else max(0, self.start - self.size)


def page_of(items: Sequence[T], *, start: int, size: int) -> Page[T]:
    return Page(items=items[start : start + size], start=start, size=size, total=len(items))


def encode_cursor(payload: dict[str, Any]) -> str:
    data = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("offset"), int):
        raise ApiError(400, f"Invalid page cursor: {cursor[:40]!r}", code="ADMIN-400-1")
    return payload


def cursor_offset(cursor: str | None) -> int:
    return 0 if not cursor else max(0, int(decode_cursor(cursor)["offset"]))


def query_int(request: Request, name: str, *, default: int, minimum: int = 0) -> int:
    """An integer query parameter; garbage is a 400 naming the parameter (Jira's behaviour)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"The '{name}' parameter must be an integer, not {raw!r}.") from None
    if value < minimum:
        raise ApiError(400, f"The '{name}' parameter must be at least {minimum}.")
    return value


def query_bool(request: Request, name: str, *, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise ApiError(400, f"The '{name}' parameter must be true or false, not {raw!r}.")
