"""Doctor's judges of the GitHub side: the token and repository, the labels, the Actions
setting for pull requests, and whether a push of `state/` to the default branch goes through.

Pure functions from what `controller.adapters.github.probes` read to a `Finding`. The push check
judges the token doctor runs with (the one the workflows push with, when doctor runs in a
workflow or with that token exported): each ruleset on the branch says whether this token may
bypass it (`current_user_can_bypass`); classic branch protection is judged from its settings,
exactly for a person's token, and for an app's or the Actions token from what GitHub lets
integrations through (docs/github.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from controller.core.doctor.findings import Finding, Refused, refused_because

GUIDE = "docs/github.md"
ACTIONS_SETTING = (
    "turn on Settings > Actions > General > Workflow permissions > 'Allow GitHub Actions to "
    "create and approve pull requests' (an organization's own setting may have to allow it "
    f"first), or let the workflows use a GitHub App token ({GUIDE})"
)
# Rule types that never refuse a fast-forward push of a commit to an existing branch.
HARMLESS_RULES = frozenset({"creation", "deletion", "non_fast_forward", "required_linear_history"})
BYPASSING = frozenset({"always", "exempt"})


@dataclass(frozen=True)
class RepositorySeen:
    full_name: str
    default_branch: str
    can_push: bool | None  # the caller's own push right, when GitHub says (a person's token)
    admin: bool = False


@dataclass(frozen=True)
class ProtectionSeen:
    """Classic branch protection, as much as decides whether a push goes through."""

    requires_pull_request: bool = False
    required_checks: tuple[str, ...] = ()
    enforce_admins: bool = False
    bypass_users: tuple[str, ...] = ()
    bypass_apps: tuple[str, ...] = ()
    restricted: bool = False  # only the people and apps below may push
    push_users: tuple[str, ...] = ()
    push_apps: tuple[str, ...] = ()


@dataclass(frozen=True)
class RulesetSeen:
    id: int
    name: str
    rules: tuple[str, ...]  # the types of its rules on the branch
    can_bypass: str | None  # GitHub's `current_user_can_bypass` for this token

    @property
    def blocking(self) -> tuple[str, ...]:
        return tuple(rule for rule in self.rules if rule not in HARMLESS_RULES)


@dataclass(frozen=True)
class Pusher:
    """Who the token is: a person's login (`GET /user`), or None for an app's or the Actions
    token (GitHub answers them 403 there); `admin` from the repository's `permissions`."""

    login: str | None
    admin: bool = False

    @property
    def label(self) -> str:
        return f"@{self.login}" if self.login else "this app or Actions token"


def settings_missing(missing: Sequence[str]) -> Finding:
    return Finding.fail(
        "github: repository",
        f"{' and '.join(missing)} not set",
        fix="export GITHUB_REPOSITORY=OWNER/NAME and GITHUB_TOKEN=<the token the workflows "
        "use> (GitHub Actions sets both; `accessctl sim github` prints them for the simulator)",
    )


def repository(seen: RepositorySeen | Refused, *, name: str) -> Finding:
    check = "github: repository"
    if isinstance(seen, Refused):
        hints = {
            401: "GITHUB_TOKEN is wrong or expired: set it to a token for the repository",
            403: "GITHUB_TOKEN may not read the repository: give it contents: read at least",
            404: f"GITHUB_REPOSITORY ({name}) is not a repository this token can see",
        }
        fix = refused_because(seen, status_hints=hints, otherwise="check GITHUB_API_URL")
        return Finding.fail(check, seen.message, fix=fix)
    return Finding.ok(check, f"{seen.full_name} reachable, default branch {seen.default_branch}")


def label(
    seen: Sequence[str] | Refused, *, name: str, can_push: bool | None, made_on_use: bool
) -> Finding:
    """The label exists, or (`made_on_use`: accessctl adds it as it labels) this token may
    create it; `can_push` is the token's push right when GitHub says it."""
    check = f"github: label {name}"
    create = f"create the label {name} (Issues > Labels > New label)"
    if isinstance(seen, Refused):
        return Finding.fail(check, seen.message, fix=create)
    if name in seen:
        return Finding.ok(check, "exists")
    if not made_on_use:
        return Finding.fail(
            check, "missing: issues from the request form arrive without it", fix=create
        )
    if can_push is None:
        return Finding.skipped(
            check, f"missing; cannot tell whether this token may create it: {create}"
        )
    if can_push:
        return Finding.ok(check, "missing; created when `accessctl propose` first labels the plan")
    return Finding.fail(check, "missing, and this token may not create labels", fix=create)


