"""Names in the policies that the organization does not have: an error in `plan`, a warning in
`validate --inventory`, each at the file and line that wrote it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.app.cli import main
from controller.core.errors import ExitCode
from controller.core.policy import load_policies
from controller.core.policy.references import check_references
from controller.core.snapshot import parse_inventory

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "policies" / "examples" / "inventory.json"
TODAY = date(2026, 11, 23)

JSW = """version: 1
kind: InactivityPolicy
name: extra
site: acme-labs
product: jira-software
inactive_after_days: 90
"""


def policies_with(tmp_path: Path, extra: str | None, *, org_id: str | None = None) -> Path:
    directory = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", directory, ignore=shutil.ignore_patterns("examples"))
    if extra is not None:
        (directory / "extra.yaml").write_text(extra)
    if org_id is not None:
        org = directory / "organization.yaml"
        text = org.read_text()
        org.write_text(text.replace("8f3c2a71-5d4e-4b6a-9c1f-2e7d8a9b0c13", org_id, 1))
    return directory


def problems_of(directory: Path) -> list[str]:
    loaded = load_policies([directory], today=TODAY)
    inventory = parse_inventory(EXAMPLE.read_bytes(), source="inventory.json")
    return [str(p).split("/policies/", 1)[-1] for p in check_references(loaded, inventory)]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            JSW.replace("jira-software", "jira-product-discovery"),
            "extra.yaml:5: product: no group in the inventory grants jira-product-discovery on "
            "acme-labs (groups there grant jira-software), so this "
            "policy can revoke nothing; check `site` and `product`",
            id="no-group-grants-the-seat",
        ),
        pytest.param(
            JSW + "groups: [jira-software-users-acme-labs, jira-software-users-acme-lab]\n",
            "extra.yaml:7: groups.1: no group named 'jira-software-users-acme-lab' in the "
            "inventory; it removes "
            "nobody",
            id="group-to-remove-unknown",
        ),
        pytest.param(
            JSW + "groups:\n  - staff\n",
            "extra.yaml:8: groups.0: group 'staff' does not grant jira-software on acme-labs; "
            "removing people from it frees no seat",
            id="group-to-remove-grants-other-things",
        ),
        pytest.param(
            JSW + "exclude:\n  groups: [release-managers, releese-managers]\n",
            "extra.yaml:8: exclude.groups.1: no group named 'releese-managers' in the "
            "inventory, so it protects nobody; check the name",
            id="excluded-group-unknown",
        ),
        pytest.param(
            "version: 1\nkind: Exclusions\nname: more\nentries:\n"
            "  - group: contractor\n    reason: r\n    owner: o\n",
            "extra.yaml:5: entries.0.group: no group named 'contractor' in the inventory, so "
            "it protects nobody; check the name",
            id="exclusions-group-unknown",
        ),
        pytest.param(
            "version: 1\nkind: RestorePolicy\nname: back\neligible_groups: [stafff]\n"
            "active_within_days: 7\n",
            "extra.yaml:4: eligible_groups.0: no group named 'stafff' in the inventory, so it "
            "matches nobody; check the name",
            id="restore-group-unknown",
        ),
        pytest.param(
            "version: 1\nkind: AccessGrants\nname: more\ngrants:\n"
            "  - account: jane@acme.example\n    site: acme\n    groups: [nope]\n"
            "    reason: r\n",
            "extra.yaml:7: grants.0.groups.0: no group named 'nope' in the inventory; nothing "
            "to add to",
            id="grant-group-unknown",
        ),
        pytest.param(
            "version: 1\nkind: AccessGrants\nname: more\ngrants:\n"
            "  - account: jane@acme.example\n    site: acme\n    groups: [engineering-sso]\n"
            "    reason: r\n",
            "extra.yaml:7: grants.0.groups.0: group 'engineering-sso' is synced from your "
            "identity provider (SCIM): Atlassian refuses to add members to it; grant the access "
            "in the identity provider, or name a group accessctl may change",
            id="grant-into-an-idp-group",
        ),
    ],
)
def test_a_name_the_inventory_lacks_is_reported_where_it_is_written(
    tmp_path: Path, extra: str, expected: str
) -> None:
    assert problems_of(policies_with(tmp_path, extra)) == [expected]


def test_the_example_policies_resolve_against_the_example_inventory(tmp_path: Path) -> None:
    assert problems_of(policies_with(tmp_path, None)) == []


def test_a_snapshot_of_another_organization_is_reported_at_org_id(tmp_path: Path) -> None:
    [problem] = problems_of(policies_with(tmp_path, None, org_id="another-org"))
    assert problem.startswith("organization.yaml:8: org_id: the inventory is a snapshot of ")
    assert "'8f3c2a71-5d4e-4b6a-9c1f-2e7d8a9b0c13', not of this one" in problem


def test_plan_refuses_and_validate_warns(tmp_path: Path) -> None:
    directory = policies_with(tmp_path, JSW + "exclude:\n  groups: [nobody]\n")
    common = ["--policies", str(directory), "--inventory", str(EXAMPLE)]
    plan = CliRunner().invoke(
        main, ["plan", *common, "--state", str(tmp_path / "state"), "--now", "2026-11-23"]
    )
    assert plan.exit_code == ExitCode.BAD_INPUT
    assert "extra.yaml:8: exclude.groups.0: no group named 'nobody'" in plan.output
    validate = CliRunner().invoke(
        main, ["validate", str(directory), "--inventory", str(EXAMPLE), "--now", "2026-11-23"]
    )
    assert validate.exit_code == ExitCode.OK
    assert "warning:" in validate.output
    assert "extra.yaml:8: exclude.groups.0: no group named 'nobody'" in validate.output
