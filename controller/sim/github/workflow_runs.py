"""Workflow runs in the GitHub simulator: which events start the repository's workflows, and the
checks their jobs report.

Sits beside the repository core (repo_state.py), which hands it each event it causes (a push, a
pull request opened, synchronized or reopened), and under the protection rules
(repo_settings.py), which count the checks of a commit with its commit statuses. GitHub's
rule, which decides whether a plan pull request can ever meet required checks: events made
with the repository's `GITHUB_TOKEN` start no workflow run (except `workflow_dispatch` and
`repository_dispatch`, which the simulator does not serve), while events made with a GitHub
App installation token or a person's token start the workflows whose `on:` matches.

What is modelled: the `push` and `pull_request` triggers, in their three YAML forms, with
`branches`/`branches-ignore`, `paths`/`paths-ignore` (GitHub's filter patterns: `*`, `**`, `?`,
`+`, `[]`, `!`) and `types` (default opened, synchronize, reopened, the three the simulator
causes). Each job of a started run reports one check named as GitHub names it, the
job's `name:` or else its id, which is the context a required status check names. Checks stay
pending until completed through the simulator's own `/__sim/workflow-runs/complete`.
Not modelled: job `if:` conditions, matrix jobs (GitHub adds the matrix values to the name),
jobs that call a reusable workflow (`caller / called-job`), expressions in names, and other
events. Workflows are read from the commit the event is about (for a pull request its head,
where GitHub reads the merge of head and base).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from controller.sim.github.accounts import Actor

EventName = Literal["push", "pull_request"]
CONCLUSIONS = frozenset({"success", "failure", "cancelled", "skipped", "neutral", "timed_out"})
DEFAULT_PULL_TYPES = ("opened", "synchronize", "reopened")
WORKFLOWS_FOLDER = ".github/workflows"


@dataclass(frozen=True)
class RepositoryEvent:
    """Something that happened to the repository that may start workflows."""

    name: EventName
    actor: Actor
    branch: str  # push: the branch pushed; pull_request: the base branch
    sha: str  # the commit the runs check: the pushed commit, or the pull request's head
    paths: frozenset[str]  # the files the push or the pull request changes
    action: str | None = None  # pull_request: opened, synchronize, ...


@dataclass(frozen=True)
class Trigger:
    """One event of a workflow's `on:` with its filters (None: no such filter)."""

    branches: tuple[str, ...] | None = None
    branches_ignore: tuple[str, ...] | None = None
    paths: tuple[str, ...] | None = None
    paths_ignore: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    only_tags: bool = False  # push filtered on tags only: no branch push starts it


@dataclass(frozen=True)
class Workflow:
    path: str
    name: str
    triggers: Mapping[str, Trigger]
    checks: tuple[str, ...]  # one per job, named as GitHub names the job's check


@dataclass(frozen=True)
class WorkflowRun:
    id: int
    workflow: str
    path: str
    event: str
    actor: str
    branch: str  # the branch the filters saw: the one pushed, or the pull request's base
    head_sha: str
    checks: tuple[str, ...]
    status: Literal["in_progress", "completed"] = "in_progress"
    conclusion: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.workflow,
            "path": self.path,
            "event": self.event,
            "actor": self.actor,
            "branch": self.branch,
            "head_sha": self.head_sha,
            "checks": list(self.checks),
            "status": self.status,
            "conclusion": self.conclusion,
        }


def starts_workflows(actor: Actor) -> bool:
    """GitHub starts no workflow for events made with the repository's `GITHUB_TOKEN`."""
    return actor.via != "actions"


def parse_workflow(path: str, text: str) -> Workflow | None:
    """The workflow in `text`, or None when it is not a mapping with `on:` and `jobs:`
    (GitHub reports such a file as a failed run with no jobs: no check either way)."""
    try:
        document = YAML(typ="safe").load(text)
    except YAMLError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("jobs"), dict):
        return None
    # YAML 1.1 readers turn a bare `on` key into true; GitHub reads it as the name.
    on = document.get("on", document.get(True))
    name = document.get("name")
    return Workflow(
        path=path,
        name=name if isinstance(name, str) else path,
        triggers=_triggers(on),
        checks=tuple(_check_names(document["jobs"])),
    )


def _triggers(on: object) -> dict[str, Trigger]:
    if isinstance(on, str):
        return {on: Trigger()}
    if isinstance(on, list):
        return {str(event): Trigger() for event in on}
    if isinstance(on, dict):
        return {str(event): _trigger(spec) for event, spec in on.items()}
    return {}