def actions_may_open_pulls(seen: bool | Refused, *, app_token: bool) -> Finding:
    """`seen`: the repository's `can_approve_pull_request_reviews` setting."""
    check = "github: Actions may open pull requests"
    if app_token:
        return Finding.skipped(
            check, "the workflows use a GitHub App token, which this setting does not govern"
        )
    if isinstance(seen, Refused):
        return Finding.skipped(
            check,
            "reading the setting needs an admin's token (or an app's with Administration: read); "
            "check it by hand in Settings > Actions > General",
        )
    if seen:
        return Finding.ok(check, "GitHub Actions may create pull requests")
    return Finding.fail(
        check,
        "GitHub Actions may not create pull requests: propose would get a 403",
        fix=ACTIONS_SETTING,
    )


# --- a push of state/ to the default branch -------------------------------------------------


def state_push(
    protection: ProtectionSeen | Refused | None,
    rulesets: Sequence[RulesetSeen] | Refused,
    *,
    branch: str,
    pusher: Pusher,
) -> Finding:
    """Whether `notify --push` and `apply --push` can commit `state/` to `branch` with this
    token; `protection` None: the branch has no classic protection."""
    check = f"github: push state/ to {branch}"
    if isinstance(rulesets, Refused):
        return Finding.fail(
            check, rulesets.message, fix="check GITHUB_TOKEN can read the repository"
        )
    blockers = [*_ruleset_blockers(rulesets), *_classic_blockers(protection, pusher=pusher)]
    if blockers:
        return Finding.fail(
            check,
            f"a push by {pusher.label} would be refused: {'; '.join(blockers)}",
            fix=_bypass_fix(pusher),
        )
    if isinstance(protection, Refused):
        return Finding.skipped(
            check,
            f"no ruleset stops {pusher.label}; its classic protection needs an admin's token (or "
            "an app's with Administration: read) to read",
        )
    return Finding.ok(check, _passes(protection, rulesets, pusher=pusher, branch=branch))


def _ruleset_blockers(rulesets: Sequence[RulesetSeen]) -> list[str]:
    return [
        f"ruleset {r.name!r} ({', '.join(r.blocking)}; bypass: {r.can_bypass or 'not said'})"
        for r in rulesets
        if r.blocking and r.can_bypass not in BYPASSING
    ]


def _classic_blockers(protection: ProtectionSeen | Refused | None, *, pusher: Pusher) -> list[str]:
    if protection is None or isinstance(protection, Refused):
        return []
    if pusher.admin and pusher.login and not protection.enforce_admins:
        return []  # admins pass classic protection that does not enforce it on them
    found = []
    if protection.restricted and not _allowed(protection, pusher):
        found.append("pushes are restricted to others")
    if protection.requires_pull_request and not _bypasses_pulls(protection, pusher):
        found.append("branch protection requires a pull request")
    if protection.required_checks:
        found.append(
            f"branch protection requires the checks {', '.join(protection.required_checks)}"
        )
    return found


def _allowed(protection: ProtectionSeen, pusher: Pusher) -> bool:
    if pusher.login:
        return pusher.login in protection.push_users
    return bool(protection.push_apps)


def _bypasses_pulls(protection: ProtectionSeen, pusher: Pusher) -> bool:
    if pusher.login:
        return pusher.login in protection.bypass_users
    # An integration's slug is not given to its own token: any app on the list is taken as it.
    return bool(protection.bypass_apps)


def _bypass_fix(pusher: Pusher) -> str:
    who = "the GitHub App the workflows use" if pusher.login is None else pusher.label
    return (
        f"let {who} through: add it to the ruleset's bypass list (Settings > Rules > Rulesets), "
        "or for classic protection to 'Allow specified actors to bypass required pull requests' "
        f"with no required status checks; GITHUB_TOKEN can never bypass ({GUIDE})"
    )


def _passes(
    protection: ProtectionSeen | None,
    rulesets: Sequence[RulesetSeen],
    *,
    pusher: Pusher,
    branch: str,
) -> str:
    bypassed = [r.name for r in rulesets if r.blocking]
    if protection is None and not bypassed:
        return f"{branch} is not protected: state commits go straight in (to protect it: {GUIDE})"
    parts = [f"ruleset {name!r} (bypass)" for name in bypassed]
    if protection is not None:
        parts.append("branch protection (allowed)")
    return f"{branch} is protected and {pusher.label} may push past it: {', '.join(parts)}"
