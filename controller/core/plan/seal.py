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

What an action's seal is made over is the text the plan file holds for its other fields
(`action_text`: canonical block YAML, one line per value, keys in the model's order, every text
quoted or escaped wherever it could be read otherwise), after the plan id and its length. So a
sealed plan file costs no second serialisation (`ActionSealer.item` writes and seals each action
from the same text), a value cannot slide into its neighbour, and apply, which renders the
actions it read the same way, checks the values whatever layout the file was edited into. The
header's seal is made over the header's sorted JSON.

The seal says what was reviewed; it is not what apply trusts. Apply still re-plans from fresh
data and carries out only the fresh values of reviewed actions (`controller.core.apply_decision`).
The key comes in as a parameter: the core never reads the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace

from controller.core.errors import BadInput
from controller.core.plan.model import Action, Plan
from controller.core.plan.yaml_text import item_field, record_item

PLAN_KEY_VARIABLE = "ACCESSCTL_PLAN_KEY"
MIN_KEY_CHARACTERS = 32
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

    def mac(self, message: bytes) -> str:
        return hmac.digest(self.secret, message, hashlib.sha256).hex()


def seal_plan(plan: Plan, key: PlanKey) -> Plan:
    """The plan with its header and every action sealed (a plan file is better sealed as it is
    written: `canonical.dump_plan_yaml(plan, key=key)`)."""
    seal = ActionSealer(plan.id, key).seal
    actions = tuple(replace(a, seal=seal(action_text(a))) for a in plan.actions)
    return plan.model_copy(update={"actions": actions, "seal": header_seal(plan, key)})


def header_seal(plan: Plan, key: PlanKey) -> str:
    """Over every field of the plan but its seal and actions, as sorted JSON."""
    material = plan.model_dump(mode="json", exclude={"seal", "actions"})
    data = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return key.mac(f"accessctl/plan/v1\n{data}".encode())


def action_text(action: Action) -> str:
    """What an action's seal covers: every field of it but the seal, as the plan file has it."""
    return record_item(action, but="seal")


def action_seal(plan_id: str, action: Action, *, key: PlanKey) -> str:
    return ActionSealer(plan_id, key).seal(action_text(action))


class ActionSealer:
    """Seals the actions of one plan from their `action_text`. The message is the purpose, the
    plan id after its length (so no character can move between the id and the action), then
    the text; the HMAC is keyed and fed all but the text once, then copied for each action."""

    def __init__(self, plan_id: str, key: PlanKey) -> None:
        plan = plan_id.encode()
        start = b"accessctl/action/v2\n%d:%b\n" % (len(plan), plan)
        self._started = hmac.new(key.secret, start, hashlib.sha256)

    def seal(self, text: str) -> str:
        mac = self._started.copy()
        mac.update(text.encode())
        return mac.hexdigest()

    def item(self, action: Action) -> str:
        """The action as the plan file writes it, sealed from that very text: one serialisation.
        The same as `record_item` of the action with its seal (its last field)."""
        text = action_text(action)
        return text + item_field("seal", self.seal(text))


def header_sealed(plan: Plan, key: PlanKey) -> bool:
    return _same(plan.seal, header_seal(plan, key))


def action_sealed(plan_id: str, action: Action, *, key: PlanKey) -> bool:
    return _same(action.seal, action_seal(plan_id, action, key=key))


def _same(given: str, expected: str) -> bool:
    """Constant-time, and any text a file may hold compares (as bytes) without an error."""
    return hmac.compare_digest(given.encode(), expected.encode())
