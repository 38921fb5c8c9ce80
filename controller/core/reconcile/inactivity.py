"""PURE: the InactivityPolicy rules, one account under one policy at a time.

1. only accounts that hold the product on the site through a group count (no seat: no
   action); suspended or deactivated accounts hold no seat;
2. activity counts per site and product; never-active accounts are judged from
   `added_to_org` against `never_active_grace_days`;
3. an account idle past the warning window is warned first (if `warn_before_days`), and
   revoked once a warning is old enough; activity after a warning clears it;
4. protected, excluded and IdP-managed accounts are never acted on: they are listed as
   skipped, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from controller.core.ledger import WarningRecord
from controller.core.plan.model import Action, Evidence, GroupRef, ProductOnSite
from controller.core.policy.models import InactivityPolicy
from controller.core.reconcile.protected_accounts import Protection, refs, with_policy_exclusions
from controller.core.reconcile.rule_context import (
    Findings,
    RuleContext,
    SeatKey,
    Where,
    make_action,
    make_skip,
)
from controller.core.snapshot import SEATLESS_TYPES, Account, Group, Inventory, Seat, SeatHolders

# --- idleness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Idleness:
    """How long an account has not used one product of one site, and the limit that applies."""

    reference: datetime
    idle_days: int
    threshold_days: int
    never_active: bool
    last_active: datetime | None
    over_cap: int | None = None  # the policy's max_seats, when the cap (not the limit) applies

    @property
    def past_limit(self) -> bool:
        return self.over_cap is not None or self.idle_days > self.threshold_days

    def describe(self, site: str, product: str) -> str:
        if self.over_cap is not None:
            return (
                f"{self._facts(site, product)}; over max_seats {self.over_cap} for {product} on "
                f"{site}: the longest idle give up their seats first"
            )
        return self._facts(site, product)

    def _facts(self, site: str, product: str) -> str:
        if self.never_active:
            return (
                f"never active on {product} at {site}; added to the org "
                f"{self.reference.date().isoformat()} ({self.idle_days} days ago, "
                f"grace {self.threshold_days})"
            )
        return (
            f"not active on {product} at {site} since {self.reference.date().isoformat()} "
            f"({self.idle_days} days, limit {self.threshold_days})"
        )


def idleness(account: Account, policy: InactivityPolicy, *, now: datetime) -> Idleness | None:
    """None when nothing says how long the account has been idle (never active, date unknown)."""
    last = account.last_active(policy.site, policy.product)
    if last is not None:
        return Idleness(last, (now - last).days, policy.inactive_after_days, False, last)
    if account.added_to_org is None:
        return None
    added = account.added_to_org
    return Idleness(added, (now - added).days, policy.grace_days, True, None)


# --- one policy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """One policy with what it needs resolved against the inventory."""

    policy: InactivityPolicy
    protection: Protection
    granting: frozenset[str]  # ids of every group granting the product on the site
    targets: dict[str, GroupRef]  # the groups this policy removes, by id
    # Target groups that grant more than this seat: id -> the other (site, product) they grant.
    shared: dict[str, tuple[Seat, ...]]


def target_groups(policy: InactivityPolicy, inventory: Inventory) -> tuple[Group, ...]:
    granting = inventory.granting_groups(policy.site, policy.product)
    if policy.groups is None:
        return granting
    wanted = set(policy.groups)
    return tuple(g for g in granting if g.name in wanted)


def policy_scope(policy: InactivityPolicy, ctx: RuleContext) -> Scope:
    targets = target_groups(policy, ctx.inventory)
    seat = (policy.site, policy.product)
    return Scope(
        policy=policy,
        protection=with_policy_exclusions(ctx.protection, policy, inventory=ctx.inventory),
        granting=frozenset(g.id for g in ctx.inventory.granting_groups(*seat)),
        targets={g.id: GroupRef(id=g.id, name=g.name) for g in targets},
        shared={g.id: tuple(s for s in g.seats if s != seat) for g in targets if len(g.seats) > 1},
    )


def collateral(account: Account, scope: Scope, *, ctx: RuleContext) -> dict[Seat, str]:
    """What else removing the account from the policy's groups takes from it: each other
    (site, product) a removed group grants and no group it keeps does, with the group's name."""
    if not scope.shared or scope.shared.keys().isdisjoint(account.groups):
        return {}
    shared = sorted(
        (g for g in account.groups if g in scope.shared), key=lambda g: scope.targets[g].name
    )
    if not shared:
        return {}
    kept = {
        seat
        for group_id in account.groups
        if group_id not in scope.targets
        for seat in ctx.groups_by_id[group_id].seats
    }
    lost: dict[Seat, str] = {}
    for group_id in shared:
        for seat in scope.shared[group_id]:
            if seat not in kept:
                lost.setdefault(seat, scope.targets[group_id].name)
    return dict(sorted(lost.items()))


