"""Fixtures shared by the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.git_sandbox import guard_git_environment


@pytest.fixture
def guarded_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git with an empty HOME and no system config: nothing of the developer's config leaks in."""
    guard_git_environment(monkeypatch, tmp_path / "home")
