"""PURE: AccessGrants — explicit access as desired state.

Each unexpired entry asks for an account to be in some groups (or to hold a product on a site,
through its main access group). The plan grants what is missing, and the inactivity policies
leave the granted seat alone until the entry expires; then the access falls back under them.
An access request is a pull request adding an entry (`accessctl request-access`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from controller.core.plan.model import Action, Evidence, GroupRef, Skipped
from controller.core.policy.models import AccessGrant, AccessGrants
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile.protected_accounts import refs
from controller.core.reconcile.rule_context import SeatKey, Where, make_action
from controller.core.snapshot import Account, Group, Inventory


@dataclass(frozen=True)
class ResolvedGrant:
    """One unexpired entry, matched to an account and to the groups that carry it out."""

    source: str
    entry: AccessGrant
    account: Account | None
    site: str
    product: str
    groups: tuple[Group, ...]

    @property
    def describe(self) -> str:
        until = f" until {self.entry.expires.isoformat()}" if self.entry.expires else ""
        return f"granted by AccessGrants {self.source}{until}: {self.entry.reason}"


def resolve_grants(
    policies: PolicySet, inventory: Inventory, *, today: date
) -> list[ResolvedGrant]:
    if not policies.grants:
        return []
    accounts = {ref: account for account in inventory.accounts for ref in refs(account)}
    default_site = policies.organization.sites[0].name
    return [
        _resolve(
            doc,
            entry,
            account=accounts.get(entry.account.lower()),
            inventory=inventory,
            default_site=default_site,
        )
        for doc in policies.grants
        for entry in doc.grants
        if entry.active_on(today)
    ]


def _resolve(
    doc: AccessGrants,
    entry: AccessGrant,
    *,
    account: Account | None,
    inventory: Inventory,
    default_site: str,
) -> ResolvedGrant:
    site = entry.site or default_site
    if entry.groups is not None:
        wanted = set(entry.groups)
        groups = tuple(
            g for g in inventory.groups if g.name in wanted and (site in g.sites or not g.grants)
        )
        product = next((s.product for g in groups for s in g.grants if s.site == site), "")
    else:
        product = entry.product or ""
        main = main_access_group(inventory, site=site, product=product)
        groups = (main,) if main else ()
    return ResolvedGrant(doc.name, entry, account, site, product, groups)


def main_access_group(inventory: Inventory, *, site: str, product: str) -> Group | None:
    """The group a product grant adds people to: the largest editable group granting it, and
    one that grants nothing else when there is one (a grant gives what was asked, no more)."""
    members: dict[str, int] = {}
    for account in inventory.accounts:
        for group_id in account.groups:
            members[group_id] = members.get(group_id, 0) + 1
    editable = [g for g in inventory.granting_groups(site, product) if g.managed_by != "idp"]
    return min(
        editable, key=lambda g: (len(g.seats) > 1, -members.get(g.id, 0), g.name), default=None
    )


def granted_seats(grants: list[ResolvedGrant]) -> dict[SeatKey, str]:
    """Seats an AccessGrant keeps: no inactivity policy may revoke them while it lasts."""
    seats: dict[SeatKey, str] = {}
    for grant in grants:
        if grant.account is None:
            continue
        kept = {seat for g in grant.groups for seat in g.seats}
        if grant.product:
            kept.add((grant.site, grant.product))
        for site, product in sorted(kept):
            seats.setdefault((grant.account.account_id, site, product), grant.describe)
    return seats


def plan_grants(grants: list[ResolvedGrant]) -> tuple[list[Action], list[Skipped]]:
    actions: list[Action] = []
    skipped: list[Skipped] = []
    for grant in grants:
        for item in _grant(grant):
            if isinstance(item, Action):
                actions.append(item)
            else:
                skipped.append(item)
    return actions, skipped


def _grant(grant: ResolvedGrant) -> Iterator[Action | Skipped]:
    problem = _cannot_grant(grant)
    if problem:
        yield Skipped(
            account_id=grant.account.account_id if grant.account else grant.entry.account,
            email=grant.account.email if grant.account else None,
            site=grant.site,
            product=grant.product,
            policy=grant.source,
            reason=problem,
        )
        return
    assert grant.account is not None
    missing = [g for g in grant.groups if g.id not in grant.account.groups]
    if not missing:
        return
    groups = tuple(sorted((GroupRef(id=g.id, name=g.name) for g in missing), key=lambda r: r.name))
    where = Where(grant.source, grant.site, grant.product)
    last = max((a.last_active for a in grant.account.activity), default=None)
    evidence = Evidence(last_active=last, added_to_org=grant.account.added_to_org)
    yield make_action(
        "grant",
        grant.account,
        where=where,
        reason=grant.describe,
        evidence=evidence,
        groups=groups,
    )


def _cannot_grant(grant: ResolvedGrant) -> str | None:
    if grant.account is None:
        return f"{grant.entry.account} is not an account of the organization; check the address"
    if grant.account.status != "active":
        return f"the account is {grant.account.status}; a grant does not reactivate it"
    if not grant.groups:
        return f"no editable group grants {grant.product or 'these groups'} on {grant.site}"
    synced = [g.name for g in grant.groups if g.managed_by == "idp"]
    if synced:
        return (
            f"group '{synced[0]}' is synced from your identity provider (SCIM), which Atlassian "
            "refuses to add members to; grant the access in the identity provider"
        )
    return None
