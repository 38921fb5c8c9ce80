"""The `Directory` port's contract, held by the in-memory fake and the Atlassian adapter alike.

The same cases run against `tests.fakes.FakeDirectory` (what the unit tests of apply use) and
against `AtlassianDirectory` talking to the simulator over HTTP, both holding the example
organization: a fake that answers otherwise than the adapter makes a green unit test a lie.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from controller.adapters.atlassian import AtlassianClient, AtlassianDirectory, Credentials
from controller.core.directory_port import Directory
from controller.core.errors import AccessctlError
from controller.core.policy import load_policies
from controller.core.snapshot import Inventory, parse_inventory
from tests.fakes import FakeDirectory
from tests.integration.sim_atlassian_support import ServeAtlassian

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
BOB = "557058:00000002-0000-4000-8000-000000000002"  # active, in jira-software-users and staff
OLIVIA = "557058:00000013-0000-4000-8000-000000000013"  # suspended
UNKNOWN = "557058:0000ffff-0000-4000-8000-00000000ffff"
JSW = "7d1e0a52-jsw-acme"
RELEASE = "7d1e0a5a-release"  # grants no product: adding to it takes no seat
REFUSED = "refused: unknown account"


def organization() -> Inventory:
    return parse_inventory(
        (ROOT / "policies/examples/inventory.json").read_bytes(), source="example"
    )


@pytest.fixture(params=["fake", "simulator"])
def directory(request: pytest.FixtureRequest, atlassian_sim: ServeAtlassian) -> Iterator[Directory]:
    if request.param == "fake":
        yield FakeDirectory(organization())
        return
    sim = atlassian_sim(organization())
    policies = load_policies([ROOT / "policies"], today=NOW.date()).policies
    with AtlassianClient(Credentials.from_environ(sim.environ())) as client:
        yield AtlassianDirectory(client, policies.organization, clock=lambda: NOW)


@dataclass(frozen=True)
class Step:
    operation: str  # remove, add, suspend, restore
    account_id: str
    group_id: str = ""

    def run(self, directory: Directory) -> str:
        """The outcome, or REFUSED when the change is refused (an `AccessctlError`, which apply
        records as a failure) because the directory does not know the account."""
        account, group = self.account_id, self.group_id
        try:
            if self.operation == "remove":
                return directory.remove_from_group(account_id=account, group_id=group).outcome
            if self.operation == "add":
                return directory.add_to_group(account_id=account, group_id=group).outcome
            if self.operation == "suspend":
                return directory.suspend(account_id=account).outcome
            return directory.restore(account_id=account).outcome
        except AccessctlError as error:
            unknown = "is not in the organization's directory" in error.message
            return REFUSED if unknown else error.message


def steps(*given: tuple[str, str, str, str]) -> list[tuple[Step, str]]:
    return [
        (Step(operation, account, group), outcome) for operation, account, group, outcome in given
    ]


CASES = [
    pytest.param(steps(("remove", UNKNOWN, JSW, "already")), None, id="remove-an-unknown-account"),
    pytest.param(steps(("add", UNKNOWN, RELEASE, REFUSED)), None, id="add-an-unknown-account"),
    pytest.param(steps(("suspend", UNKNOWN, "", REFUSED)), None, id="suspend-an-unknown-account"),
    pytest.param(steps(("restore", UNKNOWN, "", REFUSED)), None, id="restore-an-unknown-account"),
    pytest.param(
        steps(("add", BOB, JSW, "already")), ("active", {JSW}), id="add-someone-already-member"
    ),
    pytest.param(
        steps(("remove", BOB, RELEASE, "already")), ("active", {JSW}), id="remove-a-non-member"
    ),
    pytest.param(
        steps(("add", BOB, RELEASE, "done"), ("add", BOB, RELEASE, "already")),
        ("active", {JSW, RELEASE}),
        id="add-and-again",
    ),
    pytest.param(
        steps(("remove", BOB, JSW, "done"), ("remove", BOB, JSW, "already")),
        ("active", set()),
        id="remove-and-again",
    ),
    pytest.param(
        steps(("suspend", BOB, "", "done"), ("suspend", BOB, "", "already")),
        ("suspended", {JSW}),
        id="suspend-and-again",
    ),
    pytest.param(
        steps(("restore", BOB, "", "already")), ("active", {JSW}), id="restore-an-active-account"
    ),
    pytest.param(
        steps(("restore", OLIVIA, "", "done"), ("restore", OLIVIA, "", "already")),
        None,
        id="restore-and-again",
    ),
]


@pytest.mark.parametrize(("script", "bob_after"), CASES)
def test_the_directory_contract(
    directory: Directory,
    script: list[tuple[Step, str]],
    bob_after: tuple[str, set[str]] | None,
) -> None:
    assert [(step, step.run(directory)) for step, _ in script] == script
    if bob_after is not None:
        [bob] = directory.fetch_accounts([BOB]).accounts
        assert (bob.status, set(bob.groups) & {JSW, RELEASE}) == bob_after


def test_fetching_an_unknown_account_leaves_it_out(directory: Directory) -> None:
    fetched = directory.fetch_accounts([BOB, UNKNOWN])
    assert [a.account_id for a in fetched.accounts] == [BOB]


def active_in(groups: set[str]) -> int:
    return sum(
        1
        for a in organization().accounts
        if a.status == "active" and not groups.isdisjoint(a.groups)
    )


@pytest.mark.parametrize(
    "groups",
    [
        pytest.param({JSW}, id="one-group"),
        pytest.param({JSW, RELEASE}, id="either-of-two"),
        pytest.param(set(), id="none"),
    ],
)
def test_active_members_are_counted_as_they_are_now(directory: Directory, groups: set[str]) -> None:
    assert directory.count_active_members(sorted(groups)) == active_in(groups)
    if groups:
        directory.suspend(account_id=BOB)  # suspended: holds no seat, is not counted
        assert directory.count_active_members(sorted(groups)) == active_in(groups) - 1
