"""PURE: what an apply carries out, with which values, and why not the rest (docs/apply-trust.md).

Steps 1-3 of `controller.app.executor`. A plan file is a record of what was reviewed, not a source
of account IDs, groups or limits (STYLE, "Trust and concurrency"):

1. `check_applicable`: the plan's header seal must verify with the plan key; its expiry is
   recomputed from the sealed `created_at` and the Organization's `plan_ttl_days` at HEAD (the
   file's `expires_at` is never read) and bounds when the plan may start, not when a started one
   is finished; the organization and the policies must be the ones at HEAD.
2. `decide`: apply re-plans on fresh data (`reconcile`) and carries out the intersection. A
   reviewed action runs only when its own seal verifies, it is listed once, and the fresh plan
   holds an action with the same identity (kind, account, site, product, policy, method); what
   runs then is the FRESH action, narrowed to the groups that are in both the reviewed and the
   fresh one. So the audit and the ledger record fresh values only. Unsealed, duplicated or
   mis-keyed entries are refused and listed; reviewed actions no longer justified are skipped
   with the reason ("active on 2026-11-20, after the plan").
   An action an interrupted apply had begun (a journal `before` without an `after`) is resolved
   by reading the present: what is already as the action wanted is recorded as done by this plan.
   A started plan refused whole on a re-run runs nothing more: what its begun actions did is
   recorded as done, the rest is skipped with the refusal (`decide(..., refused=...)`).
3. `check_fresh`: the safety guards run again over what will run, with seat counts read fresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from controller.core.errors import BadInput
from controller.core.ledger import Ledger
from controller.core.model_base import format_instant
from controller.core.plan.model import Action, GroupRef, Plan, action_key
from controller.core.plan.seal import PLAN_KEY_VARIABLE, PlanKey, action_sealed, header_sealed
from controller.core.plan.summary import summarize
from controller.core.policy.policy_set import PolicySet, policies_digest
from controller.core.safety import check_plan
from controller.core.snapshot import Account, Inventory
from controller.core.state_records import Outcome

Seat = tuple[str, str]  # (site, product)


@dataclass(frozen=True)
class Decision:
    """Whether one reviewed action runs now, and if not, why.

    `reviewed` is the entry as the plan file lists it; `action` is what apply carries out and
    records: the fresh action for one that runs, the reviewed one (with the account's fresh
    e-mail and name) for one skipped. A refused entry (`recorded` False) named nothing apply
    could verify: it is listed, counted, and left out of the journal, the audit and the ledger.
    """

    reviewed: Action
    action: Action
    execute: bool
    outcome: Outcome = "done"
    reason: str = ""
    recorded: bool = True


# --- 1. is this plan applicable at all? ---------------------------------------------------


def check_applicable(
    plan: Plan, *, policies: PolicySet, key: PlanKey, now: datetime, started: bool = False
) -> None:
    """Refuse the whole plan (bad input). `started`: an earlier apply of it began (its journal
    says so); the expiry bounds when a plan may start, so a started one is finished after it."""
    if not header_sealed(plan, key):
        raise BadInput(
            f"plan {plan.id}: its seal does not match: the file was edited by hand, or sealed "
            f"with another {PLAN_KEY_VARIABLE}; run `accessctl plan` (or `propose`) again"
        )
    expires = expiry(plan, policies)
    if now >= expires and not started:
        raise BadInput(
            f"plan {plan.id} expired at {format_instant(expires)}; "
            "run `accessctl plan` (or `accessctl propose`) again"
        )
    if plan.org_id != policies.organization.org_id:
        raise BadInput(
            f"plan {plan.id} is for organization {plan.org_id}, not {policies.organization.org_id}"
        )
    if plan.policies_digest != policies_digest(policies):
        raise BadInput(f"policies changed since plan {plan.id} was made; re-plan and review again")


def expiry(plan: Plan, policies: PolicySet) -> datetime:
    """The sealed `created_at` plus the Organization's `plan_ttl_days` at HEAD."""
    return plan.created_at + timedelta(days=policies.organization.plan_ttl_days)


# --- 2. what runs, with which values ------------------------------------------------------


