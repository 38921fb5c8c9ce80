"""Plan files: canonical bytes, round trip, schema, and the Markdown review text."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest

from controller.core.errors import BadInput
from controller.core.ledger import Ledger
from controller.core.plan import Plan, dump_plan_json, dump_plan_yaml, parse_plan, render_markdown
from controller.core.plan.review_body import GITHUB_BODY_LIMIT
from controller.core.reconcile import reconcile
from controller.core.schemas import generated_schemas
from tests.factories import NOW, account, inactivity, inventory, policy_set


def sample_plan(accounts: int = 3) -> Plan:
    people = [account(f"user-{n:05d}", idle=100 + n) for n in range(accounts)]
    people.append(account("admin-1", idle=300, platform_roles=("atlassian/site-admin",)))
    policies = policy_set(inactivity())
    return reconcile(policies, inventory(*people), ledger=Ledger(), now=NOW)


def test_yaml_is_byte_identical_for_identical_inputs() -> None:
    assert dump_plan_yaml(sample_plan()) == dump_plan_yaml(sample_plan())


@pytest.mark.parametrize("dump", [dump_plan_yaml, dump_plan_json], ids=["yaml", "json"])
def test_round_trip(dump: object) -> None:
    plan = sample_plan()
    data = dump(plan)  # type: ignore[operator]
    assert parse_plan(data, source="plan") == plan


def test_yaml_starts_with_the_header_then_id() -> None:
    lines = dump_plan_yaml(sample_plan()).decode().splitlines()
    assert lines[0].startswith("# accessctl plan")
    body = [line for line in lines if not line.startswith("#")]
    assert body[:3] == [
        "version: 1",
        f"id: {sample_plan().id}",
        "created_at: '2026-11-23T06:00:00Z'",
    ]


def test_json_validates_against_the_plan_schema() -> None:
    schema = generated_schemas()["plan.schema.json"]
    jsonschema.validate(json.loads(dump_plan_json(sample_plan())), schema)


def test_every_action_has_the_reviewed_fields() -> None:
    action = sample_plan().actions[0]
    fields = {f.name for f in dataclasses.fields(action)}
    assert {
        "key",
        "action",
        "account_id",
        "email",
        "site",
        "product",
        "policy",
        "groups",
        "reason",
    } <= fields


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        pytest.param(b"version: 1\n", "id: Field required", id="missing-fields"),
        pytest.param(b"[unclosed", "not a readable plan file", id="yaml-syntax"),
        pytest.param(b"\xff\xfe", "not a readable plan file", id="not-utf8"),
    ],
)
def test_malformed_plan_files_are_bad_input(data: bytes, fragment: str) -> None:
    with pytest.raises(BadInput) as error:
        parse_plan(data, source="state/plans/p.yaml")
    assert fragment in error.value.message
    assert error.value.message.startswith("state/plans/p.yaml")


def test_hand_edited_action_kind_is_refused() -> None:
    text = dump_plan_yaml(sample_plan()).decode().replace("action: revoke", "action: delete", 1)
    with pytest.raises(BadInput, match=r"actions\.0\.action"):
        parse_plan(text.encode(), source="p")


def test_markdown_puts_totals_first_and_skips_in_details() -> None:
    text = render_markdown(sample_plan(), plan_path="state/plans/x.yaml")
    assert text.index("3 to revoke") < text.index("### Policy `jsw-60`")
    assert "<details><summary>Skipped: 1 protected or excluded</summary>" in text
    assert "admin-1@acme.example" in text
    assert "state/plans/x.yaml" in text


def test_markdown_of_an_empty_plan_says_so() -> None:
    plan = reconcile(policy_set(), inventory(account(idle=1)), ledger=Ledger(), now=NOW)
    assert "**No changes.**" in render_markdown(plan, plan_path="p.yaml")


def test_huge_plan_is_cut_to_fit_a_pull_request_and_points_to_the_file() -> None:
    plan = sample_plan(4000)
    text = render_markdown(plan, plan_path="state/plans/big.yaml")
    assert len(text) < GITHUB_BODY_LIMIT
    assert "more in the plan file" in text
    assert "every action is in `state/plans/big.yaml`" in text
    assert "4000 to revoke" in text
