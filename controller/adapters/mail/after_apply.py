"""Mail after an apply: tell each person what changed for them, and the admins what ran.

Part of `controller.adapters.mail`, called by the `accessctl apply` command once the audit is
written. A revoke or restore that really changed something (`done`, not `already`) earns a notice; a
`warn` the plan carried (because `accessctl notify` could not send it, or `send_warnings` was off
then) earns the warning mail itself when `send_warnings` is on, with the dates apply recorded.
Apply's own types stay out: any result with `action`, `outcome` and `detail` will do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from controller.adapters.mail.compose import (
    Mail,
    one_address,
    restore_mail,
    revocation_mail,
    warning_mail,
)
from controller.adapters.mail.digest import DigestFacts, spared_lines
from controller.adapters.mail.due import Outbox, Outgoing, no_address
from controller.adapters.mail.rendering import Templates
from controller.adapters.mail.request_link import RequestLinks
from controller.core.ledger import warning_record
from controller.core.plan.model import Action, Skipped
from controller.core.policy.policy_set import PolicySet
from controller.core.state_records import EXECUTED, Outcome


class AppliedAction(Protocol):
    """One action's result as `controller.app.executor` reports it."""

    @property
    def action(self) -> Action: ...

    @property
    def outcome(self) -> Outcome: ...

    @property
    def detail(self) -> str: ...


@dataclass(frozen=True)
class Applied:
    """What one apply did, as the notices need it."""

    plan_id: str
    results: Sequence[AppliedAction]
    spared: Sequence[Skipped]  # accounts the plan listed as protected or excluded
    policies: PolicySet
    now: datetime
    templates: Templates
    links: RequestLinks | None = None  # where a person may ask for a seat back


def notices(applied: Applied) -> Outbox:
    outbox = Outbox()
    for result in applied.results:
        action = result.action
        if result.outcome != "done" or not _notice_wanted(action, applied.policies):
            continue
        if one_address(action.email or ""):
            outbox.outgoing.append(Outgoing(mail=_notice(action, applied)))
        else:
            outbox.unreachable.append(no_address(action, _KIND_NAMES[action.action]))
    return outbox


_KIND_NAMES = {"revoke": "revocation notice", "restore": "restore notice", "warn": "warning"}


def _notice_wanted(action: Action, policies: PolicySet) -> bool:
    if action.action == "warn":
        return policies.organization.notifications.send_warnings
    return action.action in {"revoke", "restore"}


def _notice(action: Action, applied: Applied) -> Mail:
    organization, templates, now = applied.policies.organization, applied.templates, applied.now
    links = applied.links
    if action.action == "warn":
        record = warning_record(action, policies=applied.policies, now=now)
        return warning_mail(
            action, record, organization=organization, templates=templates, links=links
        )
    if action.action == "revoke":
        return revocation_mail(
            action, organization=organization, templates=templates, now=now, links=links
        )
    return restore_mail(action, organization=organization, templates=templates, now=now)


def apply_digest_facts(
    applied: Applied,
    *,
    headline: str,
    mail_failures: Sequence[str],
    unreachable: Sequence[str],
    link: str | None,
) -> DigestFacts:
    executed = [r for r in applied.results if r.outcome in EXECUTED]
    counts = [(kind, sum(1 for r in executed if r.action.action == kind)) for kind in _COUNTED]
    counts += [
        (outcome, sum(1 for r in applied.results if r.outcome == outcome))
        for outcome in ("skipped", "refused", "failed")
    ]
    failures = [
        f"{r.action.action} {r.action.email or r.action.account_id} ({r.outcome}): {r.detail}"
        for r in applied.results
        if r.outcome in {"failed", "refused"}
    ]
    not_executed = [
        f"{r.action.action} {r.action.email or r.action.account_id}: {r.detail}"
        for r in applied.results
        if r.outcome == "skipped"
    ]
    return DigestFacts(
        title=f"applied {applied.plan_id}: {headline}",
        counts=tuple(counts),
        failures=(*failures, *mail_failures),
        unreachable=tuple(unreachable),
        spared=(*not_executed, *spared_lines(applied.spared)),
        link=link,
    )


_COUNTED = ("revoke", "restore", "grant", "warn", "clear-warning")
