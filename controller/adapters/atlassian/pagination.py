"""The two ways the Admin API pages a listing, each as a generator of pages (lists of items).

- Admin v1: `links.next` is a full URL (re-rooted on our base before it is followed).
- Admin v2: `links.next` is a cursor to send back; some servers give a URL, whose `cursor`
  query parameter is the cursor.

Sequential by nature (a cursor is only known after the previous page); `reading` runs several
listings side by side to keep the rate limit busy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from controller.adapters.atlassian.client import ApiCall, AtlassianClient, QueryValue
from controller.adapters.http_boundary.errors import UnexpectedResponse

JsonObject = dict[str, Any]


def v1_pages(client: AtlassianClient, first: ApiCall) -> Iterator[list[JsonObject]]:
    """Follow `links.next` URLs of an Admin v1 listing."""
    call: ApiCall | None = first
    while call is not None:
        page = _object(client.json(call), call)
        yield _items(page.get("data"), call)
        next_url = _links(page).get("next")
        call = _follow(client, first, next_url=next_url) if next_url else None


def v2_pages(
    client: AtlassianClient, first: ApiCall, *, cursor_alone: bool = False
) -> Iterator[list[JsonObject]]:
    """Send `links.next` cursors back, in the body of a POST search or the query of a GET;
    `cursor_alone` for a POST whose later pages must carry nothing but the cursor (workspaces)."""
    call = first
    while True:
        page = _object(client.json(call), call)
        yield _items(page.get("data"), call)
        cursor = cursor_of(_links(page).get("next"))
        if not cursor:
            return
        call = _with_cursor(first, cursor, alone=cursor_alone)


def cursor_of(next_link: Any) -> str | None:
    """A v2 `links.next`: a cursor, or a URL carrying one in its `cursor` parameter."""
    if not isinstance(next_link, str) or not next_link:
        return None
    if not next_link.startswith(("http://", "https://")):
        return next_link
    found = parse_qs(urlsplit(next_link).query).get("cursor")
    return found[0] if found else None


def _follow(client: AtlassianClient, first: ApiCall, *, next_url: Any) -> ApiCall:
    if not isinstance(next_url, str):
        raise UnexpectedResponse(f"{first.label}: links.next is not a URL")
    # The URL carries every parameter already; ours would be sent twice.
    return replace(first, url=client.under_base(next_url), params={})


def _with_cursor(first: ApiCall, cursor: str, *, alone: bool) -> ApiCall:
    if first.method == "GET":
        return _with_params(first, cursor=cursor)
    return replace(
        first, body={"cursor": cursor} if alone else {**(first.body or {}), "cursor": cursor}
    )


def _with_params(call: ApiCall, **extra: QueryValue) -> ApiCall:
    params: Mapping[str, QueryValue] = {**call.params, **extra}
    return replace(call, params=params)


def _object(data: Any, call: ApiCall) -> JsonObject:
    if not isinstance(data, dict):
        raise UnexpectedResponse(f"{call.label}: expected a JSON object, got {type(data).__name__}")
    return data


def _items(data: Any, call: ApiCall) -> list[JsonObject]:
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise UnexpectedResponse(f"{call.label}: expected a list of objects")
    return data


def _links(page: JsonObject) -> JsonObject:
    links = page.get("links")
    return links if isinstance(links, dict) else {}
