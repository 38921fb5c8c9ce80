"""An access request as a pull request: one AccessGrants entry, on a branch of its own.

Shared by `accessctl request-access EMAIL` (someone who uses git asks) and
`accessctl request-access --from-issue N` (someone asked in an issue, and no policy
pre-approved it). Adds one entry to the policy repository's AccessGrants file (created if there
is none), keeping its comments and layout (ruamel round trip), checks the whole policy set still
validates, commits it on the request's branch in a temporary work tree (the user's checkout is
untouched), pushes it and opens (or refreshes) the pull request. Reviewing and merging it is the
approval; the next plan grants the access.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from controller.adapters.github import GitHubForge, PullRequest
from controller.app.labels import REQUEST_LABEL
from controller.app.run_context import RunContext
from controller.core.errors import BadInput
from controller.core.policy import load_policies
from controller.core.policy.models import AccessGrant

NEW_GRANTS_FILE = "access-grants.yaml"
NEW_GRANTS_HEADER = """\
# yaml-language-server: $schema=../schemas/policy.schema.json
#
# Explicit access, granted by pull request (`accessctl request-access`). While an entry lasts,
# no inactivity policy revokes it; when it expires, the normal policies apply again.
version: 1
kind: AccessGrants
name: access-requests
grants: []
"""


@dataclass(frozen=True)
class AccessRequest:
    account: str
    reason: str
    product: str | None = None
    groups: tuple[str, ...] = ()
    site: str | None = None
    expires: date | None = None
    base_branch: str | None = None


@dataclass(frozen=True)
class GrantPull:
    """How the pull request is published: its branch, title and body (`{path}` in the body
    stands for the AccessGrants file)."""

    branch: str
    title: str
    body: str


def open_grant_pull(
    context: RunContext, request: AccessRequest, *, forge: GitHubForge, pull: GrantPull
) -> PullRequest:
    """Commit the entry on `pull.branch` from HEAD, push it, open or refresh its pull request."""
    workspace = context.require_workspace()
    entry = grant_entry(request)
    target = grants_file(context.loaded.sources, context.policies_dir)
    relative = workspace.relative_path(target)
    text = add_grant(
        target.read_text(encoding="utf-8") if target.exists() else NEW_GRANTS_HEADER, entry
    )
    head = workspace.head_commit()
    base = request.base_branch or workspace.current_branch() or forge.repository().default_branch
    with workspace.temporary_worktree(head) as tree:
        tree.reset_branch(pull.branch, base=head)
        tree.commit_files({relative: text}, message=commit_message(request))
        policies_dir = tree.root / workspace.relative_path(context.policies_dir)
        load_policies([policies_dir], today=context.now.date())
        tree.push_with_lease(pull.branch, expected_sha=workspace.remote_branch_sha(pull.branch))
    return forge.open_or_update_pull(
        head=pull.branch,
        base=base,
        title=pull.title,
        body=pull.body.replace("{path}", relative),
        labels=[REQUEST_LABEL],
    )


def grant_entry(request: AccessRequest) -> dict[str, Any]:
    """The new entry, checked by the same model that validates the file."""
    entry: dict[str, Any] = {"account": request.account}
    if request.site:
        entry["site"] = request.site
    if request.groups:
        entry["groups"] = list(request.groups)
    if request.product:
        entry["product"] = request.product
    entry["reason"] = request.reason
    if request.expires:
        entry["expires"] = request.expires
    try:
        AccessGrant.model_validate(entry)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "entry"
        message = first["msg"].removeprefix("Value error, ")
        raise BadInput(f"access request: {where}: {message}") from None
    return entry


def grants_file(sources: Mapping[tuple[str, str], Any], policies_dir: Path) -> Path:
    """The file of the first AccessGrants document, or a new one in the policy directory."""
    found = sorted(located.file for (kind, _), located in sources.items() if kind == "AccessGrants")
    return Path(found[0]) if found else policies_dir / NEW_GRANTS_FILE


def add_grant(text: str, entry: dict[str, Any]) -> str:
    """`text` with `entry` appended to its `grants` list, comments and layout kept."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    documents = list(yaml.load_all(text))
    target = next(
        (d for d in documents if isinstance(d, CommentedMap) and d.get("kind") == "AccessGrants"),
        None,
    )
    if target is None:
        raise BadInput(
            "the AccessGrants file holds no `kind: AccessGrants` document; fix it by hand"
        )
    grants = target.get("grants")
    if not isinstance(grants, CommentedSeq) or not grants:
        grants = CommentedSeq()
        target["grants"] = grants
    grants.append(CommentedMap(entry))
    out = io.StringIO()
    yaml.dump_all(documents, out)
    return out.getvalue()


def request_branch(request: AccessRequest) -> str:
    what = request.product or "-".join(request.groups)
    return f"access-request/{_slug(request.account)}-{_slug(what)}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def pull_title(request: AccessRequest) -> str:
    return f"Access request: {request.account} -> {what(request)}"


def commit_message(request: AccessRequest) -> str:
    return f"{pull_title(request)}\n\n{request.reason}\n"


def what(request: AccessRequest) -> str:
    """`jira-software on acme`, or the groups asked for."""
    thing = request.product or ", ".join(request.groups)
    return f"{thing} on {request.site}" if request.site else thing


def pull_body(request: AccessRequest) -> str:
    until = request.expires.isoformat() if request.expires else "no end date"
    return (
        f"**{request.account}** asks for **{what(request)}** ({until}).\n\n"
        f"> {request.reason}\n\n"
        f"{MERGING_GRANTS}"
    )


MERGING_GRANTS = (
    "This adds one entry to `{path}`. Merging it is the approval: the next plan grants the "
    "access, within the seats left, and no inactivity policy revokes it while the entry lasts."
)
