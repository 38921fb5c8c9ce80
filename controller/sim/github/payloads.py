"""GitHub's JSON shapes for the simulator's records (pulls, comments, labels, refs, contents).

Sits between the simulator's core (state.py, which knows nothing of URLs) and its HTTP layer
(app.py). Field names and nesting follow docs.github.com's REST reference; only the fields a
client plausibly reads are filled, the rest of GitHub's very wide objects are left out.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from controller.sim.github.bare_repo import FileBlob, TreeEntry
from controller.sim.github.repo_state import Comment, Label, PullView, SimulatedRepository, SimUser

Json = dict[str, Any]


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Urls:
    """Where the simulator is reachable; API and 'web' links are both served from it."""

    base: str
    repo: SimulatedRepository

    @property
    def api_repo(self) -> str:
        return f"{self.base}/repos/{self.repo.full_name}"

    @property
    def html_repo(self) -> str:
        return f"{self.base}/{self.repo.full_name}"


def user(account: SimUser, urls: Urls) -> Json:
    return {
        "login": account.login,
        "id": account.id,
        "type": account.kind,
        "url": f"{urls.base}/users/{account.login}",
        "html_url": f"{urls.base}/apps/github-actions",
    }


def owner(urls: Urls) -> Json:
    login = urls.repo.owner
    return {"login": login, "type": "Organization", "url": f"{urls.base}/users/{login}"}


def repository(urls: Urls) -> Json:
    repo = urls.repo
    return {
        "id": 1,
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": owner(urls),
        "private": True,
        "html_url": urls.html_repo,
        "url": urls.api_repo,
        "default_branch": repo.git.default_branch(),
        "permissions": {"admin": False, "push": True, "pull": True},
        "allow_merge_commit": True,
        "allow_squash_merge": False,
        "allow_rebase_merge": False,
    }


def git_ref(ref: str, sha: str, urls: Urls) -> Json:
    return {
        "ref": ref,
        "url": f"{urls.api_repo}/git/{ref}",
        "object": {"sha": sha, "type": "commit", "url": f"{urls.api_repo}/git/commits/{sha}"},
    }


def label(item: Label, urls: Urls) -> Json:
    return {
        "id": item.id,
        "name": item.name,
        "color": item.color,
        "description": item.description,
        "default": False,
        "url": f"{urls.api_repo}/labels/{item.name}",
    }


def _branch(ref: str, sha: str | None, urls: Urls) -> Json:
    return {"label": f"{urls.repo.owner}:{ref}", "ref": ref, "sha": sha, "repo": repository(urls)}


def pull(view: PullView, urls: Urls) -> Json:
    record = view.pull
    merged = record.merged_at is not None
    return {
        "url": f"{urls.api_repo}/pulls/{record.number}",
        "id": 500_000 + record.number,
        "number": record.number,
        "html_url": f"{urls.html_repo}/pull/{record.number}",
        "issue_url": f"{urls.api_repo}/issues/{record.number}",
        "comments_url": f"{urls.api_repo}/issues/{record.number}/comments",
        "state": record.state,
        "locked": False,
        "title": record.title,
        "body": record.body,
        "draft": record.draft,
        "user": user(urls.repo.user, urls),
        "labels": [label(item, urls) for item in view.labels],
        "created_at": _instant(record.created_at),
        "updated_at": _instant(record.updated_at),
        "closed_at": _instant(record.closed_at),
        "merged_at": _instant(record.merged_at),
        "merged": merged,
        "merged_by": user(urls.repo.user, urls) if merged else None,
        "merge_commit_sha": record.merge_commit_sha,
        "mergeable": view.mergeable,
        "mergeable_state": _mergeable_state(view),
        "comments": view.comments,
        "head": _branch(record.head_ref, view.head_sha, urls),
        "base": _branch(record.base_ref, view.base_sha, urls),
    }


def _mergeable_state(view: PullView) -> str:
    if view.mergeable is None:
        return "unknown"
    return "clean" if view.mergeable else "dirty"


def comment(item: Comment, urls: Urls) -> Json:
    return {
        "id": item.id,
        "url": f"{urls.api_repo}/issues/comments/{item.id}",
        "html_url": f"{urls.html_repo}/pull/{item.issue_number}#issuecomment-{item.id}",
        "issue_url": f"{urls.api_repo}/issues/{item.issue_number}",
        "body": item.body,
        "user": user(urls.repo.user, urls),
        "author_association": "NONE",
        "created_at": _instant(item.created_at),
        "updated_at": _instant(item.updated_at),
    }


def contents(found: FileBlob | list[TreeEntry], *, ref: str, urls: Urls) -> Json | list[Json]:
    if isinstance(found, FileBlob):
        return _file(found, ref=ref, urls=urls)
    return [_entry(entry, ref=ref, urls=urls) for entry in found]


def _file(blob: FileBlob, *, ref: str, urls: Urls) -> Json:
    # GitHub wraps the base64 text at 60 characters with "\n"; clients must tolerate that.
    encoded = base64.b64encode(blob.data).decode("ascii")
    wrapped = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(blob.data),
        "name": blob.path.rsplit("/", 1)[-1],
        "path": blob.path,
        "content": wrapped + "\n" if wrapped else "",
        "sha": blob.sha,
        "url": f"{urls.api_repo}/contents/{blob.path}?ref={ref}",
        "html_url": f"{urls.html_repo}/blob/{ref}/{blob.path}",
    }


def _entry(entry: TreeEntry, *, ref: str, urls: Urls) -> Json:
    return {
        "type": entry.kind,
        "size": entry.size,
        "name": entry.name,
        "path": entry.path,
        "sha": entry.sha,
        "url": f"{urls.api_repo}/contents/{entry.path}?ref={ref}",
    }
