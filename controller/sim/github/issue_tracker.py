"""The GitHub simulator's issues, and what issues and pull requests share: numbers, comments,
labels.

Part of the repository core, beside pull requests (repo_state.py, which owns one tracker): on
GitHub a pull request is an issue too, so one sequence numbers both, and the comment and label
endpoints (`/issues/{number}/comments`, `/issues/{number}/labels`) take either. As GitHub does:

- anyone who can read the repository may open an issue, comment, and edit or close their own
  issue; the labels a person without push access asks for are silently dropped;
- closing records who closed it and why (`state_reason`: `completed` unless told
  `not_planned`), and reopening says `reopened`;
- a person following a link to the issue form (`issue_forms.py`) gets the form's labels that
  the repository has, whatever their access.

Everything lives in memory behind the repository's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from controller.sim.github.accounts import Actor
from controller.sim.github.api_errors import (
    ApiError,
    check_body,
    not_found,
    required_body,
    validation_failed,
)
from controller.sim.github.issue_forms import FilledIssue

DEFAULT_LABEL_COLOR = "ededed"
STATE_REASONS = frozenset({"completed", "not_planned", "reopened"})
NO_PUSH = "Must have push access to this repository."


@dataclass(frozen=True)
class Label:
    id: int
    name: str
    color: str
    description: str | None


@dataclass(frozen=True)
class Comment:
    id: int
    issue_number: int
    body: str
    author: Actor
    created_at: datetime
    updated_at: datetime
    on_pull: bool = False


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str | None
    author: Actor
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: Actor | None = None


@dataclass(frozen=True)
class IssueView:
    """An issue as GitHub shows it now: labels resolved, comments counted."""

    issue: Issue
    labels: tuple[Label, ...]
    comments: int


@dataclass(frozen=True)
class IssueFilter:
    """The List repository issues query: state, labels (all of them), creator."""

    state: str = "open"
    labels: tuple[str, ...] = ()
    creator: str | None = None


@dataclass(frozen=True)
class IssueChange:
    """The fields of `PATCH /issues/{number}`; None leaves a field as it is."""

    title: str | None = None
    body: str | None = None
    state: str | None = None
    state_reason: str | None = None
    labels: tuple[str, ...] | None = None


@dataclass
class IssueTracker:
    """Issues, comments and labels of one repository; pull requests are numbered here too."""

    lock: threading.RLock
    clock: Callable[[], datetime]
    is_pull: Callable[[int], bool]
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)  # by lower-case name
    attached: dict[int, tuple[str, ...]] = field(default_factory=dict)  # number -> label names
    last_number: int = 0
    last_id: int = 1_000_001

    # --- numbers and ids ---------------------------------------------------------------------

    def new_number(self) -> int:
        """The next issue or pull request number (one sequence for both, as on GitHub)."""
        with self.lock:
            self.last_number += 1
            return self.last_number

    def new_id(self) -> int:
        with self.lock:
            self.last_id += 1
            return self.last_id

    def require(self, number: int) -> None:
        """404 unless `number` is an issue or a pull request."""
        if number not in self.issues and not self.is_pull(number):
            raise not_found()

    # --- issues ------------------------------------------------------------------------------

    def create_issue(
        self, *, actor: Actor, title: str | None, body: str | None, labels: Iterable[str] = ()
    ) -> IssueView:
        """`POST /issues`: labels only from people who may push (GitHub drops the others')."""
        wanted = tuple(labels) if actor.writes else ()
        return self._open_issue(actor, title=title, body=body, labels=wanted, create=True)

    def submit_form(self, *, actor: Actor, filled: FilledIssue) -> IssueView:
        """An issue form submitted on the web: its labels, if the repository has them."""
        with self.lock:
            known = tuple(name for name in filled.labels if name.lower() in self.labels)
        return self._open_issue(
            actor, title=filled.title, body=filled.body, labels=known, create=False
        )

    def _open_issue(
        self,
        actor: Actor,
        *,
        title: str | None,
        body: str | None,
        labels: tuple[str, ...],
        create: bool,
    ) -> IssueView:
        if not title:
            raise validation_failed("Issue", "missing_field", field="title")
        check_body(body, resource="Issue")
        with self.lock:
            now = self.clock()
            issue = Issue(
                number=self.new_number(),
                title=title,
                body=body,
                author=actor,
                created_at=now,
                updated_at=now,
            )
            self.issues[issue.number] = issue
            self._attach(issue.number, labels, create=create)
            return self.view(issue.number)

    def view(self, number: int) -> IssueView:
        with self.lock:
            if number not in self.issues:
                raise not_found()
            return IssueView(
                issue=self.issues[number],
                labels=self.labels_on(number),
                comments=self.comment_count(number),
            )

    def list_issues(self, query: IssueFilter) -> list[IssueView]:
        """Matching issues, newest first (the caller adds matching pull requests)."""
        with self.lock:
            views = [self.view(number) for number in self.issues]
        return sorted(
            (v for v in views if self.selects(query, v.issue.number, state=v.issue.state)),
            key=lambda v: -v.issue.number,
        )

    def selects(self, query: IssueFilter, number: int, *, state: str) -> bool:
        """Whether issue or pull request `number` (in `state`) matches the query's state and
        labels (the creator is the caller's to check)."""
        if query.state not in {"all", state}:
            return False
        names = {name.lower() for name in self.attached.get(number, ())}
        return {name.lower() for name in query.labels} <= names

    def update_issue(self, number: int, *, actor: Actor, change: IssueChange) -> IssueView:
        check_body(change.body, resource="Issue")
        with self.lock:
            issue = self.view(number).issue
            if not actor.writes and actor.login != issue.author.login:
                raise ApiError(403, NO_PUSH)
            updated = replace(
                issue,
                title=change.title or issue.title,
                body=issue.body if change.body is None else change.body,
                updated_at=self.clock(),
            )
            self.issues[number] = self._with_state(updated, change=change, actor=actor)
            if change.labels is not None and actor.writes:
                self.attached[number] = ()
                self._attach(number, change.labels, create=True)
            return self.view(number)

    def _with_state(self, issue: Issue, *, change: IssueChange, actor: Actor) -> Issue:
        if change.state_reason is not None and change.state_reason not in STATE_REASONS:
            raise validation_failed("Issue", "invalid", field="state_reason")
        if change.state is None or change.state == issue.state:
            return issue
        if change.state == "closed":
            reason = change.state_reason or "completed"
            return replace(
                issue,
                state="closed",
                state_reason=reason,
                closed_at=self.clock(),
                closed_by=actor,
            )
        if change.state == "open":
            return replace(
                issue, state="open", state_reason="reopened", closed_at=None, closed_by=None
            )
        raise validation_failed("Issue", "invalid", field="state")

    # --- comments ----------------------------------------------------------------------------

    def list_comments(self, number: int) -> list[Comment]:
        with self.lock:
            self.require(number)
            chosen = (c for c in self.comments.values() if c.issue_number == number)
            return sorted(chosen, key=lambda c: c.id)

    def comment_count(self, number: int) -> int:
        with self.lock:
            return sum(1 for c in self.comments.values() if c.issue_number == number)

    def create_comment(self, number: int, *, actor: Actor, body: str | None) -> Comment:
        text = required_body(body)
        with self.lock:
            self.require(number)
            now = self.clock()
            comment = Comment(
                id=self.new_id(),
                issue_number=number,
                body=text,
                author=actor,
                created_at=now,
                updated_at=now,
                on_pull=self.is_pull(number),
            )
            self.comments[comment.id] = comment
            return comment

    def get_comment(self, comment_id: int) -> Comment:
        with self.lock:
            if comment_id not in self.comments:
                raise not_found()
            return self.comments[comment_id]

    def update_comment(self, comment_id: int, *, body: str | None) -> Comment:
        text = required_body(body)
        with self.lock:
            comment = replace(self.get_comment(comment_id), body=text, updated_at=self.clock())
            self.comments[comment_id] = comment
            return comment

    # --- labels ------------------------------------------------------------------------------

    def list_labels(self) -> list[Label]:
        with self.lock:
            return sorted(self.labels.values(), key=lambda label: label.name.lower())

    def create_label(
        self, *, name: str | None, color: str | None, description: str | None
    ) -> Label:
        if not name:
            raise validation_failed("Label", "missing_field", field="name")
        with self.lock:
            if name.lower() in self.labels:
                raise validation_failed("Label", "already_exists", field="name")
            return self._new_label(name, color=color, description=description)

    def _new_label(self, name: str, *, color: str | None, description: str | None) -> Label:
        label = Label(
            id=self.new_id(),
            name=name,
            color=(color or DEFAULT_LABEL_COLOR).lstrip("#"),
            description=description,
        )
        self.labels[name.lower()] = label
        return label

    def add_labels(self, number: int, names: Iterable[str]) -> list[Label]:
        """Add labels to an issue or pull request, creating unknown ones as GitHub does; all
        the labels it now has."""
        with self.lock:
            self.require(number)
            self._attach(number, tuple(names), create=True)
            return list(self.labels_on(number))

    def labels_on(self, number: int) -> tuple[Label, ...]:
        with self.lock:
            return tuple(self.labels[name.lower()] for name in self.attached.get(number, ()))

    def issue_labels(self, number: int) -> list[Label]:
        with self.lock:
            self.require(number)
            return list(self.labels_on(number))

    def _attach(self, number: int, names: tuple[str, ...], *, create: bool) -> None:
        current = list(self.attached.get(number, ()))
        for name in names:
            label = self.labels.get(name.lower())
            if label is None and not create:
                continue
            label = label or self._new_label(name, color=None, description=None)
            if label.name not in current:
                current.append(label.name)
        self.attached[number] = tuple(current)
