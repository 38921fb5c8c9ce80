"""`accessctl sim serve`: run the Atlassian Cloud simulator in the foreground until stopped.

Prints the environment a connector needs (`export ...` lines on stdout, so
`eval "$(accessctl sim serve ... &)"`-style scripts and people alike can use them), then serves
until Ctrl-C or SIGTERM. The organization is generated (`--users N --seed S`) or read from a
snapshot (`--org FILE`). Activity gaps in the v2 search (`SimConfig.product_access_gap`) stay
off here, so the demo plans from complete data; tests switch them on.
"""

from __future__ import annotations

import math
import shlex
import signal
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType

from controller.adapters.atlassian.credentials import connector_environment
from controller.app import console
from controller.app.run_context import read_inventory_file
from controller.core.errors import BadInput
from controller.core.snapshot import Inventory
from controller.sim.atlassian import SimConfig, create_app, site_url_template
from controller.sim.generate import generate_org
from controller.sim.server import running

DEFAULT_USERS = 500
DEFAULT_SEED = 7
WAKE_SECONDS = 0.5


def serve_atlassian(
    *,
    port: int,
    users: int | None,
    seed: int | None,
    org_path: Path | None,
    latency_ms: float,
    rate_limit: float | None,
    fault_rate: float,
    admin_key: str,
    jira_email: str,
    jira_token: str,
    now: datetime,
    stop: threading.Event | None = None,
) -> int:
    """Serve until Ctrl-C or SIGTERM (or until `stop` is set, for tests); exit code 0."""
    inventory = _organization(users=users, seed=seed, org_path=org_path, now=now)
    config = SimConfig(
        admin_key=admin_key,
        jira_email=jira_email,
        jira_token=jira_token,
        latency_ms=latency_ms,
        rate_limit_rps=rate_limit,
        burst=_burst_for(rate_limit),
        fault_rate=_checked_fault_rate(fault_rate),
    )
    with running(create_app(inventory, config), port=port) as base_url:
        _print_environment(base_url, inventory=inventory, config=config)
        console.info(f"serving {len(inventory.accounts)} accounts at {base_url}; Ctrl-C stops")
        _wait_for_stop(stop)
    console.info("simulator stopped")
    return 0


def _organization(
    *, users: int | None, seed: int | None, org_path: Path | None, now: datetime
) -> Inventory:
    if org_path is not None:
        if users is not None or seed is not None:
            raise BadInput("give either --org FILE or --users/--seed, not both")
        return read_inventory_file(org_path)
    count = DEFAULT_USERS if users is None else users
    if count < 1:
        raise BadInput(f"--users must be at least 1, not {count}")
    return generate_org(count, DEFAULT_SEED if seed is None else seed, now=now)


def _burst_for(rate_limit: float | None) -> int:
    """One second's worth of requests may arrive at once, as with Jira's burst limits."""
    if rate_limit is None:
        return SimConfig().burst
    if rate_limit <= 0:
        raise BadInput(f"--rate-limit must be positive, not {rate_limit:g}")
    return max(1, math.ceil(rate_limit))


def _checked_fault_rate(fault_rate: float) -> float:
    if not 0.0 <= fault_rate <= 1.0:
        raise BadInput(f"--fault-rate must be between 0 and 1, not {fault_rate:g}")
    return fault_rate


def _print_environment(base_url: str, *, inventory: Inventory, config: SimConfig) -> None:
    """`export` lines: the simulator stands in for api.atlassian.com and for every site; the
    Jira token is the classic one (`jira_api: site`), the scoped one is named for `gateway`."""
    environment = connector_environment(
        api_base=base_url,
        site_url_template=site_url_template(base_url),
        admin_key=config.admin_key,
        jira_email=config.jira_email,
        jira_token=config.jira_token,
    )
    for name, value in environment.items():
        console.out(f"export {name}={shlex.quote(value)}")
    console.out(f"export ATLASSIAN_ORG_ID={inventory.org_id}")
    console.out(
        f"# with `jira_api: gateway` in the Organization: "
        f"export JIRA_API_TOKEN={config.jira_scoped_token}"
    )


def _wait_for_stop(stop: threading.Event | None) -> None:
    """Block until `stop` is set, else until SIGTERM or Ctrl-C; all end the simulator cleanly."""
    if stop is not None:
        _wait(stop)
        return
    signalled = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        signalled.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _wait(signalled)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait(stop: threading.Event) -> None:
    # Short waits keep the main thread responsive to signals on every platform.
    while not stop.wait(WAKE_SECONDS):
        pass
