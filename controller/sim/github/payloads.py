"""GitHub's JSON shapes for the simulator's records: repository, users, pulls, issues, comments,
labels, refs, contents, reviews, protection and rules.

Sits between the simulator's core (repo_state.py, which knows nothing of URLs) and its HTTP layer
(app.py). Every object carries each property GitHub's REST description (api.github.com, version
2022-11-28) marks *required*, with the declared type: URLs point at the simulator, users are the
accounts that acted, timestamps are ISO 8601 in UTC. A third-party client generated from that
description parses all of them; the test suite validates every response against it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from controller.sim.github.accounts import Actor
from controller.sim.github.bare_repo import FileBlob, TreeEntry
from controller.sim.github.branch_protection import ClassicProtection, Ruleset
from controller.sim.github.issue_tracker import Comment, IssueView, Label
from controller.sim.github.repo_state import PullView, Review, SimulatedRepository

Json = dict[str, Any]
REPOSITORY_ID = 1
ORGANIZATION_ID = 9000001
# A fixed instant for what the simulator has no history of (the repository's creation).
EPOCH = "2024-01-01T00:00:00Z"


def instant(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int) -> str:
    """An opaque global id in GitHub's legacy form (base64 of "<len>:<Type><id>")."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode("ascii")


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


def _account(*, login: str, number: int, kind: str, urls: Urls) -> Json:
    api = f"{urls.base}/users/{login}"
    return {
        "login": login,
        "id": number,
        "node_id": node_id(kind, number),
        "avatar_url": f"{urls.base}/avatars/u/{number}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{urls.base}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def user(actor: Actor, urls: Urls) -> Json:
    """A `simple-user`: the account behind a token (a person or an app's bot)."""
    return _account(login=actor.login, number=actor.id, kind=actor.kind, urls=urls)


def owner(urls: Urls) -> Json:
    return _account(login=urls.repo.owner, number=ORGANIZATION_ID, kind="Organization", urls=urls)


def authenticated_user(actor: Actor, urls: Urls) -> Json:
    """`GET /user` for a person's token: a `private-user`."""
    return {
        **user(actor, urls),
        "user_view_type": "private",
        "name": actor.name,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "private_gists": 0,
        "total_private_repos": 1,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
    }


_REPO_URL_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repository(urls: Urls, *, caller: Actor | None = None) -> Json:
    """The repository as `GET /repos/{owner}/{repo}` shows it (a `full-repository`), with the
    caller's own rights on it in `permissions` (write for the bots and for people who may push,
    read for the rest, everything for admins)."""
    repo = urls.repo
    links = {key: urls.api_repo + suffix for key, suffix in _REPO_URL_TEMPLATES.items()}
    host = urls.base.split("://", 1)[-1]
    return {
        "id": REPOSITORY_ID,
        "node_id": node_id("Repository", REPOSITORY_ID),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": owner(urls),
        "private": True,
        "visibility": "private",
        "html_url": urls.html_repo,
        "description": "Access policies as code",
        "fork": False,
        "url": urls.api_repo,
        **links,
        "clone_url": f"{urls.html_repo}.git",
        "git_url": f"git://{host}/{repo.full_name}.git",
        "ssh_url": f"git@{host}:{repo.full_name}.git",
        "svn_url": urls.html_repo,
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "license": None,
        "size": 0,
        "default_branch": repo.git.default_branch(),
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers": 0,
        "watchers_count": 0,
        "open_issues": repo.open_pull_count(),
        "open_issues_count": repo.open_pull_count(),
        "network_count": 0,
        "subscribers_count": 0,
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": False,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "is_template": True,
        "topics": [],
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "pushed_at": EPOCH,
        "permissions": _permissions(caller),
        "allow_merge_commit": True,
        "allow_squash_merge": True,
        "allow_rebase_merge": True,
        "delete_branch_on_merge": False,
    }


def _permissions(caller: Actor | None) -> Json:
    admin = caller is not None and caller.admin
    writes = caller is None or caller.writes
    return {
        "admin": admin,
        "maintain": admin,
        "push": admin or writes,
        "triage": admin or writes,
        "pull": True,
    }


def git_ref(ref: str, sha: str, urls: Urls) -> Json:
    return {
        "ref": ref,
        "node_id": node_id("Ref", int(sha[:8], 16)),
        "url": f"{urls.api_repo}/git/{ref}",
        "object": {"sha": sha, "type": "commit", "url": f"{urls.api_repo}/git/commits/{sha}"},
    }


def label(item: Label, urls: Urls) -> Json:
    return {
        "id": item.id,
        "node_id": node_id("Label", item.id),
        "url": f"{urls.api_repo}/labels/{item.name}",
        "name": item.name,
        "color": item.color,
        "description": item.description,
        "default": False,
        "archived_at": None,
        "archived_by": None,
    }


def _branch(ref: str, sha: str, urls: Urls) -> Json:
    return {
        "label": f"{urls.repo.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": owner(urls),
        "repo": repository(urls),
    }


def _pull_links(number: int, head_sha: str, urls: Urls) -> Json:
    api = f"{urls.api_repo}/pulls/{number}"
    hrefs = {
        "self": api,
        "html": f"{urls.html_repo}/pull/{number}",
        "issue": f"{urls.api_repo}/issues/{number}",
        "comments": f"{urls.api_repo}/issues/{number}/comments",
        "review_comments": f"{api}/comments",
        "review_comment": f"{urls.api_repo}/pulls/comments{{/number}}",
        "commits": f"{api}/commits",
        "statuses": f"{urls.api_repo}/statuses/{head_sha}",
    }
    return {key: {"href": href} for key, href in hrefs.items()}


def pull_simple(view: PullView, urls: Urls) -> Json:
    """A pull request as lists show it (`pull-request-simple`)."""
    record, number = view.pull, view.pull.number
    api = f"{urls.api_repo}/pulls/{number}"
    return {
        "url": api,
        "id": 500_000 + number,
        "node_id": node_id("PullRequest", 500_000 + number),
        "html_url": f"{urls.html_repo}/pull/{number}",
        "diff_url": f"{urls.html_repo}/pull/{number}.diff",
        "patch_url": f"{urls.html_repo}/pull/{number}.patch",
        "issue_url": f"{urls.api_repo}/issues/{number}",
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": f"{urls.api_repo}/pulls/comments{{/number}}",
        "comments_url": f"{urls.api_repo}/issues/{number}/comments",
        "statuses_url": f"{urls.api_repo}/statuses/{view.head_sha}",
        "number": number,
        "state": record.state,
        "locked": False,
        "title": record.title,
        "user": user(record.author, urls),
        "body": record.body,
        # The description types a list's label description as a string, never null.
        "labels": [
            {**label(item, urls), "description": item.description or ""} for item in view.labels
        ],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": instant(record.created_at),
        "updated_at": instant(record.updated_at),
        "closed_at": instant(record.closed_at),
        "merged_at": instant(record.merged_at),
        "merge_commit_sha": record.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch(record.head_ref, view.head_sha, urls),
        "base": _branch(record.base_ref, view.base_sha, urls),
        "_links": _pull_links(number, view.head_sha, urls),
        "author_association": record.author.author_association,
        "auto_merge": None,
        "draft": record.draft,
    }


def pull(view: PullView, urls: Urls) -> Json:
    """A pull request as `GET /pulls/{n}` shows it (`pull-request`): merge state included."""
    record = view.pull
    return {
        **pull_simple(view, urls),
        "labels": [label(item, urls) for item in view.labels],
        "merged": record.merged_at is not None,
        "mergeable": view.mergeable,
        "rebaseable": view.mergeable,
        "mergeable_state": _mergeable_state(view),
        "merged_by": None if record.merged_by is None else user(record.merged_by, urls),
        "comments": view.comments,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": view.commits,
        "additions": view.additions,
        "deletions": view.deletions,
        "changed_files": view.changed_files,
    }


def _mergeable_state(view: PullView) -> str:
    if view.mergeable is None:
        return "unknown"
    if not view.mergeable:
        return "dirty"
    return "blocked" if view.blocked else "clean"


def merge_result(sha: str, message: str) -> Json:
    return {"sha": sha, "merged": True, "message": message}


def comment(item: Comment, urls: Urls) -> Json:
    api = f"{urls.api_repo}/issues/comments/{item.id}"
    return {
        "id": item.id,
        "node_id": node_id("IssueComment", item.id),
        "url": api,
        "html_url": f"{urls.html_repo}/{'pull' if item.on_pull else 'issues'}/"
        f"{item.issue_number}#issuecomment-{item.id}",
        "issue_url": f"{urls.api_repo}/issues/{item.issue_number}",
        "body": item.body,
        "user": user(item.author, urls),
        "author_association": item.author.author_association,
        "created_at": instant(item.created_at),
        "updated_at": instant(item.updated_at),
        "reactions": _no_reactions(f"{api}/reactions"),
    }


def issue(item: IssueView | PullView, urls: Urls) -> Json:
    """An issue as the issues endpoints show it; a pull request there carries `pull_request`."""
    if isinstance(item, PullView):
        return _pull_as_issue(item, urls)
    record, number = item.issue, item.issue.number
    return {
        **_issue_fields(number, urls),
        "html_url": f"{urls.html_repo}/issues/{number}",
        "number": number,
        "state": record.state,
        "state_reason": record.state_reason,
        "title": record.title,
        "body": record.body,
        "user": user(record.author, urls),
        "labels": [label(entry, urls) for entry in item.labels],
        "comments": item.comments,
        "created_at": instant(record.created_at),
        "updated_at": instant(record.updated_at),
        "closed_at": instant(record.closed_at),
        "closed_by": None if record.closed_by is None else user(record.closed_by, urls),
        "author_association": record.author.author_association,
    }


def _pull_as_issue(view: PullView, urls: Urls) -> Json:
    record, number = view.pull, view.pull.number
    html = f"{urls.html_repo}/pull/{number}"
    return {
        **_issue_fields(number, urls),
        "html_url": html,
        "number": number,
        "state": record.state,
        "state_reason": None,
        "title": record.title,
        "body": record.body,
        "user": user(record.author, urls),
        "labels": [label(entry, urls) for entry in view.labels],
        "comments": view.comments,
        "created_at": instant(record.created_at),
        "updated_at": instant(record.updated_at),
        "closed_at": instant(record.closed_at),
        "closed_by": None,
        "author_association": record.author.author_association,
        "draft": record.draft,
        "pull_request": {
            "url": f"{urls.api_repo}/pulls/{number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": instant(record.merged_at),
        },
    }


def _issue_fields(number: int, urls: Urls) -> Json:
    """What every issue shows, issue or pull request alike."""
    api = f"{urls.api_repo}/issues/{number}"
    return {
        "id": 700_000 + number,
        "node_id": node_id("Issue", 700_000 + number),
        "url": api,
        "repository_url": urls.api_repo,
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "timeline_url": f"{api}/timeline",
        "locked": False,
        "active_lock_reason": None,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "reactions": _no_reactions(f"{api}/reactions"),
    }


def _no_reactions(url: str) -> Json:
    kinds = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")
    return {"url": url, "total_count": 0, **dict.fromkeys(kinds, 0)}


def review(item: Review, urls: Urls) -> Json:
    pull_url = f"{urls.api_repo}/pulls/{item.pull_number}"
    html = f"{urls.html_repo}/pull/{item.pull_number}#pullrequestreview-{item.id}"
    return {
        "id": item.id,
        "node_id": node_id("PullRequestReview", item.id),
        "user": user(item.author, urls),
        "body": item.body,
        "state": item.state,
        "html_url": html,
        "pull_request_url": pull_url,
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        "submitted_at": instant(item.submitted_at),
        "commit_id": item.commit_id,
        "author_association": item.author.author_association,
    }


def contents(found: FileBlob | list[TreeEntry], *, ref: str, urls: Urls) -> Json | list[Json]:
    if isinstance(found, FileBlob):
        return _file(found, ref=ref, urls=urls)
    return [_entry(entry, ref=ref, urls=urls) for entry in found]


def _content_links(path: str, sha: str, *, kind: str, ref: str, urls: Urls) -> Json:
    folder = "tree" if kind == "dir" else "blob"
    git_kind = "trees" if kind == "dir" else "blobs"
    api = f"{urls.api_repo}/contents/{path}?ref={ref}"
    html = f"{urls.html_repo}/{folder}/{ref}/{path}"
    git = f"{urls.api_repo}/git/{git_kind}/{sha}"
    return {
        "url": api,
        "html_url": html,
        "git_url": git,
        "download_url": f"{urls.base}/raw/{urls.repo.full_name}/{ref}/{path}"
        if kind == "file"
        else None,
        "_links": {"self": api, "git": git, "html": html},
    }


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
        **_content_links(blob.path, blob.sha, kind="file", ref=ref, urls=urls),
    }


