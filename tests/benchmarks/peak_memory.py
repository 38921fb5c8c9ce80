"""A process's own peak RSS, for the benchmarks that measure one, however the suite is ordered.

On Linux a child's `ru_maxrss` (from `os.wait4`, or its own `getrusage`) is not its own: the
kernel keeps the largest resident size the *process* ever had, and fork + exec carry the
parent's high-water mark into it, so a command started by a large pytest process (after the
inventory benchmark, say) reports the parent's peak. `VmHWM` in /proc/self/status belongs to
the address space, which exec makes new: it is the command's own.

`python -m tests.benchmarks.peak_memory REPORT -m MODULE ARGS...` (or `-c CODE ARGS...`) runs
the module (or code) as `python -m` (or `-c`) would, in this process, and at the end, however
it ends, writes its peak RSS in MB to the file REPORT; `measured` makes that command line.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

STATUS = Path("/proc/self/status")


def own_peak_rss_mb() -> float:
    """This process's peak RSS since it last exec'd (Linux's VmHWM), in MB."""
    for line in STATUS.read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{STATUS} names no VmHWM: the peak RSS is measured on Linux only")


def measured(report: Path, python_arguments: list[str]) -> list[str]:
    """The command running `python_arguments` (`-m MODULE ...` or `-c CODE ...`) that writes its
    own peak RSS to `report`."""
    return [sys.executable, "-m", __name__, str(report), *python_arguments]


def run_as_python_would(mode: str, target: str, arguments: list[str]) -> None:
    if mode == "-m":
        sys.argv = [target, *arguments]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    elif mode == "-c":
        sys.argv = ["-c", *arguments]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
    else:
        raise SystemExit(f"peak_memory: expected -m MODULE or -c CODE, not {mode}")


def main(argv: list[str]) -> None:
    report, mode, target, *arguments = argv
    try:
        run_as_python_would(mode, target, arguments)
    finally:
        Path(report).write_text(f"{own_peak_rss_mb():.1f}\n", encoding="ascii")


if __name__ == "__main__":
    main(sys.argv[1:])
