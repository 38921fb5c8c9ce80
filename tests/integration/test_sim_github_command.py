"""`accessctl sim github`: prints the exports, serves the repository, stops when told."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from controller.app.commands.sim_github import serve_github
from controller.core.errors import BadInput

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]


def read_exports(capsys: pytest.CaptureFixture[str], *, timeout: float = 10.0) -> dict[str, str]:
    deadline, printed = time.monotonic() + timeout, ""
    while printed.count("export ") < 3 and time.monotonic() < deadline:
        printed += capsys.readouterr().out
        time.sleep(0.02)
    pairs = (line.removeprefix("export ").split("=", 1) for line in printed.splitlines())
    return dict(pairs)


def test_serves_a_new_bare_repository_and_prints_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stop = threading.Event()
    serving = threading.Thread(
        target=serve_github,
        kwargs={
            "repository": "acme/access",
            "git_dir": tmp_path / "origin.git",
            "port": 0,
            "token": "t0ken",
            "stop": stop,
        },
    )
    serving.start()
    try:
        exports = read_exports(capsys)
        answer = httpx.get(
            f"{exports['GITHUB_API_URL']}/repos/{exports['GITHUB_REPOSITORY']}",
            headers={"Authorization": f"Bearer {exports['GITHUB_TOKEN']}"},
            timeout=10,
        )
    finally:
        stop.set()
        serving.join(timeout=10)

    assert exports["GITHUB_API_URL"].startswith("http://127.0.0.1:")
    assert (exports["GITHUB_REPOSITORY"], exports["GITHUB_TOKEN"]) == ("acme/access", "t0ken")
    assert answer.json()["default_branch"] == "main"
    assert (tmp_path / "origin.git" / "HEAD").exists()
    assert not serving.is_alive()


@pytest.mark.parametrize(
    ("repository", "make_dir", "message"),
    [("access", False, "OWNER/NAME"), ("acme/access", True, "not a bare git repository")],
    ids=["bad-repository-name", "git-dir-not-bare"],
)
def test_bad_arguments_are_bad_input(
    tmp_path: Path, repository: str, make_dir: bool, message: str
) -> None:
    git_dir = tmp_path / "origin.git"
    if make_dir:
        git_dir.mkdir()

    with pytest.raises(BadInput, match=message):
        serve_github(repository=repository, git_dir=git_dir, port=0, token="t")
