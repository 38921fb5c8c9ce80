"""All human output goes through here: rich on a terminal, plain text otherwise.

Results go to stdout, diagnostics (errors, warnings, progress) to stderr, so `accessctl plan
--format json > plan.json` stays machine-readable.

A diagnostic is one line, whatever it quotes: control characters in it (a newline or an ESC in
an inventory field) are written as escapes (`controller.core.inert_text.printable`), credentials
in URLs and tokens are scrubbed, and rich reads neither markup nor emoji codes in any text it is
given (`:x:` in a file name stays `:x:`). Tables built from data use `cell` for the same reason.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from controller.adapters.http_boundary.scrubbing import scrub
from controller.core.inert_text import printable

_out = Console(soft_wrap=True, highlight=False, markup=False, emoji=False)
_err = Console(stderr=True, soft_wrap=True, highlight=False, markup=False, emoji=False)


def out(text: str = "") -> None:
    """Write a result to stdout exactly as given (no markup interpretation)."""
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def info(text: str) -> None:
    _err.print(one_line(text))


def warn(text: str) -> None:
    _err.print(
        one_line(f"warning: {text}" if not text.startswith("warning") else text), style="yellow"
    )


def error(text: str) -> None:
    _err.print(one_line(f"error: {text}"), style="bold red")


def one_line(text: str) -> str:
    """A diagnostic as it may be shown: no control character, no credential."""
    return printable(scrub(text))


def cell(value: object) -> str:
    """A table cell from data: its control characters written as escapes."""
    return printable(str(value))


def table(renderable: Any) -> None:
    """A rich renderable (table, panel) for people, on stdout."""
    _out.print(renderable)


def is_terminal() -> bool:
    return _err.is_terminal


@contextmanager
def counting(description: str) -> Iterator[Callable[[int], None]]:
    """A live count on stderr while a long read runs (a terminal only; elsewhere silent).

    Yields `advance(n)`, safe to call from worker threads.
    """
    if not is_terminal():
        yield lambda _count: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=_err, transient=True) as progress:
        task = progress.add_task(description, total=None)
        yield lambda count: progress.advance(task, count)
