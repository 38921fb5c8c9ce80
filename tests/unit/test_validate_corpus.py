"""The policy corpus through the real `accessctl validate`: every problem as FILE:LINE: key: what.

Each case is a file under tests/policy_corpus/{invalid,valid}/ (validated together with the
corpus's valid organization.yaml) or a directory under tests/policy_corpus/sets/ (validated on its
own). What each must report lives in tests/policy_corpus/expected.yaml; see its header.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from controller.app.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "policy_corpus"
NOW = "2026-11-23T00:00:00Z"
# `[FILE:]LINE: [key.path: ]fragment`; a key path has no spaces, so `3: YAML syntax: ...` has none.
EXPECTATION = re.compile(
    r"^(?:(?P<file>[^:\s]+):)?(?P<line>\d+): (?:(?P<path>[\w.-]+): )?(?P<fragment>.+)$"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Case:
    name: str
    exit_code: int
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def is_set(self) -> bool:
        return self.name.startswith("sets/")

    def arguments(self) -> list[str]:
        return [self.name] if self.is_set else [self.name, "organization.yaml"]

    def files(self) -> list[Path]:
        """Every file the run reads, so the test can prove none of them was touched."""
        if self.is_set:
            return sorted(p for p in (CORPUS / self.name).rglob("*") if p.is_file())
        return [CORPUS / self.name, CORPUS / "organization.yaml"]

    def expected_line(self, expectation: str) -> tuple[str, str]:
        """(the start a reported line must have, the fragment that must follow it)."""
        match = EXPECTATION.match(expectation)
        assert match, f"{self.name}: {expectation!r} is not `[FILE:]LINE: [key.path: ]fragment`"
        file = f"{self.name}/{match['file']}" if self.is_set else self.name
        path = f"{match['path']}: " if match["path"] else ""
        return f"{file}:{match['line']}: {path}", match["fragment"]


def load_cases() -> list[Case]:
    manifest: dict[str, Any] = YAML(typ="safe").load(CORPUS / "expected.yaml")
    cases = []
    for name, entry in manifest.items():
        # A bare list is the common case: these errors, so exit 2 (or no errors and exit 0).
        expected = (
            entry if isinstance(entry, dict) else {"exit": 2 if entry else 0, "errors": entry}
        )
        cases.append(
            Case(
                name=name,
                exit_code=expected["exit"],
                errors=tuple(expected.get("errors") or ()),
                warnings=tuple(expected.get("warnings") or ()),
            )
        )
    return cases


CASES = load_cases()
# A few cases also run as a real process: what a user at a shell gets, exit code included.
SUBPROCESS_CASES = (
    "invalid/binary-nul-bytes.yaml",
    "invalid/date-impossible.yaml",
    "invalid/kind-not-text.yaml",
    "invalid/yaml-tab-indentation.yaml",
    "sets/errors-in-several-files",
)


def reported(output: str, prefix: str) -> list[str]:
    return [
        line.removeprefix(prefix)
        for line in ANSI.sub("", output).splitlines()
        if line.startswith(prefix)
    ]


def assert_reports(case: Case, stderr: str) -> None:
    """Every expected line is reported, and nothing else."""
    for prefix, expected in (("error: ", case.errors), ("warning: ", case.warnings)):
        lines = reported(stderr, prefix)
        for expectation in expected:
            start, fragment = case.expected_line(expectation)
            assert any(
                line.startswith(start) and fragment in line[len(start) :] for line in lines
            ), f"missing {prefix}{start}...{fragment}... in:\n{stderr}"
        assert len(lines) == len(expected), f"unexpected {prefix.strip()}s:\n{stderr}"


def test_manifest_names_every_case_and_only_those() -> None:
    on_disk = {
        f"{kind}/{p.name}"
        for kind in ("invalid", "valid", "sets")
        for p in (CORPUS / kind).iterdir()
    }
    assert on_disk == {case.name for case in CASES}


def test_corpus_has_one_file_per_problem_class() -> None:
    assert sum(case.name.startswith("invalid/") for case in CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_validate_reports_exactly_the_expected_problems(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    monkeypatch.delenv("ACCESSCTL_DEBUG", raising=False)
    before = {path: path.read_bytes() for path in case.files()}

    result = CliRunner().invoke(main, ["validate", "--now", NOW, *case.arguments()])

    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == case.exit_code, result.stderr
    assert_reports(case, result.stderr)
    assert {path: path.read_bytes() for path in case.files()} == before


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_a_user_at_a_shell_gets_lines_and_exit_code_2(name: str) -> None:
    case = next(case for case in CASES if case.name == name)
    environment = {k: v for k, v in os.environ.items() if k != "ACCESSCTL_DEBUG"}
    accessctl = Path(sys.executable).with_name("accessctl")

    done = subprocess.run(
        [str(accessctl), "validate", "--now", NOW, *case.arguments()],
        cwd=CORPUS,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 2
    assert done.stdout == ""
    assert_reports(case, done.stderr)
