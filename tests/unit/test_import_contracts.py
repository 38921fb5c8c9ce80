"""The import contracts in pyproject.toml bite: a bad import in a copy of the package fails them.

`make test` runs `lint-imports` over the package; a contract that passes whatever is imported
would keep that green for nothing. Each case copies the package and pyproject.toml to a
temporary directory, adds one import the layering forbids, and runs `lint-imports` there (the
copy first on the import path); the unmodified copy passes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = "Layers: app -> adapters | sim -> core"
PURE_CORE = "The pure core does no I/O: no HTTP, git, mail, servers, shell or terminal"
COMMANDS = "Commands never import commands"


def copy_of_the_package(into: Path) -> Path:
    shutil.copytree(
        ROOT / "controller", into / "controller", ignore=shutil.ignore_patterns("*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_unmodified_copy_keeps_every_contract(tmp_path: Path) -> None:
    done = lint_imports(copy_of_the_package(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout


@pytest.mark.parametrize(
    ("module", "added", "broken"),
    [
        pytest.param(
            "controller/core/ledger.py",
            "import controller.adapters.state_dir",
            {LAYERS, PURE_CORE},
            id="the-core-imports-an-adapter",
        ),
        pytest.param(
            "controller/core/plan/model.py",
            "import httpx",
            {PURE_CORE},
            id="the-core-does-http",
        ),
        pytest.param(
            "controller/adapters/files.py",
            "import controller.app.console",
            {LAYERS},
            id="an-adapter-imports-the-app",
        ),
        pytest.param(
            "controller/app/commands/apply.py",
            "import controller.app.commands.plan",
            {COMMANDS},
            id="a-command-imports-a-command",
        ),
        pytest.param(
            "controller/helpers.py",
            '"""A module outside every layer."""',
            {LAYERS},
            id="a-module-outside-the-layers",
        ),
    ],
)
def test_a_bad_import_breaks_the_contract_it_should(
    tmp_path: Path, module: str, added: str, broken: set[str]
) -> None:
    root = copy_of_the_package(tmp_path)
    with (root / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{added}\n")
    done = lint_imports(root)
    assert done.returncode != 0, done.stdout
    contracts = (LAYERS, PURE_CORE, COMMANDS)
    assert {c for c in contracts if f"{c} BROKEN" in done.stdout} == broken, done.stdout
