"""PURE: what every rule of the reconciler shares: indexes over the inputs and action builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from controller.core.ledger import WarningRecord
from controller.core.plan.model import (
    Action,
    ActionKind,
    Evidence,
    GroupRef,
    Method,
    ProductOnSite,
    Skipped,
    action_key,
)
from controller.core.policy.models import InactivityPolicy
from controller.core.reconcile.protected_accounts import Protection
from controller.core.snapshot import Account, Group, Inventory, Seat, SeatHolders

SeatKey = tuple[str, str, str]  # (account_id, site, product)


@dataclass(frozen=True)
class RuleContext:
    """Indexes over the inputs, built once per plan so each rule is a dictionary lookup."""

    now: datetime
    inventory: Inventory
    groups_by_id: dict[str, Group]
    holders: dict[Seat, SeatHolders]  # (site, product) -> who holds it, and when they last used it
    warnings: dict[SeatKey, WarningRecord]
    protection: Protection
    granted: dict[SeatKey, str] = field(default_factory=dict)  # seat -> why an AccessGrant keeps it


@dataclass
class Findings:
    """What the rules decided: actions, skips, and the seats whose warning still stands."""

    actions: list[Action] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    keep_warnings: set[SeatKey] = field(default_factory=set)


@dataclass(frozen=True)
class Where:
    """Which policy an action comes from, and the seat (site, product) it concerns."""

    policy: str
    site: str
    product: str


def make_action(
    kind: ActionKind,
    account: Account,
    *,
    where: Where,
    reason: str,
    evidence: Evidence,
    groups: tuple[GroupRef, ...] = (),
    method: Method | None = None,
    also_removes: tuple[ProductOnSite, ...] = (),
    all_access: bool = False,
) -> Action:
    key = action_key(kind, site=where.site, product=where.product, account_id=account.account_id)
    return Action(
        key=key,
        action=kind,
        account_id=account.account_id,
        email=account.email,
        name=account.name,
        site=where.site,
        product=where.product,
        policy=where.policy,
        method=method,
        groups=groups,
        also_removes=also_removes,
        all_access=all_access,
        reason=reason,
        evidence=evidence,
    )


def make_skip(account: Account, policy: InactivityPolicy, *, reason: str) -> Skipped:
    return Skipped(
        account_id=account.account_id,
        email=account.email,
        site=policy.site,
        product=policy.product,
        policy=policy.name,
        reason=reason,
    )