@dataclass(frozen=True)
class Fresh:
    """What apply read and planned now: the fresh plan, the accounts it read, the ledger."""

    plan: Plan
    inventory: Inventory
    ledger: Ledger

    def wanted(self) -> dict[str, Action]:
        return {a.key: a for a in self.plan.actions}

    def accounts(self) -> dict[str, Account]:
        return {a.account_id: a for a in self.inventory.accounts}

    def spared(self) -> dict[tuple[str, str, str], str]:
        return {(s.account_id, s.site, s.product): s.reason for s in self.plan.skipped}

    def group_names(self) -> dict[str, str]:
        return {g.id: g.name for g in self.inventory.groups}


def decide(
    reviewed: Plan,
    fresh: Fresh,
    *,
    key: PlanKey,
    begun: Mapping[str, tuple[str, ...]] | None = None,
    refused: str = "",
) -> list[Decision]:
    """One decision per entry of the reviewed plan. `begun`: the actions an interrupted apply of
    this plan had begun without finishing, with the group ids it was changing. `refused`: why
    the plan is refused whole after it started: nothing runs, a begun action is recorded as
    done as far as it is in effect, and the rest is skipped for that reason."""
    judge = _Judge(fresh, begun=begun or {}, refused=refused)
    seen: set[str] = set()
    decisions = []
    for action in reviewed.actions:
        refusal = _refusal(action, reviewed.id, key=key, seen=seen)
        if refusal:
            decisions.append(Decision(action, action, False, "refused", refusal, recorded=False))
            continue
        seen.add(action.key)
        decisions.append(judge.decision(action))
    return decisions


TAMPERED = (
    "not in the reviewed plan: its seal does not match, so it was added or edited by hand; "
    "re-plan to include it"
)
REPEATED = "listed again: a reviewed action runs once; this copy is not carried out"
MISKEYED = "its key does not name its own kind, site, product and account; re-plan"
FOUND_DONE = (
    "found done on resume: an interrupted apply of this plan made the change before it "
    "could record it"
)


def _refusal(action: Action, plan_id: str, *, key: PlanKey, seen: set[str]) -> str | None:
    if not action_sealed(plan_id, action, key=key):
        return TAMPERED
    if action.key in seen:
        return REPEATED
    named = action_key(
        action.action, site=action.site, product=action.product, account_id=action.account_id
    )
    return MISKEYED if action.key != named else None


class _Judge:
    """Decides reviewed actions against one fresh plan (indexes built once)."""

    def __init__(self, fresh: Fresh, *, begun: Mapping[str, tuple[str, ...]], refused: str) -> None:
        self.fresh = fresh
        self.begun = begun
        self.refused = refused
        self.wanted = {} if refused else fresh.wanted()
        self.accounts = fresh.accounts()
        self.spared = fresh.spared()
        self.names = fresh.group_names()

    def decision(self, reviewed: Action) -> Decision:
        account = self.accounts.get(reviewed.account_id)
        done = self._found_done(reviewed, account)
        wanted = self.wanted.get(reviewed.key)
        if wanted is not None:
            return _compare(reviewed, wanted, carried_over=done or ())
        if done is not None:
            found = _as_now(replace(reviewed, groups=done), account)
            return Decision(reviewed, found, False, "done", FOUND_DONE)
        if self.refused:
            return Decision(reviewed, _as_now(reviewed, account), False, "skipped", self.refused)
        outcome, why = self._no_longer_justified(reviewed, account)
        return Decision(reviewed, _as_now(reviewed, account), False, outcome, why)

    def _found_done(self, reviewed: Action, account: Account | None) -> tuple[GroupRef, ...] | None:
        """What of a begun change is in effect now: its groups (`()` for a suspension or its
        end), or None when nothing of it is."""
        begun = self.begun.get(reviewed.key)
        if begun is None or account is None or reviewed.action not in CHANGES_ACCOUNTS:
            return None
        if reviewed.method == "suspend":
            wanted = "suspended" if reviewed.action == "revoke" else "active"
            return () if account.status == wanted else None
        allowed = {g.id: g.name for g in reviewed.groups}
        member = reviewed.action != "revoke"
        done = tuple(
            GroupRef(id=g, name=self.names.get(g) or allowed[g])
            for g in dict.fromkeys(begun)
            if g in allowed and (g in account.groups) == member
        )
        return done or None

    def _no_longer_justified(self, action: Action, account: Account | None) -> tuple[Outcome, str]:
        seat = (action.account_id, action.site, action.product)
        ledger = self.fresh.ledger
        warned = ledger.warning_for(action.account_id, site=action.site, product=action.product)
        if action.action == "warn" and warned is not None:
            return "already", "already warned"
        if account is None:
            return "skipped", "the account is no longer in the organization"
        last = account.last_active(action.site, action.product)
        if (
            action.action in {"warn", "revoke"}
            and last
            and _newer(last, action.evidence.last_active)
        ):
            return "skipped", f"active on {last.date().isoformat()}, after the plan"
        if seat in self.spared:
            return "skipped", f"now spared: {self.spared[seat]}"
        if account.status != "active":
            return "skipped", f"the account is {account.status}"
        return "skipped", "no longer justified by the policies on fresh data; re-plan to see why"


