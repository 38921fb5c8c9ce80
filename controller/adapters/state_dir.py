"""The committed state directory (`state/`): plans, journals, applied markers, audit log, ledger.

Shell side: every read and write of `state/` goes through `StateDir`, so the layout documented
in state/README.md is defined in one place. Writes are atomic or append-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from controller.adapters.files import write_atomic
from controller.core.errors import BadInput
from controller.core.ledger import LEDGER_FILE, Ledger, dump_ledger, read_ledger
from controller.core.model_base import format_instant


@dataclass(frozen=True)
class StateDir:
    root: Path

    def plan_path(self, plan_id: str) -> Path:
        return self.root / "plans" / f"{plan_id}.yaml"

    def summary_path(self, plan_id: str) -> Path:
        return self.root / "plans" / f"{plan_id}.md"

    def applied_path(self, plan_id: str) -> Path:
        return self.root / "plans" / f"{plan_id}.applied.json"

    def refused_path(self, plan_id: str) -> Path:
        return self.root / "plans" / f"{plan_id}.refused.json"

    def pending_plans(self) -> list[Path]:
        """Merged plans neither applied nor refused yet, oldest first (plan ids sort by time)."""
        plans = sorted((self.root / "plans").glob("plan-*.yaml"))
        return [
            p
            for p in plans
            if not self.applied_path(p.stem).exists() and not self.refused_path(p.stem).exists()
        ]

    def mark_refused(self, plan_id: str, marker: dict[str, Any]) -> None:
        write_atomic(self.refused_path(plan_id), _json_line(marker).encode())

    def journal_path(self, plan_id: str) -> Path:
        return self.root / "journal" / f"{plan_id}.jsonl"

    def audit_path(self, when: datetime) -> Path:
        return self.root / "audit" / f"{when.strftime('%Y-%m')}.jsonl"

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_FILE

    def read_ledger(self) -> Ledger:
        return read_ledger(self.root)

    def write_ledger(self, ledger: Ledger) -> None:
        write_atomic(self.ledger_path, dump_ledger(ledger))

    def applied_marker(self, plan_id: str) -> dict[str, Any] | None:
        path = self.applied_path(plan_id)
        if not path.exists():
            return None
        marker: dict[str, Any] = json.loads(path.read_text())
        return marker

    def mark_applied(self, plan_id: str, marker: dict[str, Any]) -> None:
        write_atomic(self.applied_path(plan_id), _json_line(marker).encode())

    def append_journal(self, plan_id: str, entry: dict[str, Any]) -> None:
        _append_lines(self.journal_path(plan_id), [entry])

    def read_journal(self, plan_id: str) -> list[dict[str, Any]]:
        return list(_read_lines(self.journal_path(plan_id)))

    def append_audit(self, records: Iterable[dict[str, Any]], *, when: datetime) -> int:
        """Append records not already present (same plan id and key): re-runs add nothing."""
        path = self.audit_path(when)
        present = {(r.get("plan_id"), r.get("key")) for r in _read_lines(path)}
        new = [r for r in records if (r.get("plan_id"), r.get("key")) not in present]
        _append_lines(path, new)
        return len(new)

    def audit_records(self) -> Iterator[dict[str, Any]]:
        for path in sorted((self.root / "audit").glob("*.jsonl")):
            yield from _read_lines(path)


def _json_line(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_instant) + "\n"


def _instant(value: object) -> str:
    if isinstance(value, datetime):
        return format_instant(value)
    raise TypeError(f"cannot write {type(value).__name__} to the state directory")


def _append_lines(path: Path, entries: Iterable[dict[str, Any]]) -> None:
    lines = "".join(_json_line(e) for e in entries)
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


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            if path.suffix == ".jsonl" and path.parent.name == "journal":
                continue  # a journal line cut short by a crash: the action it began is redone
            raise BadInput(f"{path}:{number}: not a JSON line; restore the file from git") from None
