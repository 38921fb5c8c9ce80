"""The policy set `accessctl init` writes: it validates, and every value reads back as written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from controller.core.policy import load_policies
from controller.core.policy.starter import (
    StarterOrganization,
    StarterSite,
    starter_files,
    yaml_scalar,
)
from tests import factories
from tests.factories import NOW

ACME = StarterSite(
    name="acme",
    url="https://acme.atlassian.net",
    cloud_id="0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
    products=("confluence", "jira-product-discovery", "jira-software", "jira-whiteboards"),
)
NUMBERED = StarterSite(
    name="1234", url="https://1234.atlassian.net", cloud_id="20240101", products=("jira-core",)
)


@pytest.mark.parametrize(
    "value",
    ["acme", "8f3c2a71-5d4e", "https://acme.atlassian.net", "12345", "1e5", "0x1F", "true",
     "No", "null", "~", "-dash", "a b", "café", "a: b", "#hash", ".inf", "10:30"],
)  # fmt: skip
def test_every_value_reads_back_as_the_same_text(value: str) -> None:
    assert YAML(typ="safe").load(io.StringIO(f"key: {yaml_scalar(value)}\n")) == {"key": value}


@pytest.mark.parametrize(
    ("sites", "policies"),
    [
        ((ACME,), ["jira-product-discovery-acme", "jira-software-acme"]),
        ((ACME, NUMBERED), ["jira-core-1234", "jira-product-discovery-acme", "jira-software-acme"]),
    ],
    ids=["one-site", "two-sites"],
)
def test_the_starter_set_validates_with_one_policy_per_known_jira_product(
    sites: tuple[StarterSite, ...], policies: list[str], tmp_path: Path
) -> None:
    found = StarterOrganization(
        org_id="8f3c2a71-5d4e-4b6a-9c1f-2e7d8a9b0c13",
        name="Acme",
        directory_id="ec6df855-7066-5a57-8e9d-89e77679cdce",
        sites=sites,
        other_sites=("wiki",),
        jira_api="gateway",
    )
    for name, text in starter_files(found).items():
        (tmp_path / name).write_text(text)
    loaded = load_policies([tmp_path], today=NOW.date()).policies

    assert sorted(p.name for p in loaded.inactivity) == policies
    assert all((p.inactive_after_days, p.warn_before_days) == (90, 14) for p in loaded.inactivity)
    assert loaded.organization.directory == found.directory_id
    assert loaded.organization.jira_api == "gateway"
    assert [s.cloud_id for s in loaded.organization.sites] == [s.cloud_id for s in sites]
    assert "Left out, running no Jira: wiki." in starter_files(found)["organization.yaml"]


SMTP = {"host": "smtp.acme.example", "from": "accessctl@acme.example"}


@pytest.mark.parametrize(
    ("send_warnings", "warn_before_days", "smtp", "lacks"),
    [(True, 14, None, True), (True, 14, SMTP, False), (True, 0, None, False),
     (False, 14, None, False)],
    ids=["warns-no-server", "warns-with-a-server", "never-warns", "warnings-off"],
)  # fmt: skip
def test_a_policy_set_that_warns_by_mail_needs_its_mail_server(
    send_warnings: bool, warn_before_days: int, smtp: dict[str, str] | None, lacks: bool
) -> None:
    notifications = {"send_warnings": send_warnings, "smtp": smtp}
    policies = factories.policy_set(
        factories.inactivity(warn_before_days=warn_before_days),
        org=factories.organization(notifications=notifications),
    )

    assert policies.warns_by_mail() is (send_warnings and warn_before_days > 0)
    assert policies.lacks_its_mail_server() is lacks
