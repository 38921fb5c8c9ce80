"""The inventory snapshot: canonical on construction, round trip, digest, integrity, errors."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from controller.core.errors import BadInput
from controller.core.snapshot import (
    Activity,
    Inventory,
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
    reordered = replace(a, groups=("g-staff", "g-jsw"), activity=tuple(reversed(a.activity)))
    first = inventory(a, b)
    second = inventory(b, reordered)
    assert inventory_digest(first) == inventory_digest(second)


def test_round_trip() -> None:
    snapshot = inventory(account("a", idle=3), account("b", idle=None, email=None))
    assert parse_inventory(dump_inventory(snapshot), source="x") == snapshot


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        pytest.param(b"{}", '(top): expected `"version": 2`', id="empty-object"),
        pytest.param(
            b'{"version": 2, "org_id": "o"}', "taken_at: Field required", id="no-taken-at"
        ),
        pytest.param(b"not json", "not a valid inventory snapshot", id="not-json"),
        pytest.param(
            b'{"version": 3, "taken_at": "2026-01-01T00:00:00Z", "org_id": "o"}',
            '(top): expected `"version": 2` (version 1 is read too)',
            id="version",
        ),
        pytest.param(
            b'{"version": 2, "taken_at": "2026-01-01T00:00:00Z", "org_id": "o", "x": 1}',
            "x: Extra inputs are not permitted",
            id="unknown-key",
        ),
    ],
)
def test_bad_snapshot_is_bad_input(data: bytes, fragment: str) -> None:
    with pytest.raises(BadInput) as error:
        parse_inventory(data, source="snap.json")
    assert fragment in error.value.message
    assert "accessctl inventory --out" in error.value.message


def example_data() -> dict[str, Any]:
    return dict(json.loads(EXAMPLE.read_bytes()))


def changed(**top: Any) -> bytes:
    return json.dumps({**example_data(), **top}).encode()


def with_accounts(transform: Any) -> bytes:
    data = example_data()
    data["accounts"] = transform(data["accounts"])
    return json.dumps(data).encode()


def with_groups(transform: Any) -> bytes:
    data = example_data()
    data["groups"] = transform(data["groups"])
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        pytest.param(
            with_accounts(lambda a: [*a, a[3]]),
            "accounts: account '557058:",
            id="duplicate-account",
        ),
        pytest.param(with_groups(lambda g: [*g, g[0]]), "is listed twice", id="duplicate-group"),
        pytest.param(
            with_accounts(lambda a: [{**a[0], "groups": ["no-such-group"]}, *a[1:]]),
            "is in group 'no-such-group', which the snapshot's `groups` do not list",
            id="account-in-unknown-group",
        ),
        pytest.param(
            with_groups(
                lambda g: [{**g[0], "grants": [{"site": "elsewhere", "product": "p"}]}, *g[1:]]
            ),
            "grants on site 'elsewhere', which the snapshot's `sites` do not list",
            id="group-on-unknown-site",
        ),
        pytest.param(
            changed(taken_at="2026-11-23T06:00:00+02:00"),
            "taken_at: Timezone offset of 0 required",
            id="instant-not-in-utc",
        ),
        pytest.param(
            with_accounts(
                lambda a: [{**a[0], "activity": [*a[0]["activity"], *a[0]["activity"]]}, *a[1:]]
            ),
            "has two activity entries for",
            id="activity-twice",
        ),
    ],
)
def test_a_snapshot_that_contradicts_itself_is_refused(data: bytes, fragment: str) -> None:
    with pytest.raises(BadInput) as error:
        parse_inventory(data, source="snap.json")
    assert error.value.message.startswith("snap.json: not a valid inventory snapshot (")
    assert fragment in error.value.message


def test_a_snapshot_out_of_order_is_read_in_canonical_order() -> None:
    canonical = parse_inventory(EXAMPLE.read_bytes(), source="example")
    shuffled = example_data()
    shuffled["accounts"] = [
        {**a, "groups": a["groups"][::-1], "activity": a["activity"][::-1]}
        for a in reversed(shuffled["accounts"])
    ]
    shuffled["groups"].reverse()
    assert parse_inventory(json.dumps(shuffled).encode(), source="x") == canonical


def test_a_byte_order_mark_is_accepted_and_counted_in_the_digest() -> None:
    data = b"\xef\xbb\xbf" + EXAMPLE.read_bytes()
    snapshot = parse_inventory(data, source="bom.json")
    assert snapshot == parse_inventory(EXAMPLE.read_bytes(), source="example")
    assert inventory_digest(snapshot) == "sha256:" + hashlib.sha256(data).hexdigest()


def test_the_digest_is_the_sha256_of_the_file_a_plan_was_made_from() -> None:
    data = EXAMPLE.read_bytes()
    read = parse_inventory(data, source="example")
    assert inventory_digest(read) == "sha256:" + hashlib.sha256(data).hexdigest()
    fewer = read.model_copy(update={"accounts": read.accounts[:2]})
    assert inventory_digest(fewer) == inventory_digest(Inventory.model_validate(fewer.model_dump()))
    assert inventory_digest(fewer) != inventory_digest(read)


def test_instants_built_in_python_are_utc_seconds() -> None:
    naive = datetime(2026, 1, 2, 3, 4, 5, 678)
    elsewhere = datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    snapshot = inventory(
        replace(
            account("a"),
            added_to_org=naive,
            activity=(Activity(site="acme", product="jira-software", last_active=elsewhere),),
        )
    )
    (built,) = snapshot.accounts
    assert built.added_to_org == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert built.last_active("acme", "jira-software") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_fractions_of_a_second_in_a_file_are_dropped() -> None:
    data = example_data()
    first = data["accounts"][0]
    first["added_to_org"] = first["added_to_org"].replace("Z", ".75Z")
    for entry in first["activity"]:
        entry["last_active"] = entry["last_active"].replace("Z", ".5+00:00")
    read = parse_inventory(json.dumps(data).encode(), source="x")
    assert read == parse_inventory(EXAMPLE.read_bytes(), source="example")


def test_the_file_has_one_line_per_record() -> None:
    lines = EXAMPLE.read_text().splitlines()
    accounts = [line for line in lines if line.startswith('    {"account_id"')]
    assert len(accounts) == len(parse_inventory(EXAMPLE.read_bytes(), source="x").accounts)


V1 = Path(__file__).parents[1] / "snapshots" / "inventory-v1.json"


def test_a_version_1_snapshot_is_read_as_version_2() -> None:
    old = parse_inventory(V1.read_bytes(), source="v1.json")
    assert old == parse_inventory(EXAMPLE.read_bytes(), source="example")
    assert old.version == 2
    assert inventory_digest(old) == "sha256:" + hashlib.sha256(V1.read_bytes()).hexdigest()
    sso = next(g for g in old.groups if g.name == "engineering-sso")
    assert sso.seats == (("acme", "confluence"), ("acme", "jira-software"))


def test_a_version_1_snapshot_is_checked_as_strictly() -> None:
    data = json.loads(V1.read_bytes())
    data["groups"][0]["site"] = "elsewhere"
    with pytest.raises(BadInput) as error:
        parse_inventory(json.dumps(data).encode(), source="v1.json")
    assert "grants on site 'elsewhere'" in error.value.message


def test_a_group_may_grant_several_products_on_several_sites() -> None:
    data = example_data()
    data["groups"][0]["grants"] = [
        {"site": "acme-labs", "product": "jira-software"},
        {"site": "acme", "product": "jira-software"},
        {"site": "acme", "product": "confluence"},
    ]
    snapshot = parse_inventory(json.dumps(data).encode(), source="x")
    group = next(g for g in snapshot.groups if g.id == data["groups"][0]["id"])
    assert group.seats == (
        ("acme", "confluence"),
        ("acme", "jira-software"),
        ("acme-labs", "jira-software"),
    )
    assert group in snapshot.granting_groups("acme-labs", "jira-software")


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
