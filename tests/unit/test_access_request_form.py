"""The request form read back from the issue GitHub made of it, and the comment it gets: every
answer checked, everything wrong said at once, nothing from the issue shown unescaped."""

from __future__ import annotations

import pytest

from controller.core.access_request import (
    DEFAULT_LABELS,
    FormProblems,
    RequestForm,
    form_labels,
    parse_request,
    refused_comment,
    review_comment,
)
from controller.core.errors import BadInput


def body(**answers: str) -> str:
    values = {
        "Account": "dana@acme.example",
        "Site": "acme",
        "Product": "jira-software",
        "Why you need it": "Back from leave",
        **answers,
    }
    return "\n\n".join(f"### {label}\n\n{value}" for label, value in values.items())


def test_a_complete_form_is_read() -> None:
    assert parse_request(body(), labels=DEFAULT_LABELS) == RequestForm(
        account="dana@acme.example", site="acme", product="jira-software", reason="Back from leave"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (body(Site="_No response_"), {"site": None}),
        (body(Account="`dana@acme.example`"), {"account": "dana@acme.example"}),
        (body().replace("\n", "\r\n"), {}),
        (body().replace("### Product", "###   product  "), {}),
        (body(**{"Why you need it": "Line one\n\nLine two"}), {"reason": "Line one\n\nLine two"}),
        (body(Account="557058:0a1b2c3d-0000"), {"account": "557058:0a1b2c3d-0000"}),
    ],
    ids=[
        "no-site",
        "backticks",
        "crlf",
        "label-case-and-spaces",
        "multi-line-reason",
        "account-id",
    ],
)
def test_answers_as_people_type_them(text: str, expected: dict[str, object]) -> None:
    form = parse_request(text, labels=DEFAULT_LABELS)
    wanted = {
        "account": "dana@acme.example",
        "site": "acme",
        "product": "jira-software",
        "reason": "Back from leave",
        **expected,
    }
    assert form == RequestForm(**wanted)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (body(Product="_No response_"), ["the Product field is empty"]),
        (body(Account="dana at acme"), ["the Account field is not an e-mail address"]),
        (body(Site="acme\nlabs"), ["the Site field must be one line"]),
        (body(Product="Jira Software"), ["the Product field is not a product key"]),
        (body(**{"Why you need it": "x" * 2001}), ["the Why you need it field is not a sentence"]),
        ("I need Jira back please", [
            "the Account field is empty",
            "the Product field is empty",
            "the Why you need it field is empty",
        ]),
        (None, ["the Account field is empty", "the Product field is empty",
                "the Why you need it field is empty"]),
    ],
    ids=["empty", "not-an-account", "two-lines", "not-a-key", "too-long", "not-a-form", "no-body"],
)  # fmt: skip
def test_everything_wrong_is_said_at_once(text: str | None, problems: list[str]) -> None:
    with pytest.raises(FormProblems) as raised:
        parse_request(text, labels=DEFAULT_LABELS)
    found = raised.value.problems
    assert len(found) == len(problems)
    assert all(p.startswith(wanted) for p, wanted in zip(found, problems, strict=True))
    assert raised.value.exit_code == 2


FORM = """\
name: Get access back
description: x
body:
  - type: markdown
    attributes: {value: hi}
  - type: input
    id: account
    attributes: {label: Your e-mail}
  - type: textarea
    id: reason
    attributes: {label: Pourquoi}
"""


def test_labels_come_from_the_form_and_default_where_it_says_nothing() -> None:
    labels = form_labels(FORM)
    assert labels == {
        "account": "Your e-mail",
        "site": "Site",
        "product": "Product",
        "reason": "Pourquoi",
    }
    text = "### Your e-mail\n\ndana@acme.example\n\n### Product\n\njira-software\n\n"
    text += "### Pourquoi\n\nyes"
    assert parse_request(text, labels=labels).reason == "yes"


def test_a_broken_form_is_bad_input() -> None:
    with pytest.raises(BadInput):
        form_labels("body: [unclosed")
    assert form_labels(None) == DEFAULT_LABELS


def test_comments_show_nothing_from_the_issue_as_markup() -> None:
    refused = refused_comment(["there is no account <img src=x>@a.b | x in the organization"])
    assert "- `there is no account <img src=x>@a.b | x in the organization`" in refused  # inert
    review = review_comment(pull=12, why="@octo-admin is not listed\nin the map")
    assert review.startswith("<!-- accessctl:access-request -->\n")
    assert "#12" in review
    assert "is not listed in the map" in review
