"""`controller.sim.server.running`: any ASGI app on loopback, started and stopped within bounds."""

from __future__ import annotations

import socket

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from controller.core.errors import RunFailure
from controller.sim.server import running

pytestmark = pytest.mark.integration


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


APP = Starlette(routes=[Route("/", hello)])


def test_serves_any_app_on_a_free_loopback_port_and_stops() -> None:
    with running(APP) as base_url:
        answer = httpx.get(base_url, timeout=5)
        port = int(base_url.rsplit(":", 1)[1])

    assert base_url.startswith("http://127.0.0.1:")
    assert port > 0
    assert answer.text == "hello"
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url, timeout=1)


def test_a_port_in_use_is_a_run_failure() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(RunFailure, match=f"127.0.0.1:{port}"), running(APP, port=port):
            pass
