"""AtlassianDirectory: idempotent operations that report what actually happened."""

from __future__ import annotations

import json

import httpx
import pytest

from controller.adapters.atlassian import AtlassianDirectory
from controller.adapters.http_boundary.errors import Rejected
from controller.core.policy.models import Organization
from tests.unit.atlassian_fakes import make_client

ORG = Organization.model_validate(
    {
        "version": 1,
        "kind": "Organization",
        "org_id": "org-1",
        "sites": [{"name": "acme", "url": "https://acme.atlassian.net", "cloud_id": "c1"}],
    }
)


class OneMember:
    """An account and one group; a DELETE can be applied and its answer lost on the way."""

    def __init__(self, *, member: bool, lose_first_answer: bool = False) -> None:
        self.member = member
        self.lose_first_answer = lose_first_answer
        self.writes = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/users/search"):
            assert json.loads(request.content)["accountIds"] == ["a1"]
            groups = [{"id": "g1", "name": "jira-users"}] if self.member else []
            user = {"accountId": "a1", "status": "active", "groups": groups}
            return httpx.Response(200, json={"data": [user], "links": {"next": None}})
        self.writes += 1
        if not self.member:
            return httpx.Response(404, json={"errors": [{"code": "ADMIN-404-1"}]})
        self.member = False
        if self.lose_first_answer and self.writes == 1:
            raise httpx.ReadTimeout("the answer was lost")
        return httpx.Response(200, json={"message": "removed"})


def remove(server: OneMember) -> tuple[str, str]:
    directory = AtlassianDirectory(make_client(server), ORG)
    result = directory.remove_from_group(account_id="a1", group_id="g1")
    return result.outcome, result.detail


def test_removing_a_member_is_done() -> None:
    server = OneMember(member=True)
    assert remove(server) == ("done", "")
    assert server.writes == 1


def test_removing_a_non_member_is_already_and_sends_no_write() -> None:
    server = OneMember(member=False)
    assert remove(server) == ("already", "not a member")
    assert server.writes == 0


def test_a_retried_write_whose_first_answer_was_lost_is_done() -> None:
    server = OneMember(member=True, lose_first_answer=True)
    outcome, detail = remove(server)
    assert outcome == "done"
    assert "reading the account again" in detail
    assert server.writes == 2


def test_a_refused_write_that_did_not_happen_is_an_error() -> None:
    def refusing(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/users/search"):
            user = {"accountId": "a1", "status": "active", "groups": []}
            return httpx.Response(200, json={"data": [user], "links": {"next": None}})
        return httpx.Response(409, json={"errors": [{"title": "seat limit reached"}]})

    directory = AtlassianDirectory(make_client(refusing), ORG)
    with pytest.raises(Rejected, match="seat limit"):
        directory.add_to_group(account_id="a1", group_id="g1")
