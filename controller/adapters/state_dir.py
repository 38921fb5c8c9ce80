"""The committed state directory (`state/`): plans, journals, markers, audit log, ledger.

Shell side: every read and write of `state/` goes through `StateDir`, so the layout documented
in state/README.md is defined in one place. What goes in the files is defined in the core
(`controller.core.state_records`, `controller.core.ledger`); this module only puts it on disk and
reads it back, typed. Writes are atomic or append-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from controller.adapters.files import write_atomic
from controller.core.errors import BadInput
from controller.core.ledger import LEDGER_FILE, Ledger, dump_ledger, parse_ledger
from controller.core.state_records import (
    AppliedMarker,
    AuditRecord,
    JournalEntry,
    RefusedMarker,
    StateRecord,
    read_record,
)

Record = TypeVar("Record", bound=StateRecord)
APPLIED_SUFFIX = ".applied.json"
REFUSED_SUFFIX = ".refused.json"


@dataclass(frozen=True)
class StateDir:
    root: Path

    # --- where things are -------------------------------------------------------------------

    def plan_path(self, plan_id: str) -> Path:
        return self.root / "plans" / f"{plan_id}.yaml"

    def summary_path(self, plan_id: str) -> Path:
        return self.root / "plans" / f"{plan_id}.md"

    def applied_path(self, plan_id: str) -> Path:
        return self.root / "plans" / f"{plan_id}{APPLIED_SUFFIX}"

    def refused_path(self, plan_id: str) -> Path:
        return self.root / "plans" / f"{plan_id}{REFUSED_SUFFIX}"

    def journal_path(self, plan_id: str) -> Path:
        return self.root / "journal" / f"{plan_id}.jsonl"

    def audit_path(self, when: datetime) -> Path:
        return self.root / "audit" / f"{when.strftime('%Y-%m')}.jsonl"

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_FILE

    def pending_plans(self) -> list[Path]:
        """Merged plans neither applied nor refused yet, oldest first (plan ids sort by time)."""
        plans = sorted((self.root / "plans").glob("plan-*.yaml"))
        return [
            p
            for p in plans
            if not self.applied_path(p.stem).exists() and not self.refused_path(p.stem).exists()
        ]

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
        paths = sorted((self.root / "plans").glob(f"*{APPLIED_SUFFIX}"))
        markers = (self.applied_marker(p.name.removesuffix(APPLIED_SUFFIX)) for p in paths)
        return [marker for marker in markers if marker is not None]

    def mark_applied(self, marker: AppliedMarker) -> None:
        write_atomic(self.applied_path(marker.plan_id), marker.json_line().encode())

    def refused_marker(self, plan_id: str) -> RefusedMarker | None:
        return _read_marker(self.refused_path(plan_id), RefusedMarker, what="a refused marker")

    def mark_refused(self, marker: RefusedMarker) -> None:
        write_atomic(self.refused_path(marker.plan_id), marker.json_line().encode())

    # --- the journal and the audit log ------------------------------------------------------

    def append_journal(self, plan_id: str, entry: JournalEntry) -> None:
        _append_lines(self.journal_path(plan_id), [entry])

    def read_journal(self, plan_id: str) -> list[JournalEntry]:
        """The journal of one apply; a line a crash cut short is left out (its action, begun
        but not finished, is carried out again: every action is idempotent)."""
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
            for path in sorted((self.root / "audit").glob("*.jsonl"))
            for record in _read_records(path, AuditRecord, what=_AUDIT)
        ]


_AUDIT = "the audit log"


def _read_marker(path: Path, model: type[Record], *, what: str) -> Record | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise BadInput(
            f"{path}: not JSON; {what} is written by accessctl: restore it from git"
        ) from None
    return read_record(model, data, where=str(path), what=what)


def _append_lines(path: Path, records: Iterable[StateRecord]) -> None:
    lines = "".join(record.json_line() for record in records)
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as stream:
        if stream.tell() > 0:
            stream.seek(stream.tell() - 1)
            if stream.read(1) != "\n":
                stream.write("\n")  # end a line a crash cut short before adding new ones
        stream.write(lines)
        stream.flush()


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
