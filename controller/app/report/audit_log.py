"""The history the reports read: audit records, applied markers, approvals. Pure.

`accessctl apply` appends one audit record per action to `state/audit/YYYY-MM.jsonl` and marks each
applied plan with `state/plans/<id>.applied.json`; git knows who merged each plan. The commands read
those files and git (`controller.app.commands.report`, `controller.app.commands.audit`) and hand the
raw values here, where they become typed records. Nothing in this module touches a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from controller.core.errors import BadInput
from controller.core.model_base import Frozen, Instant

# What apply counts as carried out (`controller.app.executor.EXECUTED`): "already" means the
# directory was already in the planned state, which the audit still records as the plan's doing.
EXECUTED_OUTCOMES = frozenset({"done", "already"})


class AuditEntry(BaseModel):
    """One line of `state/audit/*.jsonl`, as `controller.app.executor` writes it."""

    # Lines written by later versions may carry more fields; reading them must not fail.
    model_config = ConfigDict(frozen=True, extra="ignore")

    time: Instant
    plan_id: str
    commit: str | None = None
    key: str
    action: Literal["warn", "revoke", "grant", "restore", "clear-warning"]
    account_id: str
    email: str | None = None
    site: str
    product: str
    policy: str
    method: str | None = None
    groups: tuple[str, ...] = ()
    outcome: Literal["done", "already", "skipped", "refused", "failed"]
    detail: str | None = None
    error: str | None = None

    @property
    def executed(self) -> bool:
        return self.outcome in EXECUTED_OUTCOMES

    @property
    def label(self) -> str:
        return self.email or self.account_id

    def concerns(self, account: str) -> bool:
        """Whether `account` (an e-mail, any case, or an accountId) names this record's account."""
        wanted = account.strip().lower()
        return wanted in {self.account_id.lower(), (self.email or "").lower()}


class AppliedMarker(BaseModel):
    """`state/plans/<id>.applied.json`: when a plan was applied, and from which commit."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    plan_id: str
    applied_at: Instant
    commit: str | None = None


class Approval(Frozen):
    """Who let a plan in: the author of the commit that brought the plan file into the default
    branch, which for a merged pull request is whoever merged it."""

    commit: str
    name: str
    email: str
    at: Instant
    merge: bool = True

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"


def parse_audit_records(records: Iterable[Mapping[str, Any]], *, source: str) -> list[AuditEntry]:
    """Typed audit records, oldest first; a malformed one is bad input naming where it is."""
    entries = []
    for number, record in enumerate(records, start=1):
        try:
            entries.append(AuditEntry.model_validate(record))
        except ValidationError as error:
            raise BadInput(
                f"{source}: audit record {number}: {_first_problem(error)}; "
                "the audit log is written by accessctl: restore it from git"
            ) from None
    return sorted(entries, key=lambda e: (e.time, e.plan_id, e.key))


def parse_applied_marker(marker: Mapping[str, Any], *, source: str) -> AppliedMarker:
    try:
        return AppliedMarker.model_validate(marker)
    except ValidationError as error:
        raise BadInput(
            f"{source}: {_first_problem(error)}; applied markers are written by accessctl: "
            "restore it from git"
        ) from None


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or '(top)'}: {first['msg']}"
