"""Plan files on disk: canonical YAML and JSON, byte-identical for identical plans.

Key order follows the model (header first, then summary, actions, skipped); lists are sorted
by `reconcile`. Pure: bytes in, bytes out.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from controller.core.errors import BadInput
from controller.core.plan.model import Plan
from controller.core.plan.yaml_text import dump_yaml, record_item

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


# The plan's long lists of records, last in the file as in the model.
LISTS = ("actions", "skipped", "deferred")


def plan_to_data(plan: Plan) -> dict[str, Any]:
    return plan.model_dump(mode="json")


def dump_plan_yaml(plan: Plan) -> bytes:
    """The header and summary, then the actions, skips and deferrals one at a time, straight
    from the records: a plan of tens of thousands of actions never exists twice over."""
    chunks = [YAML_HEADER, dump_yaml(plan.model_dump(mode="json", exclude=set(LISTS)))]
    for name in LISTS:
        items: tuple[Any, ...] = getattr(plan, name)
        chunks.append(f"{name}:\n" if items else f"{name}: []\n")
        chunks += (record_item(item) for item in items)
    return "".join(chunks).encode()


def dump_plan_json(plan: Plan) -> bytes:
    return plan.__pydantic_serializer__.to_json(plan, indent=2) + b"\n"


def parse_plan(data: bytes, *, source: str) -> Plan:
    """A plan file (YAML or JSON) back into a `Plan`; anything malformed is bad input."""
    try:
        raw = _yaml().load(data.decode("utf-8"))
    except (YAMLError, UnicodeDecodeError) as error:
        raise BadInput(f"{source}: not a readable plan file ({_first_line(error)})") from None
    except RecursionError:
        raise BadInput(
            f"{source}: not a readable plan file (it nests too deeply); "
            "regenerate it with `accessctl plan`"
        ) from None
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