def _entry(entry: TreeEntry, *, ref: str, urls: Urls) -> Json:
    return {
        "type": entry.kind,
        "size": entry.size,
        "name": entry.name,
        "path": entry.path,
        "sha": entry.sha,
        **_content_links(entry.path, entry.sha, kind=entry.kind, ref=ref, urls=urls),
    }


# --- settings: Actions, branch protection, rules ---------------------------------------------


def workflow_permissions(*, default: str, can_approve: bool) -> Json:
    return {
        "default_workflow_permissions": default,
        "can_approve_pull_request_reviews": can_approve,
    }


def branch_protection(branch: str, protection: ClassicProtection, urls: Urls) -> Json:
    """`GET .../branches/{branch}/protection`: only the parts that are switched on appear."""
    url = f"{urls.api_repo}/branches/{branch}/protection"
    shown: Json = {
        "url": url,
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": protection.enforce_admins},
        "required_linear_history": {"enabled": False},
        "allow_force_pushes": {"enabled": protection.allow_force_pushes},
        "allow_deletions": {"enabled": protection.allow_deletions},
        "block_creations": {"enabled": False},
        "required_conversation_resolution": {"enabled": False},
        "lock_branch": {"enabled": False},
        "allow_fork_syncing": {"enabled": False},
        "required_signatures": {"url": f"{url}/required_signatures", "enabled": False},
    }
    if protection.required_checks:
        shown["required_status_checks"] = _status_checks(protection, url=url)
    if protection.require_pull_request:
        shown["required_pull_request_reviews"] = _reviews_rule(protection, url=url, urls=urls)
    if protection.push_allowed is not None:
        shown["restrictions"] = _restrictions(protection.push_allowed, url=url)
    return shown


