"""A policy repository as the GitOps commands meet it: a bare origin (on the GitHub simulator,
for the commands that open pull requests), a clone holding a copy of policies/ and a state/
directory, and the CLI run inside the clone.

The `policy_clone` and `policy_repo` fixtures (tests/integration/conftest.py) build them. The
clone is the current directory while a command runs (as in a CI job), and the GitHub settings
come from the environment, as GitHub Actions provides them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from click.testing import CliRunner

from controller.adapters.github import GitHubForge, IssueComment, PullRequest
from controller.app.cli import main
from controller.core.ledger import Ledger, WarningRecord, dump_ledger
from tests.integration.git_sandbox import REPOSITORY, TOKEN, Origin, git

ROOT = Path(__file__).parents[2]
EXAMPLE_INVENTORY = ROOT / "policies" / "examples" / "inventory.json"
NOW = "2026-11-23T06:00:00Z"
PLANNED_AT = NOW
APPLIED_AT = "2026-11-23T09:00:00Z"
BOB = "557058:00000002-0000-4000-8000-000000000002"
TRENT = "557058:00000017-0000-4000-8000-000000000017"


def policy_files() -> dict[str, str]:
    """The example policy set, as committed files of a fresh repository."""
    return {
        f"policies/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "policies").glob("*.yaml"))
    }


def revoking_policy_files() -> dict[str, str]:
    """The example policies, with revocation straight away (no warning) and room to revoke."""
    files = policy_files()
    jsw = "policies/jira-software-inactivity.yaml"
    files[jsw] = files[jsw].replace("warn_before_days: 7", "warn_before_days: 0")
    org = "policies/organization.yaml"
    files[org] = files[org].replace("max_revocation_fraction: 0.30", "max_revocation_fraction: 0.5")
    files["state/README.md"] = "state\n"
    return files


def matured_warning(
    account_id: str, email: str, *, warned_at: datetime = datetime(2026, 11, 10, 6, tzinfo=UTC)
) -> WarningRecord:
    """A Jira Software warning whose grace ended two days after `warned_at`: past the limit,
    the account is now revoked rather than warned again."""
    return WarningRecord(
        account_id=account_id,
        email=email,
        site="acme",
        product="jira-software",
        policy="jira-software-60d",
        warned_at=warned_at,
        revoke_not_before=warned_at + timedelta(days=2),
    )


def ledger_text(*warnings: WarningRecord) -> str:
    return dump_ledger(Ledger(warnings=warnings)).decode()


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


def accessctl(*args: str) -> Result:
    """The real CLI in the current directory; never raises, like a shell would not."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


@dataclass(frozen=True)
class PolicyClone:
    """A clone (the current directory) of a bare origin holding the policies."""

    origin: Origin
    clone: Path

    def commit(self, files: dict[str, str], *, message: str = "change policies") -> str:
        for path, text in files.items():
            target = self.clone / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        git(self.clone, "add", "--all")
        git(self.clone, "commit", "--quiet", "-m", message)
        return git(self.clone, "rev-parse", "HEAD")

    def edit(self, path: str, old: str, new: str) -> str:
        """The file at `path` with `old` replaced (exactly once) by `new`."""
        text = (self.clone / path).read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} not found once in {path}"
        return text.replace(old, new)

    def push(self, branch: str) -> None:
        git(self.clone, "push", "--quiet", "--force", "origin", f"HEAD:refs/heads/{branch}")

    def current_branch(self) -> str:
        return git(self.clone, "branch", "--show-current")


@dataclass(frozen=True)
class PolicyRepo(PolicyClone):
    """A policy clone whose origin the GitHub simulator serves."""

    forge: GitHubForge
    base_url: str
    token: str = TOKEN  # the Actions token, unless a test gives the job an app's

    def environ(self) -> dict[str, str]:
        return {
            "GITHUB_API_URL": self.base_url,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_TOKEN": self.token,
        }

    def pulls(self) -> list[PullRequest]:
        """Every pull request the simulator holds, open or closed, oldest first."""
        answer = httpx.get(f"{self.base_url}/__sim/pulls", timeout=5)
        answer.raise_for_status()
        return sorted(
            (PullRequest.model_validate(item) for item in answer.json()), key=lambda p: p.number
        )

    def open_pulls(self) -> list[PullRequest]:
        return [pull for pull in self.pulls() if pull.state == "open"]

    def comments(self, number: int) -> list[IssueComment]:
        return self.forge.list_comments(number)


def committed_files(
    *, files: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What a policy origin's main holds: `files` (default: the example policies and a state/
    directory) and `extra`."""
    return {**(files or {**policy_files(), "state/README.md": "state\n"}), **(extra or {})}


@contextmanager
def with_forge(clone: PolicyClone, *, base_url: str, token: str = TOKEN) -> Iterator[PolicyRepo]:
    """The clone, with a GitHub client for the simulator at `base_url` serving its origin."""
    environment = {
        "GITHUB_API_URL": base_url,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_TOKEN": token,
    }
    with GitHubForge.from_env(environment) as forge:
        yield PolicyRepo(
            origin=clone.origin, clone=clone.clone, forge=forge, base_url=base_url, token=token
        )


def github_environ(base_url: str) -> dict[str, str]:
    """What GitHub Actions provides a job, pointing at the simulator."""
    return {"GITHUB_API_URL": base_url, "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_TOKEN": TOKEN}
