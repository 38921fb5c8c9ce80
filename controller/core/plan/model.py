"""The plan: a reviewable value describing every access change (DESIGN §5).

`reconcile` builds it, `safety` guards it, `plan.canonical` writes it byte-for-byte
reproducibly, `plan.markdown` renders it for review, `apply` executes it. Pure.

The per-account records (`Action`, `Evidence`, `Skipped`) are frozen stdlib dataclasses: a large
organization yields a hundred thousand of them, and pydantic models cost several times more to
build. `Plan` is a pydantic model over them, so files are still validated, serialised and
described by `schemas/plan.schema.json` from this one definition (extra keys are refused).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import Field

from controller.core.model_base import Frozen, Instant

ActionKind = Literal["warn", "revoke", "grant", "restore", "clear-warning"]
Method = Literal["remove-from-groups", "suspend"]
ACTION_KINDS: tuple[ActionKind, ...] = ("revoke", "warn", "grant", "restore", "clear-warning")
PLAN_VERSION = 1


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group by id (what the API needs) and name (what a reviewer reads)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """The facts an action rests on, as they were when the plan was made."""

    last_active: Instant | None = None
    added_to_org: Instant | None = None
    idle_days: int | None = None
    threshold_days: int | None = None
    warned_at: Instant | None = None
    revoke_not_before: Instant | None = None
    removed_at: Instant | None = None
    removed_by_plan: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    key: str  # stable identity: `<action>:<site>:<product>:<accountId>`
    action: ActionKind
    account_id: str
    email: str | None = None
    name: str = ""
    site: str
    product: str
    policy: str
    method: Method | None = None
    groups: tuple[GroupRef, ...] = ()
    reason: str
    evidence: Evidence = field(default_factory=Evidence)
    seal: str = ""  # binds what is executed (key, method, groups) to the plan id; see `seal_action`

    @property
    def label(self) -> str:
        return self.email or self.account_id


def seal(plan_id: str, *, key: str, method: str | None, groups: tuple[GroupRef, ...]) -> str:
    """A checksum over what apply would execute, so a hand-edited or hand-added action is refused.

    Not a signature: anyone can recompute it. It catches edits made by mistake or without
    reading this; edits to a plan in review are visible in the pull request's diff anyway.
    """
    material = f"{plan_id}|{key}|{method or ''}|{','.join(g.id for g in groups)}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def seal_action(plan_id: str, action: Action) -> str:
    return seal(plan_id, key=action.key, method=action.method, groups=action.groups)


def action_key(action: ActionKind, *, site: str, product: str, account_id: str) -> str:
    return f"{action}:{site}:{product}:{account_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    account_id: str
    email: str | None = None
    site: str
    product: str
    policy: str
    reason: str


class ProductSummary(Frozen):
    site: str
    product: str
    seats: int = Field(description="Active accounts holding the product on the site now.")
    revoke: int = 0
    warn: int = 0
    restore: int = 0
    grant: int = 0
    clear_warning: int = 0
    skipped: int = 0


class PolicySummary(Frozen):
    policy: str
    revoke: int = 0
    warn: int = 0
    restore: int = 0
    grant: int = 0
    clear_warning: int = 0
    skipped: int = 0


class Summary(Frozen):
    total_actions: int = 0
    revoke: int = 0
    warn: int = 0
    restore: int = 0
    grant: int = 0
    clear_warning: int = 0
    skipped: int = 0
    seats_reclaimed: int = 0
    by_product: tuple[ProductSummary, ...] = ()
    by_policy: tuple[PolicySummary, ...] = ()


class Plan(Frozen):
    version: Literal[1] = 1
    id: str
    created_at: Instant
    expires_at: Instant
    org_id: str
    policies_digest: str
    inventory_digest: str
    ledger_digest: str
    base_commit: str | None = None
    summary: Summary
    actions: tuple[Action, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def has_changes(self) -> bool:
        return bool(self.actions)
