"""The Admin API's two paging styles, each at 0, 1, a full page and a full page plus one item."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from controller.adapters.atlassian.pagination import (
    cursor_of,
    v1_pages,
    v2_pages,
)
from tests.unit.atlassian_fakes import make_client

PAGE = 3
SIZES = pytest.mark.parametrize("count", [0, 1, PAGE, PAGE + 1], ids=lambda n: f"{n}-items")


def items(count: int) -> list[dict[str, int]]:
    return [{"n": n} for n in range(count)]


def pages_needed(count: int) -> int:
    return max(1, -(-count // PAGE))


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}


@SIZES
def test_v1_follows_full_next_urls(count: int) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        start = int(query(request).get("cursor", "0"))
        more = start + PAGE < count
        # A production-looking host: the client must keep talking to its own base.
        next_url = f"https://api.atlassian.com/admin/v1/orgs/o/users?cursor={start + PAGE}"
        return httpx.Response(
            200,
            json={
                "data": items(count)[start : start + PAGE],
                "links": {"next": next_url if more else None},
            },
        )

    client = make_client(handler)
    got = [
        i for page in v1_pages(client, client.admin_call("GET", "v1/orgs/o/users")) for i in page
    ]
    assert got == items(count)
    assert len(seen) == pages_needed(count)
    assert all(r.url.host == "api.test" for r in seen)


@SIZES
@pytest.mark.parametrize("as_url", [False, True], ids=["bare-cursor", "cursor-in-url"])
def test_v2_sends_cursors_back_in_the_search_body(count: int, as_url: bool) -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        start = int(body.get("cursor", "0"))
        more = start + PAGE < count
        cursor = str(start + PAGE)
        link = f"https://api.atlassian.com/admin/v2/x?cursor={cursor}" if as_url else cursor
        return httpx.Response(
            200,
            json={
                "data": items(count)[start : start + PAGE],
                "links": {"next": link if more else None},
            },
        )

    client = make_client(handler)
    call = client.admin_call("POST", "v2/orgs/o/directories/-/users/search", body={"limit": PAGE})
    got = [i for page in v2_pages(client, call) for i in page]
    assert got == items(count)
    assert len(seen) == pages_needed(count)
    assert all(body["limit"] == PAGE for body in seen)


@pytest.mark.parametrize(
    ("link", "cursor"),
    [
        (None, None),
        ("", None),
        ("abc", "abc"),
        ("https://api.atlassian.com/admin/v2/x?limit=5&cursor=abc%3D", "abc="),
        ("https://api.atlassian.com/admin/v2/x?limit=5", None),
    ],
)
def test_cursor_of_reads_bare_cursors_and_urls(link: str | None, cursor: str | None) -> None:
    assert cursor_of(link) == cursor
