"""The "get it back" link in the warning and revocation mails: an issue form in the policy
repository, pre-filled, or a mailbox; where the repository comes from; overridable wording."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from controller.adapters.mail import RequestLinks, Templates, request_links
from controller.adapters.mail.compose import revocation_mail, warning_mail
from controller.core.ledger import warning_record
from controller.core.plan.model import Action, Evidence, GroupRef
from tests.factories import NOW, inactivity, organization, policy_set

ACTION = Action(
    key="revoke:acme:jira-software:u1",
    action="revoke",
    account_id="u1",
    email="dana+jira@acme.example",
    name="Dana",
    site="acme",
    product="jira-software",
    policy="jsw-60",
    method="remove-from-groups",
    groups=(GroupRef(id="g-jsw", name="jira-software-users-acme"),),
    reason="idle",
    evidence=Evidence(last_active=NOW - timedelta(days=90)),
)
ACTIONS = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/access-policies"}


def links(environ: dict[str, str] | None = None, **setting: Any) -> RequestLinks:
    org = organization(notifications={"request_link": setting} if setting else {})
    return request_links(org, environ if environ is not None else ACTIONS)


def mail_text(links: RequestLinks, templates: Templates | None = None) -> str:
    mail = revocation_mail(
        ACTION,
        organization=organization(),
        templates=templates or Templates(None),
        now=NOW,
        links=links,
    )
    return mail.rendered.text


def link_in(text: str) -> str:
    return next(line for line in text.splitlines() if "://" in line or "mailto:" in line)


def test_the_revocation_mail_links_to_the_prefilled_issue_form() -> None:
    link = link_in(mail_text(links()))
    parts = urlsplit(link)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}

    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://github.com/acme/access-policies/issues/new"
    )
    assert query == {
        "template": "request-access.yml",
        "title": "Access request: jira-software on acme for dana+jira@acme.example",
        "account": "dana+jira@acme.example",
        "site": "acme",
        "product": "jira-software",
    }
    assert "%2B" in link  # a `+` in the address survives as itself, not as a space


def test_the_warning_mail_has_the_link_too() -> None:
    warn = replace(ACTION, key="warn:acme:jira-software:u1", action="warn")
    record = warning_record(warn, policies=policy_set(inactivity()), now=NOW)
    mail = warning_mail(
        warn, record, organization=organization(), templates=Templates(None), links=links()
    )
    assert "https://github.com/acme/access-policies/issues/new?" in mail.rendered.text
    assert 'href="https://github.com/acme/access-policies/issues/new?' in mail.rendered.html
    assert "&amp;account=" in mail.rendered.html


def test_the_organizations_repository_wins_over_the_environment() -> None:
    chosen = links(repository_url="https://github.example.com/it/access")
    assert link_in(mail_text(chosen)).startswith("https://github.example.com/it/access/issues/new?")


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"GITHUB_REPOSITORY": "acme/access-policies"},
        {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/x y"},
        {"GITHUB_SERVER_URL": "javascript:alert(1)", "GITHUB_REPOSITORY": "acme/access"},
    ],
    ids=["outside-actions", "no-server", "bad-repository", "bad-server"],
)
def test_without_a_repository_the_mail_names_the_contact(environ: dict[str, str]) -> None:
    text = mail_text(links(environ))
    assert "issues/new" not in text
    assert "If you need it again, ask your administrators." in text


def test_a_mailbox_gets_a_mailto_link_with_subject_and_body() -> None:
    link = link_in(mail_text(links(via="mailbox", mailbox="access@acme.example")))
    address, _, query = link.removeprefix("mailto:").partition("?")
    fields = {key: values[0] for key, values in parse_qs(query).items()}

    assert address == "access@acme.example"
    assert fields["subject"] == "Access request: jira-software on acme for dana+jira@acme.example"
    assert "Account: dana+jira@acme.example\nSite: acme\nProduct: jira-software" in fields["body"]
    assert " " not in link  # spaces are %20, as RFC 6068 wants
    assert unquote(link).count("\n") >= 3


def test_none_means_no_link() -> None:
    text = mail_text(links(via="none"))
    assert "issues/new" not in text
    assert "If you need it again, ask your administrators." in text


def test_the_wording_is_overridable_like_every_template(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "access-request.subject.j2").write_text(
        "Seat back for {{ account }}", encoding="utf-8"
    )
    link = link_in(mail_text(links(), Templates(tmp_path)))
    assert parse_qs(urlsplit(link).query)["title"] == ["Seat back for dana+jira@acme.example"]
