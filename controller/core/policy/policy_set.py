"""The loaded policy set: every document of a policy repository, checked, as one value.

`reconcile` takes a `PolicySet`; `policies_digest` binds a plan to the exact policies it was
made from (DESIGN §5, §6). Pure.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel

from controller.core.errors import Problem
from controller.core.model_base import Frozen
from controller.core.policy.models import (
    AccessGrants,
    Exclusion,
    Exclusions,
    GitHubIdentities,
    InactivityPolicy,
    Organization,
    RestorePolicy,
)
from controller.core.policy.yaml_source import SourceDocument


class PolicySet(Frozen):
    organization: Organization
    inactivity: tuple[InactivityPolicy, ...] = ()
    exclusions: tuple[Exclusions, ...] = ()
    restore: tuple[RestorePolicy, ...] = ()
    grants: tuple[AccessGrants, ...] = ()
    identities: tuple[GitHubIdentities, ...] = ()

    def exclusion_entries(self) -> tuple[Exclusion, ...]:
        return tuple(entry for doc in self.exclusions for entry in doc.entries)

    def account_of(self, login: str) -> str | None:
        """The account (e-mail or accountId) the GitHubIdentities map gives a GitHub login
        (GitHub logins are not case-sensitive); None when it names no account for it."""
        wanted = login.lower()
        return next(
            (
                i.account
                for doc in self.identities
                for i in doc.identities
                if i.github.lower() == wanted
            ),
            None,
        )

    def active_exclusions(self, today: date) -> tuple[Exclusion, ...]:
        return tuple(e for e in self.exclusion_entries() if e.active_on(today))

    def warns_by_mail(self) -> bool:
        """A policy warns before it revokes, and warnings are sent: they need a mail server."""
        notifications = self.organization.notifications
        return notifications.send_warnings and any(p.warn_before_days for p in self.inactivity)

    def lacks_its_mail_server(self) -> bool:
        """The policies warn by mail and name no server: nobody is warned, nothing revoked."""
        return self.warns_by_mail() and self.organization.notifications.smtp is None


def policies_digest(policies: PolicySet) -> str:
    """sha256 of the canonical policy set: comments, key order and file layout do not count.

    The GitHubIdentities map is left out: it decides no action of a plan (only who may ask
    for a restore, checked when asked), so adding a person to it must not make a plan waiting
    for review stale."""
    documents = [policies.organization, *policies.inactivity, *policies.exclusions]
    documents += [*policies.restore, *policies.grants]
    canonical = sorted(
        (
            _without_later_defaults(d.model_dump(mode="json", by_alias=True, exclude_none=True))
            for d in documents
        ),
        key=lambda d: (d["kind"], d.get("name", "")),
    )
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# Keys added to the policy kinds after plans were first made, with their defaults: while a
# document leaves them at the default they are not part of the digest, so upgrading accessctl
# does not make a plan waiting for review stale.
_LATER_DEFAULTS: dict[str, dict[tuple[str, ...], object]] = {
    "RestorePolicy": {("on_request",): "review"},
    "Organization": {
        ("notifications", "request_link"): {
            "via": "github-issue",
            "issue_form": "request-access.yml",
        }
    },
}


def _without_later_defaults(data: dict[str, Any]) -> dict[str, Any]:
    for path, default in _LATER_DEFAULTS.get(data["kind"], {}).items():
        *parents, key = path
        holder = data
        for parent in parents:
            holder = holder.get(parent) or {}
        if holder.get(key) == default:
            del holder[key]
    return data


@dataclass(frozen=True)
class Located:
    """Where a document, or a key inside it, was written."""

    file: str
    line: int


@dataclass(frozen=True)
class LoadedPolicies:
    """A policy set with where each document came from, and the warnings found loading it."""

    policies: PolicySet
    files: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()
    sources: dict[tuple[str, str], Located] = field(default_factory=dict)
    # Each document with the YAML it was read from, for checks that point at a key's line.
    documents: tuple[tuple[BaseModel, SourceDocument], ...] = ()
