"""PURE: (policies, inventory, ledger, now) -> Plan. The heart of accessctl (DESIGN §2, §5, §7).

No I/O and no clock: everything the decision rests on is an argument, so the same inputs always
give the same plan, byte for byte. Each rule is one small function; `reconcile` composes them.

Rules, in the order they are applied to one account under one InactivityPolicy:
  1. only accounts that hold the product on the site through a group count (no seat: no action);
     suspended or deactivated accounts hold no seat;
  2. activity counts per site and product; never-active accounts are judged from `added_to_org`
     against `never_active_grace_days`;
  3. an account idle past the warning window is warned first (if `warn_before_days`), and revoked
     once a warning is old enough; activity after a warning clears it;
  4. protected, excluded and IdP-managed accounts are never acted on: they are listed as skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from controller.inventory import Account, Group, Inventory, inventory_digest
from controller.ledger import GroupRef, Ledger, RemovalRecord, WarningRecord, dump_ledger
from controller.plan.model import (
    ACTION_KINDS,
    Action,
    ActionKind,
    Evidence,
    Method,
    Plan,
    Skipped,
    action_key,
)
from controller.plan.summary import summarize
from controller.policy.models import Exclusion, InactivityPolicy, RestorePolicy
from controller.policy.policy_set import PolicySet, policies_digest

SeatKey = tuple[str, str, str]  # (account_id, site, product)


@dataclass(frozen=True)
class Context:
    """Indexes over the inputs, built once per plan so each rule is a dictionary lookup."""

    now: datetime
    inventory: Inventory
    groups_by_id: dict[str, Group]
    members: dict[str, list[Account]]  # group id -> active accounts in it, in inventory order
    warnings: dict[SeatKey, WarningRecord]
    protection: Protection


def active_members(inventory: Inventory) -> dict[str, list[Account]]:
    members: dict[str, list[Account]] = {}
    for account in inventory.accounts:
        if account.status == "active":
            for group_id in account.groups:
                members.setdefault(group_id, []).append(account)
    return members


@dataclass(frozen=True)
class Protection:
    """Who no rule may touch, and why (the first reason found is the one reported).

    Exclusions are resolved to account references (lower-case e-mail or accountId) and group ids
    once per plan, each with the sentence a reviewer will read.
    """

    roles: frozenset[str]
    account_types: frozenset[str]
    fixed_accounts: frozenset[str]
    caller: str | None
    excluded_accounts: dict[str, str]
    excluded_groups: dict[str, str]
    lapsed: dict[str, Exclusion] = field(default_factory=dict)

    def reason(self, account: Account) -> str | None:
        if account.account_type in self.account_types:
            return (
                f"account type '{account.account_type}' is protected "
                "(bots, customers and unknown accounts are never touched)"
            )
        if account.platform_roles and not self.roles.isdisjoint(account.platform_roles):
            role = min(self.roles.intersection(account.platform_roles))
            return f"holds platform role {role} (admins are never revoked)"
        if account.account_id == self.caller:
            return "the account accessctl itself runs as"
        return self._by_listing(account)

    def _by_listing(self, account: Account) -> str | None:
        refs = _refs(account)
        if not self.fixed_accounts.isdisjoint(refs):
            return "listed under protected.accounts in the Organization"
        for ref in sorted(refs):
            if ref in self.excluded_accounts:
                return self.excluded_accounts[ref]
        for group_id in account.groups:
            if group_id in self.excluded_groups:
                return self.excluded_groups[group_id]
        return None


def _refs(account: Account) -> set[str]:
    refs = {account.account_id.lower()}
    if account.email:
        refs.add(account.email.lower())
    return refs


def _describe(exclusion: Exclusion) -> str:
    until = f", until {exclusion.expires.isoformat()}" if exclusion.expires else ""
    return f"{exclusion.reason} (owner {exclusion.owner}{until})"


def _group_ids_named(inventory: Inventory, names: Iterable[str]) -> dict[str, str]:
    """id -> name of the groups with these names (a name may exist on several sites)."""
    wanted = set(names)
    return {g.id: g.name for g in inventory.groups if g.name in wanted}


def build_protection(policies: PolicySet, inventory: Inventory, today: date) -> Protection:
    org = policies.organization
    active = policies.active_exclusions(today)
    lapsed = [e for e in policies.exclusion_entries() if not e.active_on(today)]
    by_group = {e.group: e for e in active if e.group}
    groups = {
        group_id: f"member of excluded group '{name}': {_describe(by_group[name])}"
        for group_id, name in _group_ids_named(inventory, by_group).items()
    }
    return Protection(
        roles=frozenset(org.protected.platform_roles),
        account_types=frozenset(org.protected.account_types),
        fixed_accounts=frozenset(a.lower() for a in org.protected.accounts),
        caller=inventory.fetched_by,
        excluded_accounts={
            e.account.lower(): "excluded: " + _describe(e) for e in active if e.account
        },
        excluded_groups=groups,
        lapsed={e.subject.lower(): e for e in lapsed},
    )


def with_policy_exclusions(
    protection: Protection, policy: InactivityPolicy, inventory: Inventory
) -> Protection:
    """The policy's own `exclude` list on top of the organization-wide protection."""
    if not policy.exclude.accounts and not policy.exclude.groups:
        return protection
    listed = f"listed under exclude.accounts in policy {policy.name}"
    accounts = dict.fromkeys((a.lower() for a in policy.exclude.accounts), listed)
    groups = {
        group_id: f"member of group '{name}', listed under exclude.groups in policy {policy.name}"
        for group_id, name in _group_ids_named(inventory, policy.exclude.groups).items()
    }
    return replace(
        protection,
        excluded_accounts={**protection.excluded_accounts, **accounts},
        excluded_groups={**protection.excluded_groups, **groups},
    )


