"""PURE: what accessctl does with an access request: refuse it, restore at once, or review it.

- Refused (one comment on the issue, nothing else): the site, the account or the product is
  unknown, or the author asks for someone else's account without the rights to (only the
  repository's owners, members and collaborators may ask for others: they could open the same
  pull request by hand).
- Restore: the author is provably the account's owner (the reviewed GitHubIdentities map says
  so), and a RestorePolicy with `on_request: restore` pre-approves giving back that seat
  (`controller.core.reconcile.restore.request_verdict`: removed by accessctl itself, within
  `within_days`, an eligible account, the groups still there and editable). The seat limit
  is checked when the restore is planned.
- Review, for everything else: a pull request adding an AccessGrants entry, for a person to
  review, saying why it was not restored at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from controller.core.access_request.form import RequestForm
from controller.core.ledger import Ledger
from controller.core.plan.model import Action, GroupRef, Plan, RequestRef
from controller.core.plan.summary import summarize
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile.protected_accounts import refs
from controller.core.reconcile.restore import RestoreRequest, latest_removals, request_verdict
from controller.core.snapshot import Account, Inventory

# GitHub's `author_association`s of people who could open the pull request themselves.
MAY_ASK_FOR_OTHERS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


@dataclass(frozen=True)
class Requester:
    """Who opened the issue, as GitHub says: login and relation to the repository."""

    login: str
    association: str


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Restore:
    request: RestoreRequest
    policy: str


@dataclass(frozen=True)
class Review:
    """A pull request to open: for which account and seat, the groups the removal took (to
    give back exactly those) if accessctl removed it, and why it is not restored at once."""

    account: Account
    site: str
    product: str
    groups: tuple[GroupRef, ...]
    why: str


@dataclass(frozen=True)
class Asked:
    """A request, with who asked, where, and against what state of the organization."""

    form: RequestForm
    requester: Requester
    issue: RequestRef
    policies: PolicySet
    inventory: Inventory
    ledger: Ledger


def route_request(asked: Asked, *, now: datetime) -> Refused | Restore | Review:
    """The one thing to do with the request."""
    seat = _seat(asked)
    if isinstance(seat, Refused):
        return seat
    account, site = seat
    key = (account.account_id, site, asked.form.product)
    removal = next((r for r in latest_removals(asked.ledger.removals) if r.seat == key), None)

    def review(why: str) -> Review:
        groups = removal.groups if removal else ()
        return Review(account=account, site=site, product=key[2], groups=groups, why=why)

    stranger = _not_the_owner(asked, account=account)
    if stranger is not None:
        if asked.requester.association in MAY_ASK_FOR_OTHERS:
            return review(stranger)
        return Refused(
            f"{stranger}, and only the repository's members may ask for someone else's "
            "access; ask from your own account, or ask your administrators to list your login"
        )
    groups = {g.id: g for g in asked.inventory.groups}
    verdict = request_verdict(
        asked.policies, asked.ledger, account=account, seat=key, now=now, groups_by_id=groups
    )
    if verdict.refusal is not None or verdict.policy is None:
        return review(verdict.refusal or "no restore policy pre-approves it")
    request = RestoreRequest(
        account_id=account.account_id, site=site, product=key[2], request=asked.issue
    )
    return Restore(request=request, policy=verdict.policy.name)


def _seat(asked: Asked) -> tuple[Account, str] | Refused:
    """The account and site the request names, or why they are not the organization's."""
    sites = [s.name for s in asked.policies.organization.sites]
    site = asked.form.site or (sites[0] if len(sites) == 1 else None)
    if site is None:
        return Refused(f"say which site in the Site field: one of {', '.join(sites)}")
    if site not in sites:
        return Refused(f"there is no site {site} in the organization; it has {', '.join(sites)}")
    account = find_account(asked.inventory, asked.form.account)
    if account is None:
        return Refused(
            f"there is no account {asked.form.account} in the organization; check the address "
            "in the Account field (the one your mail was sent to)"
        )
    groups = asked.inventory.groups
    products = sorted({g.product for group in groups for g in group.grants if g.site == site})
    if asked.form.product not in products:
        known = ", ".join(products) or "none"
        return Refused(f"no group grants {asked.form.product} on {site}; products there: {known}")
    return account, site


def _not_the_owner(asked: Asked, *, account: Account) -> str | None:
    """None when the GitHubIdentities map says the author is the account's owner; else why
    the author is not known to be."""
    login = asked.requester.login
    mapped = asked.policies.account_of(login)
    if mapped is not None and mapped.lower() in refs(account):
        return None
    if mapped is None:
        return f"@{login} is not listed in the GitHubIdentities map"
    return f"the GitHubIdentities map lists @{login} as {mapped}, not {asked.form.account}"


def restore_plan(plan: Plan, restore: Action, *, policies: PolicySet) -> Plan:
    """`plan` narrowed to the one restore asked for: what is carried out, and kept in `state/`
    as the record of it (its id, digests and seat counts are those it was planned with)."""
    seats = {(p.site, p.product): p.seats for p in plan.summary.by_product}
    summary = summarize([restore], [], policies=policies, seats=seats)
    narrowed = {"actions": (restore,), "skipped": (), "deferred": (), "summary": summary}
    return plan.model_copy(update=narrowed)


def find_account(inventory: Inventory, ref: str) -> Account | None:
    """The account an e-mail address (any case) or accountId names."""
    wanted = ref.strip().lower()
    return next((a for a in inventory.accounts if wanted in refs(a)), None)
