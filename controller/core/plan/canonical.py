"""Plan files on disk: canonical YAML and JSON, byte-identical for identical plans.

Key order follows the model (header first, then summary, actions, skipped); lists are sorted
by `reconcile`. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import io
import json
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from controller.core.errors import BadInput
from controller.core.plan.model import Plan

YAML_HEADER = (
    "# accessctl plan: every access change this plan makes, with its reason.\n"
    "# Review it in the pull request; merging applies exactly these actions,\n"
    "# each re-checked against fresh data first.\n"
)


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.width = 4096
    yaml.allow_unicode = True
    return yaml


def plan_to_data(plan: Plan) -> dict[str, Any]:
    return plan.model_dump(mode="json")


def dump_plan_yaml(plan: Plan) -> bytes:
    buffer = io.StringIO()
    buffer.write(YAML_HEADER)
    _yaml().dump(plan_to_data(plan), buffer)
    return buffer.getvalue().encode()


def dump_plan_json(plan: Plan) -> bytes:
    return json.dumps(plan_to_data(plan), indent=2, ensure_ascii=False).encode() + b"\n"


def parse_plan(data: bytes, *, source: str) -> Plan:
    """A plan file (YAML or JSON) back into a `Plan`; anything malformed is bad input."""
    try:
        raw = _yaml().load(data.decode("utf-8"))
    except (YAMLError, UnicodeDecodeError) as error:
        raise BadInput(f"{source}: not a readable plan file ({_first_line(error)})") from None
    try:
        return Plan.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise BadInput(
            f"{source}: {where}: {first['msg']}; the plan does not match schemas/plan.schema.json "
            "— regenerate it with `accessctl plan`"
        ) from None


def _first_line(error: Exception) -> str:
    return " ".join(str(error).split())[:160]
