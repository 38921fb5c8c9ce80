"""The committed state directory (`state/`): plans, journals, markers, audit log, ledger.

Shell side: every read and write of `state/` goes through `StateDir`, so the layout documented
in state/README.md is defined in one place, and every path is built here: a plan id is checked
to be one (`checked_plan_id`) before it names a file, and no path may leave the state
directory. What goes in the files is defined in the core
(`controller.core.state_records`, `controller.core.ledger`); this module only puts it on disk and
reads it back, typed. Writes are atomic or append-only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from controller.adapters.files import write_atomic
from controller.core.errors import BadInput
from controller.core.ledger import LEDGER_FILE, Ledger, dump_ledger, parse_ledger
from controller.core.plan.model import checked_plan_id, is_plan_id
from controller.core.state_records import (
    AppliedMarker,
    AuditRecord,
    JournalEntry,
    RefusedMarker,
    StateRecord,
    read_record,
)

Record = TypeVar("Record", bound=StateRecord)
PLANS, JOURNAL, AUDIT = "plans", "journal", "audit"
APPLIED_SUFFIX = ".applied.json"
REFUSED_SUFFIX = ".refused.json"


@dataclass(frozen=True)
class StateDir:
    root: Path

    # --- where things are -------------------------------------------------------------------

    def plan_path(self, plan_id: str) -> Path:
        return self._plan_file(plan_id, ".yaml")

    def summary_path(self, plan_id: str) -> Path:
        return self._plan_file(plan_id, ".md")

    def applied_path(self, plan_id: str) -> Path:
        return self._plan_file(plan_id, APPLIED_SUFFIX)

    def refused_path(self, plan_id: str) -> Path:
        return self._plan_file(plan_id, REFUSED_SUFFIX)

    def journal_path(self, plan_id: str) -> Path:
        return self._inside(JOURNAL, f"{checked_plan_id(plan_id)}.jsonl")

    def audit_path(self, when: datetime) -> Path:
        return self._inside(AUDIT, f"{when.strftime('%Y-%m')}.jsonl")

    @property
    def ledger_path(self) -> Path:
        return self._inside(LEDGER_FILE)

    @property
    def plans_dir(self) -> Path:
        return self._inside(PLANS)

    def _plan_file(self, plan_id: str, suffix: str) -> Path:
        return self._inside(PLANS, f"{checked_plan_id(plan_id)}{suffix}")

    def _inside(self, *parts: str) -> Path:
        """`root/parts...`, refused when it would resolve outside the state directory (a
        symbolic link in state/ pointing elsewhere included)."""
        path = self.root.joinpath(*parts)
        root = self.root.resolve()
        if not path.resolve().is_relative_to(root):
            raise BadInput(
                f"{path} leads outside the state directory {self.root}; "
                "state/ holds only what accessctl writes there"
            )
        return path

    def pending_plans(self) -> list[Path]:
        """Merged plans neither applied nor refused yet, oldest first (plan ids sort by time).
        Only files named like a plan id count (`misnamed_plans` lists the others)."""
        return [
            p
            for p in self._named_plans()
            if not self.applied_path(p.stem).exists() and not self.refused_path(p.stem).exists()
        ]

    def applied_plans(self) -> list[Path]:
        """Plan files with an applied marker beside them, oldest first."""
        return [p for p in self._named_plans() if self.applied_path(p.stem).exists()]

    def refused_plans(self) -> list[Path]:
        """Plan files with a refused marker beside them, oldest first."""
        return [p for p in self._named_plans() if self.refused_path(p.stem).exists()]

    def _named_plans(self) -> list[Path]:
        """Plan files named like a plan id, oldest first (plan ids sort by time)."""
        return sorted(p for p in self._plan_files() if is_plan_id(p.stem))

    def misnamed_plans(self) -> list[Path]:
        """Files in state/plans/ that look like plans but are not named `<plan id>.yaml`."""
        return sorted(p for p in self._plan_files() if not is_plan_id(p.stem))

    def _plan_files(self) -> list[Path]:
        return list(self.plans_dir.glob("plan-*.yaml"))

    # --- the ledger -------------------------------------------------------------------------

    def read_ledger(self) -> Ledger:
        """The ledger; an absent file is an empty ledger (a new state directory)."""
        path = self.ledger_path
        if not path.exists():
            return Ledger()
        return parse_ledger(path.read_bytes(), source=str(path))

    def write_ledger(self, ledger: Ledger) -> None:
        write_atomic(self.ledger_path, dump_ledger(ledger))

    # --- markers ----------------------------------------------------------------------------

    def applied_marker(self, plan_id: str) -> AppliedMarker | None:
        return _read_marker(self.applied_path(plan_id), AppliedMarker, what="an applied marker")

    def applied_markers(self) -> list[AppliedMarker]:
        """Every plan applied so far, by plan id."""
        paths = sorted(self.plans_dir.glob(f"*{APPLIED_SUFFIX}"))
        ids = (p.name.removesuffix(APPLIED_SUFFIX) for p in paths)
        markers = (self.applied_marker(plan_id) for plan_id in ids if is_plan_id(plan_id))
        return [marker for marker in markers if marker is not None]

    def mark_applied(self, marker: AppliedMarker) -> None:
        write_atomic(self.applied_path(marker.plan_id), marker.json_line().encode())

    def refused_marker(self, plan_id: str) -> RefusedMarker | None:
        return _read_marker(self.refused_path(plan_id), RefusedMarker, what="a refused marker")

    def mark_refused(self, marker: RefusedMarker) -> None:
        write_atomic(self.refused_path(marker.plan_id), marker.json_line().encode())

    # --- the journal and the audit log ------------------------------------------------------

    def append_journal(self, plan_id: str, entries: Sequence[JournalEntry]) -> None:
        """Append lines to the journal of one apply, in one write."""
        _append_lines(self.journal_path(plan_id), entries)

    def read_journal(self, plan_id: str) -> list[JournalEntry]:
        """The journal of one apply; a line a crash cut short is left out (a `before` cut short
        leaves its action to be decided afresh; an `after` cut short leaves it begun, which the
        next run resolves by reading the present)."""
        path = self.journal_path(plan_id)
        return list(_read_records(path, JournalEntry, what="the journal", cut_short_ok=True))

    def append_audit(self, records: Iterable[AuditRecord], *, when: datetime) -> int:
        """Append records not already present (same plan id and key): re-runs add nothing."""
        path = self.audit_path(when)
        present = {(r.plan_id, r.key) for r in _read_records(path, AuditRecord, what=_AUDIT)}
        new = [r for r in records if (r.plan_id, r.key) not in present]
        _append_lines(path, new)
        return len(new)

    def audit_log(self) -> list[AuditRecord]:
        """Every audit record, month by month, each month's file in the order written."""
        return [
            record
            for path in sorted(self._inside(AUDIT).glob("*.jsonl"))
            for record in _read_records(path, AuditRecord, what=_AUDIT)
        ]


