"""`accessctl preview --base REF`: what merging a policy pull request would change.

Shell around the pure `controller.core.preview`: loads the policies of the pull request (the work
tree) and those at `REF` (exported from git into a temporary directory), plans both against ONE
inventory (fetched once, live or `--inventory FILE`) and the ledger in the work tree, and renders
the difference per policy. With `--comment N` the result is ONE comment on pull request N
(marker `<!-- accessctl:preview -->`), edited in place on later pushes.

Policies that do not load are the preview (their FILE:LINE problems in the comment, exit 2), and
so is a safety refusal: exit 4 when the pull request turns an accepted plan into a refused one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from controller.adapters.git_workspace import Workspace
from controller.adapters.github import ForgeSettings, GitHubForge
from controller.app import console
from controller.app.run_context import RunContext
from controller.core.errors import BadInput, ExitCode, InvalidFiles
from controller.core.ledger import Ledger
from controller.core.model_base import format_instant
from controller.core.plan import Plan, Summary
from controller.core.policy import PolicySet, load_policies
from controller.core.preview import (
    MARKER,
    PlanDiff,
    Provenance,
    diff_plans,
    render_invalid,
    render_preview,
)
from controller.core.reconcile import reconcile
from controller.core.safety import PlanRefused, within_limits
from controller.core.snapshot import Inventory


@dataclass(frozen=True)
class PreviewRequest:
    base_ref: str
    comment_on: int | None = None


@dataclass(frozen=True)
class Judged:
    """A plan and what the safety guards said about it (empty: accepted)."""

    plan: Plan
    refusal: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sides:
    """The two policy sets compared: at the base ref (None: it has none) and in the work tree."""

    base_commit: str
    head_commit: str
    base: PolicySet | None
    head: PolicySet


def run(context: RunContext, request: PreviewRequest) -> int:
    """Print the preview (and post it with `--comment`); the exit code says how it went."""
    workspace = context.require_workspace()
    # Checked first so a misconfigured job fails before the slow inventory read.
    wanted = request.comment_on is not None
    forge_settings = ForgeSettings.from_env(context.environ) if wanted else None
    try:
        sides = load_sides(workspace, context, base_ref=request.base_ref)
    except InvalidFiles as invalid:
        body = render_invalid(invalid.lines(), head_commit=workspace.head_commit())
        publish(body, request, settings=forge_settings)
        raise
    inventory = context.inventory()
    ledger = context.state.read_ledger()
    diff = compare(sides, inventory=inventory, ledger=ledger, now=context.now)
    provenance = Provenance(
        base_ref=request.base_ref,
        base_commit=sides.base_commit,
        head_commit=sides.head_commit,
        inventory_taken_at=format_instant(inventory.taken_at),
        as_of=format_instant(context.now),
    )
    publish(render_preview(diff, provenance=provenance), request, settings=forge_settings)
    return ExitCode.REFUSED if diff.introduces_refusal else ExitCode.OK


def load_sides(workspace: Workspace, context: RunContext, *, base_ref: str) -> Sides:
    """Both policy sets; `InvalidFiles` when the pull request's own files do not load."""
    base_commit = workspace.resolve_commit(base_ref)
    head = context.policies
    return Sides(
        base_commit=base_commit,
        head_commit=workspace.head_commit(),
        base=policies_at(workspace, context=context, base=(base_ref, base_commit)),
        head=head,
    )


def compare(sides: Sides, *, inventory: Inventory, ledger: Ledger, now: datetime) -> PlanDiff:
    """Plan both sides over the same inventory and ledger; the difference."""
    head = judged_plan(sides.head, inventory=inventory, ledger=ledger, now=now)
    base = (
        judged_plan(sides.base, inventory=inventory, ledger=ledger, now=now)
        if sides.base is not None
        else Judged(plan=nothing_planned(head.plan))
    )
    return diff_plans(base.plan, head.plan, head_refusal=head.refusal, base_refusal=base.refusal)


def policies_at(
    workspace: Workspace, *, context: RunContext, base: tuple[str, str]
) -> PolicySet | None:
    """The policy set at the base (ref, commit), or None when it has no policy files (a first
    policy pull request)."""
    ref, commit = base
    directory = workspace.relative_path(context.policies_dir)
    with tempfile.TemporaryDirectory(prefix="accessctl-base-policies-") as temporary:
        exported = Path(temporary) / directory
        if workspace.export_directory(commit, directory, into=exported) == 0:
            return None
        try:
            return load_policies([exported], today=context.now.date()).policies
        except InvalidFiles as invalid:
            first = replace(invalid.problems[0], file=f"{ref}:{directory}")
            raise BadInput(
                f"the policies at {ref} do not load ({first}); the preview "
                f"compares against them, so fix {ref} first"
            ) from None


def judged_plan(
    policies: PolicySet, *, inventory: Inventory, ledger: Ledger, now: datetime
) -> Judged:
    plan = reconcile(policies, inventory, ledger=ledger, now=now)
    try:
        return Judged(plan=within_limits(plan, policies))  # trimmed, with `over_limit: trim`
    except PlanRefused as refused:
        return Judged(plan=plan, refusal=tuple(refused.breaches))


def nothing_planned(like: Plan) -> Plan:
    """The baseline when the base has no policies: the same header, no actions."""
    return like.model_copy(
        update={"id": "(no policies)", "actions": (), "skipped": (), "summary": Summary()}
    )


def publish(body: str, request: PreviewRequest, *, settings: ForgeSettings | None) -> None:
    """Markdown to stdout; with `--comment`, also as the one preview comment on the PR."""
    console.out(body)
    if settings is None or request.comment_on is None:
        return
    with GitHubForge.connect(settings) as forge:
        comment = forge.upsert_comment(request.comment_on, marker=MARKER, body=body)
    console.info(f"preview posted on pull request #{request.comment_on}: {comment.html_url}")
