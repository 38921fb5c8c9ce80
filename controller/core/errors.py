"""One error type for expected failures, and the exit-code map (DESIGN §9).

Every layer raises a subclass of `AccessctlError`; only `cli.py` turns it into a message and an
exit code. Messages are one line: what went wrong, where, and what to do next. They never carry a
secret: the connector scrubs credentials before it builds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from controller.core.inert_text import printable

SHOWN_LIMIT = 60


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    CHANGES = 3
    REFUSED = 4


class AccessctlError(Exception):
    """An expected failure; `exit_code` says how the command ends."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        """What the user sees, one finding per line."""
        return [self.message]


class RunFailure(AccessctlError):
    """A failure at run time: an API, git or SMTP call that did not work (exit 1)."""


class BadInput(AccessctlError):
    """Input the user controls is wrong: policy files, a plan file, flags (exit 2)."""

    exit_code = ExitCode.BAD_INPUT


class SafetyRefusal(AccessctlError):
    """A safety guard refused the plan (exit 4)."""

    exit_code = ExitCode.REFUSED


@dataclass(frozen=True, order=True)
class Problem:
    """One finding in a user's file, rendered as `FILE:LINE: key.path: what is wrong`."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class InvalidFiles(BadInput):
    """Several problems in the user's files, all reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} found")

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


def shown(value: object, *, limit: int = SHOWN_LIMIT) -> str:
    """A value from outside (a plan id, a YAML scalar) quoted for a one-line message: control
    characters written as escapes, so a newline cannot forge a second line, and cut short with
    `…` beyond `limit` characters, so a 10,000-digit number does not flood the terminal."""
    text = str(value)
    quoted = printable(text[:limit]).replace("'", "\\'")
    more = f"… ({len(text):,} characters)" if len(text) > limit else ""
    return f"'{quoted}'{more}"