_AUDIT = "the audit log"


def _read_marker(path: Path, model: type[Record], *, what: str) -> Record | None:
    if not path.exists():
        return None
    return _parse_marker(path.read_text(encoding="utf-8"), model, where=str(path), what=what)


def parse_applied_marker(text: str, *, where: str) -> AppliedMarker:
    """An applied marker read from elsewhere than the state directory (a branch, say)."""
    return _parse_marker(text, AppliedMarker, where=where, what="an applied marker")


def _parse_marker(text: str, model: type[Record], *, where: str, what: str) -> Record:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise BadInput(
            f"{where}: not JSON; {what} is written by accessctl: restore it from git"
        ) from None
    return read_record(model, data, where=where, what=what)


# Apply appends journal lines from several threads: one append at a time, each whole.
_APPENDING = threading.Lock()


def _append_lines(path: Path, records: Iterable[StateRecord]) -> None:
    lines = "".join(record.json_line() for record in records)
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _APPENDING, path.open("a+", encoding="utf-8") as stream:
        if stream.tell() > 0:
            stream.seek(stream.tell() - 1)
            if stream.read(1) != "\n":
                stream.write("\n")  # end a line a crash cut short before adding new ones
        stream.write(lines)
        stream.flush()  # in the OS's hands: a killed process loses nothing it wrote


def _read_records(
    path: Path, model: type[Record], *, what: str, cut_short_ok: bool = False
) -> Iterator[Record]:
    if not path.exists():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            if cut_short_ok:
                continue
            raise BadInput(f"{path}:{number}: not a JSON line; restore the file from git") from None
        yield read_record(model, data, where=f"{path}:{number}", what=what)
