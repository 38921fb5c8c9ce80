"""No git process outlives its user: GitPython keeps `git cat-file` readers running for the
repository objects it reads, so whatever reads objects must stop them, or they linger (in a
long test session, until a garbage collection reports them as leaked).

The policy clone's `Workspace` asks git one-shot questions only; the GitHub simulator reads its
bare repository's objects through GitPython and stops those readers when its server stops."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from controller.adapters.git_workspace import GitIdentity, Workspace
from controller.sim.github import create_app
from controller.sim.server import running
from tests.integration.git_sandbox import REPOSITORY, TOKEN, Origin, commit_file

pytestmark = pytest.mark.integration


def object_readers() -> list[str]:
    """The `git cat-file` processes this test process started and has not stopped."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # ended while being read
        if parent == os.getpid() and command.startswith("git cat-file"):
            found.append(command.strip())
    return found


def test_the_github_simulator_stops_its_object_readers_when_it_stops(
    bare_origin: Callable[..., Origin],
) -> None:
    origin = bare_origin(files={"README.md": "hi\n"})
    with running(create_app(repository=REPOSITORY, git_dir=origin.git_dir)) as base_url:
        answer = httpx.get(
            f"{base_url}/repos/{REPOSITORY}/contents/README.md",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        reading = object_readers()

    assert reading  # the simulator did read objects through GitPython ...
    assert object_readers() == []  # ... and stopped its readers with the server


def test_a_workspace_commits_and_pushes_without_leaving_a_reader_running(
    bare_origin: Callable[..., Origin],
) -> None:
    origin = bare_origin(files={"README.md": "hi\n"})
    clone = origin.clone("work")
    workspace = Workspace.open(clone, identity=GitIdentity())
    workspace.head_commit()
    commit_file(clone, "state/a.txt", "a\n", message="state")
    workspace.push_with_rebase("main")

    assert workspace.current_branch() == "main"
    assert object_readers() == []
