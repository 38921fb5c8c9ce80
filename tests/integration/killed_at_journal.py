"""`python -m tests.integration.killed_at_journal POINT N [--serial] accessctl-args...`: the
accessctl CLI, killed (SIGKILL, no clean-up) at an exact point of an apply, the Nth time it gets
there. With `--serial` the apply makes one change at a time (one worker), so that what is done
when it dies is exactly the plan's first actions, not those other workers had in flight.

A crash at an exact point, for the kill-and-resume tests: no sleep, no race. The process kills
itself from inside the method that reaches the point, once what it did is on disk (or, for a
write, once Atlassian answered it):

- `before`: the journal holds N `before` lines (they are written together, before any change);
- `after`: the Nth `after` line is in the journal;
- `write`: the Nth change reached Atlassian, and nothing of it is journaled yet;
- `applied`: the applied marker is written, and nothing is committed yet;
- `refused`: a refused marker is written (apply `--pending` refused the plan whole), and nothing
  is committed yet.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from controller.adapters.atlassian import AtlassianClient, AtlassianDirectory
from controller.adapters.state_dir import StateDir
from controller.app.cli import main
from controller.core.directory_port import ChangeResult
from controller.core.state_records import AppliedMarker, JournalEntry, RefusedMarker

WRITES = ("remove_from_group", "add_to_group", "suspend", "restore")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_at_journal(phase: str, count: int) -> None:
    append = StateDir.append_journal
    written = 0

    def append_then_die(state: StateDir, plan_id: str, entries: Sequence[JournalEntry]) -> None:
        nonlocal written
        append(state, plan_id, entries)
        written += sum(entry.phase == phase for entry in entries)
        if written >= count:
            die()

    # On the class: the CLI builds its own StateDir deep inside the run.
    setattr(StateDir, "append_journal", append_then_die)  # noqa: B010


def kill_at_write(count: int) -> None:
    changed = 0

    def wrap(write: Callable[..., ChangeResult]) -> Callable[..., ChangeResult]:
        def write_then_die(directory: AtlassianDirectory, **call: Any) -> ChangeResult:
            nonlocal changed
            result = write(directory, **call)
            changed += result.outcome == "done"
            if changed >= count:
                die()
            return result

        return write_then_die

    for name in WRITES:
        setattr(AtlassianDirectory, name, wrap(getattr(AtlassianDirectory, name)))


def kill_at_applied() -> None:
    mark = StateDir.mark_applied

    def mark_then_die(state: StateDir, marker: AppliedMarker) -> None:
        mark(state, marker)
        die()

    setattr(StateDir, "mark_applied", mark_then_die)  # noqa: B010


def kill_at_refused() -> None:
    mark = StateDir.mark_refused

    def mark_then_die(state: StateDir, marker: RefusedMarker) -> None:
        mark(state, marker)
        die()

    setattr(StateDir, "mark_refused", mark_then_die)  # noqa: B010


def serial() -> None:
    init = AtlassianClient.__init__

    def init_serial(client: AtlassianClient, *args: Any, **options: Any) -> None:
        init(client, *args, **{**options, "max_in_flight": 1})

    setattr(AtlassianClient, "__init__", init_serial)  # noqa: B010


def arm(point: str, count: int) -> None:
    if point in {"before", "after"}:
        kill_at_journal(point, count)
    elif point == "write":
        kill_at_write(count)
    elif point == "applied":
        kill_at_applied()
    elif point == "refused":
        kill_at_refused()
    else:
        raise SystemExit(f"unknown kill point {point!r}")


if __name__ == "__main__":
    point, count, *arguments = sys.argv[1:]
    arm(point, int(count))
    if arguments[:1] == ["--serial"]:
        serial()
        arguments = arguments[1:]
    main(arguments, prog_name="accessctl")