# --- idleness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Idleness:
    """How long an account has not used one product of one site, and the limit that applies."""

    reference: datetime
    idle_days: int
    threshold_days: int
    never_active: bool
    last_active: datetime | None

    def describe(self, site: str, product: str) -> str:
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


def idleness(account: Account, policy: InactivityPolicy, now: datetime) -> Idleness | None:
    """None when nothing says how long the account has been idle (never active, date unknown)."""
    last = account.last_active(policy.site, policy.product)
    if last is not None:
        return Idleness(last, (now - last).days, policy.inactive_after_days, False, last)
    if account.added_to_org is None:
        return None
    added = account.added_to_org
    return Idleness(added, (now - added).days, policy.grace_days, True, None)


# --- one policy ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the rules decided: actions, skips, and the seats whose warning still stands."""

    actions: list[Action] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    keep_warnings: set[SeatKey] = field(default_factory=set)


@dataclass(frozen=True)
class Scope:
    """One policy with what it needs resolved against the inventory."""

    policy: InactivityPolicy
    protection: Protection
    granting: frozenset[str]  # ids of every group granting the product on the site
    targets: dict[str, GroupRef]  # the groups this policy removes, by id


def target_groups(policy: InactivityPolicy, inventory: Inventory) -> tuple[Group, ...]:
    granting = inventory.granting_groups(policy.site, policy.product)
    if policy.groups is None:
        return granting
    wanted = set(policy.groups)
    return tuple(g for g in granting if g.name in wanted)


def policy_scope(policy: InactivityPolicy, ctx: Context) -> Scope:
    return Scope(
        policy=policy,
        protection=with_policy_exclusions(ctx.protection, policy, ctx.inventory),
        granting=frozenset(
            g.id for g in ctx.inventory.granting_groups(policy.site, policy.product)
        ),
        targets={
            g.id: GroupRef(id=g.id, name=g.name) for g in target_groups(policy, ctx.inventory)
        },
    )


