"""Fixtures for the whole suite: every GitHub simulator a test starts answers as GitHub does;
every command run in a test seals and checks plans with the suite's plan key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import controller.sim.github.app as github_simulator
from controller.core.plan.seal import PLAN_KEY_VARIABLE
from tests.factories import PLAN_KEY_TEXT
from tests.integration.github_conformance import SEEN, ConformingStarlette, summary


@pytest.fixture(autouse=True)
def plan_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the workflows hold as a secret (subprocesses of a test inherit it)."""
    monkeypatch.setenv(PLAN_KEY_VARIABLE, PLAN_KEY_TEXT)


@pytest.fixture(autouse=True)
def github_answers_conform(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Validate each answer of each GitHub simulator against GitHub's REST description; a
    non-conforming answer fails the test that caused it."""
    monkeypatch.setattr(github_simulator, "Starlette", ConformingStarlette)
    SEEN.take_failures()
    yield
    failures = SEEN.take_failures()
    assert not failures, "the GitHub simulator answered off GitHub's description:\n" + "\n".join(
        failures[:20]
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = summary()
    if lines:
        terminalreporter.section("GitHub simulator answers validated against GitHub's description")
        total = sum(SEEN.counts.values())
        for line in [*lines, f"{total} answers on {len(lines)} routes"]:
            terminalreporter.write_line(line)
