"""The apply lock: one apply of a plan at a time, across clones and runners (docs/apply-trust.md).

Shell side, beside `controller.adapters.git_workspace`, which it pushes through. The lock is a
ref on the remote, `refs/accessctl/apply/<plan id>`, created by a compare-and-swap push
(`--force-with-lease` expecting it absent): of two applies that race, exactly one creates it,
and the other does nothing. It points at a commit of its own, on no branch, holding
`lock.json` (who holds it, since when) and `journal.jsonl` (the `before` lines of what the
holder is about to change, published before the first change), so that a re-run on another
runner, from a fresh clone, finds what a killed run had begun.

A held lock may be taken by its own holder (a re-run of the same GitHub Actions run, which
keeps its `GITHUB_RUN_ID`; elsewhere, the same clone on the same host), or by anyone once it is
older than `LEASE`, the longest a GitHub Actions job may run. It is deleted once the state is
pushed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from controller.adapters.git_workspace import GitFailure, Rejection, Workspace
from controller.core.errors import RunFailure
from controller.core.model_base import Instant, format_instant
from controller.core.plan.model import checked_plan_id
from controller.core.state_records import JournalEntry, StateRecord

LOCK_REFS = "refs/accessctl/apply/"
LEASE = timedelta(hours=6)
LOCK_FILE = "lock.json"
JOURNAL_FILE = "journal.jsonl"


class LockRecord(StateRecord):
    """`lock.json`: who holds the lock of which plan, since when."""

    plan_id: str
    holder: str
    taken_at: Instant


@dataclass(frozen=True)
class Held:
    """The lock is another run's: this run must not act."""

    ref: str
    record: LockRecord

    def __str__(self) -> str:
        return (
            f"plan {self.record.plan_id} is being applied by {self.record.holder} since "
            f"{format_instant(self.record.taken_at)} (lock {self.ref}); if that run died, "
            f"re-run it, wait until {format_instant(self.record.taken_at + LEASE)}, or delete "
            f"the lock: git push origin --delete {self.ref}"
        )


class ApplyLock:
    """The lock of one plan's apply, as one run sees it."""

    def __init__(self, workspace: Workspace, *, plan_id: str, holder: str, now: datetime) -> None:
        self.workspace = workspace
        self.ref = LOCK_REFS + checked_plan_id(plan_id)
        self.record = LockRecord(plan_id=plan_id, holder=holder, taken_at=now)
        self.begun = False  # whether `before` lines were published under it
        self._sha: str | None = None  # the lock commit the remote has, while this run holds it

    def acquire(self) -> tuple[JournalEntry, ...] | Held:
        """Take the lock. Returns the journal an earlier holder published (to resume from), or
        `Held` when it is another run's to hold."""
        current = self.workspace.remote_ref_sha(self.ref)
        journal: tuple[JournalEntry, ...] = ()
        if current is not None:
            current = self.workspace.fetch_ref(self.ref)
            record, journal = self._read(current)
            if not self._may_take(record):
                return Held(self.ref, record)
        sha = self._commit(journal)
        rejection = self.workspace.push_ref(self.ref, sha=sha, expected=current)
        if rejection is not None:
            return self._lost(rejection, expected=current)
        self._sha = sha
        return journal

    def publish(self, journal: Sequence[JournalEntry]) -> None:
        """Put `journal` on the remote with the lock, before the first change is made."""
        sha = self._commit(tuple(journal))
        rejection = self.workspace.push_ref(self.ref, sha=sha, expected=self._sha)
        if rejection is not None:
            raise RunFailure(
                f"the lock {self.ref} was taken over by another run ({rejection}); "
                "stopping before any change"
            )
        self._sha, self.begun = sha, True

    def release(self) -> None:
        """Delete the lock (once the state is pushed); a lock taken over meanwhile stays."""
        if self._sha is not None:
            self.workspace.push_ref(self.ref, sha=None, expected=self._sha)
            self._sha = None

    # --- the lock commit ------------------------------------------------------------------

    def _may_take(self, record: LockRecord) -> bool:
        return record.holder == self.record.holder or self.record.taken_at >= (
            record.taken_at + LEASE
        )

    def _lost(self, rejection: Rejection, *, expected: str | None) -> Held:
        """Another run's push won the race: the client saw the lease broken, or the remote
        refused the update because the ref moved under it (git then says "failed to update
        ref" or "reference already exists"). A refusal that leaves the ref where it was is a
        failure to report."""
        current = self.workspace.remote_ref_sha(self.ref)
        if not rejection.lease_broken and current == expected:
            raise GitFailure(
                f"cannot take the apply lock {self.ref} ({rejection}); check that the token "
                "may push refs under refs/accessctl/"
            )
        if current is None:  # taken and released meanwhile
            return Held(self.ref, self.record.model_copy(update={"holder": "another run"}))
        return Held(self.ref, self._read(self.workspace.fetch_ref(self.ref))[0])

    def _commit(self, journal: tuple[JournalEntry, ...]) -> str:
        files = {
            LOCK_FILE: self.record.json_line(),
            JOURNAL_FILE: "".join(entry.json_line() for entry in journal),
        }
        message = f"accessctl: apply lock of {self.record.plan_id}, held by {self.record.holder}"
        return self.workspace.commit_record(files, message=message)

    def _read(self, sha: str) -> tuple[LockRecord, tuple[JournalEntry, ...]]:
        lock = self.workspace.read_text_at(sha, LOCK_FILE) or ""
        lines = (self.workspace.read_text_at(sha, JOURNAL_FILE) or "").splitlines()
        try:
            record = LockRecord.model_validate_json(lock)
            journal = tuple(JournalEntry.model_validate(json.loads(line)) for line in lines)
        except (ValidationError, ValueError, RecursionError):
            raise RunFailure(
                f"{self.ref} on {self.workspace.remote} is not an accessctl apply lock; "
                f"delete it (git push origin --delete {self.ref}) and run again"
            ) from None
        return record, journal