def seat_holders(scope: Scope, ctx: Context) -> list[Account]:
    """Active accounts in at least one granting group, each once, in inventory order."""
    seen: dict[str, Account] = {}
    for group_id in sorted(scope.granting):
        for account in ctx.members.get(group_id, ()):
            seen.setdefault(account.account_id, account)
    return sorted(seen.values(), key=lambda a: a.account_id)


def evaluate_policy(policy: InactivityPolicy, ctx: Context, outcome: Outcome) -> None:
    scope = policy_scope(policy, ctx)
    for account in seat_holders(scope, ctx):
        evaluate_account(account, scope, ctx, outcome)


def evaluate_account(account: Account, scope: Scope, ctx: Context, outcome: Outcome) -> None:
    policy = scope.policy
    seat: SeatKey = (account.account_id, policy.site, policy.product)
    idle = idleness(account, policy, ctx.now)
    if idle is None:
        outcome.skipped.append(_skip(account, policy, UNJUDGED))
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
    blocker = _blocker(account, scope, ctx)
    if blocker:
        outcome.skipped.append(_skip(account, policy, blocker + _lapsed_note(account, ctx)))
        return
    outcome.keep_warnings.add(seat)
    action = _idle_action(account, scope, idle, warning, ctx)
    if action is not None:
        outcome.actions.append(action)


UNJUDGED = "never active and the date it joined the org is unknown; not judged"


def _blocker(account: Account, scope: Scope, ctx: Context) -> str | None:
    return scope.protection.reason(account) or _group_blocker(account, scope, ctx)


def _group_blocker(account: Account, scope: Scope, ctx: Context) -> str | None:
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
    return None


def _lapsed_note(account: Account, ctx: Context) -> str:
    lapsed = [
        ctx.protection.lapsed[r] for r in sorted(_refs(account)) if r in ctx.protection.lapsed
    ]
    if not lapsed or lapsed[0].expires is None:
        return ""
    return f" (an exclusion for it expired on {lapsed[0].expires.isoformat()})"


def _idle_action(
    account: Account, scope: Scope, idle: Idleness, warning: WarningRecord | None, ctx: Context
) -> Action | None:
    policy = scope.policy
    past_limit = idle.idle_days > idle.threshold_days
    if policy.warn_before_days == 0:
        return _revoke(account, scope, idle, None, ctx) if past_limit else None
    if warning is None:
        return _warn(account, policy, idle, ctx)
    if past_limit and _warning_matured(warning, policy, ctx.now):
        return _revoke(account, scope, idle, warning, ctx)
    return None


def _warning_matured(warning: WarningRecord, policy: InactivityPolicy, now: datetime) -> bool:
    waited = now - warning.warned_at >= timedelta(days=policy.warn_before_days)
    return waited and warning.revoke_not_before <= now


def revoke_not_before(idle: Idleness, policy: InactivityPolicy, now: datetime) -> datetime:
    """The first instant a revoke may be planned: after the full warning and past the limit."""
    crossing = idle.reference + timedelta(days=idle.threshold_days + 1)
    return max(now + timedelta(days=policy.warn_before_days), crossing)


def _warn(account: Account, policy: InactivityPolicy, idle: Idleness, ctx: Context) -> Action:
    not_before = revoke_not_before(idle, policy, ctx.now)
    reason = (
        f"{idle.describe(policy.site, policy.product)}; will be revoked on or after "
        f"{not_before.date().isoformat()} unless used before then"
    )
    evidence = _evidence(account, idle, revoke_not_before=not_before)
    return _action(
        "warn", account, Where(policy.name, policy.site, policy.product), reason, evidence
    )


