"""`accessctl init` against the Atlassian simulator: from the Admin key alone to a policy set
that validates and plans, on both Jira token kinds; nothing written unless all of it can be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from controller.app.cli import main
from controller.core.errors import ExitCode
from controller.core.policy import load_policies
from controller.core.policy.models import JiraApi
from controller.sim.atlassian import SimConfig, org_directory_id
from controller.sim.generate import generate_org
from tests.integration.sim_atlassian_support import NOW, AtlassianSim, ServeAtlassian

pytestmark = pytest.mark.integration
ORG = generate_org(300, 12, now=NOW)
STARTERS = [
    "jira-servicedesk-acme-inactivity.yaml",
    "jira-servicedesk-acme-labs-inactivity.yaml",
    "jira-software-acme-inactivity.yaml",
    "jira-software-acme-labs-inactivity.yaml",
]
WRITTEN = sorted(["organization.yaml", *STARTERS])
PLAN_KEY = "a-plan-key-for-the-init-tests-0123456789"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def admin_key_only(sim: AtlassianSim) -> dict[str, str]:
    """The environment a new admin has before init: the Admin key, and where Atlassian is."""
    environ = sim.environ()
    return {
        **dict.fromkeys(("JIRA_EMAIL", "JIRA_API_TOKEN"), ""),
        "ATLASSIAN_API_BASE": environ["ATLASSIAN_API_BASE"],
        "ACCESSCTL_SITE_URL_TEMPLATE": environ["ACCESSCTL_SITE_URL_TEMPLATE"],
        "ATLASSIAN_ADMIN_API_KEY": environ["ATLASSIAN_ADMIN_API_KEY"],
    }


def init(sim: AtlassianSim, *args: str, env: dict[str, Any] | None = None) -> Result:
    return CliRunner().invoke(main, ["init", *args], env=env or admin_key_only(sim))


def written(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.yaml"))


@pytest.mark.parametrize("jira_api", ["site", "gateway"])
def test_init_writes_a_policy_set_that_validates_and_plans(
    jira_api: JiraApi, workdir: Path, atlassian_sim: ServeAtlassian
) -> None:
    sim = atlassian_sim(ORG)
    result = init(sim, "--jira-api", jira_api, "--now", "2026-11-23T06:00:00Z")

    assert result.exit_code == ExitCode.OK, result.output
    assert written(workdir / "policies") == WRITTEN
    policies = load_policies([workdir / "policies"], today=NOW.date()).policies
    organization = policies.organization
    assert organization.org_id == ORG.org_id
    assert organization.directory == org_directory_id(ORG.org_id)
    assert organization.jira_api == jira_api
    assert {(s.name, s.url, s.cloud_id) for s in organization.sites} == {
        (s.name, s.url, s.cloud_id) for s in ORG.sites
    }
    assert {
        (p.site, p.product, p.inactive_after_days, p.warn_before_days) for p in policies.inactivity
    } == {
        (site, product, 90, 14)
        for site in ("acme", "acme-labs")
        for product in ("jira-software", "jira-servicedesk")
    }
    assert "accessctl doctor" in result.output
    assert "JIRA_API_TOKEN" in result.output
    assert sim.config.admin_key not in result.output
    assert_says_to_set_the_mail_server(result.output)

    environ = {**sim.environ(jira_api=jira_api), "ACCESSCTL_PLAN_KEY": PLAN_KEY}
    validated = CliRunner().invoke(main, ["validate"], env=environ)
    planned = CliRunner().invoke(main, ["plan", "--now", "2026-11-23T06:00:00Z"], env=environ)
    assert validated.exit_code == ExitCode.OK, validated.output
    assert planned.exit_code == ExitCode.OK, planned.output
    assert "Traceback" not in planned.output


def assert_says_to_set_the_mail_server(output: str) -> None:
    """The starter policies warn 14 days ahead and name no mail server: init says what to set,
    before it sends the admin to doctor (whose smtp check fails until then)."""
    said = output.index("warnings need a mail server")
    assert said < output.index("Next: accessctl doctor")
    told = output[said:]
    assert "notifications.smtp" in told
    assert all(f"  {field}" in told for field in ("host, port", "security", "from", "username"))
    assert "SMTP_PASSWORD" in told
    assert "warn_before_days: 0" in told


def test_init_needs_the_admin_key_only_and_says_where_to_get_it(
    workdir: Path, atlassian_sim: ServeAtlassian
) -> None:
    sim = atlassian_sim(ORG)
    result = init(sim, env={**admin_key_only(sim), "ATLASSIAN_ADMIN_API_KEY": ""})

    assert result.exit_code == ExitCode.BAD_INPUT
    assert "ATLASSIAN_ADMIN_API_KEY" in result.output
    assert "admin.atlassian.com" in result.output
    assert not (workdir / "policies").exists()


def test_init_replaces_nothing_without_force(workdir: Path, atlassian_sim: ServeAtlassian) -> None:
    sim = atlassian_sim(ORG)
    (workdir / "policies").mkdir()
    (workdir / "policies" / "organization.yaml").write_text("# mine\n")

    refused = init(sim)
    untouched = (workdir / "policies" / "organization.yaml").read_text()
    forced = init(sim, "--force")

    assert refused.exit_code == ExitCode.BAD_INPUT
    assert "policies/organization.yaml already exists;" in refused.output
    assert "--force" in refused.output
    assert untouched == "# mine\n"
    assert written(workdir / "policies") == WRITTEN
    assert forced.exit_code == ExitCode.OK, forced.output


def test_init_writes_nothing_when_the_directory_would_not_validate(
    workdir: Path, atlassian_sim: ServeAtlassian
) -> None:
    sim = atlassian_sim(ORG)
    (workdir / "policies").mkdir()
    old = "version: 1\nkind: InactivityPolicy\nname: old\nsite: elsewhere\nproduct: jira-software\n"
    (workdir / "policies" / "old.yaml").write_text(old + "inactive_after_days: 30\n")

    result = init(sim)

    assert result.exit_code == ExitCode.BAD_INPUT
    assert "policies/old.yaml:4: site" in result.output
    assert "nothing was written" in result.output
    assert written(workdir / "policies") == ["old.yaml"]


@pytest.mark.parametrize(
    ("config", "args", "exit_code", "said"),
    [
        (SimConfig(extra_orgs=(("org-2", "Other"),)), (), ExitCode.BAD_INPUT, "org-2 (Other)"),
        (SimConfig(extra_orgs=(("org-2", "Other"),)), ("--org", ORG.org_id), ExitCode.OK, ""),
        (SimConfig(lists_its_org=False), (), ExitCode.BAD_INPUT, "pass its ID with --org"),
        (SimConfig(lists_its_org=False), ("--org", ORG.org_id), ExitCode.OK, ""),
        (SimConfig(), ("--org", "not-this-one"), ExitCode.BAD_INPUT, "does not reach"),
        (SimConfig(extra_directories=("Contractors",)), (), ExitCode.BAD_INPUT, "--directory"),
        (
            SimConfig(extra_directories=("Contractors",)),
            ("--directory", org_directory_id(ORG.org_id)),
            ExitCode.OK,
            "",
        ),
        (SimConfig(), ("--directory", "not-this-one"), ExitCode.BAD_INPUT, "is not one of them"),
    ],
    ids=[
        "several-orgs",
        "several-orgs-picked",
        "no-org-listed",
        "no-org-listed-named",
        "unknown-org",
        "several-directories",
        "several-directories-picked",
        "unknown-directory",
    ],
)
def test_init_picks_only_what_it_cannot_get_wrong(
    config: SimConfig,
    args: tuple[str, ...],
    exit_code: int,
    said: str,
    workdir: Path,
    atlassian_sim: ServeAtlassian,
) -> None:
    sim = atlassian_sim(ORG, config)
    result = init(sim, *args)

    assert result.exit_code == exit_code, result.output
    assert said in result.output
    assert "Traceback" not in result.output
    assert written(workdir / "policies") == (WRITTEN if exit_code == ExitCode.OK else [])
