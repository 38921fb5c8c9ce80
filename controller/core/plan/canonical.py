"""Plan files on disk: canonical YAML and JSON, byte-identical for identical plans, sealed with
the plan key as they are written (`controller.core.plan.seal`).

Key order follows the model (header first, then summary, actions, skipped); lists are sorted
by `reconcile`. Pure: bytes in, bytes out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from controller.core.errors import BadInput
from controller.core.model_base import first_error
from controller.core.plan.model import Plan
from controller.core.plan.seal import ActionSealer, PlanKey, header_seal, seal_plan
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


def dump_plan_yaml(plan: Plan, *, key: PlanKey | None = None) -> bytes:
    """The header and summary, then the actions, skips and deferrals one at a time, straight
    from the records: a plan of tens of thousands of actions never exists twice over. With
    `key`, sealed as it is written: each action's seal is made over the very text written for
    its other fields (`seal.ActionSealer.item`), so sealing serialises nothing twice."""
    header = plan.model_dump(mode="json", exclude=set(LISTS))
    if key is not None:
        header["seal"] = header_seal(plan, key)
    chunks = [YAML_HEADER, dump_yaml(header)]
    for name in LISTS:
        chunks += _list_text(plan, name, key=key)
    return "".join(chunks).encode()


def _list_text(plan: Plan, name: str, *, key: PlanKey | None) -> Iterator[str]:
    items: tuple[Any, ...] = getattr(plan, name)
    yield f"{name}:\n" if items else f"{name}: []\n"
    if name == "actions" and key is not None:
        yield from map(ActionSealer(plan.id, key).item, items)
    else:
        yield from (record_item(item) for item in items)


def dump_plan_json(plan: Plan, *, key: PlanKey | None = None) -> bytes:
    """The plan as indented JSON; with `key`, sealed first (the same seals as in YAML)."""
    if key is not None:
        plan = seal_plan(plan, key)
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
        raise BadInput(
            f"{source}: {first_error(error)}; the plan does not match schemas/plan.schema.json "
            "— regenerate it with `accessctl plan`"
        ) from None


def _first_line(error: Exception) -> str:
    return " ".join(str(error).split())[:160]