def _status_checks(protection: ClassicProtection, *, url: str) -> Json:
    return {
        "url": f"{url}/required_status_checks",
        "strict": protection.strict,
        "contexts": list(protection.required_checks),
        "contexts_url": f"{url}/required_status_checks/contexts",
        "checks": [{"context": name, "app_id": None} for name in protection.required_checks],
    }


def _reviews_rule(protection: ClassicProtection, *, url: str, urls: Urls) -> Json:
    bypass = sorted(protection.pull_request_bypass)
    people = [login for login in bypass if not login.endswith("[bot]")]
    apps = [login.removesuffix("[bot]") for login in bypass if login.endswith("[bot]")]
    return {
        "url": f"{url}/required_pull_request_reviews",
        "dismiss_stale_reviews": False,
        "require_code_owner_reviews": False,
        "require_last_push_approval": False,
        "required_approving_review_count": protection.required_approvals,
        "bypass_pull_request_allowances": {
            "users": [_account(login=p, number=0, kind="User", urls=urls) for p in people],
            "teams": [],
            "apps": [integration(slug, urls) for slug in apps],
        },
    }


def integration(slug: str, urls: Urls) -> Json:
    """A GitHub App, as allowance lists show it."""
    number = sum(slug.encode()) + 1_000_000
    return {
        "id": number,
        "slug": slug,
        "client_id": f"Iv1.{number}",
        "node_id": node_id("Integration", number),
        "owner": owner(urls),
        "name": slug,
        "description": None,
        "external_url": f"{urls.base}/apps/{slug}",
        "html_url": f"{urls.base}/apps/{slug}",
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "permissions": {"contents": "write", "pull_requests": "write", "issues": "write"},
        "events": [],
    }


