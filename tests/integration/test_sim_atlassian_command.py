"""`accessctl sim serve`: prints the environment, serves the org, stops when told."""

from __future__ import annotations

import shlex
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from controller.app.cli import main
from controller.app.commands.sim_atlassian import serve_atlassian
from controller.core.errors import BadInput
from tests.integration.sim_atlassian_support import EXAMPLE, NOW, example

pytestmark = pytest.mark.integration
DEFAULTS: dict[str, Any] = {
    "port": 0,
    "users": None,
    "seed": None,
    "org_path": None,
    "latency_ms": 0.0,
    "rate_limit": None,
    "fault_rate": 0.0,
    "admin_key": "sim-admin-key",
    "jira_email": "bot@example.com",
    "jira_token": "sim-jira-token",
    "now": NOW,
}


def read_exports(capsys: pytest.CaptureFixture[str], *, timeout: float = 10.0) -> dict[str, str]:
    """The `export NAME=VALUE` lines, read as a shell would; comments left out."""
    deadline, printed = time.monotonic() + timeout, ""
    while "# with `jira_api: gateway`" not in printed and time.monotonic() < deadline:
        printed += capsys.readouterr().out
        time.sleep(0.02)
    words = shlex.split(printed, comments=True)
    return dict(w.split("=", 1) for w in words if w != "export")


def serve_in_background(**arguments: Any) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_atlassian, kwargs={**DEFAULTS, **arguments, "stop": stop}
    )
    thread.start()
    return thread, stop


@pytest.mark.parametrize(
    ("arguments", "accounts"),
    [({"users": 40, "seed": 3}, 40), ({"org_path": EXAMPLE}, len(example().accounts))],
    ids=["generated", "snapshot"],
)
def test_prints_the_environment_and_serves_the_org(
    capsys: pytest.CaptureFixture[str], arguments: dict[str, Any], accounts: int
) -> None:
    thread, stop = serve_in_background(**arguments, rate_limit=50.0)
    try:
        env = read_exports(capsys)
        site = env["ACCESSCTL_SITE_URL_TEMPLATE"].replace("{site}", "acme")
        answer = httpx.get(
            f"{site}/rest/api/3/users/search",
            params={"maxResults": 1000},
            auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]),
            timeout=10,
        )
    finally:
        stop.set()
        thread.join(timeout=10)

    assert env["ATLASSIAN_API_BASE"].startswith("http://127.0.0.1:")
    assert env["ATLASSIAN_ORG_ID"] == example().org_id
    assert env["ATLASSIAN_ADMIN_API_KEY"] == "sim-admin-key"
    assert len(answer.json()) == accounts
    assert answer.headers["X-RateLimit-Limit"] == "50"
    assert not thread.is_alive()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"org_path": EXAMPLE, "users": 5}, "not both"),
        ({"users": 0}, "at least 1"),
        ({"fault_rate": 1.5}, "between 0 and 1"),
        ({"rate_limit": 0.0}, "positive"),
        ({"org_path": Path("missing.json")}, "cannot read"),
    ],
    ids=["org-and-users", "no-users", "fault-rate", "rate-limit", "missing-org"],
)
def test_bad_arguments_are_bad_input(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(BadInput, match=message):
        serve_atlassian(**{**DEFAULTS, **arguments})


def test_cli_reports_bad_input_with_exit_code_2() -> None:
    result = CliRunner().invoke(main, ["sim", "serve", "--org", str(EXAMPLE), "--users", "5"])

    assert result.exit_code == 2
    assert "not both" in result.output
