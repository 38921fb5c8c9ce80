"""What the warning and revocation mails say a person loses: the seat, what a shared group takes
with it, or for a suspension everything."""

from __future__ import annotations

from typing import Any

import pytest

from controller.adapters.mail import Templates
from controller.adapters.mail.compose import revocation_mail, warning_mail
from controller.core.ledger import Ledger, warning_record
from controller.core.plan.model import Action
from controller.core.reconcile import reconcile
from tests.factories import NOW, account, inactivity, inventory, organization, policy_set

ORG = organization()
TEMPLATES = Templates(None)


def planned(kind: str, *, groups: tuple[str, ...], **policy: Any) -> Action:
    warn = kind == "warn"
    chosen = policy_set(inactivity(warn_before_days=7 if warn else 0, **policy))
    subject = account("bob", idle=60 if warn else 90, groups=groups)
    plan = reconcile(chosen, inventory(subject), ledger=Ledger(), now=NOW)
    (action,) = plan.actions
    assert action.action == kind
    return action


def mail_text(action: Action) -> tuple[str, str, str]:
    if action.action == "warn":
        chosen = policy_set(inactivity(warn_before_days=7))
        record = warning_record(action, policies=chosen, now=NOW)
        mail = warning_mail(action, record, organization=ORG, templates=TEMPLATES)
    else:
        mail = revocation_mail(action, organization=ORG, templates=TEMPLATES, now=NOW)
    rendered = mail.rendered
    return rendered.subject, " ".join(rendered.text.split()), " ".join(rendered.html.split())


SHARED = {"allow_collateral": True}


@pytest.mark.parametrize(
    ("kind", "groups", "policy", "says", "never_says"),
    [
        pytest.param(
            "warn",
            ("g-jsw",),
            {},
            ["Jira Software access on acme will be removed", "Nothing else changes"],
            ["also removes", "suspended"],
            id="warning-of-one-seat",
        ),
        pytest.param(
            "warn",
            ("g-suite",),
            SHARED,
            ["The same change also removes your access to Confluence on acme"],
            ["Nothing else changes"],
            id="warning-names-what-a-shared-group-takes",
        ),
        pytest.param(
            "warn",
            ("g-both", "g-suite"),
            SHARED,
            ["also removes your access to Confluence on acme, Jira Software on labs"],
            ["Nothing else changes"],
            id="warning-names-every-site-and-product",
        ),
        pytest.param(
            "warn",
            ("g-jsw",),
            {"action": "suspend"},
            ["will be suspended on", "every product on every site", "not used Jira Software on"],
            ["Nothing else changes", "also removes"],
            id="warning-of-a-suspension-says-all-access",
        ),
        pytest.param(
            "revoke",
            ("g-jsw",),
            {},
            ["was removed on", "Your other products and sites stay as they are"],
            ["also removed", "suspended"],
            id="revocation-of-one-seat",
        ),
        pytest.param(
            "revoke",
            ("g-both",),
            SHARED,
            ["That also removed your access to Jira Software on labs"],
            [],
            id="revocation-names-what-a-shared-group-took",
        ),
        pytest.param(
            "revoke",
            ("g-jsw",),
            {"action": "suspend"},
            ["was suspended", "any product on any site"],
            ["stay as they are"],
            id="revocation-by-suspension-says-all-access",
        ),
    ],
)
def test_mails_say_exactly_what_is_removed(
    kind: str,
    groups: tuple[str, ...],
    policy: dict[str, Any],
    says: list[str],
    never_says: list[str],
) -> None:
    _, text, html = mail_text(planned(kind, groups=groups, **policy))
    for part in says:
        assert part in text
        assert part in html.replace("<strong>", "").replace("</strong>", "")
    for part in never_says:
        assert part not in text


def test_the_subject_of_a_suspension_warning_says_suspended() -> None:
    subject, _, _ = mail_text(planned("warn", groups=("g-jsw",), action="suspend"))
    assert subject.startswith(f"Your account in {ORG.org_id} will be suspended on ")
