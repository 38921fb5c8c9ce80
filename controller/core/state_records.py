"""PURE: the records `apply` leaves in `state/` beside the ledger, and the outcomes they carry.

Where they sit: `controller.app.executor` builds them, `controller.adapters.state_dir.StateDir`
writes and reads them as files (state/README.md), and the reports and commands read them back.
One definition serves writer and reader, so the format on disk has one home:

- `AuditRecord`: one line of `state/audit/YYYY-MM.jsonl` per action of an apply;
- `JournalEntry`: `state/journal/<plan id>.jsonl`, a line before and a line after each action;
- `AppliedMarker`, `RefusedMarker`: `state/plans/<plan id>.applied.json` / `.refused.json`;
- the approval an applied marker records: the pull request that merged the plan, who merged it
  and who approved it in a review (`PullRequestApproval`), or, for a restore asked for in an
  issue, the reviewed policy that pre-approved it (`PolicyApproval`).

Each is one JSON object with sorted keys (`json_line`), exactly as accessctl has always written
them; records written by a later version may carry more fields, and reading them must not fail.
Fields added since (`optional_keys`) are written only when set, so an older record reads and
writes back byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, ClassVar, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from controller.core.errors import BadInput, ExitCode
from controller.core.model_base import Instant, first_error
from controller.core.plan.model import Action, ActionKind, Method, RequestRef

# How one action of an apply ended. `done` changed the organization (or, for a warning, the
# ledger); `already` found it in the planned state, which still counts as the plan's doing.
Outcome = Literal["done", "already", "skipped", "refused", "failed"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
EXECUTED: frozenset[Outcome] = frozenset({"done", "already"})


class StateRecord(BaseModel):
    """Frozen; unknown fields ignored, because committed state outlives the version that
    wrote it."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    omits_none: ClassVar[bool] = False  # write absent values as null, or leave the key out
    optional_keys: ClassVar[frozenset[str]] = frozenset()  # left out when None, whatever else

    def json_line(self) -> str:
        """The record as accessctl writes it: one JSON object, keys sorted, then a newline."""
        data = self.model_dump(mode="json", exclude_none=self.omits_none)
        for key in self.optional_keys:
            if data.get(key) is None:
                data.pop(key, None)
        return json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n"


class AuditRecord(StateRecord):
    """What one action of an apply did: who, what, under which plan and commit, and how; for
    a restore asked for in an issue, that issue (`request`)."""

    optional_keys: ClassVar[frozenset[str]] = frozenset({"request"})

    time: Instant
    plan_id: str
    commit: str | None = None
    key: str
    action: ActionKind
    account_id: str
    email: str | None = None
    site: str
    product: str
    policy: str
    method: Method | None = None
    groups: tuple[str, ...] = ()  # group names, as the reviewer read them
    outcome: Outcome
    detail: str | None = None
    error: str | None = None  # set, instead of `detail`, when the action failed
    request: RequestRef | None = None

    @property
    def executed(self) -> bool:
        return self.outcome in EXECUTED

    @property
    def label(self) -> str:
        return self.email or self.account_id

    def concerns(self, account: str) -> bool:
        """Whether `account` (an e-mail, any case, or an accountId) names this record's account."""
        wanted = account.strip().lower()
        return wanted in {self.account_id.lower(), (self.email or "").lower()}


def oldest_first(records: Iterable[AuditRecord]) -> list[AuditRecord]:
    return sorted(records, key=lambda r: (r.time, r.plan_id, r.key))


def audit_record(
    action: Action, *, outcome: Outcome, detail: str, plan_id: str, commit: str | None, at: datetime
) -> AuditRecord:
    """The audit line for `action`; a failure's message is its `error`, not its `detail`."""
    failed = outcome == "failed"
    return AuditRecord(
        time=at,
        plan_id=plan_id,
        commit=commit,
        key=action.key,
        action=action.action,
        account_id=action.account_id,
        email=action.email,
        site=action.site,
        product=action.product,
        policy=action.policy,
        method=action.method,
        groups=tuple(g.name for g in action.groups),
        outcome=outcome,
        detail=None if failed else detail,
        error=detail if failed else None,
        request=action.evidence.requested_in,
    )


