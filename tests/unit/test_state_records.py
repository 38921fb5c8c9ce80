"""State users have already committed keeps loading, and accessctl keeps writing it the same way.

tests/committed_state/ was written by accessctl 0.1.0's own writers (see its README). Every file
is read with today's models; the canonical ones are written back byte for byte; and the same
story, run again through today's apply, writes the very same files.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from controller.adapters.state_dir import StateDir
from controller.app.executor import ApplyRun, apply_plan
from controller.core.apply_decision import check_applicable
from controller.core.errors import BadInput
from controller.core.ledger import (
    Ledger,
    ReminderRecord,
    dump_ledger,
    parse_ledger,
    reminder_sent,
)
from controller.core.plan import dump_plan_yaml, parse_plan
from controller.core.policy.models import AccessGrants
from controller.core.reconcile import reconcile
from controller.core.state_records import (
    AppliedMarker,
    AuditRecord,
    JournalEntry,
    RefusedMarker,
    StateRecord,
)
from tests.factories import (
    NOW,
    PLAN_KEY,
    account,
    inactivity,
    inventory,
    policy_set,
    restore_policy,
    sealed,
    warned,
)
from tests.fakes import FakeDirectory

COMMITTED = Path(__file__).parents[1] / "committed_state"
FIRST = "plan-20261123-060000-86e605a0"
SECOND = "plan-20261203-060000-afbca240"


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.mark.parametrize(
    ("pattern", "model"),
    [
        pytest.param("audit/*.jsonl", AuditRecord, id="audit"),
        pytest.param("journal/*.jsonl", JournalEntry, id="journal"),
        pytest.param("plans/*.applied.json", AppliedMarker, id="applied"),
        pytest.param("plans/*.refused.json", RefusedMarker, id="refused"),
    ],
)
def test_every_committed_record_reads_and_writes_back_byte_for_byte(
    pattern: str, model: type[StateRecord]
) -> None:
    paths = sorted(COMMITTED.glob(pattern))
    assert paths
    for path in paths:
        for line in lines(path):
            assert model.model_validate_json(line).json_line() == line


def test_the_committed_ledger_reads_and_writes_back_byte_for_byte() -> None:
    data = (COMMITTED / "ledger.json").read_bytes()
    ledger = parse_ledger(data, source="ledger.json")
    assert (len(ledger.warnings), len(ledger.removals), len(ledger.reminders)) == (2, 2, 1)
    assert dump_ledger(ledger) == data


def test_the_state_directory_reads_the_committed_files_typed() -> None:
    state = StateDir(COMMITTED)
    audit = state.audit_log()
    assert [(r.account_id, r.outcome) for r in audit if r.plan_id == FIRST] == [
        ("gone", "done"),
        ("idle2", "done"),
        ("back", "skipped"),
        ("bad", "failed"),
        ("idle", "done"),
        ("warned2", "already"),
        ("warnme", "done"),
        ("newcomer", "done"),
        ("forged", "refused"),
    ]
    assert [r.error for r in audit if r.outcome == "failed"] == [
        "the API refused the change for bad (HTTP 500)"
    ]
    assert [(m.plan_id, m.outcomes["done"]) for m in state.applied_markers()] == [
        (FIRST, 5),
        (SECOND, 1),
    ]
    refused = state.refused_marker(FIRST)
    assert refused is not None
    assert "expired at 2026-11-30T06:00:00Z" in refused.reasons[0]
    journal = state.read_journal(FIRST)
    assert [e.phase for e in journal].count("after") == 9
    assert state.read_ledger().warning_for("warnme", site="labs", product="jira-software")


def test_the_same_story_writes_the_same_files_today(tmp_path: Path) -> None:
    """The story tests/committed_state/README.md tells, through today's writers: the same
    files; the ledger and markers byte for byte. Three changes since 0.1.0 are deliberate: an
    entry refused because its seal does not match names nothing apply could verify, so it is
    no longer audited or journaled (the applied marker still counts it); the journal writes
    every `before` line ahead of the first change, each with the groups it changes; and plan ids
    differ, since an id names the inputs a plan was made from (the inventory snapshot's digest
    among them, which follows the snapshot format), so they are mapped to the committed ones."""
    made = write_the_story(StateDir(tmp_path))

    def as_committed(text: str) -> str:
        for new, old in zip(made, (FIRST, SECOND), strict=True):
            text = text.replace(new, old)
        return text

    written = {
        Path(as_committed(str(p.relative_to(tmp_path)))): p
        for p in tmp_path.rglob("*")
        if p.is_file()
    }
    committed = sorted(
        p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if p.name != "README.md"
    )
    assert sorted(written) == [p for p in committed if (COMMITTED / p).is_file()]
    for path, source in sorted(written.items()):
        today = as_committed(source.read_text(encoding="utf-8")).encode()
        then = (COMMITTED / path).read_bytes()
        if path.parts[0] == "audit":
            assert today.decode().splitlines() == [
                line for line in then.decode().splitlines() if '"outcome": "refused"' not in line
            ], path
        elif path.parts[0] == "journal":
            assert _journal_facts(today) == _journal_facts(then, refused_dropped=True), path
        else:
            assert today == then, path


def _journal_facts(data: bytes, *, refused_dropped: bool = False) -> list[tuple[object, ...]]:
    entries = [JournalEntry.model_validate_json(line) for line in data.decode().splitlines()]
    kept = [e for e in entries if not (refused_dropped and e.outcome == "refused")]
    return sorted((e.key, e.phase, e.at, e.outcome, e.detail) for e in kept)


def write_the_story(state: StateDir) -> tuple[str, str]:
    """Both applies of the story; the ids of the two plans it made."""
    grants = AccessGrants.model_validate(
        {
            "version": 1,
            "kind": "AccessGrants",
            "name": "requests",
            "grants": [
                {"account": "newcomer", "product": "jira-software", "reason": "PR #9: on-call"}
            ],
        }
    )
    policies = policy_set(
        inactivity(),
        inactivity(name="labs-30", site="labs", inactive_after_days=30, warn_before_days=7),
        inactivity(
            name="jsm-90", product="jira-servicedesk", inactive_after_days=90, action="suspend"
        ),
        restore=[restore_policy()],
    ).model_copy(update={"grants": (grants,)})
    snapshot = inventory(
        account("idle", idle=90, groups=("g-jsw", "g-testers", "g-staff")),
        account("idle2", idle=95, email=None, groups=("g-jsw", "g-staff")),
        account("bad", idle=91),
        account("back", idle=92),
        account("forged", idle=1),
        account("warnme", groups=("g-labs",), elsewhere=[("labs", "jira-software", 40)]),
        account("warned2", groups=("g-labs",), elsewhere=[("labs", "jira-software", 41)]),
        account("gone", groups=("g-jsm",), elsewhere=[("acme", "jira-servicedesk", 120)]),
        account("newcomer", email="new.comer@acme.example", groups=("g-staff",)),
    )
    plan = sealed(reconcile(policies, snapshot, ledger=Ledger(), now=NOW))
    idle = next(a for a in plan.actions if a.account_id == "idle")
    forged = dataclasses.replace(
        idle,
        key="revoke:acme:jira-software:forged",
        account_id="forged",
        email="forged@acme.example",
    )
    plan = parse_plan(
        dump_plan_yaml(plan.model_copy(update={"actions": (*plan.actions, forged)})), source="p"
    )
    directory = FakeDirectory(snapshot, fail_for=["bad"])
    directory.set_activity(account("back", idle=0.01))
    warning = warned("warned2", days=-0.05, policy="labs-30").model_copy(update={"site": "labs"})
    state.write_ledger(Ledger(warnings=(warning,)))  # `notify` warned after the plan was made
    commit = "3f9c2e1d4b5a69788796a5b4c3d2e1f0a9b8c7d6"
    later = NOW + timedelta(hours=3)
    apply_plan(
        ApplyRun(
            plan=plan,
            policies=policies,
            directory=directory,
            state=state,
            now=later,
            key=PLAN_KEY,
            commit=commit,
        )
    )
    back = account("idle", groups=("g-staff",), idle=100, elsewhere=[("acme", "confluence", -9)])
    directory.set_activity(back)
    day10 = NOW + timedelta(days=10)
    second = reconcile(policies, directory.inventory, ledger=state.read_ledger(), now=day10)
    restores = tuple(a for a in second.actions if a.action == "restore")
    second = sealed(second.model_copy(update={"actions": restores}))
    apply_plan(
        ApplyRun(
            plan=second,
            policies=policies,
            directory=directory,
            state=state,
            now=day10 + timedelta(hours=1),
            key=PLAN_KEY,
        )
    )
    reminder = ReminderRecord(
        subject="ceo@acme.example",
        expires=(NOW + timedelta(days=20)).date(),
        owner="it-ops@acme.example",
        sent_at=day10,
    )
    state.write_ledger(reminder_sent(state.read_ledger(), reminder))  # `notify` mailed it
    refused_at = NOW + timedelta(days=8)
    with pytest.raises(BadInput) as refusal:
        check_applicable(plan, policies=policies, key=PLAN_KEY, now=refused_at)
    reasons = tuple(refusal.value.lines())
    state.mark_refused(RefusedMarker(plan_id=plan.id, refused_at=refused_at, reasons=reasons))
    return plan.id, second.id


# --- reading what is not quite right ---------------------------------------------------------


def test_records_from_a_newer_version_with_more_fields_still_read() -> None:
    line = lines(next(COMMITTED.glob("audit/*.jsonl")))[0]
    newer = line.replace('{"account_id"', '{"approved_by": "someone", "account_id"')
    assert AuditRecord.model_validate_json(newer) == AuditRecord.model_validate_json(line)


BEFORE = '{"at": "2026-11-23T09:00:00Z", "key": "k", "phase": "before"}\n'


@pytest.mark.parametrize(
    ("path", "text", "read", "message"),
    [
        pytest.param(
            "audit/2026-11.jsonl",
            lines(COMMITTED / "audit/2026-12.jsonl")[0] + '{"time": "yesterday"}\n',
            StateDir.audit_log,
            r"audit/2026-11.jsonl:2: time: .*; the audit log is written by accessctl: restore",
            id="audit-record",
        ),
        pytest.param(
            "audit/2026-11.jsonl",
            "{not json\n",
            StateDir.audit_log,
            r"audit/2026-11.jsonl:1: not a JSON line; restore the file from git",
            id="audit-line",
        ),
        pytest.param(
            f"plans/{FIRST}.applied.json",
            f'{{"plan_id": "{FIRST}"}}',
            StateDir.applied_markers,
            rf"{FIRST}.applied.json: applied_at: Field required; an applied marker is written",
            id="applied-marker",
        ),
        pytest.param(
            f"journal/{FIRST}.jsonl",
            BEFORE + '{"key": "k", "phase": "after", "at": "2026-11-23T09:00:00Z"}\n',
            lambda state: state.read_journal(FIRST),
            rf"{FIRST}.jsonl:2: \(top\): Value error, an `after` entry needs its outcome",
            id="journal-entry",
        ),
    ],
)
def test_a_malformed_record_is_bad_input_naming_file_and_line(
    tmp_path: Path, path: str, text: str, read: Callable[[StateDir], object], message: str
) -> None:
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_text(text)
    with pytest.raises(BadInput, match=message):
        read(StateDir(tmp_path))


def test_a_journal_line_cut_short_by_a_crash_is_left_out(tmp_path: Path) -> None:
    shutil.copytree(COMMITTED, tmp_path, dirs_exist_ok=True)
    state = StateDir(tmp_path)
    whole = state.read_journal(SECOND)
    with state.journal_path(SECOND).open("a") as journal:
        journal.write('{"at": "2026-12-03T07:00:00Z", "key": "restore:ac')
    assert state.read_journal(SECOND) == whole
    entry = JournalEntry(key="k", phase="before", at=NOW)
    state.append_journal(SECOND, [entry])
    assert state.read_journal(SECOND) == [*whole, entry]


def test_appending_audit_records_already_there_adds_nothing(tmp_path: Path) -> None:
    shutil.copytree(COMMITTED, tmp_path, dirs_exist_ok=True)
    state = StateDir(tmp_path)
    before = (tmp_path / "audit/2026-11.jsonl").read_bytes()
    november = [r for r in state.audit_log() if r.time.month == NOW.month]
    assert state.append_audit(november, when=NOW) == 0
    assert (tmp_path / "audit/2026-11.jsonl").read_bytes() == before


def test_records_are_written_as_utf_8_not_escaped() -> None:
    line = lines(COMMITTED / "audit/2026-12.jsonl")[0].replace("idle@", "zoë@")
    record = AuditRecord.model_validate_json(line)
    assert record.email == "zoë@acme.example"
    assert record.json_line() == line
