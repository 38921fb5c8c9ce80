"""`python -m tests.integration.killed_at_journal PHASE N accessctl-args...`: the accessctl CLI,
killed (SIGKILL, no clean-up) right after it writes its Nth `PHASE` line to an apply journal.

A crash at an exact point of the journal, for the kill-and-resume test: no sleep, no race. The
process kills itself from inside `StateDir.append_journal`, once the line is on disk.
"""

from __future__ import annotations

import os
import signal
import sys

from controller.adapters.state_dir import StateDir
from controller.app.cli import main
from controller.core.state_records import JournalEntry


def kill_after(phase: str, count: int) -> None:
    append = StateDir.append_journal
    written = 0

    def append_then_die(state: StateDir, plan_id: str, entry: JournalEntry) -> None:
        nonlocal written
        append(state, plan_id, entry)
        written += entry.phase == phase
        if written == count:
            os.kill(os.getpid(), signal.SIGKILL)

    # On the class: the CLI builds its own StateDir deep inside the run.
    setattr(StateDir, "append_journal", append_then_die)  # noqa: B010


if __name__ == "__main__":
    phase, count, *arguments = sys.argv[1:]
    kill_after(phase, int(count))
    main(arguments, prog_name="accessctl")
