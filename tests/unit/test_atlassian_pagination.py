"""The four paging styles, each at 0, 1, a full page and a full page plus one item."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from controller.adapters.atlassian.pagination import (
    cursor_of,
    jira_array_pages,
    jira_offset_pages,
    v1_pages,
    v2_pages,
)
from controller.core.snapshot import Site
from tests.unit.atlassian_fakes import make_client

SITE = Site(name="acme", url="https://acme.atlassian.net", cloud_id="c")
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


def jira_server(count: int, *, cap: int, seen: list[httpx.Request], flags: str) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        start = int(query(request)["startAt"])
        size = min(int(query(request)["maxResults"]), cap)
        values = items(count)[start : start + size]
        last = start + size >= count
        page: dict[str, object] = {"startAt": start, "maxResults": size, "values": values}
        if "isLast" in flags:
            page["isLast"] = last
        if "nextPage" in flags and not last:
            page["nextPage"] = f"https://acme.atlassian.net/rest/api/3/x?startAt={start + size}"
        if "total" in flags:
            page["total"] = count
        return httpx.Response(200, json=page)

    return handler


@SIZES
@pytest.mark.parametrize("flags", ["isLast", "nextPage", "total"])
def test_jira_offset_pages_end_on_islast_nextpage_or_total(count: int, flags: str) -> None:
    seen: list[httpx.Request] = []
    client = make_client(jira_server(count, cap=PAGE, seen=seen, flags=flags))  # type: ignore[arg-type]
    call = client.jira_call(SITE, "group/member", via="gateway", params={"groupId": "g"})
    got = [i for page in jira_offset_pages(client, call, page_size=PAGE) for i in page]
    assert got == items(count)
    assert len(seen) == pages_needed(count)
    assert all(query(r)["groupId"] == "g" for r in seen)


def test_jira_offset_pages_survive_a_server_cap_on_max_results() -> None:
    seen: list[httpx.Request] = []
    client = make_client(jira_server(10, cap=4, seen=seen, flags="isLast"))  # type: ignore[arg-type]
    call = client.jira_call(SITE, "group/bulk", via="gateway")
    got = [i for page in jira_offset_pages(client, call, page_size=50) for i in page]
    assert got == items(10)
    assert [int(query(r)["startAt"]) for r in seen] == [0, 4, 8]


def test_jira_offset_pages_trust_islast_over_a_changing_total() -> None:
    answers = iter(
        [
            {"startAt": 0, "total": 2, "isLast": False, "values": items(2)},
            {"startAt": 2, "total": 3, "isLast": True, "values": items(3)[2:]},
        ]
    )
    client = make_client(lambda request: httpx.Response(200, json=next(answers)))
    call = client.jira_call(SITE, "group/member", via="gateway")
    assert [i for p in jira_offset_pages(client, call, page_size=2) for i in p] == items(3)


@pytest.mark.parametrize(
    ("count", "requests"),
    # A short first page might be the server's cap, so one more request confirms the end.
    [(0, 1), (1, 2), (PAGE, 2), (PAGE + 1, 2)],
    ids=str,
)
def test_jira_bare_arrays_end_on_an_empty_or_shorter_page(count: int, requests: int) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        start, size = int(query(request)["startAt"]), int(query(request)["maxResults"])
        return httpx.Response(200, json=items(count)[start : start + size])

    client = make_client(handler)
    call = client.jira_call(SITE, "users/search", via="gateway")
    got = [i for page in jira_array_pages(client, call, page_size=PAGE) for i in page]
    assert got == items(count)
    assert len(seen) == requests


def test_jira_bare_arrays_page_on_when_the_server_caps_the_size() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        start = int(query(request)["startAt"])
        return httpx.Response(200, json=items(7)[start : start + 2])  # cap 2, asked 1000

    client = make_client(handler)
    call = client.jira_call(SITE, "users/search", via="gateway")
    assert [i for p in jira_array_pages(client, call, page_size=1000) for i in p] == items(7)


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