def describe_collateral(lost: dict[Seat, str]) -> str:
    """`group 'x' also grants confluence on acme and jira-software on labs`, per group."""
    by_group: dict[str, list[str]] = {}
    for (site, product), group in lost.items():
        by_group.setdefault(group, []).append(f"{product} on {site}")
    return "; ".join(
        f"group '{group}' also grants {' and '.join(seats)}" for group, seats in by_group.items()
    )


def evaluate_policy(policy: InactivityPolicy, ctx: RuleContext, *, findings: Findings) -> None:
    scope = policy_scope(policy, ctx)
    holders = ctx.holders.get((policy.site, policy.product)) or SeatHolders()
    # Used within `quiet_days` (less than quiet_days + 1 whole days ago): not even warned. Most
    # accounts stop at this one comparison, before any object is built for them.
    recent = ctx.now - timedelta(days=policy.quiet_days + 1)
    for account, last in holders.pairs():
        if last is None or last <= recent:
            evaluate_account(account, scope, ctx=ctx, findings=findings)
    if policy.max_seats is not None:
        enforce_max_seats(scope, holders.accounts, ctx=ctx, findings=findings)


def evaluate_account(
    account: Account, scope: Scope, *, ctx: RuleContext, findings: Findings
) -> None:
    policy = scope.policy
    seat: SeatKey = (account.account_id, policy.site, policy.product)
    idle = idleness(account, policy, now=ctx.now)
    if idle is None:
        findings.skipped.append(make_skip(account, policy, reason=UNJUDGED))
        return
    warning = ctx.warnings.get(seat)
    if (
        warning is not None
        and idle.last_active is not None
        and idle.last_active > warning.warned_at
    ):
        return  # active since the warning: the ledger sweep emits clear-warning
    if idle.idle_days <= idle.threshold_days - policy.warn_before_days:
        return
    blocker = _blocker(account, scope, ctx=ctx)
    if blocker:
        findings.skipped.append(
            make_skip(account, policy, reason=blocker + _lapsed_note(account, ctx))
        )
        return
    findings.keep_warnings.add(seat)
    action = _idle_action(account, scope, idle=idle, warning=warning, ctx=ctx)
    if action is not None:
        findings.actions.append(action)


UNJUDGED = "never active and the date it joined the org is unknown; not judged"


def _blocker(account: Account, scope: Scope, *, ctx: RuleContext) -> str | None:
    granted = ctx.granted.get((account.account_id, scope.policy.site, scope.policy.product))
    return scope.protection.reason(account) or granted or _group_blocker(account, scope, ctx=ctx)


def _group_blocker(account: Account, scope: Scope, *, ctx: RuleContext) -> str | None:
    policy = scope.policy
    if policy.action == "suspend":
        return None
    held = sorted(
        scope.granting.intersection(account.groups), key=lambda g: ctx.groups_by_id[g].name
    )
    for group_id in held:
        group = ctx.groups_by_id[group_id]
        if group_id not in scope.targets:
            return (
                f"also holds {policy.product} through group '{group.name}', which policy "
                f"{policy.name} does not manage; removing the others would not free the seat"
            )
        if group.managed_by == "idp":
            return (
                f"seat granted by group '{group.name}', which is managed by your identity "
                "provider; change it there"
            )
    lost = collateral(account, scope, ctx=ctx)
    if lost and not policy.allow_collateral:
        return (
            f"{describe_collateral(lost)}; removing the account would take that too: split the "
            f"group, or allow it with `allow_collateral: true` in policy {policy.name}"
        )
    return None


