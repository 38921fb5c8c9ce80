"""What accessctl does with a request: refuse it, restore at once, or send it for review."""

from __future__ import annotations

from datetime import timedelta

import pytest

from controller.core.access_request import (
    Asked,
    Refused,
    Requester,
    RequestForm,
    Restore,
    Review,
    route_request,
)
from controller.core.ledger import Ledger, RemovalRecord
from controller.core.plan.model import GroupRef, RequestRef
from controller.core.policy.models import GitHubIdentities
from controller.core.policy.policy_set import PolicySet
from tests.factories import NOW, account, inactivity, inventory, policy_set, restore_policy

ISSUE = RequestRef(issue=7, url="https://github.example/acme/access/issues/7", author="dana-k")
REMOVED = RemovalRecord(
    account_id="u1",
    email="u1@acme.example",
    site="acme",
    product="jira-software",
    policy="jsw-60",
    groups=(GroupRef(id="g-jsw", name="jira-software-users-acme"),),
    removed_at=NOW - timedelta(days=3),
    plan_id="plan-20261120-060000-0a1b2c3d",
)
PEOPLE = GitHubIdentities.model_validate(
    {
        "version": 1,
        "kind": "GitHubIdentities",
        "name": "people",
        "identities": [
            {"github": "Dana-K", "account": "U1@acme.example"},
            {"github": "lee", "account": "u2@acme.example"},
        ],
    }
)


def policies() -> PolicySet:
    chosen = policy_set(
        inactivity(),
        restore=[restore_policy(active_within_days=None, on_request="restore", within_days=30)],
    )
    return chosen.model_copy(update={"identities": (PEOPLE,)})


def asked(*, login: str = "dana-k", association: str = "NONE", **form: str | None) -> Asked:
    answers: dict[str, str | None] = {
        "account": "u1@acme.example",
        "site": "acme",
        "product": "jira-software",
        "reason": "back",
        **form,
    }
    return Asked(
        form=RequestForm(**answers),  # type: ignore[arg-type]
        requester=Requester(login=login, association=association),
        issue=ISSUE,
        policies=policies(),
        inventory=inventory(account("u1", groups=("g-staff",)), account("u2", idle=1)),
        ledger=Ledger(removals=(REMOVED,)),
    )


def test_the_owner_gets_it_restored_under_the_policy() -> None:
    route = route_request(asked(), now=NOW)
    assert isinstance(route, Restore)
    assert route.policy == "returning"
    assert route.request.seat == ("u1", "acme", "jira-software")
    assert route.request.request == ISSUE


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"site": None}, "say which site in the Site field: one of acme, labs"),
        ({"site": "elsewhere"}, "there is no site elsewhere in the organization"),
        ({"account": "x@acme.example"}, "there is no account x@acme.example"),
        ({"product": "confluence", "site": "labs"}, "no group grants confluence on labs"),
        ({"login": "stranger"}, "@stranger is not listed in the GitHubIdentities map, and only"),
        ({"login": "lee"}, "lists @lee as u2@acme.example, not u1@acme.example, and only"),
    ],
    ids=["no-site", "unknown-site", "unknown-account", "unknown-product", "unmapped", "other"],
)
def test_refused(changes: dict[str, str | None], said: str) -> None:
    route = route_request(asked(**changes), now=NOW)
    assert isinstance(route, Refused)
    assert said in route.reason


@pytest.mark.parametrize("association", ["OWNER", "MEMBER", "COLLABORATOR"])
def test_someone_who_could_open_the_pull_request_gets_one(association: str) -> None:
    route = route_request(asked(login="lee", association=association), now=NOW)
    assert isinstance(route, Review)
    assert route.account.account_id == "u1"
    assert route.groups == REMOVED.groups  # the review gives back exactly what was taken
    assert "lists @lee as u2@acme.example" in route.why


def test_a_check_that_fails_sends_the_owner_for_review_saying_why() -> None:
    route = route_request(asked(), now=NOW + timedelta(days=40))
    assert isinstance(route, Review)
    assert "more than 30 days ago" in route.why