class JournalEntry(StateRecord):
    """`before`: an action a run is about to carry out, with the groups it will change (one
    line per action, all written before the first change); `after`: the action finished, with
    its outcome. A `before` without an `after` is an action a killed apply may have left half
    done: the next run resolves it by reading the present."""

    omits_none: ClassVar[bool] = True

    key: str
    phase: Literal["before", "after"]
    at: Instant
    outcome: Outcome | None = None
    detail: str | None = None
    groups: tuple[str, ...] | None = None  # ids of the groups changed (absent: none, or older)

    @model_validator(mode="after")
    def _after_has_an_outcome(self) -> JournalEntry:
        if self.phase == "after" and self.outcome is None:
            raise ValueError("an `after` entry needs its outcome")
        return self


class PullRequestApproval(StateRecord):
    """Who let a plan in, as GitHub said when it was applied: the pull request that merged it,
    who merged it, and who approved it in a review (each reviewer's latest review). The commit
    cannot tell: squash and rebase merges are authored by whoever wrote the branch, and a
    merge queue or an app merges as a bot."""

    kind: Literal["pull-request"] = "pull-request"
    pull: int
    url: str
    merged_by: str | None = None  # a GitHub login
    approved_by: tuple[str, ...] = ()  # GitHub logins
    merge_commit: str | None = None
    merged_at: Instant | None = None


class PolicyApproval(StateRecord):
    """A change no person reviewed on its own: pre-approved by a reviewed policy (a restore
    under `on_request: restore`), carried out because of a request made in an issue."""

    kind: Literal["policy"] = "policy"
    policy: str
    request: RequestRef


ApprovalRecord = Annotated[PullRequestApproval | PolicyApproval, Field(discriminator="kind")]


class AppliedMarker(StateRecord):
    """A plan applied: when, from which commit, how many actions ended each way, and who
    approved it (absent when it could not be told at apply time, and in older markers)."""

    optional_keys: ClassVar[frozenset[str]] = frozenset({"approval"})

    plan_id: str
    applied_at: Instant
    commit: str | None = None
    outcomes: dict[Outcome, int] = {}
    approval: ApprovalRecord | None = None


class RefusedMarker(StateRecord):
    """A merged plan `apply --pending` refused whole (expired, other policies, a safety limit):
    it is not tried again. `exit_code` is how that run ended (absent in older markers), so a
    re-run that commits a refusal a killed run wrote ends the same way."""

    optional_keys: ClassVar[frozenset[str]] = frozenset({"exit_code"})

    plan_id: str
    refused_at: Instant
    reasons: tuple[str, ...]
    exit_code: ExitCode | None = None


R = TypeVar("R", bound=StateRecord)


def read_record(model: type[R], data: object, *, where: str, what: str) -> R:
    """One record from its decoded JSON; a malformed one is bad input naming where it is."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise BadInput(
            f"{where}: {first_error(error)}; {what} is written by accessctl: restore it from git"
        ) from None


def begun_unfinished(journal: Iterable[JournalEntry]) -> dict[str, tuple[str, ...]]:
    """Actions with a `before` and no `after` anywhere in the journal (a journal merged from
    another clone may hold them in any order): key -> the group ids their `before` lines name."""
    entries = list(journal)
    done = {e.key for e in entries if e.phase == "after"}
    begun: dict[str, tuple[str, ...]] = {}
    for entry in entries:
        if entry.phase == "before" and entry.key not in done:
            begun[entry.key] = (*begun.get(entry.key, ()), *(entry.groups or ()))
    return begun


def finished(journal: Iterable[JournalEntry]) -> dict[str, JournalEntry]:
    """The `after` line of each finished action."""
    return {e.key: e for e in journal if e.phase == "after"}
