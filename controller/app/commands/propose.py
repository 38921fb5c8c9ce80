"""`accessctl propose`: the daily plan pull request (DESIGN §1, "Review a generated ... plan").

Shell around `controller.app.planning` (the plan `accessctl plan` prints): plans the policies
and ledger at HEAD (`base_commit`) against the live organization (or `--inventory FILE`), writes
`state/plans/<id>.yaml` and its Markdown summary on the one standing branch `accessctl/plan`,
pushes it with --force-with-lease (a newer plan
replaces the older one, but a branch someone else rewrote since our fetch is never clobbered),
and opens the plan pull request or refreshes the open one. A plan with no actions closes the open
plan pull request instead; a plan the safety guards refuse (exit 4) publishes nothing.

The plan branch is built in a temporary `git worktree` at HEAD, removed afterwards: the user's
checked-out branch, index and uncommitted files are never touched, and an interrupted run
cannot leave the user on the plan branch (as a reset/commit/switch-back sequence could).
The branch starts at HEAD, not at the remote tip, so it holds exactly the commit the plan was
made from; HEAD must therefore already be on the base branch at `origin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from controller.adapters.git_workspace import PLAN_BRANCH, Workspace
from controller.adapters.github import GitHubForge, PullRequest
from controller.adapters.state_dir import StateDir
from controller.app import console
from controller.app.labels import PLAN_LABEL
from controller.app.planning import make_plan
from controller.app.run_context import RunContext
from controller.core.errors import BadInput, ExitCode
from controller.core.plan import Plan, dump_plan_yaml, render_markdown
from controller.core.plan.seal import PlanKey

IN_LINE_COMMENT = (
    "accessctl planned again ({plan_id}): the organization is in line with its policies, "
    "nothing to revoke, warn or restore. Closing this plan."
)


def run(context: RunContext, *, base_branch: str | None) -> int:
    """Plan, then publish the plan pull request (or close it when there is nothing to do)."""
    workspace = context.require_workspace()
    refuse_uncommitted_inputs(workspace, context)
    head = workspace.head_commit()
    key = context.plan_key  # configuration errors before the slow reads
    with GitHubForge.from_env(context.environ) as forge:
        plan = make_plan(context, context.inventory(), base_commit=head)
        base = base_branch or workspace.current_branch() or default_branch(forge)
        if not plan.has_changes:
            return close_standing_pull(forge, plan=plan, base=base)
        state_dir = workspace.relative_path(context.state_dir)
        pull = propose_plan(workspace, forge, plan=plan, base=base, state_dir=state_dir, key=key)
    console.out(pull.html_url)
    console.info(f"{pull_title(plan)} -> pull request #{pull.number}")
    return ExitCode.OK


def propose_plan(
    workspace: Workspace,
    forge: GitHubForge,
    *,
    plan: Plan,
    base: str,
    state_dir: str,
    key: PlanKey,
) -> PullRequest:
    """Push the plan, sealed with `key`, on the standing branch and open (or refresh) its pull
    request."""
    head = plan.base_commit or workspace.head_commit()
    workspace.fetch()
    refuse_head_off_base(workspace, head=head, base=base)
    files = plan_files(plan, state_dir=state_dir, key=key)
    publish(workspace, files=files, head=head, message=commit_message(plan))
    return forge.open_or_update_pull(
        head=PLAN_BRANCH,
        base=base,
        title=pull_title(plan),
        body=files.summary_text,
        labels=[PLAN_LABEL],
    )


def refuse_uncommitted_inputs(workspace: Workspace, context: RunContext) -> None:
    """The plan names HEAD as its base: policies or ledger edited but not committed would make
    it describe inputs no commit holds (and apply would refuse it on merge)."""
    inputs = [workspace.relative_path(d) for d in (context.policies_dir, context.state_dir)]
    changed = workspace.uncommitted_paths(inputs)
    if changed:
        shown = ", ".join(changed[:3]) + (" …" if len(changed) > 3 else "")
        raise BadInput(
            f"uncommitted changes in {shown}: a plan is made from committed policies and state; "
            "commit or stash them, then run `accessctl propose` again"
        )


def default_branch(forge: GitHubForge) -> str:
    # A detached HEAD (a CI checkout of a sha) names no branch: ask GitHub for the default.
    return forge.repository().default_branch


def refuse_head_off_base(workspace: Workspace, *, head: str, base: str) -> None:
    """The plan branch starts at HEAD, so commits not yet on the base would ride along."""
    remote_base = f"{workspace.remote}/{base}"
    workspace.resolve_commit(remote_base)
    if not workspace.is_ancestor(head, of=remote_base):
        raise BadInput(
            f"HEAD ({head[:12]}) is not on {remote_base}: the plan pull request would carry "
            f"those commits; push them or check out {remote_base}, then propose again"
        )


@dataclass(frozen=True)
class PlanFiles:
    plan_path: str
    plan_text: bytes
    summary_path: str
    summary_text: str

    def as_mapping(self) -> dict[str, str | bytes]:
        return {self.plan_path: self.plan_text, self.summary_path: self.summary_text}


def plan_files(plan: Plan, *, state_dir: str, key: PlanKey) -> PlanFiles:
    """The plan file, sealed with `key` as it is written, and its Markdown summary (the pull
    request's body), repository-relative."""
    state = StateDir(Path(state_dir))
    plan_path = state.plan_path(plan.id).as_posix()
    return PlanFiles(
        plan_path=plan_path,
        plan_text=dump_plan_yaml(plan, key=key),
        summary_path=state.summary_path(plan.id).as_posix(),
        summary_text=render_markdown(plan, plan_path=plan_path),
    )


def publish(workspace: Workspace, *, files: PlanFiles, head: str, message: str) -> None:
    """Reset the plan branch to HEAD, commit the plan files, force-push with a lease on the
    remote branch as last fetched — all in a temporary work tree."""
    lease = workspace.remote_branch_sha(PLAN_BRANCH)
    with workspace.temporary_worktree(head) as tree:
        tree.reset_branch(PLAN_BRANCH, base=head)
        tree.commit_files(files.as_mapping(), message=message)
        tree.push_with_lease(PLAN_BRANCH, expected_sha=lease)


def close_standing_pull(forge: GitHubForge, *, plan: Plan, base: str) -> int:
    """Nothing to do: an open plan pull request is now stale, so close it and say why."""
    pull: PullRequest | None = forge.find_open_pull(PLAN_BRANCH, base)
    if pull is None:
        console.info(f"{plan.id}: nothing to do; no plan pull request is open")
        return ExitCode.OK
    forge.close_pull(pull.number, comment=IN_LINE_COMMENT.format(plan_id=plan.id))
    console.info(f"{plan.id}: nothing to do; closed pull request #{pull.number} ({pull.html_url})")
    return ExitCode.OK


def counts(plan: Plan) -> str:
    s = plan.summary
    shown = f"revoke {s.revoke}, warn {s.warn}, restore {s.restore}"
    rarer = {"grant": s.grant, "clear-warning": s.clear_warning, "deferred": s.deferred}
    return shown + "".join(f", {kind} {count}" for kind, count in rarer.items() if count)


def pull_title(plan: Plan) -> str:
    return f"accessctl: {counts(plan)} ({plan.id})"


def commit_message(plan: Plan) -> str:
    return (
        f"accessctl plan {plan.id}: {counts(plan)}\n\n"
        f"Made from {plan.base_commit} for review; merging applies exactly this plan."
    )
