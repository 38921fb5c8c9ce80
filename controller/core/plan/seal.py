"""PURE: the keyed seal of a plan file (docs/apply-trust.md). Between `reconcile` and the file.

`accessctl plan` and `propose` seal the plan they write with the plan key, a secret only the
workflows hold (`ACCESSCTL_PLAN_KEY`); `apply` checks the seals with the same key. A seal is an
HMAC-SHA256, so no one without the key can make one, unlike a checksum anyone can recompute:

- the header seal covers every field of the plan but the actions (id, created_at, org_id, the
  digests, summary, skipped): an edited `created_at` cannot move the expiry, which apply
  recomputes from it;
- each action's seal covers every field of that action and the plan id: an action added,
  edited or copied from another plan by hand has no valid seal. Deleting an action keeps the
  others valid: apply then runs less than was reviewed, never more.

The seal says what was reviewed; it is not what apply trusts. Apply still re-plans from fresh
data and carries out only the fresh values of reviewed actions (`controller.core.apply_decision`).
The key comes in as a parameter: the core never reads the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import TypeAdapter

from controller.core.errors import BadInput
from controller.core.plan.model import Action, Plan

PLAN_KEY_VARIABLE = "ACCESSCTL_PLAN_KEY"
MIN_KEY_CHARACTERS = 32
_ACTION_FIELDS = TypeAdapter(Action)
_MAKE_ONE = "generate one with `openssl rand -hex 32`"


@dataclass(frozen=True)
class PlanKey:
    """The secret the seals are made with; never shown (its repr hides it)."""

    secret: bytes = field(repr=False)

    @classmethod
    def from_text(cls, text: str | None) -> PlanKey:
        """The key from `ACCESSCTL_PLAN_KEY`'s value; bad input when it is missing or short."""
        if not text:
            raise BadInput(
                f"{PLAN_KEY_VARIABLE} is not set: plans are sealed with it when written and "
                f"checked with it on apply; {_MAKE_ONE} and store it as a secret of the plan "
                "and apply workflows (docs/apply-trust.md)"
            )
        if len(text) < MIN_KEY_CHARACTERS:
            raise BadInput(
                f"{PLAN_KEY_VARIABLE} has {len(text)} characters, fewer than "
                f"{MIN_KEY_CHARACTERS}: a short key can be guessed; {_MAKE_ONE}"
            )
        return cls(text.encode())

    def mac(self, purpose: str, material: Any) -> str:
        data = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        message = f"accessctl/{purpose}/v1\n{data}".encode()
        return hmac.digest(self.secret, message, hashlib.sha256).hex()


def seal_plan(plan: Plan, key: PlanKey) -> Plan:
    """The plan with its header and every action sealed."""
    actions = tuple(replace(a, seal=action_seal(plan.id, a, key=key)) for a in plan.actions)
    sealed = plan.model_copy(update={"actions": actions})
    return sealed.model_copy(update={"seal": header_seal(sealed, key)})


def header_seal(plan: Plan, key: PlanKey) -> str:
    material = plan.model_dump(mode="json", exclude={"seal", "actions"})
    return key.mac("plan", material)


def action_seal(plan_id: str, action: Action, *, key: PlanKey) -> str:
    return _action_mac(plan_id, _ACTION_FIELDS.dump_python(action, mode="json"), key=key)


def _action_mac(plan_id: str, material: dict[str, Any], *, key: PlanKey) -> str:
    """The seal of an action's fields but its seal (the same as of a copy with none)."""
    material["seal"] = ""
    return key.mac("action", {"plan": plan_id, "action": material})


def header_sealed(plan: Plan, key: PlanKey) -> bool:
    return _same(plan.seal, header_seal(plan, key))


def action_sealed(plan_id: str, action: Action, *, key: PlanKey) -> bool:
    return _same(action.seal, action_seal(plan_id, action, key=key))


def _same(given: str, expected: str) -> bool:
    """Constant-time, and any text a file may hold compares (as bytes) without an error."""
    return hmac.compare_digest(given.encode(), expected.encode())
