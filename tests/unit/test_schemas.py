"""The committed JSON Schemas are exactly what the models generate, and they describe our files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from controller.app.cli import main
from controller.core.schemas import generated_schemas, schema_bytes

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("name", sorted(generated_schemas()))
def test_committed_schema_matches_the_models(name: str) -> None:
    committed = (ROOT / "schemas" / name).read_bytes()
    assert committed == schema_bytes(generated_schemas()[name]), (
        f"schemas/{name} drifted from the models; run `accessctl schema` and commit the result"
    )


@pytest.mark.parametrize("name", sorted(generated_schemas()))
def test_schema_is_valid_and_identified(name: str) -> None:
    schema = generated_schemas()[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].startswith("urn:accessctl:schema:")


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@pytest.mark.parametrize("path", sorted((ROOT / "policies").glob("*.yaml")), ids=lambda p: p.name)
def test_example_policies_validate_against_the_schema(path: Path) -> None:
    document = as_json(YAML(typ="safe").load(path.read_text()))
    jsonschema.validate(document, generated_schemas()["policy.schema.json"])
    assert path.read_text().startswith(
        "# yaml-language-server: $schema=../schemas/policy.schema.json"
    )


def test_example_inventory_validates_against_the_schema() -> None:
    document = json.loads((ROOT / "policies" / "examples" / "inventory.json").read_text())
    jsonschema.validate(document, generated_schemas()["inventory.schema.json"])


def test_schema_command_regenerates_and_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["schema", "--out", str(tmp_path), "--check"]).exit_code == 1
    assert runner.invoke(main, ["schema", "--out", str(tmp_path)]).exit_code == 0
    assert runner.invoke(main, ["schema", "--out", str(tmp_path), "--check"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(generated_schemas())
