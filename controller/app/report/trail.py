"""PURE: the story of one account, or of one period, for an access review (`accessctl audit`).

Every audit record that matches, oldest first, each with the plan that carried it, why the plan
wanted it, the issue it was asked for in (a restore requested from the link in a mail), and who
approved that plan (who merged and reviewed its pull request, or the restore policy that
pre-approved it); then what the ledger still holds for the account (a standing warning, a
removed seat waiting to be restored). The command reads the audit log, the plan files,
the ledger and git (`controller.app.commands.audit`); this module only selects and joins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pydantic import Field

from controller.app.report.approval import Approval
from controller.core.ledger import Ledger, RemovalRecord, WarningRecord
from controller.core.model_base import Frozen, Instant
from controller.core.plan.model import RequestRef
from controller.core.state_records import AuditRecord

PlanAction = tuple[str, str]  # (plan id, action key)


class TrailEvent(Frozen):
    time: Instant
    action: str
    outcome: str
    account_id: str
    email: str | None = None
    site: str
    product: str
    policy: str
    groups: tuple[str, ...] = ()
    plan_id: str
    reason: str | None = Field(default=None, description="Why the plan wanted it (plan file).")
    detail: str | None = None
    error: str | None = None
    commit: str | None = Field(default=None, description="The commit apply ran at.")
    request: RequestRef | None = Field(
        default=None, description="The issue the change was asked for in, and by whom."
    )
    approved_by: Approval | None = None

    @property
    def label(self) -> str:
        return self.email or self.account_id


class AuditTrail(Frozen):
    account: str | None = Field(default=None, description="The e-mail or accountId asked for.")
    since: Instant | None = None
    events: tuple[TrailEvent, ...] = ()
    standing_warnings: tuple[WarningRecord, ...] = Field(
        default=(), description="Warnings in the ledger now: a revoke may follow."
    )
    removed_seats: tuple[RemovalRecord, ...] = Field(
        default=(), description="Seats removed and recorded for restore, per the ledger now."
    )


def build_trail(
    entries: Iterable[AuditRecord],
    *,
    ledger: Ledger,
    approvals: Mapping[str, Approval],
    reasons: Mapping[PlanAction, str],
    account: str | None = None,
    since: datetime | None = None,
) -> AuditTrail:
    """The records about `account` (any if None) from `since` on (all if None), joined with
    their plans' reasons and approvals."""
    chosen = [e for e in entries if _selected(e, account=account, since=since)]
    return AuditTrail(
        account=account,
        since=since,
        events=tuple(_event(e, approvals=approvals, reasons=reasons) for e in chosen),
        standing_warnings=tuple(
            w for w in ledger.warnings if _names(w, account) and _after(w.warned_at, since)
        ),
        removed_seats=tuple(
            r for r in ledger.removals if _names(r, account) and _after(r.removed_at, since)
        ),
    )


def plans_needed(
    entries: Iterable[AuditRecord], *, account: str | None, since: datetime | None
) -> set[str]:
    """The plan files whose reasons the trail will show (read only those: plans are big)."""
    return {e.plan_id for e in entries if _selected(e, account=account, since=since)}


def _selected(entry: AuditRecord, *, account: str | None, since: datetime | None) -> bool:
    return (account is None or entry.concerns(account)) and _after(entry.time, since)


def _after(when: datetime, since: datetime | None) -> bool:
    return since is None or when >= since


def _names(record: WarningRecord | RemovalRecord, account: str | None) -> bool:
    if account is None:
        return True
    wanted = account.strip().lower()
    return wanted in {record.account_id.lower(), (record.email or "").lower()}


def _event(
    entry: AuditRecord, *, approvals: Mapping[str, Approval], reasons: Mapping[PlanAction, str]
) -> TrailEvent:
    return TrailEvent(
        time=entry.time,
        action=entry.action,
        outcome=entry.outcome,
        account_id=entry.account_id,
        email=entry.email,
        site=entry.site,
        product=entry.product,
        policy=entry.policy,
        groups=entry.groups,
        plan_id=entry.plan_id,
        reason=reasons.get((entry.plan_id, entry.key)),
        detail=entry.detail,
        error=entry.error,
        commit=entry.commit,
        request=entry.request,
        approved_by=approvals.get(entry.plan_id),
    )
