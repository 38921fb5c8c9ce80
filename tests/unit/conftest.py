"""Fixtures shared by the unit tests that run the CLI in a policy repository of their own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A policy repository like a user's, the current directory: the example policies/ and an
    empty state/ (the example inventory stays where it is: policies/examples/inventory.json)."""
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    (tmp_path / "state").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path
