"""AtlassianDirectory: one write per change, to the real directory, reporting what happened."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from controller.adapters.atlassian import AtlassianDirectory
from controller.adapters.http_boundary.errors import Forbidden, Rejected
from controller.core.errors import BadInput, ExitCode
from controller.core.policy.models import Organization
from tests.unit.atlassian_fakes import make_client

DIRECTORY = "d-0001"


def organization(**fields: Any) -> Organization:
    return Organization.model_validate(
        {
            "version": 1,
            "kind": "Organization",
            "org_id": "org-1",
            "sites": [{"name": "acme", "url": "https://acme.atlassian.net", "cloud_id": "c1"}],
            **fields,
        }
    )


ORG = organization()


class OneMember:
    """An account and one group, in one directory; a write's answer may be lost on the way."""

    def __init__(
        self,
        *,
        member: bool,
        lose_first_answer: bool = False,
        directories: tuple[str, ...] = (DIRECTORY,),
        refusal: httpx.Response | None = None,
    ) -> None:
        self.member = member
        self.lose_first_answer = lose_first_answer
        self.directories = directories
        self.refusal = refusal
        self.writes: list[str] = []
        self.searches = 0
        self.listings = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/admin/v2/orgs/org-1/directories":
            self.listings += 1
            data = [{"directoryId": d, "name": f"Directory {d}"} for d in self.directories]
            return httpx.Response(200, json={"data": data, "links": {"next": None}})
        if path.endswith("/users/search"):
            return self.search(request)
        self.writes.append(path)
        return self.write(request)

    def search(self, request: httpx.Request) -> httpx.Response:
        self.searches += 1
        assert json.loads(request.content)["accountIds"] == ["a1"]
        groups = [{"id": "g1", "name": "jira-users"}] if self.member else []
        user = {"accountId": "a1", "status": "active", "groups": groups}
        return httpx.Response(200, json={"data": [user], "links": {"next": None}})

    def write(self, request: httpx.Request) -> httpx.Response:
        if self.refusal is not None:
            return self.refusal
        wanted = request.method == "POST"
        if self.member == wanted:
            code = "ADMIN-409-28" if wanted else "ADMIN-404-1"
            return httpx.Response(409 if wanted else 404, json={"errors": [{"code": code}]})
        self.member = wanted
        if self.lose_first_answer and len(self.writes) == 1:
            raise httpx.ReadTimeout("the answer was lost")
        return httpx.Response(200, json={"message": "changed"})


def remove(server: OneMember, org: Organization = ORG) -> tuple[str, str]:
    directory = AtlassianDirectory(make_client(server), org)
    result = directory.remove_from_group(account_id="a1", group_id="g1")
    return result.outcome, result.detail


def test_removing_a_member_is_one_write_to_the_real_directory() -> None:
    server = OneMember(member=True)
    assert remove(server) == ("done", "")
    assert server.writes == [
        f"/admin/v2/orgs/org-1/directories/{DIRECTORY}/groups/g1/memberships/a1"
    ]
    assert server.searches == 0  # apply has just read the account: no second read


def test_removing_a_non_member_is_already_once_atlassian_and_the_account_agree() -> None:
    server = OneMember(member=False)
    outcome, detail = remove(server)
    assert (outcome, len(server.writes), server.searches) == ("already", 1, 1)
    assert detail.startswith("not a member")


def test_a_retried_write_whose_first_answer_was_lost_ends_as_wanted() -> None:
    server = OneMember(member=True, lose_first_answer=True)
    outcome, _ = remove(server)
    assert outcome == "already"  # the retry was refused as already done; the account confirms
    assert not server.member
    assert len(server.writes) == 2


@pytest.mark.parametrize(
    ("refusal", "error", "reason"),
    [
        (
            httpx.Response(
                409, json={"errors": [{"detail": "would exceed the 10 licensed seats"}]}
            ),
            Rejected,
            "10 licensed seats",
        ),
        (
            httpx.Response(
                403, json={"errors": [{"detail": "group 'sso' is synced from your IdP"}]}
            ),
            Forbidden,
            "synced from your IdP",
        ),
    ],
    ids=["user-limit", "idp-synced"],
)
def test_a_refused_add_that_did_not_happen_fails_with_atlassians_reason(
    refusal: httpx.Response, error: type[Exception], reason: str
) -> None:
    server = OneMember(member=False, refusal=refusal)
    directory = AtlassianDirectory(make_client(server), ORG)
    with pytest.raises(error, match=reason):
        directory.add_to_group(account_id="a1", group_id="g1")


def test_auto_looks_the_directory_up_once_per_run() -> None:
    server = OneMember(member=True)
    directory = AtlassianDirectory(make_client(server), ORG)
    directory.remove_from_group(account_id="a1", group_id="g1")
    directory.add_to_group(account_id="a1", group_id="g1")
    assert server.listings == 1
    assert all(f"/directories/{DIRECTORY}/" in path for path in server.writes)


def test_a_named_directory_is_used_without_a_lookup() -> None:
    server = OneMember(member=True, directories=())
    assert remove(server, organization(directory="d-named"))[0] == "done"
    assert server.listings == 0
    assert "/directories/d-named/" in server.writes[0]


def test_auto_with_several_directories_refuses_and_lists_them() -> None:
    server = OneMember(member=True, directories=("d-0001", "d-0002"))
    with pytest.raises(BadInput) as raised:
        remove(server)
    assert "2 directories" in raised.value.message
    assert "d-0001 (Directory d-0001), d-0002 (Directory d-0002)" in raised.value.message
    assert "`directory: <id>`" in raised.value.message
    assert raised.value.exit_code == ExitCode.BAD_INPUT
    assert server.writes == []
