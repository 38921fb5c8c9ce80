"""Untrusted text stays inert wherever it is shown: in the plan's pull request body, the
preview comment and the Markdown report it never mentions, links or renders (rendered here by
markdown-it, with raw HTML allowed as GitHub allows some); on a terminal it never forges a line
or an escape sequence; rich never reads markup or emoji codes in it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from controller.app import console
from controller.app.cli import main
from controller.app.report import render_markdown as render_report
from controller.core.errors import shown
from controller.core.inert_text import md_literal, printable
from controller.core.plan import Action, Plan, Skipped, Summary, render_markdown
from controller.core.plan.model import GroupRef, ProductSummary
from controller.core.preview import Provenance, diff_plans, render_preview
from tests import report_fixture
from tests.factories import exclusions

NOW = datetime(2026, 11, 23, 6, tzinfo=UTC)
COMMITTED_STATE = Path(__file__).parents[1] / "committed_state"
HOSTILE = {
    "mention": "@everyone",
    "team": "@acme/security-team",
    "link": "[click](javascript:alert(1))",
    "html": '<img src=x onerror="alert(1)">',
    "autolink": "https://evil.example/x",
    "pipe": "a | b",
    "backticks": "``x`` `y",
    "newline": "first\nsecond",
}
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")
CODE = re.compile(r"<code>.*?</code>", re.S)


def outside_code(markdown: str) -> str:
    """The HTML GitHub would show, less what is inside code spans and blocks."""
    return CODE.sub("", MARKDOWN.render(markdown))


def assert_inert(markdown: str) -> None:
    visible = outside_code(markdown)
    for marker in ("@everyone", "@acme/security", "javascript:", "<img", "evil.example", "``x"):
        assert marker not in visible, marker
    assert "<a " not in visible


def hostile_plan(text: str) -> Plan:
    action = Action(
        key=f"revoke:acme:jira-software:{text}",
        action="revoke",
        account_id=text,
        email=text,
        site=text,
        product=text,
        policy=text,
        groups=(GroupRef(id="g", name=text),),
        reason=text,
    )
    skipped = Skipped(
        account_id=text, email=text, site=text, product=text, policy=text, reason=text
    )
    by_product = (ProductSummary(site=text, product=text, seats=3, revoke=1),)
    return Plan(
        id="plan-20261123-060000-0000000a",
        created_at=NOW,
        expires_at=NOW,
        org_id="org",
        policies_digest="sha256:p",
        inventory_digest="sha256:i",
        ledger_digest="sha256:l",
        summary=Summary(total_actions=1, revoke=1, by_product=by_product),
        actions=(action,),
        skipped=(skipped,),
    )


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_plan_pull_request_body_shows_untrusted_text_inert(text: str) -> None:
    assert_inert(render_markdown(hostile_plan(text), plan_path="state/plans/p.yaml"))


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_preview_comment_shows_untrusted_text_inert(text: str) -> None:
    empty = hostile_plan(text).model_copy(update={"actions": (), "skipped": ()})
    provenance = Provenance(
        base_ref=text,
        base_commit="0" * 40,
        head_commit="1" * 40,
        inventory_taken_at="2026-11-23T06:00:00Z",
        as_of="2026-11-23T06:00:00Z",
    )
    assert_inert(render_preview(diff_plans(empty, hostile_plan(text)), provenance=provenance))


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_markdown_report_shows_untrusted_text_inert(text: str) -> None:
    chosen = report_fixture.policies()
    entry = {"account": "excl@acme.example", "owner": text, "reason": text}
    hostile = chosen.model_copy(update={"exclusions": (exclusions(entry),)})
    assert_inert(render_report(report_fixture.make_report(hostile)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("bob@acme.example", "`bob@acme.example`", id="plain"),
        pytest.param("a | b", "`a \\| b`", id="pipe-in-a-table"),
        pytest.param("``x`` `y", "``` ``x`` `y ```", id="backticks"),
        pytest.param("first\n\nsecond", "`first second`", id="blank-line-joined"),
        pytest.param("red\x1b[31m", "`red\\x1b[31m`", id="escape-written-out"),
        pytest.param("", "", id="empty"),
    ],
)
def test_a_literal_is_one_code_span(value: str, expected: str) -> None:
    assert md_literal(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("bob\nerror: all good", "bob\\nerror: all good", id="newline"),
        pytest.param("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred", id="escape-sequences"),
        pytest.param("abc\u202edef", "abc\\u202edef", id="right-to-left-override"),
        pytest.param("zoë@acme.example", "zoë@acme.example", id="letters-kept"),
    ],
)
def test_printable_writes_control_characters_as_escapes(text: str, expected: str) -> None:
    assert printable(text) == expected
    assert shown(text, limit=100) == f"'{expected}'"


def test_terminal_lines_neither_forge_lines_nor_read_markup_or_emoji(
    capsys: pytest.CaptureFixture[str],
) -> None:
    console.error("policies/:x:/[bold]odd[/bold]\x1b[31m.yaml\nerror: all good")
    console.info("https://user:hunter2@example.com/path")
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "error: policies/:x:/[bold]odd[/bold]\\x1b[31m.yaml\\nerror: all good"
    )
    assert "hunter2" not in err
    assert len(err.splitlines()) == 2


def test_the_audit_trail_on_a_terminal_shows_state_values_as_escapes(tmp_path: Path) -> None:
    """`accessctl audit` lists standing warnings and removed seats with e-mails and group names
    read from the inventory: on a terminal they neither forge a line nor send an escape."""
    ledger = json.loads((COMMITTED_STATE / "ledger.json").read_text())
    ledger["warnings"][0]["email"] = "warned2@acme.example\x1b[2J\nerror: all good"
    ledger["removals"][1]["groups"][0]["name"] = "jira\x1b]8;;https://evil.example\x07\nforged"
    (tmp_path / "ledger.json").write_text(json.dumps(ledger))
    result = CliRunner().invoke(main, ["audit", "--state", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.startswith(("error", "forged"))]
    assert "warned2@acme.example\\x1b[2J\\nerror: all good on labs" in result.stdout
