"""PURE: who no rule may touch (protected roles and types, the caller, exclusions), and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from controller.core.policy.models import Exclusion, InactivityPolicy
from controller.core.policy.policy_set import PolicySet
from controller.core.snapshot import Account, Inventory


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
        if not (self.fixed_accounts or self.excluded_accounts or self.excluded_groups):
            return None
        names = refs(account)
        if not self.fixed_accounts.isdisjoint(names):
            return "listed under protected.accounts in the Organization"
        for ref in sorted(names):
            if ref in self.excluded_accounts:
                return self.excluded_accounts[ref]
        for group_id in account.groups:
            if group_id in self.excluded_groups:
                return self.excluded_groups[group_id]
        return None


def refs(account: Account) -> set[str]:
    """How exclusions may name the account: its accountId and e-mail, lower-case."""
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


def build_protection(policies: PolicySet, inventory: Inventory, *, today: date) -> Protection:
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
    protection: Protection, policy: InactivityPolicy, *, inventory: Inventory
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