CHANGES_ACCOUNTS = frozenset({"revoke", "grant", "restore"})


def touches_groups(action: Action) -> bool:
    """Whether carrying the action out changes group memberships (else the account's status,
    or only the ledger)."""
    return action.action in CHANGES_ACCOUNTS and action.method != "suspend"


def _compare(reviewed: Action, wanted: Action, *, carried_over: tuple[GroupRef, ...]) -> Decision:
    """The fresh action, narrowed to the reviewed groups, when its identity matches."""
    skip = _mismatch(reviewed, wanted) or _nothing_left(reviewed, wanted, carried_over=carried_over)
    if skip:
        now = replace(reviewed, email=wanted.email, name=wanted.name, seal="")
        return Decision(reviewed, now, False, "skipped", skip)
    return Decision(
        reviewed, replace(wanted, groups=_groups(reviewed, wanted, carried_over=carried_over)), True
    )


def _groups(
    reviewed: Action, wanted: Action, *, carried_over: tuple[GroupRef, ...]
) -> tuple[GroupRef, ...]:
    """The fresh action's groups that were reviewed, and those a begun run already changed, in
    the reviewed order (an interrupted run may have got through them in any order)."""
    order = {g.id: index for index, g in enumerate(reviewed.groups)}
    kept = tuple(g for g in wanted.groups if g.id in order)
    ids = {g.id for g in kept}
    merged = kept + tuple(g for g in carried_over if g.id not in ids)
    return tuple(sorted(merged, key=lambda g: order.get(g.id, len(order))))


def _nothing_left(reviewed: Action, wanted: Action, *, carried_over: tuple[GroupRef, ...]) -> str:
    if touches_groups(wanted) and not _groups(reviewed, wanted, carried_over=carried_over):
        return "none of the reviewed groups is left to change"
    return ""


def _mismatch(reviewed: Action, wanted: Action) -> str:
    if wanted.policy != reviewed.policy:
        return f"now planned by policy {wanted.policy}, not {reviewed.policy}; re-plan"
    if reviewed.method != wanted.method:
        return "the policy's action changed since the plan; re-plan"
    allowed = {g.id for g in reviewed.groups}
    extra = [g.name for g in wanted.groups if g.id not in allowed]
    if reviewed.action == "revoke" and extra:
        return (
            f"now also holds the seat through {', '.join(extra)}, not in the reviewed plan; re-plan"
        )
    return ""


def _as_now(action: Action, account: Account | None) -> Action:
    """The action with the account's e-mail and name as read now (the plan's when it is gone)."""
    if account is None:
        return replace(action, seal="")
    return replace(action, email=account.email, name=account.name, seal="")


def _newer(seen: datetime | None, planned: datetime | None) -> bool:
    """Activity the plan did not know about: any at all, or later than the plan's evidence."""
    return seen is not None and (planned is None or seen > planned)


# --- 3. the guards, on what will run --------------------------------------------------------


def revoked_seats(decisions: Sequence[Decision]) -> list[Seat]:
    """The (site, product) pairs this apply revokes seats of: their seat counts are read fresh."""
    return sorted({(d.action.site, d.action.product) for d in _running(decisions, "revoke")})


def check_fresh(
    reviewed: Plan,
    decisions: Sequence[Decision],
    *,
    policies: PolicySet,
    seats: Mapping[Seat, int],
) -> None:
    """The safety guards over the actions that will run, counted now (never the file's
    summary); `seats`: the seats in use per (site, product), as read now."""
    running = [d.action for d in decisions if d.execute]
    summary = summarize(running, (), policies=policies, seats=seats)
    check_plan(
        reviewed.model_copy(update={"actions": tuple(running), "summary": summary}), policies
    )


def _running(decisions: Sequence[Decision], kind: str) -> list[Decision]:
    return [d for d in decisions if d.execute and d.action.action == kind]
