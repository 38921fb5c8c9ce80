"""The GitHub simulator's repository settings: Actions permissions, protection, rulesets, statuses.

Sits under the repository core (repo_state.py), which consults it before creating a pull request
with the Actions token, merging, or letting a push move a branch. Defaults are GitHub's for a new
repository: workflows get a read-only token and may NOT create or approve pull requests, and no
branch is protected. Tests and the demo change them through the API (`PUT .../protection`,
`PUT .../actions/permissions/workflow`) or `SimulatedRepository.settings` directly.

Commit statuses (what an outside CI reports) have no endpoint in the REST subset this simulator
serves, so they are reported through the simulator's own `/__sim/statuses/{sha}` route. The checks
of the workflow runs the repository's events started (workflow_runs.py) count beside them: a
required status check is met by either, as on GitHub.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

from controller.sim.github.accounts import Actor
from controller.sim.github.branch_protection import (
    ClassicProtection,
    RefUpdate,
    Refusal,
    Ruleset,
    classic_push_refusal,
    merge_refusal,
    ruleset_push_refusal,
)
from controller.sim.github.workflow_runs import WorkflowRuns

WorkflowPermissions = Literal["read", "write"]
STATUS_STATES = frozenset({"error", "failure", "pending", "success"})


@dataclass(frozen=True)
class ActionsSettings:
    """Settings > Actions > General > Workflow permissions."""

    default_workflow_permissions: WorkflowPermissions = "read"
    can_approve_pull_request_reviews: bool = False


@dataclass
class RepositorySettings:
    """Mutable settings of one simulated repository, safe to share between request threads."""

    actions: ActionsSettings = ActionsSettings()
    protections: dict[str, ClassicProtection] = field(default_factory=dict)
    rulesets: tuple[Ruleset, ...] = ()
    runs: WorkflowRuns = field(default_factory=WorkflowRuns)
    _statuses: dict[str, dict[str, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set_actions(self, actions: ActionsSettings) -> None:
        with self._lock:
            self.actions = actions

    def protect(self, branch: str, protection: ClassicProtection) -> None:
        with self._lock:
            self.protections[branch] = protection

    def unprotect(self, branch: str) -> bool:
        with self._lock:
            return self.protections.pop(branch, None) is not None

    def add_ruleset(self, ruleset: Ruleset) -> None:
        with self._lock:
            self.rulesets = (*self.rulesets, ruleset)

    def ruleset(self, ruleset_id: int) -> Ruleset | None:
        with self._lock:
            return next((r for r in self.rulesets if r.id == ruleset_id), None)

    def rules_for(self, branch: str) -> list[Ruleset]:
        with self._lock:
            return [ruleset for ruleset in self.rulesets if ruleset.applies_to(branch)]

    def report_status(self, sha: str, *, context: str, state: str) -> None:
        with self._lock:
            self._statuses.setdefault(sha, {})[context] = state

    def statuses(self, sha: str) -> dict[str, str]:
        """The commit's checks (from workflow runs) and commit statuses, context -> state."""
        with self._lock:
            reported = dict(self._statuses.get(sha, {}))
        return {**self.runs.check_states(sha), **reported}

    def push_refusal(self, update: RefUpdate, *, actor: Actor) -> Refusal | None:
        """Why GitHub refuses this ref update by `actor`, or None when it goes through."""
        branch = update.branch
        with self._lock:
            protection = self.protections.get(branch) if branch else None
            rulesets = self.rulesets
        statuses = self.statuses(update.new)
        if protection is not None:
            refusal = classic_push_refusal(
                protection, actor=actor, update=update, statuses=statuses
            )
            if refusal is not None:
                return refusal
        return ruleset_push_refusal(rulesets, actor=actor, update=update, statuses=statuses)

    def merge_refusal(
        self, *, branch: str, head_sha: str, actor: Actor, approvals: int
    ) -> Refusal | None:
        with self._lock:
            protection = self.protections.get(branch)
            rulesets = self.rulesets
        return merge_refusal(
            branch=branch,
            protection=protection,
            rulesets=rulesets,
            actor=actor,
            statuses=self.statuses(head_sha),
            approvals=approvals,
        )
