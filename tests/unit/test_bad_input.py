"""Every bad input is one line and exit 2, never an internal error, a traceback, or a line
as long as the input: YAML tags, a plan nested 20,000 levels deep, a 10,000-digit number, an
unwritable `--out`, a port out of range, an Organization file with an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.app.cli import main
from controller.core.errors import ExitCode

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "policies" / "examples" / "inventory.json"
NOW = "2026-11-23T06:00:00Z"
EXCLUSIONS = "version: 1\nkind: Exclusions\nname: odd\nentries: {value}\n"


def run(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, list(args))
    lines = (result.stdout + result.stderr).strip().splitlines()
    return result.exit_code, lines


def assert_one_line(code: int, lines: list[str], *, expected: str) -> None:
    assert code == ExitCode.BAD_INPUT, lines
    assert len(lines) == 1, lines
    [line] = lines
    assert line.startswith("error: "), line
    assert expected in line, line
    assert "internal error" not in line
    assert len(line) < 400, line


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            '!!python/object/apply:os.system ["touch pwned"]',
            "policies/odd.yaml:4: YAML tag '!!python/object/apply:os.system' is not allowed",
            id="python-object-apply-on-a-sequence",
        ),
        pytest.param("!custom [a, b]", "YAML tag '!custom' is not allowed", id="tag-on-a-sequence"),
        pytest.param("!custom {a: b}", "YAML tag '!custom' is not allowed", id="tag-on-a-mapping"),
        pytest.param(
            "[!custom x]", "policies/odd.yaml:4: YAML tag '!custom'", id="tag-on-a-scalar"
        ),
    ],
)
def test_a_yaml_tag_is_refused_and_never_executed(repo: Path, value: str, expected: str) -> None:
    (repo / "policies" / "odd.yaml").write_text(EXCLUSIONS.format(value=value))
    assert_one_line(*run("validate"), expected=expected)
    assert not (repo / "pwned").exists()


def test_a_huge_number_is_shown_cut_short(repo: Path) -> None:
    entry = "\n  - account: a@acme.example\n    reason: x\n    owner: " + "9" * 10_000
    (repo / "policies" / "odd.yaml").write_text(EXCLUSIONS.format(value=entry))
    code, lines = run("validate")
    assert_one_line(code, lines, expected="policies/odd.yaml:7: ")
    assert "(10,000 characters)" in lines[0]


def test_an_error_in_the_organization_file_is_the_only_line(repo: Path) -> None:
    org = repo / "policies" / "organization.yaml"
    org.write_text(org.read_text().replace("org_id:", "org_id: [1, 2\nold_org_id:", 1))
    assert_one_line(*run("validate"), expected="policies/organization.yaml:")


def test_a_plan_nested_twenty_thousand_levels_deep_is_one_line(repo: Path) -> None:
    name = "plan-20261123-060000-0000000a.yaml"
    (repo / "state" / name).write_text("a: " + "[" * 20_000 + "]" * 20_000 + "\n")
    assert_one_line(
        *run("apply", f"state/{name}", "--now", NOW), expected=f"state/{name}: not a readable plan"
    )


def test_out_to_an_unwritable_path_is_one_line(repo: Path) -> None:
    (repo / "a-file").write_text("")
    code, lines = run("plan", "--inventory", str(EXAMPLE), "--now", NOW, "--out", "a-file/p.yaml")
    assert_one_line(code, lines, expected="a-file/p.yaml: cannot write the plan")


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_port_out_of_range_is_one_line(port: str) -> None:
    assert_one_line(*run("sim", "serve", "--port", port), expected="'--port'")


def test_a_usage_error_is_one_line() -> None:
    assert_one_line(*run("apply"), expected="give a PLAN file or --pending")
