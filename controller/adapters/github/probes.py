"""The reads `accessctl doctor` makes of GitHub, none of which changes anything, each answered
as the pure judges of `controller.core.doctor.github` take it.

Through the shared `GitHubForge` (its retries, error mapping and token scrubbing); a refusal is
raised as the shared `ServiceError`, which the command turns into a `Refused` for the judge.
Classic protection answers 404 when the branch has none (`None` here), and needs an admin's
token (or an app's with Administration: read) to read at all.
"""

from __future__ import annotations

from controller.adapters.github.client import GitHubForge
from controller.adapters.github.errors import Forbidden
from controller.adapters.github.models import BranchProtection, BranchRule
from controller.core.doctor.github import ProtectionSeen, Pusher, RepositorySeen, RulesetSeen


def repository(forge: GitHubForge) -> RepositorySeen:
    found = forge.repository()
    rights = found.permissions
    return RepositorySeen(
        full_name=found.full_name,
        default_branch=found.default_branch,
        can_push=rights.push if rights is not None else None,
        admin=rights is not None and rights.admin,
    )


def label_names(forge: GitHubForge) -> tuple[str, ...]:
    return tuple(label.name for label in forge.labels())


def actions_may_open_pulls(forge: GitHubForge) -> bool:
    return forge.workflow_permissions().can_approve_pull_request_reviews


def pusher(forge: GitHubForge, *, admin: bool) -> Pusher:
    """Whose token this is: a person (`GET /user`), or an app's or the Actions token (403);
    `admin`: the repository said the caller administers it."""
    try:
        login = forge.authenticated_user().login
    except Forbidden:
        return Pusher(login=None)
    return Pusher(login=login, admin=admin)


def protection(forge: GitHubForge, branch: str) -> ProtectionSeen | None:
    found = forge.branch_protection(branch)
    return None if found is None else _seen(found)


def _seen(found: BranchProtection) -> ProtectionSeen:
    reviews = found.required_pull_request_reviews
    bypass = reviews.bypass_pull_request_allowances if reviews is not None else None
    checks = found.required_status_checks
    return ProtectionSeen(
        requires_pull_request=reviews is not None,
        required_checks=checks.contexts if checks is not None else (),
        enforce_admins=found.enforce_admins.enabled,
        bypass_users=bypass.logins if bypass is not None else (),
        bypass_apps=bypass.slugs if bypass is not None else (),
        restricted=found.restrictions is not None,
        push_users=found.restrictions.logins if found.restrictions is not None else (),
        push_apps=found.restrictions.slugs if found.restrictions is not None else (),
    )


def rulesets(forge: GitHubForge, branch: str) -> tuple[RulesetSeen, ...]:
    """Each ruleset with rules on `branch`, its rule types there, and whether this token may
    bypass it."""
    rules = forge.branch_rules(branch)
    ids = sorted({rule.ruleset_id for rule in rules if rule.ruleset_id is not None})
    return tuple(_ruleset(forge, ruleset_id, rules=rules) for ruleset_id in ids)


def _ruleset(forge: GitHubForge, ruleset_id: int, *, rules: tuple[BranchRule, ...]) -> RulesetSeen:
    found = forge.ruleset(ruleset_id)
    types = tuple(rule.type for rule in rules if rule.ruleset_id == ruleset_id)
    return RulesetSeen(
        id=ruleset_id, name=found.name, rules=types, can_bypass=found.current_user_can_bypass
    )
