"""Serve any ASGI app on loopback for as long as a `with` block lasts (tests, CLI, benchmarks).

uvicorn runs in a background thread with its own event loop, so the caller keeps a plain
synchronous thread for httpx, git or a CLI wait loop. Start-up and shut-down are both bounded:
a simulator that cannot start raises `RunFailure` instead of hanging, and requests still held
(a `slow` fault) are cancelled after `graceful_seconds`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from controller.core.errors import RunFailure

HOST = "127.0.0.1"
POLL_SECONDS = 0.01


@contextmanager
def running(
    app: ASGIApp,
    *,
    port: int = 0,
    startup_timeout: float = 10.0,
    graceful_seconds: int = 1,
) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (`port=0`: any free port); yields `http://127.0.0.1:PORT`."""
    server = _quiet_server(app, port=port, graceful_seconds=graceful_seconds)
    thread = threading.Thread(target=_serve, args=(server,), name=f"sim-server-{port}", daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread, port=port, timeout=startup_timeout)
        yield f"http://{HOST}:{_bound_port(server)}"
    finally:
        _stop(server, thread, timeout=graceful_seconds + startup_timeout)


def _quiet_server(app: ASGIApp, *, port: int, graceful_seconds: int) -> uvicorn.Server:
    """uvicorn without access logs and without touching the process's logging configuration."""
    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        lifespan="on",  # an app closes what it holds when the server stops
        access_log=False,
        log_config=None,
        log_level="warning",
        timeout_graceful_shutdown=graceful_seconds,
    )
    return uvicorn.Server(config)


def _serve(server: uvicorn.Server) -> None:
    try:
        server.run()
    except SystemExit:
        # uvicorn exits when it cannot bind; it has logged why, and the caller sees the thread
        # end before the server started.
        return


def _wait_until_started(
    server: uvicorn.Server, thread: threading.Thread, *, port: int, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RunFailure(f"the simulator could not listen on {HOST}:{port}; is it in use?")
        if time.monotonic() > deadline:
            raise RunFailure(f"the simulator did not start within {timeout:g} s")
        time.sleep(POLL_SECONDS)


def _bound_port(server: uvicorn.Server) -> int:
    """The port the OS picked for `port=0`, read from the listening socket."""
    for listener in server.servers:
        for sock in listener.sockets:
            return int(sock.getsockname()[1])
    raise RunFailure("the simulator started without a listening socket")


def _stop(server: uvicorn.Server, thread: threading.Thread, *, timeout: float) -> None:
    server.should_exit = True
    thread.join(timeout)
    if thread.is_alive():
        # Still draining connections after the grace period: stop waiting for them.
        server.force_exit = True
        thread.join(timeout)