def _trigger(spec: object) -> Trigger:
    if not isinstance(spec, dict):
        return Trigger()
    branches, ignored = _patterns(spec, "branches"), _patterns(spec, "branches-ignore")
    tags = _patterns(spec, "tags") or _patterns(spec, "tags-ignore")
    return Trigger(
        branches=branches,
        branches_ignore=ignored,
        paths=_patterns(spec, "paths"),
        paths_ignore=_patterns(spec, "paths-ignore"),
        types=_patterns(spec, "types"),
        only_tags=tags is not None and branches is None and ignored is None,
    )


def _patterns(spec: Mapping[Any, Any], key: str) -> tuple[str, ...] | None:
    value = spec.get(key)
    if value is None:
        return None
    return tuple(str(item) for item in (value if isinstance(value, list) else [value]))


def _check_names(jobs: Mapping[Any, Any]) -> Iterable[str]:
    for job_id, job in jobs.items():
        if isinstance(job, dict) and "uses" in job:
            continue  # a reusable workflow's jobs report as `caller / called-job`: not modelled
        name = job.get("name") if isinstance(job, dict) else None
        yield name if isinstance(name, str) else str(job_id)


def starts(workflow: Workflow, event: RepositoryEvent) -> bool:
    """Whether `event` starts `workflow` (its actor aside)."""
    trigger = workflow.triggers.get(event.name)
    if trigger is None or (event.name == "push" and trigger.only_tags):
        return False
    types = trigger.types or (DEFAULT_PULL_TYPES if event.name == "pull_request" else None)
    if types is not None and event.action not in types:
        return False
    return _branch_passes(trigger, event.branch) and _paths_pass(trigger, event.paths)


def _branch_passes(trigger: Trigger, branch: str) -> bool:
    if trigger.branches is not None:
        return filter_matches(trigger.branches, branch)
    if trigger.branches_ignore is not None:
        return not filter_matches(trigger.branches_ignore, branch)
    return True


def _paths_pass(trigger: Trigger, paths: frozenset[str]) -> bool:
    if trigger.paths is not None:
        patterns = trigger.paths
        return any(filter_matches(patterns, path) for path in paths)
    if trigger.paths_ignore is not None:
        ignored = trigger.paths_ignore
        return not all(filter_matches(ignored, path) for path in paths)
    return True


def filter_matches(patterns: tuple[str, ...], value: str) -> bool:
    """GitHub's filter patterns: the last pattern that matches decides, `!` excludes."""
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _pattern_regex(pattern.removeprefix("!")).fullmatch(value):
            matched = not negated
    return matched


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    # `**/` any folders or none, `**` anything, `*` anything but `/`; `?`, `+` and `[...]`
    # act on what precedes them as in a regular expression, as GitHub's cheat sheet says.
    tokens = re.split(r"(\*\*/|\*\*|\*|\?|\+|\[[^\]]*\])", pattern)
    special = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "?", "+": "+"}
    parts = [special.get(t, t if t.startswith("[") else re.escape(t)) for t in tokens if t]
    return re.compile("".join(parts))


@dataclass
class WorkflowRuns:
    """The runs the repository's events started, safe to share between request threads."""

    _runs: list[WorkflowRun] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, event: RepositoryEvent, workflows: Iterable[Workflow]) -> list[WorkflowRun]:
        """Start a run of each workflow `event` triggers, unless its actor starts none."""
        if not starts_workflows(event.actor):
            return []
        started = [w for w in workflows if starts(w, event)]
        with self._lock:
            runs = [self._run(workflow, event, number) for number, workflow in enumerate(started)]
            self._runs += runs
        return runs

    def _run(self, workflow: Workflow, event: RepositoryEvent, offset: int) -> WorkflowRun:
        return WorkflowRun(
            id=len(self._runs) + offset + 1,
            workflow=workflow.name,
            path=workflow.path,
            event=event.name,
            actor=event.actor.login,
            branch=event.branch,
            head_sha=event.sha,
            checks=workflow.checks,
        )

    def runs(self) -> list[WorkflowRun]:
        with self._lock:
            return list(self._runs)

    def complete(self, *, conclusion: str, sha: str | None = None) -> list[WorkflowRun]:
        """Finish every run in progress (at `sha`, if given) with `conclusion`."""
        with self._lock:
            done = [
                replace(run, status="completed", conclusion=conclusion)
                if run.status == "in_progress" and sha in {None, run.head_sha}
                else run
                for run in self._runs
            ]
            finished = [new for old, new in zip(self._runs, done, strict=True) if old != new]
            self._runs = done
        return finished

    def check_states(self, sha: str) -> dict[str, str]:
        """Each check the runs at `sha` report, as a status state (the latest run wins)."""
        with self._lock:
            runs = [run for run in self._runs if run.head_sha == sha]
        return {check: _state(run) for run in runs for check in run.checks}


def _state(run: WorkflowRun) -> str:
    if run.status != "completed":
        return "pending"
    return "success" if run.conclusion in {"success", "skipped", "neutral"} else "failure"
