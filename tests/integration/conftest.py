"""Fixtures shared by the integration tests: the simulators, bare origins, the policy repository,
the mail sink. Each starts what it needs on loopback and stops it however the test ends; the
factories take what a test varies (a seed, a SimConfig, GitHub settings, a token, files)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.core.snapshot import Inventory
from controller.sim.atlassian import SimConfig, create_app
from controller.sim.github import RepositorySettings
from controller.sim.server import running
from tests.integration.git_sandbox import (
    TOKEN,
    Origin,
    guard_git_environment,
    make_origin,
    serve_github,
)
from tests.integration.policy_repo import PolicyClone, PolicyRepo, committed_files, with_forge
from tests.integration.sim_atlassian_support import QUICK, AtlassianSim, ServeAtlassian, serving
from tests.integration.smtp_sink import SmtpServer, serve_smtp


@pytest.fixture
def guarded_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git with an empty HOME and no system config: nothing of the developer's config leaks in."""
    guard_git_environment(monkeypatch, tmp_path / "home")


@pytest.fixture
def running_servers() -> Iterator[ExitStack]:
    """Servers a test starts, stopped when it ends (last started, first stopped)."""
    with ExitStack() as servers:
        yield servers


@pytest.fixture
def atlassian_sim(running_servers: ExitStack, monkeypatch: pytest.MonkeyPatch) -> ServeAtlassian:
    """Start an Atlassian simulator serving `organization`; `accessctl` run by the test reaches
    the last one started (its ATLASSIAN_* environment is set), unless `environ` is False: a test
    that hands the command its environment itself."""

    def serve(
        organization: Inventory, config: SimConfig = QUICK, *, environ: bool = True
    ) -> AtlassianSim:
        base_url = running_servers.enter_context(running(create_app(organization, config)))
        sim = AtlassianSim(base_url, config)
        for name, value in sim.environ().items() if environ else ():
            monkeypatch.setenv(name, value)
        return sim

    return serve


@pytest.fixture
def atlassian_api(running_servers: ExitStack) -> Callable[..., httpx.Client]:
    """An Atlassian simulator with a plain httpx client pointed at it, for the tests of the
    simulator itself: `serving`'s organization and SimConfig fields."""

    def serve(inventory: Inventory | None = None, **config: Any) -> httpx.Client:
        return running_servers.enter_context(serving(inventory, **config))

    return serve


@pytest.fixture
def bare_origin(tmp_path: Path, guarded_git: None) -> Callable[..., Origin]:
    """A bare origin whose main holds `files` (`make_origin`), in the folder `name` of the
    test's directory, with its clones beside it."""

    def make(*, files: Mapping[str, str] | None = None, name: str = "origin") -> Origin:
        return make_origin(tmp_path / name, files=files)

    return make


@pytest.fixture
def github_sim(running_servers: ExitStack) -> Callable[..., str]:
    """Start the GitHub simulator over a bare origin (`serve_github`'s options); its base URL."""

    def serve(origin: Origin, **options: Any) -> str:
        return running_servers.enter_context(serve_github(origin, **options))

    return serve


@pytest.fixture
def smtp_sink() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 recording what it receives (tests/integration/smtp_sink)."""
    with serve_smtp() as server:
        yield server


@pytest.fixture
def policy_clone(
    bare_origin: Callable[..., Origin], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., PolicyClone]:
    """A bare origin holding the example policies (or `files`, plus `extra`) and a clone of it,
    which becomes the current directory, as in a CI job."""

    def make(
        *, files: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
    ) -> PolicyClone:
        origin = bare_origin(files=committed_files(files=files, extra=extra))
        clone = PolicyClone(origin=origin, clone=origin.clone("work"))
        monkeypatch.chdir(clone.clone)
        return clone

    return make


@pytest.fixture
def policy_repo(
    policy_clone: Callable[..., PolicyClone],
    github_sim: Callable[..., str],
    running_servers: ExitStack,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., PolicyRepo]:
    """The policy clone (`files`, `extra` as `policy_clone` takes them) with its origin served by
    the GitHub simulator (set up as documented unless `settings` say otherwise), and the GitHub
    environment set as GitHub Actions provides it (with the Actions token unless `token` is
    another)."""

    def make(
        *,
        files: Mapping[str, str] | None = None,
        extra: Mapping[str, str] | None = None,
        settings: RepositorySettings | None = None,
        token: str = TOKEN,
    ) -> PolicyRepo:
        clone = policy_clone(files=files, extra=extra)
        base_url = github_sim(clone.origin, settings=settings)
        repo = running_servers.enter_context(with_forge(clone, base_url=base_url, token=token))
        for name, value in repo.environ().items():
            monkeypatch.setenv(name, value)
        return repo

    return make