def _lapsed_note(account: Account, ctx: RuleContext) -> str:
    lapsed = [ctx.protection.lapsed[r] for r in sorted(refs(account)) if r in ctx.protection.lapsed]
    if not lapsed or lapsed[0].expires is None:
        return ""
    return f" (an exclusion for it expired on {lapsed[0].expires.isoformat()})"


def _idle_action(
    account: Account,
    scope: Scope,
    *,
    idle: Idleness,
    warning: WarningRecord | None,
    ctx: RuleContext,
) -> Action | None:
    policy = scope.policy
    past_limit = idle.past_limit
    if policy.warn_before_days == 0:
        return _revoke(account, scope, idle=idle, warning=None, ctx=ctx) if past_limit else None
    if warning is None:
        return _warn(account, scope, idle=idle, ctx=ctx)
    if past_limit and _warning_matured(warning, policy, now=ctx.now):
        return _revoke(account, scope, idle=idle, warning=warning, ctx=ctx)
    return None


def _warning_matured(warning: WarningRecord, policy: InactivityPolicy, *, now: datetime) -> bool:
    waited = now - warning.warned_at >= timedelta(days=policy.warn_before_days)
    return waited and warning.revoke_not_before <= now


def revoke_not_before(idle: Idleness, policy: InactivityPolicy, *, now: datetime) -> datetime:
    """The first instant a revoke may be planned: after the full warning and past the limit."""
    earliest = now + timedelta(days=policy.warn_before_days)
    if idle.over_cap is not None:
        return earliest
    return max(earliest, idle.reference + timedelta(days=idle.threshold_days + 1))


def _warn(account: Account, scope: Scope, *, idle: Idleness, ctx: RuleContext) -> Action:
    policy = scope.policy
    not_before = revoke_not_before(idle, policy, now=ctx.now)
    loss = Loss.of(account, scope, ctx=ctx)
    reason = (
        f"{idle.describe(policy.site, policy.product)}; will be revoked on or after "
        f"{not_before.date().isoformat()} unless used before then"
    )
    if loss.what:
        reason += f"; the revocation {loss.what}"
    evidence = _evidence(account, idle, revoke_not_before=not_before)
    where = Where(policy.name, policy.site, policy.product)
    return make_action(
        "warn",
        account,
        where=where,
        reason=reason,
        evidence=evidence,
        also_removes=loss.also_removes,
        all_access=loss.all_access,
    )


@dataclass(frozen=True)
class Loss:
    """What a revocation takes beyond the policy's own seat, as the plan and the mails say it."""

    also_removes: tuple[ProductOnSite, ...] = ()
    all_access: bool = False
    what: str = ""  # for the reason: what else it takes, if anything

    @classmethod
    def of(cls, account: Account, scope: Scope, *, ctx: RuleContext) -> Loss:
        if scope.policy.action == "suspend":
            return cls(all_access=True, what="suspends the account in the whole organization")
        lost = collateral(account, scope, ctx=ctx)
        if not lost:
            return cls()
        seats = tuple(ProductOnSite(site=site, product=product) for site, product in lost)
        taken = ", ".join(f"{product} on {site}" for site, product in lost)
        groups = ", ".join(f"'{g}'" for g in dict.fromkeys(lost.values()))
        return cls(seats, what=f"also removes {taken} (shared through {groups}; allow_collateral)")


def _revoke(
    account: Account,
    scope: Scope,
    *,
    idle: Idleness,
    warning: WarningRecord | None,
    ctx: RuleContext,
) -> Action:
    policy = scope.policy
    reason = idle.describe(policy.site, policy.product)
    if warning is not None:
        reason += f"; warned {warning.warned_at.date().isoformat()}"
    groups: tuple[GroupRef, ...] = ()
    if policy.action == "remove-from-groups":
        removed = (scope.targets[g] for g in account.groups if g in scope.targets)
        groups = tuple(sorted(removed, key=lambda r: (r.name, r.id)))
    loss = Loss.of(account, scope, ctx=ctx)
    if loss.what:
        reason += f"; {loss.what}"
    evidence = _evidence(
        account,
        idle,
        warned_at=warning.warned_at if warning else None,
        revoke_not_before=warning.revoke_not_before if warning else None,
    )
    where = Where(policy.name, policy.site, policy.product)
    return make_action(
        "revoke",
        account,
        where=where,
        reason=reason,
        evidence=evidence,
        groups=groups,
        method=policy.action,
        also_removes=loss.also_removes,
        all_access=loss.all_access,
    )


