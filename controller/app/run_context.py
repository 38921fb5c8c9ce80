"""What one run of a command works with, built once by the CLI and handed to the verb.

`controller.app.cli` makes one `RunContext` per run; the verbs in `controller.app.commands` take
what they need from it, so every verb gets the same answer to the same question:

- the policy set, loaded once (its warnings printed once, when it is first used);
- the state directory, and the git clone that holds it (or none: state is then written but
  not committed), with `commit_state` as the one commit -> push of `state/`;
- the Atlassian credentials and the plan key from the environment, read when first needed;
- the inventory: the `--inventory FILE` snapshot, or the live organization, its activity looked
  up where this run's policies and ledger can use it (or everywhere, with `all_activity`).

Nothing is read before a verb asks for it, so a verb can check its cheap inputs before the slow
read of the organization. Nor is anything imported before it is used: the Atlassian connector
(httpx) and git (GitPython) are a third of `accessctl plan --inventory`'s start-up, and it needs
neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from controller.adapters.files import read_input
from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.core.plan.seal import PLAN_KEY_VARIABLE, PlanKey
from controller.core.policy import LoadedPolicies, PolicySet, load_policies
from controller.core.reconcile.activity_needs import EVERY_SEAT, ActivityNeeds, activity_needs
from controller.core.snapshot import Inventory, parse_inventory

if TYPE_CHECKING:
    from controller.adapters.atlassian import Credentials
    from controller.adapters.git_workspace import Workspace


@dataclass
class RunContext:
    policies_dir: Path
    state_dir: Path
    now: datetime
    environ: Mapping[str, str]
    inventory_path: Path | None = None  # None: the live organization
    all_activity: bool = False  # a live read looks up every seat holder's activity

    # --- policies -------------------------------------------------------------------------

    @cached_property
    def loaded(self) -> LoadedPolicies:
        """The policy set with where each document came from; its warnings are printed here."""
        loaded = load_policies([self.policies_dir], today=self.now.date())
        for warning in loaded.warnings:
            console.warn(str(warning))
        return loaded

    @property
    def policies(self) -> PolicySet:
        return self.loaded.policies

    # --- state and the clone that holds it --------------------------------------------------

    @cached_property
    def state(self) -> StateDir:
        return StateDir(self.state_dir)

    @cached_property
    def workspace(self) -> Workspace | None:
        """The git clone holding the state directory; None outside git."""
        from controller.adapters.git_workspace import GitFailure

        try:
            return self.require_workspace()
        except GitFailure:
            return None

    def require_workspace(self) -> Workspace:
        """The git clone holding the state directory, for the verbs that cannot work without
        one; the state directory need not exist yet (the first apply creates it)."""
        from controller.adapters.git_workspace import Workspace

        return Workspace.open(_nearest_existing(self.state_dir.resolve()))

    def commit_state(self, message: str, *, push: bool, park_as: str | None = None) -> str | None:
        """Commit the state directory (and with `push`, push it, rebasing when the remote
        moved; when the remote refuses it, to the branch `park_as`, raising StateParked);
        the new commit, or None when nothing changed or there is no clone."""
        workspace = self.workspace
        if workspace is None:
            console.warn(f"{self.state_dir} is not in a git clone: written, but not committed")
            return None
        path = workspace.relative_path(self.state_dir)
        sha = workspace.commit_paths([path], message=message)
        console.info(f"committed {path}/ as {sha[:12]}" if sha else f"{path}/ unchanged")
        if push:
            _push(workspace, park_as=park_as)
        return sha

    # --- the organization ---------------------------------------------------------------------

    @cached_property
    def credentials(self) -> Credentials:
        from controller.adapters.atlassian import Credentials

        return Credentials.from_environ(self.environ)

    @cached_property
    def plan_key(self) -> PlanKey:
        """The key plans are sealed and checked with (`ACCESSCTL_PLAN_KEY`); bad input when
        it is not set."""
        return PlanKey.from_text(self.environ.get(PLAN_KEY_VARIABLE))

    @property
    def has_plan_key(self) -> bool:
        return bool(self.environ.get(PLAN_KEY_VARIABLE))

    def inventory(self) -> Inventory:
        """The `--inventory` snapshot, or the live organization the policies name."""
        if self.inventory_path is None:
            return self.live_inventory()
        return read_inventory_file(self.inventory_path)

    def live_inventory(self) -> Inventory:
        """Read the organization through the APIs, with a progress count on a terminal; the
        activity exact wherever it can change a decision of these policies and this ledger."""
        from controller.adapters.atlassian import AtlassianClient, fetch_inventory

        organization = self.policies.organization
        with (
            AtlassianClient(self.credentials) as client,
            console.counting("reading accounts") as advance,
        ):
            return fetch_inventory(
                organization,
                client=client,
                taken_at=self.now,
                needs=self.activity_needs,
                progress=advance,
            )

    @cached_property
    def activity_needs(self) -> ActivityNeeds:
        """Whose activity a plan of this run can use: what a live read must ask for."""
        if self.all_activity:
            return EVERY_SEAT
        return activity_needs(self.policies, self.state.read_ledger(), today=self.now.date())


def read_inventory_file(path: Path) -> Inventory:
    """A snapshot the user named (`--inventory`, `sim serve --org`)."""
    return parse_inventory(read_input(path, what="inventory"), source=str(path))


def _nearest_existing(path: Path) -> Path:
    return next(p for p in (path, *path.parents) if p.exists())


def _push(workspace: Workspace, *, park_as: str | None) -> None:
    from controller.adapters.git_workspace import GitFailure

    branch = workspace.current_branch()
    if branch is None:
        raise GitFailure("HEAD is detached; check out the branch the state belongs to, then push")
    pushed = workspace.push_with_rebase(branch, park_as=park_as)
    console.info(f"pushed {branch} at {pushed[:12]}")