def _restrictions(allowed: frozenset[str], *, url: str) -> Json:
    people = sorted(login for login in allowed if not login.endswith("[bot]"))
    apps = sorted(login.removesuffix("[bot]") for login in allowed if login.endswith("[bot]"))
    return {
        "url": f"{url}/restrictions",
        "users_url": f"{url}/restrictions/users",
        "teams_url": f"{url}/restrictions/teams",
        "apps_url": f"{url}/restrictions/apps",
        "users": [{"login": login, "type": "User"} for login in people],
        "teams": [],
        "apps": [{"slug": slug, "name": slug} for slug in apps],
    }


def branch_rules(rulesets: list[Ruleset], urls: Urls) -> list[Json]:
    """`GET .../rules/branches/{branch}`: every active rule, each naming its ruleset."""
    return [rule for ruleset in rulesets for rule in _rules_of(ruleset, urls)]


def _rules_of(ruleset: Ruleset, urls: Urls) -> list[Json]:
    source = {
        "ruleset_source_type": "Repository",
        "ruleset_source": urls.repo.full_name,
        "ruleset_id": ruleset.id,
    }
    return [{**rule, **source} for rule in _rules(ruleset)]


# GitHub's id of the repository's built-in Admin role, as a ruleset's bypass list names it.
ADMIN_ROLE_ID = 5


