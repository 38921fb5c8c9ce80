"""Which events start which workflows in the GitHub simulator (controller/sim/github/
workflow_runs.py): the token's kind, the `on:` forms and filters, and the checks the jobs give."""

from __future__ import annotations

import pytest

from controller.sim.github.accounts import ACTIONS_BOT, ADMIN, APP_BOT, Actor
from controller.sim.github.workflow_runs import (
    RepositoryEvent,
    WorkflowRuns,
    filter_matches,
    parse_workflow,
)

JOBS = "jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n"


def event(
    name: str = "pull_request",
    *,
    actor: Actor = APP_BOT,
    branch: str = "main",
    paths: tuple[str, ...] = ("state/plans/p.yaml",),
    action: str | None = "opened",
) -> RepositoryEvent:
    return RepositoryEvent(
        name,  # type: ignore[arg-type]
        actor=actor,
        branch=branch,
        sha="a" * 40,
        paths=frozenset(paths),
        action=action if name == "pull_request" else None,
    )


def started(on: str, happened: RepositoryEvent) -> bool:
    workflow = parse_workflow(".github/workflows/ci.yml", f"name: ci\non: {on}\n{JOBS}")
    assert workflow is not None
    return bool(WorkflowRuns().record(happened, [workflow]))


@pytest.mark.parametrize(
    ("actor", "starts"),
    [(ACTIONS_BOT, False), (APP_BOT, True), (ADMIN, True)],
    ids=["actions-token", "app-token", "person"],
)
@pytest.mark.parametrize("name", ["push", "pull_request"])
def test_only_events_not_made_with_the_actions_token_start_workflows(
    actor: Actor, starts: bool, name: str
) -> None:
    assert started("[push, pull_request]", event(name, actor=actor)) is starts


@pytest.mark.parametrize(
    ("on", "happened", "starts"),
    [
        ("pull_request", event(), True),
        ("[pull_request]", event(), True),
        ("{pull_request: {types: [labeled]}}", event(), False),
        ("pull_request", event(action="synchronize"), True),
        ("pull_request", event(action="closed"), False),
        ("{pull_request: {branches: [main]}}", event(branch="release"), False),
        ("{pull_request: {branches-ignore: ['release/**']}}", event(branch="release/1"), False),
        ("{pull_request: {paths: ['policies/**']}}", event(), False),
        ("{pull_request: {paths: ['policies/**']}}", event(paths=("policies/a/b.yaml",)), True),
        ("{pull_request: {paths: ['**/*.yaml', '!state/**']}}", event(), False),
        ("{pull_request: {paths-ignore: ['state/**']}}", event(), False),
        ("{pull_request: {paths-ignore: ['state/**']}}", event(paths=("README.md",)), True),
        ("push", event(), False),
        ("{push: {branches: [main]}}", event("push"), True),
        ("{push: {branches: ['accessctl/*']}}", event("push", branch="accessctl/plan"), True),
        ("{push: {branches: ['accessctl/*']}}", event("push", branch="accessctl/a/b"), False),
        ("{push: {tags: ['v*']}}", event("push"), False),
        ("{schedule: [{cron: '0 5 * * *'}], workflow_dispatch: null}", event("push"), False),
    ],
    ids=[
        "pull-request",
        "list",
        "types-exclude-opened",
        "synchronize",
        "closed-not-a-default-type",
        "other-base",
        "ignored-base",
        "paths-elsewhere",
        "paths-match",
        "negation-last-wins",
        "paths-all-ignored",
        "paths-not-ignored",
        "push-is-not-pull-request",
        "push-to-main",
        "star-within-a-folder",
        "star-not-across-folders",
        "tags-only-no-branch",
        "schedule-only",
    ],
)
def test_on_decides_which_events_start_the_workflow(
    on: str, happened: RepositoryEvent, starts: bool
) -> None:
    assert started(on, happened) is starts


@pytest.mark.parametrize(
    ("text", "checks"),
    [
        (f"on: push\n{JOBS}", ("test",)),
        ("on: push\njobs:\n  test:\n    name: Unit tests\n    runs-on: x\n", ("Unit tests",)),
        (
            "on: push\njobs:\n  a: {runs-on: x}\n  b: {uses: o/r/.github/workflows/w.yml@v1}\n",
            ("a",),
        ),
    ],
    ids=["job-id", "job-name", "reusable-workflow-not-modelled"],
)
def test_each_job_gives_a_check_named_as_github_names_it(
    text: str, checks: tuple[str, ...]
) -> None:
    workflow = parse_workflow("w.yml", text)

    assert workflow is not None
    assert workflow.checks == checks


@pytest.mark.parametrize("text", ["on: push\n", "[not, a, workflow]", "on: [push\n"])
def test_what_is_not_a_workflow_starts_nothing(text: str) -> None:
    assert parse_workflow("w.yml", text) is None


def test_checks_are_pending_until_the_run_completes() -> None:
    runs = WorkflowRuns()
    workflow = parse_workflow("w.yml", f"on: pull_request\n{JOBS}")
    assert workflow is not None
    runs.record(event(), [workflow])
    pending = runs.check_states("a" * 40)
    other = runs.complete(conclusion="failure", sha="b" * 40)
    done = runs.complete(conclusion="failure")

    assert pending == {"test": "pending"}
    assert other == []
    assert [run.conclusion for run in done] == ["failure"]
    assert runs.check_states("a" * 40) == {"test": "failure"}


@pytest.mark.parametrize(
    ("patterns", "value", "matches"),
    [
        (("**/README.md",), "README.md", True),
        (("**/README.md",), "docs/README.md", True),
        (("docs/*",), "docs/a/b.md", False),
        (("*.jsx?",), "a.js", True),  # `?`: the preceding character, zero or one time
        (("*.jsx?",), "a.jsx", True),
        (("*.jsx?",), "a.json", False),
        (("v[12].*",), "v2.x", True),
        (("a.b",), "axb", False),
    ],
)
def test_filter_patterns_follow_githubs_cheat_sheet(
    patterns: tuple[str, ...], value: str, matches: bool
) -> None:
    assert filter_matches(patterns, value) is matches
