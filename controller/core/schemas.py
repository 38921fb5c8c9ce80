"""JSON Schemas generated from the pydantic models: policy files, plan, inventory snapshot.

The committed copies in `schemas/` are what editors and CI validate against; a test fails when
they drift from the models, and `accessctl schema` regenerates them. Pure.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from controller.core.plan.model import Plan
from controller.core.policy.models import PolicyDocument
from controller.core.snapshot import Inventory

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _with_header(schema: dict[str, Any], *, name: str, title: str) -> dict[str, Any]:
    header = {"$schema": SCHEMA_DIALECT, "$id": f"urn:accessctl:schema:{name}:1", "title": title}
    return {**header, **schema}


def generated_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema, for everything accessctl reads from a user or writes for one."""
    policy = TypeAdapter(PolicyDocument).json_schema(by_alias=True)
    return {
        "policy.schema.json": _with_header(
            policy, name="policy", title="accessctl policy document"
        ),
        "plan.schema.json": _with_header(
            Plan.model_json_schema(), name="plan", title="accessctl plan"
        ),
        "inventory.schema.json": _with_header(
            Inventory.model_json_schema(), name="inventory", title="accessctl inventory snapshot"
        ),
    }


def schema_bytes(schema: dict[str, Any]) -> bytes:
    return json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False).encode() + b"\n"
