"""The GitHub simulator's issues: as GitHub keeps them, refuses what GitHub refuses, and fills
in an issue form from a link the way github.com's web page does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.integration.git_sandbox import REPOSITORY, TOKEN, Origin, push_branch

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]
REPO = f"/repos/{REPOSITORY}"
FORM = """\
name: Request access
description: Ask for a seat back
title: "Access request"
labels: [access-request, not-a-label-here]
body:
  - type: markdown
    attributes:
      value: Tell us what you need.
  - type: input
    id: account
    attributes:
      label: Account
  - type: input
    id: product
    attributes:
      label: Product
      value: jira-software
  - type: textarea
    id: reason
    attributes:
      label: Reason
"""


@pytest.fixture
def origin(bare_origin: Callable[..., Origin]) -> Origin:
    return bare_origin(
        files={".github/ISSUE_TEMPLATE/request-access.yml": FORM, "README.md": "hi\n"},
    )


@pytest.fixture
def base_url(origin: Origin, github_sim: Callable[..., str]) -> str:
    return github_sim(origin)


def client(base_url: str, token: str = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    return httpx.Client(base_url=base_url, headers=headers, timeout=10)


@pytest.fixture
def bot(base_url: str) -> Iterator[httpx.Client]:
    with client(base_url) as api:
        yield api


def person(base_url: str, login: str, **options: object) -> httpx.Client:
    """A person with a login who reads the repository, and a client with their token."""
    made = httpx.post(f"{base_url}/__sim/people", json={"login": login, **options}, timeout=10)
    assert made.status_code == 201, made.text
    return client(base_url, made.json()["token"])


def test_labels_a_reader_asks_for_are_dropped_and_a_writers_kept(
    base_url: str, bot: httpx.Client
) -> None:
    with person(base_url, "dana") as dana:
        asked = dana.post(f"{REPO}/issues", json={"title": "Seat", "labels": ["urgent"]})
    told = bot.post(f"{REPO}/issues", json={"title": "Seat", "labels": ["urgent"]})

    assert asked.status_code == told.status_code == 201
    assert asked.json()["labels"] == []
    assert asked.json()["user"]["login"] == "dana"
    assert asked.json()["author_association"] == "MEMBER"
    assert [label["name"] for label in told.json()["labels"]] == ["urgent"]


def test_issues_and_pull_requests_share_one_sequence_of_numbers(
    bot: httpx.Client, origin: Origin
) -> None:
    first = bot.post(f"{REPO}/issues", json={"title": "One"}).json()["number"]
    push_branch(origin.clone("work"), "feature", files={"a.txt": "a\n"})
    pull = bot.post(f"{REPO}/pulls", json={"title": "Two", "head": "feature", "base": "main"})
    second = bot.post(f"{REPO}/issues", json={"title": "Three"}).json()["number"]

    assert (first, pull.json()["number"], second) == (1, 2, 3)
    as_issue = bot.get(f"{REPO}/issues/2").json()
    assert as_issue["pull_request"]["url"].endswith("/pulls/2")
    listed = bot.get(f"{REPO}/issues", params={"state": "all"}).json()
    assert [item["number"] for item in listed] == [3, 2, 1]


def test_list_filters_by_state_labels_and_creator(base_url: str, bot: httpx.Client) -> None:
    with person(base_url, "dana") as dana:
        mine = dana.post(f"{REPO}/issues", json={"title": "Mine"}).json()["number"]
    labelled = bot.post(f"{REPO}/issues", json={"title": "L", "labels": ["a", "b"]}).json()
    bot.patch(f"{REPO}/issues/{labelled['number']}", json={"state": "closed"})

    def numbers(**params: str) -> list[int]:
        return [item["number"] for item in bot.get(f"{REPO}/issues", params=params).json()]

    assert numbers() == [mine]
    assert numbers(state="closed", labels="a,b") == [labelled["number"]]
    assert numbers(state="all", labels="a,c") == []
    assert numbers(state="all", creator="dana") == [mine]


def test_closing_records_who_and_why_and_reopening_says_reopened(
    base_url: str, bot: httpx.Client
) -> None:
    number = bot.post(f"{REPO}/issues", json={"title": "Seat"}).json()["number"]
    closed = bot.patch(
        f"{REPO}/issues/{number}", json={"state": "closed", "state_reason": "not_planned"}
    ).json()
    reopened = bot.patch(f"{REPO}/issues/{number}", json={"state": "open"}).json()
    done = bot.patch(f"{REPO}/issues/{number}", json={"state": "closed"}).json()

    assert (closed["state"], closed["state_reason"]) == ("closed", "not_planned")
    assert closed["closed_by"]["login"] == "github-actions[bot]"
    assert closed["closed_at"] is not None
    assert (reopened["state"], reopened["state_reason"], reopened["closed_at"]) == (
        "open",
        "reopened",
        None,
    )
    assert done["state_reason"] == "completed"


def test_only_the_author_or_a_writer_may_edit_an_issue(base_url: str, bot: httpx.Client) -> None:
    number = bot.post(f"{REPO}/issues", json={"title": "Not yours"}).json()["number"]
    with person(base_url, "dana") as dana:
        refused = dana.patch(f"{REPO}/issues/{number}", json={"state": "closed"})
        own = dana.post(f"{REPO}/issues", json={"title": "Mine"}).json()["number"]
        closed_own = dana.patch(f"{REPO}/issues/{own}", json={"state": "closed"})

    assert refused.status_code == 403
    assert closed_own.json()["state"] == "closed"


def test_comments_on_an_issue_link_to_the_issue(bot: httpx.Client) -> None:
    number = bot.post(f"{REPO}/issues", json={"title": "Seat"}).json()["number"]
    comment = bot.post(f"{REPO}/issues/{number}/comments", json={"body": "On it"}).json()

    assert f"/issues/{number}#issuecomment-" in comment["html_url"]
    assert bot.get(f"{REPO}/issues/{number}").json()["comments"] == 1


def form_link(base_url: str, **query: str) -> str:
    return str(
        httpx.URL(
            f"{base_url}/{REPOSITORY}/issues/new", params={"template": "request-access.yml"}
        ).copy_merge_params(query)
    )


def submit(base_url: str, token: str, *, url: str, answers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{base_url}/__sim/issue-forms",
        json={"url": url, "answers": answers},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_a_link_prefills_the_form_and_submit_renders_githubs_sections(
    base_url: str, bot: httpx.Client
) -> None:
    bot.post(f"{REPO}/labels", json={"name": "access-request"})
    token = httpx.post(f"{base_url}/__sim/people", json={"login": "dana"}).json()["token"]
    link = form_link(base_url, account="dana@acme.example", title="Seat back, please")

    made = submit(base_url, token, url=link, answers={"reason": "Back from leave"})

    assert made.status_code == 201
    issue = made.json()
    assert issue["title"] == "Seat back, please"
    assert issue["user"]["login"] == "dana"
    assert [label["name"] for label in issue["labels"]] == ["access-request"]
    assert issue["body"] == (
        "### Account\n\ndana@acme.example\n\n"
        "### Product\n\njira-software\n\n"
        "### Reason\n\nBack from leave"
    )


def test_an_empty_answer_reads_no_response(base_url: str) -> None:
    token = httpx.post(f"{base_url}/__sim/people", json={"login": "dana"}).json()["token"]

    issue = submit(base_url, token, url=form_link(base_url), answers={"product": ""}).json()

    assert "### Account\n\n_No response_" in issue["body"]
    assert "### Product\n\n_No response_" in issue["body"]
    assert issue["title"] == "Access request"


@pytest.mark.parametrize(
    "url",
    [
        "http://elsewhere.example/acme/other/issues/new?template=request-access.yml",
        "{base}/acme/access/issues/new?template=missing.yml",
        "{base}/acme/access/issues/new?template=../README.md",
        "{base}/acme/access/issues/new",
    ],
    ids=["other-repository", "unknown-form", "path-in-name", "no-template"],
)
def test_a_link_to_no_form_is_not_found(base_url: str, url: str) -> None:
    token = httpx.post(f"{base_url}/__sim/people", json={"login": "dana"}).json()["token"]

    made = submit(base_url, token, url=url.format(base=base_url), answers={})

    assert made.status_code == 404


def test_people_have_logins_github_allows(base_url: str) -> None:
    refused = httpx.post(f"{base_url}/__sim/people", json={"login": "-dana"}, timeout=10)
    assert refused.status_code == 422


def test_commit_pulls_name_the_pull_request_a_merge_commit_merged(
    bot: httpx.Client, origin: Origin, base_url: str
) -> None:
    from controller.sim.github import ADMIN_TOKEN

    push_branch(origin.clone("work"), "feature", files={"a.txt": "a\n"})
    number = bot.post(
        f"{REPO}/pulls", json={"title": "Plan", "head": "feature", "base": "main"}
    ).json()["number"]
    with client(base_url, ADMIN_TOKEN) as admin:
        sha = admin.put(f"{REPO}/pulls/{number}/merge", json={}).json()["sha"]

    found = bot.get(f"{REPO}/commits/{sha}/pulls").json()
    unknown = bot.get(f"{REPO}/commits/{'1' * 40}/pulls")

    assert [pull["number"] for pull in found] == [number]
    assert found[0]["merge_commit_sha"] == sha
    assert unknown.status_code == 422
