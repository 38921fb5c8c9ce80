"""`accessctl sim github`: serve the GitHub simulator for one repository until interrupted.

Prints the `export` lines that point `controller.adapters.github` at it (GITHUB_API_URL,
GITHUB_REPOSITORY, GITHUB_TOKEN), so `eval "$(accessctl sim github ...)"`-style demos work. The
repository's git data is a bare repository on disk, created empty when `--git-dir` does not exist
yet; clone it over HTTP with a token (protection and rulesets apply there) or from disk.

The repository starts with GitHub's defaults for a new one: workflows may not open pull requests
(`--actions-may-open-prs` turns that on, as docs/github.md has it set up) and no branch is
protected (`PUT .../branches/main/protection` with the admin token protects one).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import git

from controller.app import console
from controller.core.errors import BadInput
from controller.sim.github import (
    ADMIN_TOKEN,
    APP_TOKEN,
    ActionsSettings,
    RepositorySettings,
    create_app,
    init_bare_repository,
)
from controller.sim.server import running

# How often the serving loop wakes up; Ctrl-C is delivered between sleeps.
_WAKE_SECONDS = 0.5


def serve_github(
    *,
    repository: str,
    git_dir: Path,
    port: int,
    token: str,
    actions_may_open_prs: bool = False,
    stop: threading.Event | None = None,
) -> int:
    """Serve until Ctrl-C or SIGTERM (or until `stop` is set, for tests); exit code 0."""
    _check_repository_name(repository)
    _ensure_bare_repository(git_dir)
    settings = RepositorySettings()
    settings.set_actions(ActionsSettings(can_approve_pull_request_reviews=actions_may_open_prs))
    app = create_app(repository=repository, git_dir=git_dir, token=token, settings=settings)
    with running(app, port=port) as base_url:
        console.out(f"export GITHUB_API_URL={base_url}")
        console.out(f"export GITHUB_REPOSITORY={repository}")
        console.out(f"export GITHUB_TOKEN={token}")
        console.info(
            f"serving {repository} from {git_dir}; git over HTTP: {base_url}/{repository}.git"
        )
        console.info(
            f"tokens: {token} (GitHub Actions), {APP_TOKEN} (a GitHub App), "
            f"{ADMIN_TOKEN} (an admin)"
        )
        console.info(
            f'people: POST {base_url}/__sim/people {{"login": ...}} gives a login a token; '
            f"POST {base_url}/__sim/issue-forms submits an issue form from a link"
        )
        console.info("Ctrl-C stops")
        if stop is None:
            with _stopped_by_signals() as stop_signal:
                _wait(stop_signal)
        else:
            _wait(stop)
    console.info("simulator stopped")
    return 0


def _wait(stop: threading.Event) -> None:
    while not stop.wait(_WAKE_SECONDS):
        pass


@contextmanager
def _stopped_by_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM, so both end the simulator cleanly."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _check_repository_name(repository: str) -> None:
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise BadInput(f"--repository must look like OWNER/NAME, not {repository!r}")


def _ensure_bare_repository(git_dir: Path) -> None:
    if not git_dir.exists():
        init_bare_repository(git_dir)
        console.info(f"created an empty bare repository at {git_dir}")
        return
    try:
        bare = git.Repo(git_dir).bare
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        bare = False
    if not bare:
        raise BadInput(f"--git-dir {git_dir} is not a bare git repository; give a new path")
