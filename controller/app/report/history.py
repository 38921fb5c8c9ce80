"""PURE: what accessctl did, from the audit log: per month, re-grants, and each applied plan.

Part of the license report (`controller.app.report.model`). Only executed actions count (outcome
`done` or `already`); failures are counted apart. A revoked seat "came back" when the same
account was restored or granted the same product on the same site within `REGRANT_WINDOW_DAYS`
of the revoke: many of those mean a policy is too tight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import Field

from controller.app.report.approval import Approval
from controller.core.model_base import Frozen, Instant
from controller.core.state_records import AppliedMarker, AuditRecord

REGRANT_WINDOW_DAYS = 30
COUNTED = {"revoke": "revoked", "restore": "restored", "grant": "granted", "warn": "warned"}


class MonthRow(Frozen):
    month: str = Field(description="YYYY-MM (UTC).")
    revoked: int = 0
    restored: int = 0
    granted: int = 0
    warned: int = 0
    failed: int = Field(default=0, description="Actions of any kind that failed.")


class Regrant(Frozen):
    """Revoked seats given back within the window, over revokes old enough to judge."""

    scope: str = Field(description="`all`, or the policy the revokes came from.")
    window_days: int = REGRANT_WINDOW_DAYS
    revoked: int = Field(default=0, description="Revokes at least window_days old.")
    came_back: int = Field(default=0, description="Of those, restored or granted in the window.")
    rate: float | None = Field(default=None, description="came_back / revoked; null when none.")
    pending: int = Field(default=0, description="Revokes younger than the window.")
    pending_came_back: int = 0


class AppliedPlan(Frozen):
    plan_id: str
    applied_at: Instant
    commit: str | None = Field(default=None, description="The commit apply ran at (the merge).")
    revoked: int = 0
    restored: int = 0
    granted: int = 0
    warned: int = 0
    failed: int = 0
    approved_by: Approval | None = Field(
        default=None, description="Who merged the plan; null when git could not tell."
    )


# --- per month ----------------------------------------------------------------------------


def month_of(when: datetime) -> str:
    return when.strftime("%Y-%m")


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), so a chart has no silent gaps."""
    year, month = (int(part) for part in first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly(entries: Sequence[AuditRecord], *, now: datetime) -> tuple[MonthRow, ...]:
    if not entries:
        return ()
    counts: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        if entry.outcome == "failed":
            counts[(month_of(entry.time), "failed")] += 1
        elif entry.executed and entry.action in COUNTED:
            counts[(month_of(entry.time), COUNTED[entry.action])] += 1
    last = max(month_of(entries[-1].time), month_of(now))
    return tuple(
        MonthRow(month=month, **{f: counts[(month, f)] for f in (*COUNTED.values(), "failed")})
        for month in months_between(month_of(entries[0].time), last)
    )


# --- re-grant rate ------------------------------------------------------------------------


def regrants(entries: Sequence[AuditRecord], *, now: datetime) -> tuple[Regrant, ...]:
    """The re-grant rate over all revokes, then per policy that revoked anything."""
    revokes = [e for e in entries if e.executed and e.action == "revoke"]
    returns = _returns_by_seat(entries)
    policies = sorted({e.policy for e in revokes})
    return (
        regrant("all", revokes, returns=returns, now=now),
        *(
            regrant(p, [e for e in revokes if e.policy == p], returns=returns, now=now)
            for p in policies
        ),
    )


def regrant(
    scope: str,
    revokes: Iterable[AuditRecord],
    *,
    returns: Mapping[tuple[str, str, str], list[datetime]],
    now: datetime,
) -> Regrant:
    window = timedelta(days=REGRANT_WINDOW_DAYS)
    judged: list[bool] = []
    pending: list[bool] = []
    for revoke in revokes:
        back = any(revoke.time < t <= revoke.time + window for t in returns.get(_seat(revoke), []))
        (judged if revoke.time + window <= now else pending).append(back)
    return Regrant(
        scope=scope,
        revoked=len(judged),
        came_back=sum(judged),
        rate=round(sum(judged) / len(judged), 4) if judged else None,
        pending=len(pending),
        pending_came_back=sum(pending),
    )


def _returns_by_seat(entries: Iterable[AuditRecord]) -> dict[tuple[str, str, str], list[datetime]]:
    returns: dict[tuple[str, str, str], list[datetime]] = {}
    for entry in entries:
        if entry.executed and entry.action in {"restore", "grant"}:
            returns.setdefault(_seat(entry), []).append(entry.time)
    return returns


def _seat(entry: AuditRecord) -> tuple[str, str, str]:
    return (entry.account_id, entry.site, entry.product)


# --- applied plans and their approvers ----------------------------------------------------


def applied_plans(
    entries: Sequence[AuditRecord],
    *,
    markers: Iterable[AppliedMarker],
    approvals: Mapping[str, Approval],
) -> tuple[AppliedPlan, ...]:
    """One row per plan that was applied (marked, or seen in the audit log), newest first."""
    by_plan: dict[str, list[AuditRecord]] = {}
    for entry in entries:
        by_plan.setdefault(entry.plan_id, []).append(entry)
    marked = {m.plan_id: m for m in markers}
    plans = [
        _applied_plan(
            plan_id,
            entries=by_plan.get(plan_id, []),
            marker=marked.get(plan_id),
            approvals=approvals,
        )
        for plan_id in sorted(set(by_plan) | set(marked))
    ]
    return tuple(sorted(plans, key=lambda p: (p.applied_at, p.plan_id), reverse=True))


def _applied_plan(
    plan_id: str,
    *,
    entries: Sequence[AuditRecord],
    marker: AppliedMarker | None,
    approvals: Mapping[str, Approval],
) -> AppliedPlan:
    done = Counter(COUNTED[e.action] for e in entries if e.executed and e.action in COUNTED)
    return AppliedPlan(
        plan_id=plan_id,
        applied_at=marker.applied_at if marker else min(e.time for e in entries),
        commit=marker.commit if marker else next((e.commit for e in entries if e.commit), None),
        **{field: done[field] for field in COUNTED.values()},
        failed=sum(e.outcome == "failed" for e in entries),
        approved_by=approvals.get(plan_id),
    )
