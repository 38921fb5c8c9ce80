"""PURE: RestorePolicy — give back exactly the groups accessctl itself removed.

Two ways back, both only for members of the policy's `eligible_groups`, both giving back exactly
what the ledger recorded at removal (the groups, or the suspension lifted):

- back at work: active on another product or site since the removal, within
  `active_within_days` (someone who only used Jira cannot show Jira activity without a seat);
- asked for: the person opened the request form from the link in their mail, the
  GitHubIdentities map says the issue's author is that person (checked by the caller, which
  hands over only such `RestoreRequest`s), the policy says `on_request: restore`, and the seat
  was removed at most `within_days` ago. The reviewed policy is the approval; the issue is the
  evidence the restore carries into the plan and the audit.

`request_verdict` says why a request is not restored at once (the caller then opens a pull
request for review); `plan_restores` plans the restores.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from controller.core.ledger import Ledger, RemovalRecord
from controller.core.plan.model import Action, Evidence, RequestRef
from controller.core.policy.models import RestorePolicy
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile.rule_context import RuleContext, SeatKey, Where, make_action
from controller.core.snapshot import Account, Group

ON_REQUEST = "restore"


@dataclass(frozen=True)
class RestoreRequest:
    """A seat its owner asked to get back, in an issue whose author is proven to be them."""

    account_id: str
    site: str
    product: str
    request: RequestRef

    @property
    def seat(self) -> SeatKey:
        return (self.account_id, self.site, self.product)


@dataclass(frozen=True)
class RequestVerdict:
    """Whether a request is restored at once: under which policy, giving back which removal;
    or, in `refusal`, why not (one sentence the requester and a reviewer read)."""

    policy: RestorePolicy | None = None
    removal: RemovalRecord | None = None
    refusal: str | None = None


# --- restore -------------------------------------------------------------------------------


def plan_restores(
    policies: PolicySet,
    ledger: Ledger,
    *,
    ctx: RuleContext,
    requests: Sequence[RestoreRequest] = (),
) -> Iterator[Action]:
    """Re-grant exactly the recorded groups to eligible accounts that asked (when a policy
    restores requests) or are back at work."""
    if not policies.restore:
        return
    accounts = {a.account_id: a for a in ctx.inventory.accounts}
    granted = {r.seat: r for r in requests}
    for removal in latest_removals(ledger.removals):
        account = accounts.get(removal.account_id)
        if account is None:
            continue
        request = granted.get(removal.seat)
        action = _requested(account, request, policies=policies, ledger=ledger, ctx=ctx)
        if action is None and account.status == "active":
            action = _back_at_work(account, removal, policies=policies, ctx=ctx)
        if action is not None:
            yield action


def latest_removals(removals: Iterable[RemovalRecord]) -> list[RemovalRecord]:
    """The last removal recorded for each seat, in a stable order."""
    latest: dict[SeatKey, RemovalRecord] = {}
    for r in sorted(removals, key=lambda r: r.removed_at):
        latest[(r.account_id, r.site, r.product)] = r
    return [latest[k] for k in sorted(latest)]


def _back_at_work(
    account: Account, removal: RemovalRecord, *, policies: PolicySet, ctx: RuleContext
) -> Action | None:
    for policy in policies.restore:
        action = _restore(account, removal, policy=policy, ctx=ctx)
        if action is not None:
            return action
    return None


def _restore(
    account: Account, removal: RemovalRecord, *, policy: RestorePolicy, ctx: RuleContext
) -> Action | None:
    if policy.active_within_days is None or not _eligible(
        account, policy, groups_by_id=ctx.groups_by_id
    ):
        return None
    if _already_back(account, removal):
        return None
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
    return _restore_action(
        account, removal, policy=policy, reason=reason, evidence=evidence, ctx=ctx
    )


# --- asked for -----------------------------------------------------------------------------


def _requested(
    account: Account,
    request: RestoreRequest | None,
    *,
    policies: PolicySet,
    ledger: Ledger,
    ctx: RuleContext,
) -> Action | None:
    if request is None:
        return None
    verdict = request_verdict(
        policies,
        ledger,
        account=account,
        seat=request.seat,
        now=ctx.now,
        groups_by_id=ctx.groups_by_id,
    )
    if verdict.refusal is not None or verdict.policy is None or verdict.removal is None:
        return None
    removal, asked = verdict.removal, request.request
    reason = (
        f"asked for in issue #{asked.issue} by @{asked.author}; seat removed "
        f"{removal.removed_at.date().isoformat()} by plan {removal.plan_id}; pre-approved by "
        f"restore policy {verdict.policy.name} (on_request: restore)"
    )
    evidence = Evidence(
        last_active=account.last_active(removal.site, removal.product),
        removed_at=removal.removed_at,
        removed_by_plan=removal.plan_id,
        requested_in=asked,
    )
    return _restore_action(
        account, removal, policy=verdict.policy, reason=reason, evidence=evidence, ctx=ctx
    )


def request_verdict(
    policies: PolicySet,
    ledger: Ledger,
    *,
    account: Account,
    seat: SeatKey,
    now: datetime,
    groups_by_id: Mapping[str, Group],
) -> RequestVerdict:
    """Whether the owner's request for `seat` is restored at once, and under which policy;
    else the first reason it is not."""
    removal = next((r for r in latest_removals(ledger.removals) if r.seat == seat), None)
    if removal is None:
        return RequestVerdict(
            refusal="accessctl has no record of removing this seat (only a seat it removed "
            "itself comes back without review)"
        )
    refusal = _account_refusal(account, removal)
    if refusal is not None:
        return RequestVerdict(removal=removal, refusal=refusal)
    restoring = [p for p in policies.restore if p.on_request == ON_REQUEST]
    if not restoring:
        return RequestVerdict(
            removal=removal,
            refusal="no restore policy gives seats back on request (`on_request: restore`)",
        )
    refusals = [
        _policy_refusal(account, removal, policy=p, now=now, groups_by_id=groups_by_id)
        for p in restoring
    ]
    for policy, refusal in zip(restoring, refusals, strict=True):
        if refusal is None:
            return RequestVerdict(policy=policy, removal=removal)
    return RequestVerdict(removal=removal, refusal=refusals[0])


def _account_refusal(account: Account, removal: RemovalRecord) -> str | None:
    if account.status == "suspended" and removal.method == "suspend":
        return None  # what accessctl did is what the restore undoes
    if account.status != "active":
        return f"the account is {account.status}"
    if _already_back(account, removal):
        return "the account already holds the groups accessctl removed"
    return None


def _policy_refusal(
    account: Account,
    removal: RemovalRecord,
    *,
    policy: RestorePolicy,
    now: datetime,
    groups_by_id: Mapping[str, Group],
) -> str | None:
    days = policy.within_days or 0
    if removal.removed_at < now - timedelta(days=days):
        return (
            f"the seat was removed on {removal.removed_at.date().isoformat()}, more than "
            f"{days} days ago (restore policy {policy.name} gives back removals of the last "
            f"{days} days)"
        )
    if not _eligible(account, policy, groups_by_id=groups_by_id):
        listed = ", ".join(policy.eligible_groups)
        return (
            f"the account is in none of the groups restore policy {policy.name} serves ({listed})"
        )
    return _group_refusal(removal, groups_by_id)


def _group_refusal(removal: RemovalRecord, groups_by_id: Mapping[str, Group]) -> str | None:
    for ref in removal.groups:
        group = groups_by_id.get(ref.id)
        if group is None:
            return f"group {ref.name} no longer exists"
        if group.managed_by == "idp":
            return f"group {ref.name} is now managed by the identity provider"
    return None


# --- shared --------------------------------------------------------------------------------


def _eligible(
    account: Account, policy: RestorePolicy, *, groups_by_id: Mapping[str, Group]
) -> bool:
    names = {groups_by_id[g].name for g in account.groups if g in groups_by_id}
    return bool(names.intersection(policy.eligible_groups))


def _already_back(account: Account, removal: RemovalRecord) -> bool:
    return removal.method == "remove-from-groups" and {g.id for g in removal.groups} <= set(
        account.groups
    )


def _restore_action(
    account: Account,
    removal: RemovalRecord,
    *,
    policy: RestorePolicy,
    reason: str,
    evidence: Evidence,
    ctx: RuleContext,
) -> Action:
    return make_action(
        "restore",
        account,
        where=Where(policy.name, removal.site, removal.product),
        reason=reason,
        evidence=evidence,
        groups=removal.groups,
        method=removal.method,
    )
