"""Errors map to exit codes in one place (DESIGN §9); unexpected ones never show a traceback."""

from __future__ import annotations

import pytest

from controller.app.cli import guarded
from controller.core.errors import (
    BadInput,
    ExitCode,
    InvalidFiles,
    Problem,
    RunFailure,
    SafetyRefusal,
)


def raising(error: BaseException) -> int:
    raise error


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        pytest.param(
            RunFailure("GitHub said 503"),
            ExitCode.FAILURE,
            "error: GitHub said 503",
            id="run-failure",
        ),
        pytest.param(
            BadInput("plan.yaml: bad"), ExitCode.BAD_INPUT, "error: plan.yaml: bad", id="bad-input"
        ),
        pytest.param(SafetyRefusal("too many"), ExitCode.REFUSED, "error: too many", id="safety"),
        pytest.param(
            InvalidFiles([Problem("b.yaml", 3, "x", "wrong"), Problem("a.yaml", 1, "", "empty")]),
            ExitCode.BAD_INPUT,
            "error: a.yaml:1: empty\nerror: b.yaml:3: x: wrong",
            id="several-problems-sorted",
        ),
    ],
)
def test_expected_errors_become_lines_and_codes(
    error: Exception, code: ExitCode, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert guarded(lambda: raising(error)) == code
    assert capsys.readouterr().err.strip() == line


def test_unexpected_errors_never_show_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACCESSCTL_DEBUG", raising=False)
    assert guarded(lambda: raising(ZeroDivisionError("secret-token-123"))) == ExitCode.FAILURE
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err
    assert "Traceback" not in err
    assert "secret-token-123" not in err


def test_interrupt_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    assert guarded(lambda: raising(KeyboardInterrupt())) == 130