def _revoke(
    account: Account, scope: Scope, idle: Idleness, warning: WarningRecord | None, ctx: Context
) -> Action:
    policy = scope.policy
    reason = idle.describe(policy.site, policy.product)
    if warning is not None:
        reason += f"; warned {warning.warned_at.date().isoformat()}"
    groups: tuple[GroupRef, ...] = ()
    if policy.action == "remove-from-groups":
        removed = (scope.targets[g] for g in account.groups if g in scope.targets)
        groups = tuple(sorted(removed, key=lambda r: (r.name, r.id)))
    else:
        reason += "; suspends the account in the whole organization"
    evidence = _evidence(
        account,
        idle,
        warned_at=warning.warned_at if warning else None,
        revoke_not_before=warning.revoke_not_before if warning else None,
    )
    where = Where(policy.name, policy.site, policy.product)
    return _action("revoke", account, where, reason, evidence, groups=groups, method=policy.action)


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


@dataclass(frozen=True)
class Where:
    """Which policy an action comes from, and the seat (site, product) it concerns."""

    policy: str
    site: str
    product: str


def _action(
    kind: ActionKind,
    account: Account,
    where: Where,
    reason: str,
    evidence: Evidence,
    *,
    groups: tuple[GroupRef, ...] = (),
    method: Method | None = None,
) -> Action:
    return Action(
        key=action_key(kind, where.site, where.product, account.account_id),
        action=kind,
        account_id=account.account_id,
        email=account.email,
        name=account.name,
        site=where.site,
        product=where.product,
        policy=where.policy,
        method=method,
        groups=groups,
        reason=reason,
        evidence=evidence,
    )


def _skip(account: Account, policy: InactivityPolicy, reason: str) -> Skipped:
    return Skipped(
        account_id=account.account_id,
        email=account.email,
        site=policy.site,
        product=policy.product,
        policy=policy.name,
        reason=reason,
    )


# --- warnings that no longer hold ----------------------------------------------------------


def clear_stale_warnings(ctx: Context, keep: set[SeatKey]) -> Iterator[Action]:
    accounts = {a.account_id: a for a in ctx.inventory.accounts}
    for seat, warning in sorted(ctx.warnings.items()):
        if seat in keep:
            continue
        account = accounts.get(warning.account_id)
        reason = _why_cleared(account, warning, ctx)
        evidence = Evidence(
            last_active=account.last_active(warning.site, warning.product) if account else None,
            warned_at=warning.warned_at,
            revoke_not_before=warning.revoke_not_before,
        )
        subject = account or Account(account_id=warning.account_id, email=warning.email)
        where = Where(warning.policy, warning.site, warning.product)
        yield _action("clear-warning", subject, where, reason, evidence)


def _why_cleared(account: Account | None, warning: WarningRecord, ctx: Context) -> str:
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


# --- restore -------------------------------------------------------------------------------


def plan_restores(policies: PolicySet, ledger: Ledger, ctx: Context) -> Iterator[Action]:
    """Re-grant exactly the recorded groups to eligible accounts that are back at work."""
    if not policies.restore:
        return
    accounts = {a.account_id: a for a in ctx.inventory.accounts}
    for removal in _latest_removals(ledger.removals):
        account = accounts.get(removal.account_id)
        if account is None or account.status != "active":
            continue
        for policy in policies.restore:
            action = _restore(account, removal, policy, ctx)
            if action is not None:
                yield action
                break


def _latest_removals(removals: Iterable[RemovalRecord]) -> list[RemovalRecord]:
    latest: dict[SeatKey, RemovalRecord] = {}
    for r in sorted(removals, key=lambda r: r.removed_at):
        latest[(r.account_id, r.site, r.product)] = r
    return [latest[k] for k in sorted(latest)]


