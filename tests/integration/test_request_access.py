"""`accessctl request-access`: an access request becomes a pull request adding an AccessGrants
entry; merged, the next plan grants the access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from ruamel.yaml import YAML

from controller.core.errors import ExitCode
from controller.core.plan import parse_plan
from tests.integration.git_sandbox import git
from tests.integration.policy_repo import EXAMPLE_INVENTORY, NOW, PolicyRepo, accessctl

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]
BRANCH = "access-request/walter-acme-example-jira-software"


@pytest.fixture
def repo(policy_repo: Callable[..., PolicyRepo]) -> PolicyRepo:
    return policy_repo()


def request(*extra: str) -> tuple[int, str]:
    result = accessctl(
        "request-access", "walter@acme.example", "--product", "jira-software", "--site", "acme",
        "--reason", "Covers the release rota in December", "--expires", "2027-01-15",
        "--now", NOW, *extra,
    )  # fmt: skip
    return result.exit_code, result.stdout + result.stderr


def test_opens_a_pull_request_with_one_new_entry_and_keeps_the_checkout(repo: PolicyRepo) -> None:
    before = (repo.clone / "policies/access-grants.yaml").read_text()
    code, output = request()
    assert code == ExitCode.OK, output
    [pull] = repo.open_pulls()
    assert pull.title == "Access request: walter@acme.example -> jira-software on acme"
    assert pull.head.ref == BRANCH
    assert "access-request" in pull.label_names
    assert "Covers the release rota in December" in (pull.body or "")
    text = git(repo.origin.git_dir, "show", f"{BRANCH}:policies/access-grants.yaml")
    assert text.startswith(before.split("grants:")[0])  # header comments kept
    entries = YAML(typ="safe").load(text)["grants"]
    assert entries[-1] == {
        "account": "walter@acme.example",
        "site": "acme",
        "product": "jira-software",
        "reason": "Covers the release rota in December",
        "expires": date(2027, 1, 15),
    }
    assert len(entries) == 2
    assert repo.current_branch() == "main"
    assert (repo.clone / "policies/access-grants.yaml").read_text() == before


def test_merged_request_is_granted_by_the_next_plan(repo: PolicyRepo) -> None:
    assert request()[0] == ExitCode.OK
    [pull] = repo.open_pulls()
    repo.forge.merge_pull(pull.number, title="Approve access request")
    git(repo.clone, "pull", "--quiet", "--ff-only", "origin", "main")
    result = accessctl(
        "plan", "--inventory", str(EXAMPLE_INVENTORY), "--now", NOW, "--format", "json"
    )
    plan = parse_plan(result.stdout.encode(), source="stdout")
    granted = [a for a in plan.actions if a.action == "grant"]
    # Walter already holds Jira Service Management, not Jira Software: the plan adds him.
    assert {a.email for a in granted} == {"walter@acme.example", "rupert@acme.example"}


def test_a_repository_without_grants_gets_a_new_file(repo: PolicyRepo) -> None:
    (repo.clone / "policies/access-grants.yaml").unlink()
    repo.commit({}, message="no grants yet")
    git(repo.clone, "push", "--quiet", "origin", "main")
    assert request()[0] == ExitCode.OK
    text = git(repo.origin.git_dir, "show", f"{BRANCH}:policies/access-grants.yaml")
    assert "kind: AccessGrants" in text
    assert YAML(typ="safe").load(text)["grants"][0]["account"] == "walter@acme.example"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        pytest.param(
            ["--group", "jira-testers"], "give exactly one of `groups` or `product`", id="both"
        ),
        pytest.param(["--site", "nowhere"], "unknown site 'nowhere'", id="unknown-site"),
    ],
)
def test_bad_requests_exit_2_and_open_nothing(
    repo: PolicyRepo, args: list[str], fragment: str
) -> None:
    code, output = request(*args)
    assert code == ExitCode.BAD_INPUT
    assert fragment in output
    assert repo.pulls() == []
