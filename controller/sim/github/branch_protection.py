"""Branch protection and rulesets in the GitHub simulator: what refuses a push or a merge.

Sits beside the repository core (repo_state.py), which asks it before moving a protected
branch: on a git push (the pre-receive check of git_http.py), on a ref created, moved or deleted
through the REST refs API (one decision for both, as on GitHub), and on a pull request merge. Both
GitHub mechanisms are modelled, because a repository may use either or both:

- classic branch protection (`PUT /repos/{o}/{r}/branches/{branch}/protection`): a push is
  refused as `GH006: Protected branch update failed`, admins pass unless `enforce_admins`, and
  `bypass_pull_request_allowances` lets named users or apps push without a pull request;
- rulesets (served by `GET /repos/{o}/{r}/rules/branches/{branch}`): a push is refused as
  `GH013: Repository rule violations found`, and the ruleset's bypass actors pass every rule.

Required status checks pass when the commit has a `success` status for each context. The
messages are GitHub's own wording, so a client's error handling meets what it will meet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from controller.sim.github.accounts import Actor

ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class ClassicProtection:
    """One branch's protection, as `PUT .../branches/{branch}/protection` sets it."""

    required_checks: tuple[str, ...] = ()
    strict: bool = False
    require_pull_request: bool = False
    required_approvals: int = 0
    enforce_admins: bool = False
    # Logins (users, or apps as "<slug>[bot]") that may push without a pull request.
    pull_request_bypass: frozenset[str] = frozenset()
    # Logins that may push at all; None when pushes are not restricted.
    push_allowed: frozenset[str] | None = None
    allow_force_pushes: bool = False
    allow_deletions: bool = False


@dataclass(frozen=True)
class Ruleset:
    """A repository ruleset targeting branches by name; its bypass actors pass all its rules."""

    id: int
    name: str
    branches: tuple[str, ...]
    require_pull_request: bool = False
    required_approvals: int = 0
    required_checks: tuple[str, ...] = ()
    non_fast_forward: bool = True
    deletion: bool = True
    bypass_app_ids: frozenset[int] = frozenset()
    bypass_admins: bool = False

    def applies_to(self, branch: str) -> bool:
        return branch in self.branches

    def bypassed_by(self, actor: Actor) -> bool:
        by_app = actor.app_id is not None and actor.app_id in self.bypass_app_ids
        return by_app or (self.bypass_admins and actor.admin)


@dataclass(frozen=True)
class RefUpdate:
    """One ref a push moves: old and new sha (zeros for a creation or deletion)."""

    ref: str
    old: str
    new: str
    fast_forward: bool

    @property
    def branch(self) -> str | None:
        return self.ref.removeprefix("refs/heads/") if self.ref.startswith("refs/heads/") else None

    @property
    def deletes(self) -> bool:
        return self.new == ZERO_SHA


@dataclass(frozen=True)
class Refusal:
    """Why GitHub refuses: the GH code for pushes, and one message per broken rule."""

    code: str
    ref: str
    messages: tuple[str, ...]

    def push_lines(self) -> list[str]:
        """What `git push` shows, as GitHub writes it to the pusher's terminal."""
        if self.code == "GH006":
            head = f"error: GH006: Protected branch update failed for {self.ref}."
            return [head, *(f"error: {message}" for message in self.messages)]
        head = f"error: GH013: Repository rule violations found for {self.ref}."
        return [head, "", *(line for m in self.messages for line in (f"- {m}", ""))]

    def api_message(self) -> str:
        """What the REST API answers for the same refusal: `PUT .../merge` (405), and moving or
        deleting a branch through `.../git/refs/...` (422). Classic protection names its first
        broken rule; rulesets list them all."""
        if self.code == "GH006":
            return self.messages[0]
        return "Repository rule violations found\n\n" + "".join(f"{m}\n\n" for m in self.messages)

    def creation_message(self) -> str:
        """What `POST .../git/refs` answers (422) when the new branch is protected: GitHub names
        no rule of a classic protection there."""
        return "Reference update failed" if self.code == "GH006" else self.api_message()


Statuses = Mapping[str, str]  # context -> state of one commit


def missing_checks(required: tuple[str, ...], statuses: Statuses) -> list[str]:
    """A message per required context that has not reported success on the commit."""
    messages = []
    for context in required:
        state = statuses.get(context)
        if state != "success":
            verb = "is expected" if state in {None, "pending"} else "is failing"
            messages.append(f'Required status check "{context}" {verb}.')
    return messages