def ruleset(item: Ruleset, *, actor: Actor, urls: Urls) -> Json:
    """`GET .../rulesets/{id}`: the ruleset, and whether the caller may bypass it
    (`current_user_can_bypass`); the bypass list only for those who may edit it (admins)."""
    url = f"{urls.api_repo}/rulesets/{item.id}"
    shown: Json = {
        "id": item.id,
        "name": item.name,
        "target": "branch",
        "source_type": "Repository",
        "source": urls.repo.full_name,
        "enforcement": "active",
        "current_user_can_bypass": "always" if item.bypassed_by(actor) else "never",
        "node_id": node_id("RepositoryRuleset", item.id),
        "_links": {
            "self": {"href": url},
            "html": {"href": f"{urls.html_repo}/rules/{item.id}"},
        },
        "conditions": {
            "ref_name": {"include": [f"refs/heads/{b}" for b in item.branches], "exclude": []}
        },
        "rules": _rules(item),
        "created_at": EPOCH,
        "updated_at": EPOCH,
    }
    if actor.admin:
        shown["bypass_actors"] = _bypass_actors(item)
    return shown


def _bypass_actors(item: Ruleset) -> list[Json]:
    apps = [
        {"actor_id": app_id, "actor_type": "Integration", "bypass_mode": "always"}
        for app_id in sorted(item.bypass_app_ids)
    ]
    admins = {"actor_id": ADMIN_ROLE_ID, "actor_type": "RepositoryRole", "bypass_mode": "always"}
    return [*apps, admins] if item.bypass_admins else apps


def _rules(ruleset: Ruleset) -> list[Json]:
    rules: list[Json] = []
    if ruleset.deletion:
        rules.append({"type": "deletion"})
    if ruleset.non_fast_forward:
        rules.append({"type": "non_fast_forward"})
    if ruleset.require_pull_request:
        rules.append({"type": "pull_request", "parameters": _pull_request_rule(ruleset)})
    if ruleset.required_checks:
        rules.append({"type": "required_status_checks", "parameters": _checks_rule(ruleset)})
    return rules


def _pull_request_rule(ruleset: Ruleset) -> Json:
    return {
        "allowed_merge_methods": ["merge", "squash", "rebase"],
        "dismiss_stale_reviews_on_push": False,
        "require_code_owner_review": False,
        "require_last_push_approval": False,
        "required_approving_review_count": ruleset.required_approvals,
        "required_review_thread_resolution": False,
    }


def _checks_rule(ruleset: Ruleset) -> Json:
    return {
        "do_not_enforce_on_create": False,
        "strict_required_status_checks_policy": False,
        "required_status_checks": [{"context": name} for name in ruleset.required_checks],
    }
