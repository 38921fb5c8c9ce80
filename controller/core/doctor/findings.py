"""What one check of `accessctl doctor` found, and what a read it judges may have met.

A `Finding` is one line of doctor's report: the check's name, `ok` / `FAIL` / `skipped`, what
was seen, and for a failure the exact fix. A read that a service refused (or that nothing
answered) reaches the judges as a `Refused`: the HTTP status and the adapter's one-line message,
already free of secrets. The judges never see an exception, a client or a credential.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "FAIL", "skipped"]


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    fix: str = ""

    @classmethod
    def ok(cls, check: str, detail: str) -> Finding:
        return cls(check, "ok", detail)

    @classmethod
    def fail(cls, check: str, detail: str, *, fix: str) -> Finding:
        return cls(check, "FAIL", detail, fix)

    @classmethod
    def skipped(cls, check: str, detail: str) -> Finding:
        return cls(check, "skipped", detail)

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


@dataclass(frozen=True)
class Refused:
    """A read that did not give an answer: the status the service gave (None: no answer)."""

    status: int | None
    message: str


def all_passed(findings: Sequence[Finding]) -> bool:
    """Doctor's verdict: no check failed (a skipped check is not a failure)."""
    return not any(finding.failed for finding in findings)


def refused_because(refused: Refused, *, status_hints: dict[int, str], otherwise: str) -> str:
    """The fix for a refusal: the one its status names, else `otherwise`."""
    if refused.status is not None and refused.status in status_hints:
        return status_hints[refused.status]
    return otherwise
