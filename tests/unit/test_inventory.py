"""The inventory snapshot: canonical on construction, round trip, digest, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.core.errors import BadInput
from controller.core.snapshot import (
    Account,
    dump_inventory,
    inventory_digest,
    parse_inventory,
    seat_counts,
)
from tests.factories import account, inventory

EXAMPLE = Path(__file__).parents[2] / "policies" / "examples" / "inventory.json"


def test_example_snapshot_is_canonical() -> None:
    data = EXAMPLE.read_bytes()
    assert dump_inventory(parse_inventory(data, source="example")) == data


def test_order_of_lists_does_not_change_the_digest() -> None:
    a = account("a", idle=3, groups=("g-jsw", "g-staff"), elsewhere=[("acme", "confluence", 1)])
    b = account("b", idle=5)
    reordered = Account.model_validate(
        {**a.model_dump(), "groups": ("g-staff", "g-jsw"), "activity": tuple(reversed(a.activity))}
    )
    first = inventory(a, b)
    second = inventory(b, reordered)
    assert inventory_digest(first) == inventory_digest(second)


def test_round_trip() -> None:
    snapshot = inventory(account("a", idle=3), account("b", idle=None, email=None))
    assert parse_inventory(dump_inventory(snapshot), source="x") == snapshot


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        pytest.param(b"{}", "taken_at: Field required", id="empty-object"),
        pytest.param(b"not json", "not a valid inventory snapshot", id="not-json"),
        pytest.param(
            b'{"version": 2, "taken_at": "2026-01-01T00:00:00Z", "org_id": "o"}',
            "version",
            id="version",
        ),
    ],
)
def test_bad_snapshot_is_bad_input(data: bytes, fragment: str) -> None:
    with pytest.raises(BadInput) as error:
        parse_inventory(data, source="snap.json")
    assert fragment in error.value.message
    assert "accessctl inventory --out" in error.value.message


def test_seat_counts_ignore_suspended_apps_and_customers() -> None:
    snapshot = inventory(
        account("a", idle=1),
        account("b", idle=1, groups=("g-jsw", "g-testers")),
        account("c", idle=1, status="suspended"),
        account("d", idle=1, account_type="app"),
        account("e", idle=1, groups=("g-labs",)),
    )
    counts = seat_counts(snapshot)
    assert counts[("acme", "jira-software")] == 2
    assert counts[("labs", "jira-software")] == 1
