"""The events of the GitHub simulator's repository that may start workflows: a push to a
branch (over git, by a merge, or through the refs API), a pull request opened, synchronized or
reopened.

Sits between the repository core (repo_state.py, and the git endpoint's post-receive callback),
which calls it after each such change, and the workflow model (workflow_runs.py), which decides
from the actor's token and each workflow's `on:` which runs start. Workflow files are read from
the bare repository at the commit the event is about.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.sim.github.accounts import Actor
from controller.sim.github.bare_repo import BareRepository, FileBlob
from controller.sim.github.workflow_runs import (
    WORKFLOWS_FOLDER,
    RepositoryEvent,
    Workflow,
    WorkflowRun,
    WorkflowRuns,
    parse_workflow,
)

ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class WorkflowEvents:
    """Turns the repository's changes into events and records the runs they start."""

    git: BareRepository
    runs: WorkflowRuns

    def pushed(self, *, actor: Actor, branch: str, before: str, after: str) -> list[WorkflowRun]:
        """A push (or a merge) moved `branch` from `before` to `after`."""
        if after == ZERO_SHA:
            return []
        new_branch = before == ZERO_SHA
        base = self._default_sha(unless=branch) if new_branch else before
        paths = self.git.changed_paths(base_sha=base, head_sha=after, since_fork=new_branch)
        event = RepositoryEvent("push", actor=actor, branch=branch, sha=after, paths=paths)
        return self.runs.record(event, self.workflows_at(after))

    def pull_request(
        self, *, action: str, actor: Actor, base: str, base_sha: str, head_sha: str
    ) -> list[WorkflowRun]:
        """A pull request into `base` was opened, synchronized, ... by `actor`."""
        paths = self.git.changed_paths(base_sha=base_sha, head_sha=head_sha, since_fork=True)
        event = RepositoryEvent(
            "pull_request", actor=actor, branch=base, sha=head_sha, paths=paths, action=action
        )
        return self.runs.record(event, self.workflows_at(head_sha))

    def workflows_at(self, sha: str) -> list[Workflow]:
        """The workflows `.github/workflows/*.yml` (or `.yaml`) holds at `sha`."""
        listing = self.git.read_path(sha, WORKFLOWS_FOLDER)
        if not isinstance(listing, list):
            return []
        texts = [self.git.read_path(sha, entry.path) for entry in listing if entry.kind == "file"]
        found = [
            parse_workflow(blob.path, blob.data.decode("utf-8", "replace"))
            for blob in texts
            if isinstance(blob, FileBlob) and blob.path.endswith((".yml", ".yaml"))
        ]
        return [workflow for workflow in found if workflow is not None]

    def _default_sha(self, *, unless: str) -> str:
        default = self.git.default_branch()
        return "" if default == unless else self.git.branch_sha(default) or ""
