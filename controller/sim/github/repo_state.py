"""The GitHub simulator's behaviour: pull requests and reviews over one bare repository.

This is the simulator's core, below the HTTP layer (controller/sim/github/app.py): it validates
requests the way GitHub does and raises `ApiError` with GitHub's status codes and messages.
Pull requests and reviews live in memory behind one lock, with the issue tracker
(issue_tracker.py: issues, and the numbers, comments and labels issues and pull requests
share); branches live in the bare repository, so a pull request's head follows whatever is
pushed (or force-pushed) to its branch until it is closed or merged, when the shas are frozen
as GitHub shows them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath

from controller.sim.github.accounts import Actor
from controller.sim.github.api_errors import (
    ApiError,
    check_body,
    not_found,
    validation_failed,
)
from controller.sim.github.bare_repo import (
    BareRepository,
    DiffStats,
    FileBlob,
    MergeConflict,
    RefMoved,
    Signature,
    TreeEntry,
    is_safe_ref_name,
)
from controller.sim.github.branch_protection import RefUpdate
from controller.sim.github.issue_forms import FORMS_DIRECTORY, fill, parse_form
from controller.sim.github.issue_tracker import (
    IssueChange,
    IssueFilter,
    IssueTracker,
    IssueView,
    Label,
)
from controller.sim.github.repo_settings import RepositorySettings
from controller.sim.github.workflow_events import ZERO_SHA, WorkflowEvents

__all__ = ["ApiError", "not_found", "validation_failed"]

MERGED_MESSAGE = "Pull Request successfully merged"
NOT_MERGEABLE = "Pull Request is not mergeable"
BASE_MODIFIED = "Base branch was modified. Review and try the merge again."
MERGE_METHODS = ("merge", "squash", "rebase")  # all three allowed, as in a new repository
# GitHub's answer when the repository does not let workflows open or approve pull requests.
ACTIONS_MAY_NOT_CREATE = "GitHub Actions is not permitted to create or approve pull requests."
REVIEW_EVENTS = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}


# GitHub commits web merges as "GitHub <noreply@github.com>" on behalf of the merging user.
WEB_FLOW = Signature(name="GitHub", email="noreply@github.com")


@dataclass(frozen=True)
class Review:
    id: int
    pull_number: int
    author: Actor
    state: str
    body: str
    commit_id: str
    submitted_at: datetime


@dataclass(frozen=True)
class Pull:
    """A pull request as stored; shas are only kept once it is closed (frozen history)."""

    number: int
    title: str
    body: str | None
    head_ref: str
    base_ref: str
    draft: bool
    author: Actor
    created_at: datetime
    updated_at: datetime
    # The shas at the last time the branches were seen, shown if a branch is deleted.
    last_head_sha: str
    last_base_sha: str
    state: str = "open"
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    merged_by: Actor | None = None
    closed_head_sha: str | None = None
    closed_base_sha: str | None = None
    # The base branch's sha the merge was made onto: what the merge introduced starts there.
    merged_onto_sha: str | None = None


@dataclass(frozen=True)
class PullView:
    """A pull request as GitHub shows it now: live shas while open, labels resolved."""

    pull: Pull
    head_sha: str
    base_sha: str
    labels: tuple[Label, ...]
    mergeable: bool | None
    blocked: bool
    comments: int
    stats: DiffStats

    @property
    def commits(self) -> int:
        return self.stats.commits

    @property
    def additions(self) -> int:
        return self.stats.additions

    @property
    def deletions(self) -> int:
        return self.stats.deletions

    @property
    def changed_files(self) -> int:
        return self.stats.changed_files


@dataclass(frozen=True)
class MergeOutcome:
    sha: str
    message: str = MERGED_MESSAGE


@dataclass(frozen=True)
class PullFilter:
    """The List pull requests query: state, `owner:branch` head, base branch."""

    state: str = "open"
    head: str | None = None
    base: str | None = None


@dataclass
class _Store:
    pulls: dict[int, Pull] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)


class SimulatedRepository:
    """One GitHub repository: its refs from the bare repo, the rest in memory."""

    def __init__(
        self,
        *,
        full_name: str,
        git: BareRepository,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(microsecond=0),
        settings: RepositorySettings | None = None,
    ) -> None:
        self.owner, self.name = full_name.split("/", 1)
        self.git = git
        self.settings = settings or RepositorySettings()
        self._clock = clock
        self._store = _Store()
        self._lock = threading.RLock()
        self.tracker = IssueTracker(
            lock=self._lock, clock=clock, is_pull=lambda number: number in self._store.pulls
        )
        self.workflows = WorkflowEvents(git=git, runs=self.settings.runs)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def matches(self, owner: str, name: str) -> bool:
        # GitHub resolves owner and repository names case-insensitively.
        return (owner.lower(), name.lower()) == (self.owner.lower(), self.name.lower())

    # --- refs and contents -------------------------------------------------------------------

    def branch_ref(self, ref: str) -> tuple[str, str]:
        """`heads/<branch>` -> (full ref, sha); 404 when the branch does not exist."""
        with self._lock:
            refs = self.git.refs_with_prefix(f"refs/{ref}")
        full = f"refs/{ref}"
        if full not in refs:
            raise not_found()
        return full, refs[full]

    def matching_refs(self, prefix: str) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.git.refs_with_prefix(f"refs/{prefix}").items())

    def create_ref(self, ref: str, sha: str, *, actor: Actor) -> tuple[str, str]:
        if not ref.startswith("refs/") or ref.count("/") < 2 or not is_safe_ref_name(ref):
            raise ApiError(422, "Reference name is invalid")
        with self._lock:
            if self.git.resolve_commit(sha) != sha:
                raise ApiError(422, "Object does not exist")
            if ref in self.git.refs_with_prefix(ref):
                raise ApiError(422, "Reference already exists")
            creation = RefUpdate(ref, ZERO_SHA, sha, fast_forward=True)
            refusal = self.settings.push_refusal(creation, actor=actor)
            if refusal is not None:
                raise ApiError(422, refusal.creation_message())
            try:
                self.git.create_ref(ref, sha)
            except RefMoved:
                raise ApiError(422, "Reference already exists") from None
            self.pushed(actor=actor, ref=ref, before=ZERO_SHA, after=sha)
        return ref, sha

    def update_ref(self, ref: str, *, sha: str, force: bool, actor: Actor) -> tuple[str, str]:
        full = f"refs/{ref}"
        with self._lock:
            current = self._current(full)
            if self.git.resolve_commit(sha) != sha:
                raise ApiError(422, "Object does not exist")
            forward = self.git.is_ancestor(current, sha)
            if not force and not forward:
                raise ApiError(422, "Update is not a fast forward")
            self._refuse_ref_update(RefUpdate(full, current, sha, forward), actor)
            self.git.move_ref(full, sha, expected=current)
            self.pushed(actor=actor, ref=full, before=current, after=sha)
        return full, sha

    def delete_ref(self, ref: str, *, actor: Actor) -> None:
        full = f"refs/{ref}"
        with self._lock:
            current = self._current(full)
            if full == f"refs/heads/{self.git.default_branch()}":
                # The OpenAPI description lists this 422; its wording is UNCONFIRMED.
                raise ApiError(422, "Cannot delete the default branch")
            self._refuse_ref_update(RefUpdate(full, current, ZERO_SHA, fast_forward=True), actor)
            self.git.delete_ref(full)

    def _current(self, full: str) -> str:
        current = self.git.refs_with_prefix(full).get(full)
        if current is None:
            raise ApiError(422, "Reference does not exist")
        return current

    def _refuse_ref_update(self, update: RefUpdate, actor: Actor) -> None:
        """A branch moved or deleted through the refs API meets the rules a push meets (422)."""
        refusal = self.settings.push_refusal(update, actor=actor)
        if refusal is not None:
            raise ApiError(422, refusal.api_message())

    def contents(self, path: str, *, ref: str | None) -> FileBlob | list[TreeEntry]:
        revision = ref or self.git.default_branch()
        with self._lock:
            found = self.git.read_path(revision, path.strip("/"))
        if found is None:
            raise not_found()
        return found

    # --- pull requests -----------------------------------------------------------------------

    def open_pull_count(self) -> int:
        with self._lock:
            return sum(1 for pull in self._store.pulls.values() if pull.state == "open")

    def list_pulls(self, query: PullFilter) -> list[PullView]:
        with self._lock:
            pulls = [p for p in self._store.pulls.values() if self._selected(p, query)]
            return [self._view(p) for p in sorted(pulls, key=lambda p: -p.number)]

    def _selected(self, pull: Pull, query: PullFilter) -> bool:
        if query.state not in {"all", pull.state}:
            return False
        if query.base is not None and pull.base_ref != query.base:
            return False
        return query.head is None or self._head_label(pull.head_ref) == query.head

    def _head_label(self, branch: str) -> str:
        return f"{self.owner}:{branch}"

    def create_pull(
        self,
        *,
        actor: Actor,
        title: str | None,
        head: str | None,
        base: str | None,
        body: str | None,
        draft: bool,
    ) -> PullView:
        self._refuse_actions_unless_allowed(actor)
        if not title:
            raise validation_failed("PullRequest", "missing_field", field="title")
        check_body(body, resource="PullRequest")
        with self._lock:
            head_branch = self._existing_head(head)
            base_branch = self._existing_base(base)
            self._refuse_duplicate(head_branch, base_branch)
            self._refuse_empty(head_branch, base_branch)
            now = self._clock()
            pull = Pull(
                number=self._next_number(),
                title=title,
                body=body,
                head_ref=head_branch,
                base_ref=base_branch,
                draft=draft,
                author=actor,
                created_at=now,
                updated_at=now,
                last_head_sha=self.git.branch_sha(head_branch) or "",
                last_base_sha=self.git.branch_sha(base_branch) or "",
            )
            self._store.pulls[pull.number] = pull
            self._pull_request_event(pull, action="opened", actor=actor)
            return self._view(pull)

    def _pull_request_event(self, pull: Pull, *, action: str, actor: Actor) -> None:
        head_sha, base_sha = self._shas(pull)
        self.workflows.pull_request(
            action=action, actor=actor, base=pull.base_ref, base_sha=base_sha, head_sha=head_sha
        )

    def _refuse_actions_unless_allowed(self, actor: Actor) -> None:
        if actor.via == "actions" and not self.settings.actions.can_approve_pull_request_reviews:
            raise ApiError(403, ACTIONS_MAY_NOT_CREATE)

    def _existing_head(self, head: str | None) -> str:
        owner, _, branch = (head or "").rpartition(":")
        if owner and owner.lower() != self.owner.lower():
            branch = ""
        if not branch or self.git.branch_sha(branch) is None:
            raise validation_failed("PullRequest", "invalid", field="head")
        return branch

    def _existing_base(self, base: str | None) -> str:
        if not base or self.git.branch_sha(base) is None:
            raise validation_failed("PullRequest", "invalid", field="base")
        return base

    def _refuse_duplicate(self, head: str, base: str) -> None:
        for pull in self._store.pulls.values():
            if (pull.state, pull.head_ref, pull.base_ref) == ("open", head, base):
                message = f"A pull request already exists for {self._head_label(head)}."
                raise validation_failed("PullRequest", "custom", message=message)

    def _refuse_empty(self, head: str, base: str) -> None:
        head_sha, base_sha = self.git.branch_sha(head), self.git.branch_sha(base)
        if head_sha is None or base_sha is None or self.git.is_ancestor(head_sha, base_sha):
            message = f"No commits between {base} and {head}"
            raise validation_failed("PullRequest", "custom", message=message)

    def _next_number(self) -> int:
        return self.tracker.new_number()

    def get_pull(self, number: int) -> PullView:
        with self._lock:
            return self._view(self._pull(number))

    def _pull(self, number: int) -> Pull:
        if number not in self._store.pulls:
            raise not_found()
        return self._store.pulls[number]

    def update_pull(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        base: str | None = None,
        actor: Actor,
    ) -> PullView:
        check_body(body, resource="PullRequest")
        with self._lock:
            pull = self._pull(number)
            updated = replace(
                pull,
                title=title or pull.title,
                body=pull.body if body is None else body,
                base_ref=pull.base_ref if base is None else self._existing_base(base),
                updated_at=self._clock(),
            )
            if state is not None and state != pull.state:
                updated = self._with_state(updated, state)
            self._store.pulls[number] = updated
            if updated.state == "open" and pull.state == "closed":
                self._pull_request_event(updated, action="reopened", actor=actor)
            return self._view(updated)

    def _with_state(self, pull: Pull, state: str) -> Pull:
        if state not in {"open", "closed"}:
            raise validation_failed("PullRequest", "invalid", field="state")
        if pull.merged_at is not None:
            message = "state cannot be changed. The pull request is merged."
            raise validation_failed("PullRequest", "custom", message=message)
        if state == "closed":
            return replace(
                pull,
                state="closed",
                closed_at=self._clock(),
                closed_head_sha=self.git.branch_sha(pull.head_ref),
                closed_base_sha=self.git.branch_sha(pull.base_ref),
            )
        self._existing_head(pull.head_ref)
        self._refuse_duplicate(pull.head_ref, pull.base_ref)
        return replace(
            pull, state="open", closed_at=None, closed_head_sha=None, closed_base_sha=None
        )

    def pushed(self, *, actor: Actor, ref: str, before: str, after: str) -> None:
        """A git push by `actor` moved `ref`: the push event, and `synchronize` for each open
        pull request whose head is that branch."""
        branch = ref.removeprefix("refs/heads/")
        if branch == ref:
            return
        with self._lock:
            self.workflows.pushed(actor=actor, branch=branch, before=before, after=after)
            heads = [p for p in self._store.pulls.values() if p.state == "open"]
            for pull in (p for p in heads if p.head_ref == branch):
                self._pull_request_event(pull, action="synchronize", actor=actor)

    def pulls_of_commit(self, sha: str) -> list[PullView]:
        """`GET /commits/{sha}/pulls`: for a commit on the default branch, the merged pull
        request that brought it in; for any other, the open and merged pull requests that
        hold it among their commits. 422 for a commit the repository does not have."""
        with self._lock:
            commit = self.git.resolve_commit(sha)
            if commit is None:
                raise ApiError(422, f"No commit found for SHA: {sha}")
            default_sha = self.git.branch_sha(self.git.default_branch()) or ""
            on_default = bool(default_sha) and self.git.is_ancestor(commit, default_sha)
            pulls = self._store.pulls.values()
            found = [self._view(p) for p in pulls if self._holds(p, commit, on_default=on_default)]
        return sorted(found, key=lambda v: -v.pull.number)

    def _holds(self, pull: Pull, commit: str, *, on_default: bool) -> bool:
        listed = pull.merged_at is not None or (pull.state == "open" and not on_default)
        return listed and commit in self._commits_of(pull)

    def _commits_of(self, pull: Pull) -> set[str]:
        """The pull request's own commits, and for a merged one those its merge put on the base
        (a merge commit, a squash, or the replayed commits of a rebase)."""
        if pull.merged_at is None:
            head, base = self._shas(pull)
            return set(self.git.commits_between(since=base, until=head))
        onto = pull.merged_onto_sha or pull.last_base_sha
        heads = (pull.closed_head_sha or pull.last_head_sha, pull.merge_commit_sha or "")
        return {c for head in heads for c in self.git.commits_between(since=onto, until=head)}

    def is_merged(self, number: int) -> bool:
        with self._lock:
            return self._pull(number).merged_at is not None

    def merge_pull(
        self,
        number: int,
        *,
        actor: Actor,
        commit_title: str | None,
        commit_message: str | None,
        expected_head_sha: str | None,
        method: str,
    ) -> MergeOutcome:
        with self._lock:
            pull = self._pull(number)
            head_sha = self._mergeable_head(pull, expected=expected_head_sha, method=method)
            self._refuse_unprotected_merge(pull, head_sha=head_sha, actor=actor)
            onto = self.git.branch_sha(pull.base_ref)
            message = self._merge_message(
                pull, title=commit_title, details=commit_message, method=method
            )
            sha = self._commit_merge(
                pull, head_sha=head_sha, message=message, merger=actor, method=method
            )
            now = self._clock()
            self._store.pulls[number] = replace(
                pull,
                state="closed",
                merged_at=now,
                closed_at=now,
                updated_at=now,
                merge_commit_sha=sha,
                merged_by=actor,
                closed_head_sha=head_sha,
                closed_base_sha=self.git.branch_sha(pull.base_ref),
                merged_onto_sha=onto,
            )
            self.workflows.pushed(actor=actor, branch=pull.base_ref, before=onto or "", after=sha)
            return MergeOutcome(sha=sha)

    def _merge_message(
        self, pull: Pull, *, title: str | None, details: str | None, method: str
    ) -> str:
        # GitHub's defaults: "Merge pull request #N from owner/branch", then the PR title; a
        # squash is titled "<PR title> (#N)". A rebase keeps each commit's own message.
        default_title = f"Merge pull request #{pull.number} from {self.owner}/{pull.head_ref}"
        if method == "squash":
            default_title = f"{pull.title} (#{pull.number})"
        return f"{title or default_title}\n\n{pull.title if details is None else details}"

    def _mergeable_head(self, pull: Pull, *, expected: str | None, method: str) -> str:
        if method not in MERGE_METHODS:
            raise ApiError(422, f"Invalid merge_method {method!r}; use one of {MERGE_METHODS}")
        head_sha = self.git.branch_sha(pull.head_ref)
        if pull.state != "open" or head_sha is None:
            raise ApiError(405, NOT_MERGEABLE)
        if expected is not None and expected != head_sha:
            raise ApiError(409, "Head branch was modified. Review and try the merge again.")
        return head_sha

    def _refuse_unprotected_merge(self, pull: Pull, *, head_sha: str, actor: Actor) -> None:
        """Required checks and reviews of the base branch (protection or rulesets): 405."""
        refusal = self.settings.merge_refusal(
            branch=pull.base_ref, head_sha=head_sha, actor=actor, approvals=self._approvals(pull)
        )
        if refusal is not None:
            raise ApiError(405, refusal.api_message())

    def _approvals(self, pull: Pull) -> int:
        latest: dict[str, str] = {}
        for review in sorted(self._store.reviews.values(), key=lambda r: r.id):
            if review.pull_number == pull.number and review.state != "COMMENTED":
                latest[review.author.login] = review.state
        return sum(1 for state in latest.values() if state == "APPROVED")

    def _commit_merge(
        self, pull: Pull, *, head_sha: str, message: str, merger: Actor, method: str
    ) -> str:
        """The commit `method` makes on the base: a merge commit by the merger, a squash by
        the pull request's author, or the branch's commits replayed (the last one)."""
        try:
            if method == "rebase":
                return self.git.commit_rebase(
                    base_branch=pull.base_ref, head_sha=head_sha, committer=WEB_FLOW
                )
            commit = self.git.commit_squash if method == "squash" else self.git.commit_merge
            author = pull.author if method == "squash" else merger
            return commit(
                base_branch=pull.base_ref,
                head_sha=head_sha,
                message=message,
                author=author.signature,
                committer=WEB_FLOW,
            )
        except MergeConflict:
            raise ApiError(405, NOT_MERGEABLE) from None
        except RefMoved:
            # The base moved under us (a push landed mid-merge): GitHub answers 409 too.
            raise ApiError(409, BASE_MODIFIED) from None

    def _view(self, pull: Pull) -> PullView:
        head_sha, base_sha = self._shas(pull)
        mergeable = self._mergeable(pull, head_sha=head_sha, base_sha=base_sha)
        blocked = bool(mergeable) and self._blocked(pull, head_sha=head_sha)
        return PullView(
            pull=pull,
            head_sha=head_sha,
            base_sha=base_sha,
            labels=self.tracker.labels_on(pull.number),
            mergeable=mergeable,
            blocked=blocked,
            comments=self.tracker.comment_count(pull.number),
            stats=self.git.diff_stats(base_sha=base_sha, head_sha=head_sha),
        )

    def _blocked(self, pull: Pull, *, head_sha: str) -> bool:
        """What GitHub shows as `mergeable_state: blocked`: a person could not merge it now."""
        refusal = self.settings.merge_refusal(
            branch=pull.base_ref, head_sha=head_sha, actor=pull.author, approvals=0
        )
        return refusal is not None

    def _shas(self, pull: Pull) -> tuple[str, str]:
        if pull.state == "closed":
            return (
                pull.closed_head_sha or pull.last_head_sha,
                pull.closed_base_sha or pull.last_base_sha,
            )
        head = self.git.branch_sha(pull.head_ref) or pull.last_head_sha
        return head, self.git.branch_sha(pull.base_ref) or pull.last_base_sha

    def _mergeable(self, pull: Pull, *, head_sha: str, base_sha: str) -> bool | None:
        if pull.state != "open" or not head_sha or not base_sha:
            return None
        try:
            self.git.merge_tree(base_sha=base_sha, head_sha=head_sha)
        except MergeConflict:
            return False
        return True

    # --- reviews -----------------------------------------------------------------------------

    def list_reviews(self, number: int) -> list[Review]:
        with self._lock:
            self._pull(number)
            reviews = self._store.reviews.values()
            return sorted((r for r in reviews if r.pull_number == number), key=lambda r: r.id)

    def create_review(
        self, number: int, *, actor: Actor, event: str | None, body: str | None
    ) -> Review:
        """Submit a review; GitHub refuses approving one's own pull request (422), and refuses
        the Actions token approving when the repository does not allow it (403)."""
        state = REVIEW_EVENTS.get(event or "COMMENT")
        if state is None:
            raise ApiError(422, "Unprocessable Entity", errors=[f"Invalid event: {event}"])
        with self._lock:
            pull = self._pull(number)
            if state == "APPROVED":
                self._refuse_actions_unless_allowed(actor)
                if actor.login == pull.author.login:
                    message = "Can not approve your own pull request"
                    raise ApiError(422, "Unprocessable Entity", errors=[message])
            review = Review(
                id=self.tracker.new_id(),
                pull_number=number,
                author=actor,
                state=state,
                body=body or "",
                commit_id=self._shas(pull)[0],
                submitted_at=self._clock(),
            )
            self._store.reviews[review.id] = review
            return review

    # --- issues (pull requests are issues too) -----------------------------------------------

    def create_issue(
        self, *, actor: Actor, title: str | None, body: str | None, labels: tuple[str, ...]
    ) -> IssueView:
        return self.tracker.create_issue(actor=actor, title=title, body=body, labels=labels)

    def submit_issue_form(
        self, *, actor: Actor, query: dict[str, str], answers: dict[str, str]
    ) -> IssueView:
        """A person followed a link to `issues/new?template=...` and pressed Submit."""
        name = query.get("template", "")
        if not name or PurePosixPath(name).name != name:
            raise not_found()
        with self._lock:
            found = self.git.read_path(self.git.default_branch(), f"{FORMS_DIRECTORY}/{name}")
        if not isinstance(found, FileBlob):
            raise not_found()
        form = parse_form(found.data.decode("utf-8", errors="replace"))
        filled = fill(form, query=query, answers=answers)
        return self.tracker.submit_form(actor=actor, filled=filled)

    def get_issue(self, number: int) -> IssueView | PullView:
        with self._lock:
            if number in self._store.pulls:
                return self._view(self._store.pulls[number])
            return self.tracker.view(number)

    def list_issues(self, query: IssueFilter) -> list[IssueView | PullView]:
        """Issues and pull requests (GitHub lists both), newest first."""
        with self._lock:
            pulls = [
                self._view(p)
                for p in self._store.pulls.values()
                if self.tracker.selects(query, p.number, state=p.state)
            ]
            found: list[IssueView | PullView] = [*self.tracker.list_issues(query), *pulls]
        if query.creator is not None:
            found = [item for item in found if _author(item).login == query.creator]
        return sorted(found, key=lambda item: -_number(item))

    def update_issue(
        self, number: int, *, actor: Actor, change: IssueChange
    ) -> IssueView | PullView:
        with self._lock:
            if number not in self._store.pulls:
                return self.tracker.update_issue(number, actor=actor, change=change)
            if change.labels is not None and actor.writes:
                self.tracker.attached[number] = ()
                self.tracker.add_labels(number, change.labels)
            return self.update_pull(
                number, title=change.title, body=change.body, state=change.state, actor=actor
            )


def _number(item: IssueView | PullView) -> int:
    return item.issue.number if isinstance(item, IssueView) else item.pull.number


def _author(item: IssueView | PullView) -> Actor:
    return item.issue.author if isinstance(item, IssueView) else item.pull.author
