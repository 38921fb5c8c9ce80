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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from controller.adapters.git_workspace import Workspace
from controller.adapters.github import ForgeSettings, GitHubForge
from controller.adapters.state_dir import StateDir
from controller.app import console
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
from controller.core.safety import PlanRefused, check_plan
from controller.core.snapshot import Inventory


@dataclass(frozen=True)
class PreviewRequest:
    base_ref: str
    policies_dir: Path
    state_dir: Path
    now: datetime
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


def run(
    request: PreviewRequest,
    *,
    inventory_source: Callable[[], Inventory],
    environ: Mapping[str, str],
) -> int:
    """Print the preview (and post it with `--comment`); the exit code says how it went."""
    workspace = Workspace.open(Path.cwd())
    # Checked first so a misconfigured job fails before the slow inventory read.
    forge_settings = ForgeSettings.from_env(environ) if request.comment_on is not None else None
    try:
        sides = load_sides(workspace, request)
    except InvalidFiles as invalid:
        body = render_invalid(invalid.lines(), head_commit=workspace.head_commit())
        publish(body, request, settings=forge_settings)
        raise
    inventory = inventory_source()
    ledger = StateDir(request.state_dir).read_ledger()
    diff = compare(sides, inventory=inventory, ledger=ledger, now=request.now)
    provenance = Provenance(
        base_ref=request.base_ref,
        base_commit=sides.base_commit,
        head_commit=sides.head_commit,
        inventory_taken_at=format_instant(inventory.taken_at),
        as_of=format_instant(request.now),
    )
    publish(render_preview(diff, provenance=provenance), request, settings=forge_settings)
    return ExitCode.REFUSED if diff.introduces_refusal else ExitCode.OK


def load_sides(workspace: Workspace, request: PreviewRequest) -> Sides:
    """Both policy sets; `InvalidFiles` when the pull request's own files do not load."""
    base_commit = workspace.resolve_commit(request.base_ref)
    head = load_policies([request.policies_dir], today=request.now.date())
    for warning in head.warnings:
        console.warn(str(warning))
    return Sides(
        base_commit=base_commit,
        head_commit=workspace.head_commit(),
        base=policies_at(workspace, request=request, commit=base_commit),
        head=head.policies,
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


def policies_at(workspace: Workspace, *, request: PreviewRequest, commit: str) -> PolicySet | None:
    """The policy set at `commit`, or None when it has no policy files (a first policy PR)."""
    directory = workspace.relative_path(request.policies_dir)
    with tempfile.TemporaryDirectory(prefix="accessctl-base-policies-") as temporary:
        exported = Path(temporary) / directory
        if workspace.export_directory(commit, directory, into=exported) == 0:
            return None
        try:
            return load_policies([exported], today=request.now.date()).policies
        except InvalidFiles as invalid:
            first = replace(invalid.problems[0], file=f"{request.base_ref}:{directory}")
            raise BadInput(
                f"the policies at {request.base_ref} do not load ({first}); the preview "
                f"compares against them, so fix {request.base_ref} first"
            ) from None


def judged_plan(
    policies: PolicySet, *, inventory: Inventory, ledger: Ledger, now: datetime
) -> Judged:
    plan = reconcile(policies, inventory, ledger=ledger, now=now)
    try:
        check_plan(plan, policies)
    except PlanRefused as refused:
        return Judged(plan=plan, refusal=tuple(refused.breaches))
    return Judged(plan=plan)


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