def _evidence(
    account: Account,
    idle: Idleness,
    *,
    warned_at: datetime | None = None,
    revoke_not_before: datetime | None = None,
) -> Evidence:
    return Evidence(
        last_active=idle.last_active,
        added_to_org=account.added_to_org,
        idle_days=idle.idle_days,
        threshold_days=idle.threshold_days,
        warned_at=warned_at,
        revoke_not_before=revoke_not_before,
    )


# --- warnings that no longer hold ----------------------------------------------------------


def clear_stale_warnings(ctx: RuleContext, keep: set[SeatKey]) -> Iterator[Action]:
    accounts = {a.account_id: a for a in ctx.inventory.accounts}
    for seat, warning in sorted(ctx.warnings.items()):
        if seat in keep:
            continue
        account = accounts.get(warning.account_id)
        reason = _why_cleared(account, warning, ctx=ctx)
        evidence = Evidence(
            last_active=account.last_active(warning.site, warning.product) if account else None,
            warned_at=warning.warned_at,
            revoke_not_before=warning.revoke_not_before,
        )
        subject = account or Account(account_id=warning.account_id, email=warning.email)
        where = Where(warning.policy, warning.site, warning.product)
        yield make_action(
            "clear-warning",
            subject,
            where=where,
            reason=reason,
            evidence=evidence,
        )


def _why_cleared(account: Account | None, warning: WarningRecord, *, ctx: RuleContext) -> str:
    if account is None:
        return "the account is no longer in the organization"
    last = account.last_active(warning.site, warning.product)
    if last is not None and last > warning.warned_at:
        return (
            f"active on {warning.product} at {warning.site} on {last.date().isoformat()}, "
            f"after the warning of {warning.warned_at.date().isoformat()}"
        )
    if account.status != "active":
        return f"the account is {account.status}"
    return "no longer idle under any policy (seat gone, policy changed or account now protected)"


# --- max_seats: the longest idle go first ---------------------------------------------------


def enforce_max_seats(
    scope: Scope, holders: list[Account], *, ctx: RuleContext, findings: Findings
) -> None:
    """Beyond `max_seats`, warn (then revoke) the longest idle of those no rule acted on yet."""
    policy = scope.policy
    cap = policy.max_seats or 0
    decided = {a.account_id for a in findings.actions if a.policy == policy.name}
    decided |= {s.account_id for s in findings.skipped if s.policy == policy.name}
    revoked = sum(1 for a in findings.actions if a.policy == policy.name and a.action == "revoke")
    people = [a for a in holders if a.account_type not in SEATLESS_TYPES]
    excess = len(people) - revoked - cap
    if excess <= 0:
        return
    ranked = sorted(
        (a for a in people if a.account_id not in decided and not _blocker(a, scope, ctx=ctx)),
        key=lambda a: (_idle_since(a, policy), a.account_id),
    )
    for account in ranked[:excess]:
        _cap_action(account, scope, ctx=ctx, findings=findings)


def _idle_since(account: Account, policy: InactivityPolicy) -> datetime:
    """When the account last used the product (or joined); unknown sorts last."""
    known = account.last_active(policy.site, policy.product) or account.added_to_org
    return known or datetime.max.replace(tzinfo=UTC)


def _cap_action(account: Account, scope: Scope, *, ctx: RuleContext, findings: Findings) -> None:
    policy = scope.policy
    idle = idleness(account, policy, now=ctx.now)
    if idle is None:
        return
    capped = replace(idle, over_cap=policy.max_seats)
    seat: SeatKey = (account.account_id, policy.site, policy.product)
    findings.keep_warnings.add(seat)
    action = _idle_action(account, scope, idle=capped, warning=ctx.warnings.get(seat), ctx=ctx)
    if action is not None:
        findings.actions.append(action)
