"""Real temporary git repositories for the GitOps tests: a bare `origin`, clones, a guarded $HOME.

`guard_git_environment` points HOME at an empty directory and turns off the system config, so
nothing of the developer's or the runner's git config (identity, hooks, signing, default branch)
leaks into a test. `serve_github` runs the GitHub simulator over the bare origin on loopback.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.applications import Starlette

from controller.sim.github import create_app, init_bare_repository
from controller.sim.github.repo_settings import ActionsSettings, RepositorySettings
from controller.sim.server import running

REPOSITORY = "acme/access"
TOKEN = "sim-github-token"
TEST_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Person",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test Person",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
_LEAKY_ENVIRONMENT = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "ACCESSCTL_GIT_NAME",
    "ACCESSCTL_GIT_EMAIL",
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_API_URL",
)


def guard_git_environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    for name in _LEAKY_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_IDENTITY.items():
        monkeypatch.setenv(name, value)


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run git the way a person would, for arranging and inspecting repositories."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=30, env=env
    )
    return done.stdout.strip()


@dataclass(frozen=True)
class Origin:
    """A bare repository standing in for the GitHub-hosted one, with a place for clones."""

    git_dir: Path
    workspace: Path

    def clone(self, name: str) -> Path:
        target = self.workspace / name
        git(self.workspace, "clone", "--quiet", str(self.git_dir), str(target))
        return target

    def branch_sha(self, branch: str) -> str:
        return git(self.git_dir, "rev-parse", f"refs/heads/{branch}")


def make_origin(root: Path, *, files: Mapping[str, str] | None = None) -> Origin:
    """A bare origin whose `main` holds `files` in one commit."""
    origin = Origin(git_dir=root / "origin.git", workspace=root / "clones")
    origin.workspace.mkdir(parents=True)
    init_bare_repository(origin.git_dir)
    seed = origin.clone("seed")
    git(seed, "symbolic-ref", "HEAD", "refs/heads/main")
    for path, text in (files or {"README.md": "policies as code\n"}).items():
        write(seed / path, text)
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "initial policies")
    git(seed, "push", "--quiet", "origin", "main")
    return origin


def _checkout_header(token: str) -> str:
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    return f"AUTHORIZATION: basic {basic}"


def clone_over_http(origin: Origin, base_url: str, *, token: str, name: str) -> Path:
    """A clone of REPOSITORY from the simulator's git endpoint, authenticated with `token` the
    way actions/checkout leaves a clone (an `http.extraheader` in its config)."""
    target = origin.workspace / name
    git(
        origin.workspace,
        "clone",
        "--quiet",
        "--config",
        f"http.extraheader={_checkout_header(token)}",
        f"{base_url}/{REPOSITORY}.git",
        str(target),
    )
    return target


def push_over_http(clone: Path, base_url: str, *, token: str) -> None:
    """Make an existing clone's `origin` the simulator's git endpoint, with `token`."""
    git(clone, "remote", "set-url", "origin", f"{base_url}/{REPOSITORY}.git")
    git(clone, "config", "http.extraheader", _checkout_header(token))


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def commit_file(clone: Path, path: str, text: str, *, message: str) -> str:
    write(clone / path, text)
    git(clone, "add", path)
    git(clone, "commit", "--quiet", "-m", message)
    return git(clone, "rev-parse", "HEAD")


def push_branch(clone: Path, branch: str, *, files: Mapping[str, str], force: bool = False) -> str:
    """Create `branch` from the clone's current HEAD, commit `files` on it, push it."""
    git(clone, "switch", "--quiet", "-C", branch)
    for path, text in files.items():
        sha = commit_file(clone, path, text, message=f"change {path}")
    git(clone, "push", "--quiet", *(["--force"] if force else []), "origin", branch)
    return sha


def set_up_as_documented() -> RepositorySettings:
    """A repository configured as docs/github.md says: workflows may open pull requests."""
    settings = RepositorySettings()
    settings.set_actions(ActionsSettings(can_approve_pull_request_reviews=True))
    return settings


def github_app(
    origin: Origin, *, rate_limit: int = 5000, settings: RepositorySettings | None = None
) -> Starlette:
    """The GitHub simulator for REPOSITORY over `origin`, set up as documented
    (`set_up_as_documented`) unless `settings` say otherwise."""
    return create_app(
        repository=REPOSITORY,
        git_dir=origin.git_dir,
        token=TOKEN,
        rate_limit=rate_limit,
        settings=settings or set_up_as_documented(),
    )


@contextmanager
def serve_github(
    origin: Origin, *, rate_limit: int = 5000, settings: RepositorySettings | None = None
) -> Iterator[str]:
    """`github_app` on loopback; yields its base URL."""
    app = github_app(origin, rate_limit=rate_limit, settings=settings)
    with running(app, port=0) as base_url:
        yield base_url