def _review_message(required_approvals: int) -> str:
    if required_approvals <= 0:
        return "Changes must be made through a pull request."
    noun = "review is" if required_approvals == 1 else "reviews are"
    return (
        f"At least {required_approvals} approving {noun} required by reviewers with write access."
    )


def classic_push_refusal(
    protection: ClassicProtection, *, actor: Actor, update: RefUpdate, statuses: Statuses
) -> Refusal | None:
    """GH006 for a push to a branch under classic protection, or None when it is allowed."""
    messages = _classic_shape_messages(protection, update)
    if not messages and not (actor.admin and not protection.enforce_admins):
        messages = _classic_rule_messages(protection, actor=actor, statuses=statuses)
    return Refusal("GH006", update.ref, tuple(messages)) if messages else None


def _classic_shape_messages(protection: ClassicProtection, update: RefUpdate) -> list[str]:
    if update.deletes and not protection.allow_deletions:
        return ["Cannot delete this protected branch"]
    if not update.deletes and not update.fast_forward and not protection.allow_force_pushes:
        return ["Cannot force-push to this protected branch"]
    return []


def _classic_rule_messages(
    protection: ClassicProtection, *, actor: Actor, statuses: Statuses
) -> list[str]:
    if protection.push_allowed is not None and actor.login not in protection.push_allowed:
        return ["You're not authorized to push to this branch."]
    messages = []
    if protection.require_pull_request and actor.login not in protection.pull_request_bypass:
        messages.append(_review_message(protection.required_approvals))
    return messages + missing_checks(protection.required_checks, statuses)


def ruleset_push_refusal(
    rulesets: tuple[Ruleset, ...], *, actor: Actor, update: RefUpdate, statuses: Statuses
) -> Refusal | None:
    """GH013 for a push that breaks a rule of an active ruleset the actor cannot bypass."""
    messages: list[str] = []
    for ruleset in _binding(rulesets, branch=update.branch, actor=actor):
        messages += _ruleset_messages(ruleset, update=update, statuses=statuses)
    unique = tuple(dict.fromkeys(messages))
    return Refusal("GH013", update.ref, unique) if unique else None


def _binding(rulesets: tuple[Ruleset, ...], *, branch: str | None, actor: Actor) -> list[Ruleset]:
    if branch is None:
        return []
    return [r for r in rulesets if r.applies_to(branch) and not r.bypassed_by(actor)]


def _ruleset_messages(ruleset: Ruleset, *, update: RefUpdate, statuses: Statuses) -> list[str]:
    if update.deletes:
        return ["Cannot delete this branch"] if ruleset.deletion else []
    messages = []
    if ruleset.non_fast_forward and not update.fast_forward:
        messages.append("Cannot force-push to this branch")
    if ruleset.require_pull_request:
        messages.append(_review_message(0))
    return messages + missing_checks(ruleset.required_checks, statuses)


def merge_refusal(
    *,
    branch: str,
    protection: ClassicProtection | None,
    rulesets: tuple[Ruleset, ...],
    actor: Actor,
    statuses: Statuses,
    approvals: int,
) -> Refusal | None:
    """Why merging a pull request into `branch` is refused now (required checks, reviews)."""
    if protection is not None and not (actor.admin and not protection.enforce_admins):
        messages = _merge_messages(
            protection.required_checks, protection.required_approvals, statuses, approvals
        )
        if messages:
            return Refusal("GH006", f"refs/heads/{branch}", tuple(messages))
    found: list[str] = []
    for ruleset in _binding(rulesets, branch=branch, actor=actor):
        approvals_needed = ruleset.required_approvals if ruleset.require_pull_request else 0
        found += _merge_messages(ruleset.required_checks, approvals_needed, statuses, approvals)
    unique = tuple(dict.fromkeys(found))
    return Refusal("GH013", f"refs/heads/{branch}", unique) if unique else None


def _merge_messages(
    checks: tuple[str, ...], approvals_needed: int, statuses: Statuses, approvals: int
) -> list[str]:
    messages = missing_checks(checks, statuses)
    if approvals < approvals_needed:
        messages.append(_review_message(approvals_needed))
    return messages
