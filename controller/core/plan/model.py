"""The plan: a reviewable value describing every access change (DESIGN §5).

`reconcile` builds it, `safety` guards it, `plan.canonical` writes it byte-for-byte
reproducibly, `plan.markdown` renders it for review, `apply` executes it. Pure.

The per-account records (`Action`, `Evidence`, `Skipped`) are frozen stdlib dataclasses: a large
organization yields a hundred thousand of them, and pydantic models cost several times more to
build. `Plan` is a pydantic model over them, so files are still validated, serialised and
described by `schemas/plan.schema.json` from this one definition (extra keys are refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from controller.core.errors import BadInput, shown
from controller.core.model_base import Frozen, Instant

ActionKind = Literal["warn", "revoke", "grant", "restore", "clear-warning"]
Method = Literal["remove-from-groups", "suspend"]
ACTION_KINDS: tuple[ActionKind, ...] = ("revoke", "warn", "grant", "restore", "clear-warning")
PLAN_VERSION = 1

# Exactly what `reconcile.plan_id` writes: `plan-YYYYMMDD-HHMMSS-<8 hex digits>`. A plan id names
# files in state/, so nothing else may pass for one (no `/`, no `..`, no newline, no 300 chars).
PLAN_ID_PATTERN = r"^plan-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$"
_PLAN_ID = re.compile(PLAN_ID_PATTERN.removeprefix("^").removesuffix("$"))
PlanId = Annotated[
    str,
    Field(
        pattern=PLAN_ID_PATTERN,
        description="`plan-YYYYMMDD-HHMMSS-` and 8 hex digits, as `accessctl plan` writes it.",
    ),
]


def is_plan_id(value: str) -> bool:
    return _PLAN_ID.fullmatch(value) is not None


def checked_plan_id(value: str) -> str:
    """`value` if it is a plan id; bad input otherwise (before it can become a path)."""
    if not is_plan_id(value):
        raise BadInput(
            f"{shown(value)} is not a plan id: accessctl names plans "
            "plan-YYYYMMDD-HHMMSS-xxxxxxxx; use the plan file `accessctl plan` wrote"
        )
    return value


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group by id (what the API needs) and name (what a reviewer reads)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestRef:
    """An access request made in a GitHub issue: its number, its address, and who opened it
    (a GitHub login)."""

    issue: int
    url: str
    author: str


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
    requested_in: RequestRef | None = None  # a restore asked for in an issue


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductOnSite:
    """A product on a site, as a person holds it."""

    site: str
    product: str


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
    # What else the person loses (or, for a warning, will lose): the other products and sites of
    # the groups removed that no group they keep grants. Only when the policy allows it.
    also_removes: tuple[ProductOnSite, ...] = ()
    # A suspension, or the warning of one: every product on every site goes.
    all_access: bool = False
    reason: str
    evidence: Evidence = field(default_factory=Evidence)
    seal: str = ""  # HMAC of every other field and the plan id (`controller.core.plan.seal`)

    @property
    def label(self) -> str:
        return self.email or self.account_id

    def skipped(self, reason: str) -> Skipped:
        """This action, left out of the plan for `reason`."""
        return Skipped(
            account_id=self.account_id,
            email=self.email,
            site=self.site,
            product=self.product,
            policy=self.policy,
            reason=reason,
        )


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
    deferred: int = Field(
        default=0, description="Revocations left to later runs by `safety.over_limit: trim`."
    )
    trimmed_by: tuple[str, ...] = Field(
        default=(), description="The limits the plan was trimmed to; empty when it was not."
    )
    by_product: tuple[ProductSummary, ...] = ()
    by_policy: tuple[PolicySummary, ...] = ()


class Plan(Frozen):
    version: Literal[1] = 1
    id: PlanId
    created_at: Instant
    expires_at: Instant
    org_id: str
    policies_digest: str
    inventory_digest: str
    ledger_digest: str
    base_commit: str | None = None
    seal: str = Field(
        default="",
        description="HMAC-SHA256 of the plan but its actions, with the workflows' plan key.",
    )
    summary: Summary
    actions: tuple[Action, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    deferred: tuple[Skipped, ...] = Field(
        default=(),
        description="Revocations due but over the safety limits (`over_limit: trim`): the "
        "next run plans them again.",
    )

    def expired(self, now: datetime) -> bool:
        """Past `expires_at` as written; apply recomputes the expiry (`apply_decision`)."""
        return now >= self.expires_at

    @property
    def has_changes(self) -> bool:
        return bool(self.actions)