def _restore(
    account: Account, removal: RemovalRecord, policy: RestorePolicy, ctx: Context
) -> Action | None:
    names = {ctx.groups_by_id[g].name for g in account.groups if g in ctx.groups_by_id}
    if not names.intersection(policy.eligible_groups):
        return None
    if removal.method == "remove-from-groups" and {g.id for g in removal.groups} <= set(
        account.groups
    ):
        return None  # already back in every recorded group
    recent = [a for a in account.activity if a.last_active > removal.removed_at]
    cutoff = ctx.now - timedelta(days=policy.active_within_days)
    seen = max(
        (a for a in recent if a.last_active >= cutoff), key=lambda a: a.last_active, default=None
    )
    if seen is None:
        return None
    reason = (
        f"seat removed {removal.removed_at.date().isoformat()} by plan {removal.plan_id}; "
        f"active on {seen.product} at {seen.site} on {seen.last_active.date().isoformat()}"
    )
    evidence = Evidence(
        last_active=seen.last_active, removed_at=removal.removed_at, removed_by_plan=removal.plan_id
    )
    where = Where(policy.name, removal.site, removal.product)
    return _action(
        "restore", account, where, reason, evidence, groups=removal.groups, method=removal.method
    )


# --- the whole plan ------------------------------------------------------------------------


def reconcile(
    policies: PolicySet,
    inventory: Inventory,
    ledger: Ledger,
    now: datetime,
    *,
    base_commit: str | None = None,
) -> Plan:
    """Everything that should change, and why; nothing is executed here."""
    ctx = Context(
        now=now,
        inventory=inventory,
        groups_by_id={g.id: g for g in inventory.groups},
        members=active_members(inventory),
        warnings={(w.account_id, w.site, w.product): w for w in ledger.warnings},
        protection=build_protection(policies, inventory, now.date()),
    )
    outcome = Outcome()
    for policy in policies.inactivity:
        evaluate_policy(policy, ctx, outcome)
    actions = outcome.actions + list(clear_stale_warnings(ctx, outcome.keep_warnings))
    actions += plan_restores(policies, ledger, ctx)
    return assemble_plan(
        Inputs(policies, inventory, ledger, now, base_commit), actions, outcome.skipped
    )


@dataclass(frozen=True)
class Inputs:
    """Everything a plan is made from; its digests bind the plan to them."""

    policies: PolicySet
    inventory: Inventory
    ledger: Ledger
    now: datetime
    base_commit: str | None = None


def assemble_plan(inputs: Inputs, actions: list[Action], skipped: list[Skipped]) -> Plan:
    """Order actions and skips canonically, add digests and totals: the plan as a value."""
    policies, inventory, now = inputs.policies, inputs.inventory, inputs.now
    digests = (
        policies_digest(policies),
        inventory_digest(inventory),
        _ledger_digest(inputs.ledger),
    )
    ordered = sorted(actions, key=_action_order)
    skips = sorted(
        skipped, key=lambda s: (s.policy, s.site, s.product, s.email or "", s.account_id)
    )
    return Plan(
        id=plan_id(now, digests),
        created_at=now,
        expires_at=now + timedelta(days=policies.organization.plan_ttl_days),
        org_id=policies.organization.org_id,
        policies_digest=digests[0],
        inventory_digest=digests[1],
        ledger_digest=digests[2],
        base_commit=inputs.base_commit,
        summary=summarize(ordered, skips, policies, inventory),
        actions=tuple(ordered),
        skipped=tuple(skips),
    ).sealed()


def _action_order(action: Action) -> tuple[str, int, str, str, str, str]:
    rank = ACTION_KINDS.index(action.action)
    return (
        action.policy,
        rank,
        action.site,
        action.product,
        (action.email or "").lower(),
        action.account_id,
    )


def _ledger_digest(ledger: Ledger) -> str:
    return "sha256:" + hashlib.sha256(dump_ledger(ledger)).hexdigest()


def plan_id(now: datetime, digests: tuple[str, ...]) -> str:
    """`plan-YYYYMMDD-HHMMSS-<hash>`: sortable by time, unique to its inputs."""
    material = "|".join((now.isoformat(), *digests)).encode()
    return f"plan-{now.strftime('%Y%m%d-%H%M%S')}-{hashlib.sha256(material).hexdigest()[:8]}"
