"""`accessctl doctor` against the simulators: every check passing, and failing for the reason it
names, with the setting that breaks it changed in the Atlassian or GitHub simulator (or the SMTP
server); nothing is changed by doctor, and no secret is ever printed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from controller.app.cli import main
from controller.app.labels import PLAN_LABEL, REQUEST_LABEL
from controller.core.errors import ExitCode
from controller.sim.atlassian import SimConfig
from controller.sim.generate import generate_org
from controller.sim.github import (
    ADMIN_TOKEN,
    APP_TOKEN,
    ActionsSettings,
    RepositorySettings,
    Ruleset,
)
from controller.sim.github.accounts import APP_BOT
from controller.sim.github.branch_protection import ClassicProtection
from tests.integration.git_sandbox import REPOSITORY, TOKEN, Origin, set_up_as_documented
from tests.integration.sim_atlassian_support import NOW, QUICK, AtlassianSim, ServeAtlassian
from tests.integration.smtp_sink import (
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpServer,
    self_signed_certificate,
    server_context,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]
ORG = generate_org(120, 5, now=NOW)
PLAN_KEY = "a-plan-key-for-the-doctor-tests-0123456789"
READ_SCOPES = ("read:orgs:admin", "read:directories:admin", "read:groups:admin")
REPO = f"/repos/{REPOSITORY}"


@pytest.fixture(scope="module")
def starter_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `starter` keeps the policy set once written: one `init` serves the module."""
    return tmp_path_factory.mktemp("starter") / "policies"


@pytest.fixture
def starter(starter_folder: Path, atlassian_sim: ServeAtlassian) -> Path:
    """The policy set `accessctl init` writes for ORG (doctor's usual first input)."""
    if not starter_folder.exists():
        sim = atlassian_sim(ORG, environ=False)
        env = {**sim.environ(), "JIRA_EMAIL": None, "JIRA_API_TOKEN": None}
        done = CliRunner().invoke(main, ["init", "--policies", str(starter_folder)], env=env)
        assert done.exit_code == ExitCode.OK, done.output
    return starter_folder


@dataclass
class Doctor:
    """Simulators, a policy directory and an environment to run `accessctl doctor` in."""

    policies: Path
    root: Path
    atlassian_sim: ServeAtlassian
    github_sim: Callable[..., str]
    bare_origin: Callable[..., Origin]
    env: dict[str, str | None] = field(default_factory=dict)
    github_url: str = ""

    def atlassian(self, config: SimConfig = QUICK, *, jira_api: str = "site") -> AtlassianSim:
        sim = self.atlassian_sim(ORG, config, environ=False)
        self.env.update(sim.environ(jira_api=jira_api))  # type: ignore[arg-type]
        self.edit("jira_api: site ", f"jira_api: {jira_api} ")
        return sim

    def github(
        self, settings: RepositorySettings | None = None, *, token: str = ADMIN_TOKEN
    ) -> str:
        origin = self.bare_origin(name="github")
        self.github_url = self.github_sim(origin, settings=settings)
        self.env.update(
            GITHUB_API_URL=self.github_url, GITHUB_REPOSITORY=REPOSITORY, GITHUB_TOKEN=token
        )
        return self.github_url

    def label(self, *names: str) -> None:
        for name in names:
            httpx.post(
                f"{self.github_url}{REPO}/labels",
                json={"name": name},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                timeout=10,
            ).raise_for_status()

    def edit(self, old: str, new: str, *, name: str = "organization.yaml") -> None:
        for path in sorted(self.policies.glob(name)):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(old, new), encoding="utf-8")

    def mail(self, block: str) -> None:
        """`notifications.smtp`, as YAML lines under `notifications:`."""
        indented = "".join(f"  {line}\n" for line in block.strip().splitlines())
        self.edit("notifications:\n", f"notifications:\n{indented}")

    def run(self, *args: str) -> Report:
        done = CliRunner().invoke(
            main, ["doctor", "--policies", str(self.policies), *args], env=self.env
        )
        return Report(done.exit_code, done.stdout, self.secrets())

    def secrets(self) -> list[str]:
        names = ("ATLASSIAN_ADMIN_API_KEY", "JIRA_API_TOKEN", "GITHUB_TOKEN", "SMTP_PASSWORD")
        return [value for name in names if (value := self.env.get(name))] + [PLAN_KEY]


@dataclass(frozen=True)
class Report:
    code: int
    output: str
    secrets: list[str]

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.output))

    def check(self, name: str) -> dict[str, str]:
        found = [c for c in self.json()["checks"] if c["check"] == name]
        assert len(found) == 1, (name, self.output)
        return dict(found[0])

    def status(self, name: str, *words: str) -> str:
        """The check's status, having made sure its detail or fix says each of `words`."""
        check = self.check(name)
        shown = f"{check['detail']} {check['fix']}"
        assert all(word in shown for word in words), (words, shown)
        return check["status"]


@pytest.fixture
def doctor(
    starter: Path,
    tmp_path: Path,
    atlassian_sim: ServeAtlassian,
    github_sim: Callable[..., str],
    bare_origin: Callable[..., Origin],
) -> Callable[..., Doctor]:
    def make(**env: str | None) -> Doctor:
        policies = tmp_path / "policies"
        shutil.copytree(starter, policies)
        base = {
            "ACCESSCTL_PLAN_KEY": PLAN_KEY,
            "ACCESSCTL_APP_CLIENT_ID": None,
            "SMTP_PASSWORD": None,
            "GITHUB_API_URL": None,
            "GITHUB_REPOSITORY": None,
            "GITHUB_TOKEN": None,
        }
        made = Doctor(
            policies, tmp_path, atlassian_sim, github_sim, bare_origin, env={**base, **env}
        )
        # No warning: no mail server needed, unless a test asks for one.
        made.edit("warn_before_days: 14", "warn_before_days: 0", name="*-inactivity.yaml")
        return made

    return make


def assert_no_secret(report: Report) -> None:
    for secret in report.secrets:
        assert secret not in report.output


# --- the whole set up, and what doctor never does ----------------------------------------------


@pytest.mark.parametrize("jira_api", ["site", "gateway"])
def test_a_set_up_as_documented_passes_every_check(
    doctor: Callable[..., Doctor], jira_api: str
) -> None:
    made = doctor()
    sim = made.atlassian(jira_api=jira_api)
    made.github(set_up_as_documented())
    made.label(REQUEST_LABEL)
    before = sim.inventory()

    text = made.run()
    report = made.run("--format", "json")

    assert report.code == ExitCode.OK, report.output
    assert {c["status"] for c in report.json()["checks"]} <= {"ok", "skipped"}
    assert report.json()["counts"]["FAIL"] == 0
    assert text.code == ExitCode.OK
    assert "doctor: " in text.output
    assert "0 FAIL" in text.output
    assert sim.inventory() == before  # nothing changed
    assert_no_secret(report)
    assert_no_secret(text)


# --- the policies and the plan key ------------------------------------------------------------


def test_invalid_policies_fail_and_skip_what_needs_them(doctor: Callable[..., Doctor]) -> None:
    made = doctor()
    made.atlassian()
    made.edit("plan_ttl_days: 7", "plan_ttl_days: seven")

    report = made.run("--format", "json")

    assert report.code == ExitCode.FAILURE
    assert report.status("policies", "organization.yaml:", "accessctl validate") == "FAIL"
    assert report.status("atlassian, jira, smtp", "valid policy set") == "skipped"


@pytest.mark.parametrize(
    ("key", "status", "word"),
    [(PLAN_KEY, "ok", "long enough"), (None, "FAIL", "not set"), ("short", "FAIL", "5 characters")],
    ids=["set", "unset", "short"],
)
def test_the_plan_key(
    doctor: Callable[..., Doctor], key: str | None, status: str, word: str
) -> None:
    made = doctor(ACCESSCTL_PLAN_KEY=key)
    made.atlassian()

    report = made.run("--format", "json")

    assert report.status("plan key", word) == status
    assert_no_secret(report)


# --- the Admin API key ------------------------------------------------------------------------


def test_a_wrong_admin_key_fails_and_skips_the_reads(doctor: Callable[..., Doctor]) -> None:
    made = doctor()
    made.atlassian()
    made.env["ATLASSIAN_ADMIN_API_KEY"] = "not-the-key-0123456789"

    report = made.run("--format", "json")

    assert report.status("atlassian: organization", "expired", "without scopes") == "FAIL"
    assert report.check("atlassian: directory, users, last-active dates, groups")["status"] == (
        "skipped"
    )
    assert_no_secret(report)


def test_an_organization_the_key_does_not_reach(doctor: Callable[..., Doctor]) -> None:
    made = doctor()
    made.atlassian()
    made.edit(f"org_id: {ORG.org_id}", "org_id: 00000000-0000-4000-8000-00000000beef")

    report = made.run("--format", "json")

    assert report.status("atlassian: organization", "does not reach organization") == "FAIL"


def test_a_missing_admin_key_is_named(doctor: Callable[..., Doctor]) -> None:
    made = doctor()
    made.atlassian()
    made.env["ATLASSIAN_ADMIN_API_KEY"] = None

    report = made.run("--format", "json")

    assert report.status("atlassian: organization", "ATLASSIAN_ADMIN_API_KEY") == "FAIL"


@pytest.mark.parametrize(
    ("directory", "extra", "status", "words"),
    [
        ("auto", (), "ok", ("auto finds the one directory",)),
        ("auto", ("a-second-directory",), "FAIL", ("has 2", "directory: <id>")),
        ("dir-nobody-has", (), "FAIL", ("dir-nobody-has is not one",)),
    ],
    ids=["auto-one", "auto-several", "named-unknown"],
)
def test_the_directory(
    doctor: Callable[..., Doctor],
    directory: str,
    extra: tuple[str, ...],
    status: str,
    words: tuple[str, ...],
) -> None:
    made = doctor()
    made.atlassian(SimConfig(latency_ms=0, extra_directories=extra))
    made.edit("directory: ", f"directory: {directory}   # ")

    report = made.run("--format", "json")

    assert report.status("atlassian: directory", *words) == status
    assert report.check("atlassian: users")["status"] == "ok"  # reads go to every directory


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        (None, {"users": "ok", "last-active dates": "ok", "groups": "ok",
                "may change access": "ok"}),
        (READ_SCOPES, {"users": "ok", "last-active dates": "FAIL", "groups": "ok",
                       "may change access": "FAIL"}),
        (("read:orgs:admin", "read:groups:admin"), {"directory": "FAIL", "users": "FAIL",
                                                     "groups": "ok"}),
        (("read:orgs:admin", "read:directories:admin"), {"directory": "ok", "users": "ok",
                                                          "groups": "FAIL"}),
    ],
    ids=["key-without-scopes", "read-scopes-only", "no-directory-scope", "no-groups-scope"],
)  # fmt: skip
def test_what_the_admin_key_may_read_and_change(
    doctor: Callable[..., Doctor], scopes: tuple[str, ...] | None, expected: dict[str, str]
) -> None:
    made = doctor()
    made.atlassian(SimConfig(latency_ms=0, admin_key_scopes=scopes))

    report = made.run("--format", "json")

    for check, status in expected.items():
        assert report.check(f"atlassian: {check}")["status"] == status, (check, report.output)
    if scopes == READ_SCOPES:
        assert report.status("atlassian: may change access", "without scopes") == "FAIL"
        assert report.status("atlassian: last-active dates", "names no scope") == "FAIL"
    if scopes is not None and "read:directories:admin" not in scopes:
        assert report.status("atlassian: users", "read:directories:admin") == "FAIL"
    if scopes is not None and "read:groups:admin" not in scopes:
        assert report.status("atlassian: groups", "read:groups:admin") == "FAIL"
    assert report.code == ExitCode.FAILURE  # GitHub is not set up here, at least


# --- the policies against the organization --------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [("product: jira-software", "product: jira-core",
      ("jira-software-acme-inactivity.yaml:10: product: no group", "grants jira-core on acme")),
     ("action: remove-from-groups", "groups: [jira-software-user-acme]\naction: remove-from-groups",
      ("jira-software-acme-inactivity.yaml:13: groups.0: no group named "
       "'jira-software-user-acme'",))],
    ids=["a-product-no-group-grants-there", "a-group-the-organization-lacks"],
)  # fmt: skip
def test_a_name_the_organization_lacks_fails_as_plan_would(
    doctor: Callable[..., Doctor], old: str, new: str, words: tuple[str, ...]
) -> None:
    made = doctor()
    made.atlassian()
    made.edit(old, new, name="jira-software-acme-inactivity.yaml")
    check = "policies: against the organization"

    report = made.run("--format", "json")
    planned = CliRunner().invoke(
        main, ["plan", "--policies", str(made.policies), "--state", str(made.root / "state")],
        env=made.env,
    )  # fmt: skip

    assert report.check("policies")["status"] == "ok"  # valid on its own
    assert report.status(check, *words, "accessctl validate --inventory") == "FAIL"
    assert planned.exit_code == ExitCode.BAD_INPUT
    assert all(word in planned.output for word in words)


def test_the_policies_are_not_checked_against_an_organization_doctor_cannot_read(
    doctor: Callable[..., Doctor],
) -> None:
    made = doctor()
    made.atlassian()
    made.env["JIRA_API_TOKEN"] = "not-the-token-0123456789"

    report = made.run("--format", "json")

    assert report.status("policies: against the organization", "Jira checks passing") == ("skipped")


# --- Jira, per site ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jira_api", "token", "words"),
    [
        ("site", "sim-jira-scoped-token", ("jira_api: site takes a classic", "jira_api: gateway")),
        ("gateway", "sim-jira-token", ("jira_api: gateway takes a scoped", "jira_api: site")),
    ],
    ids=["scoped-token-at-the-site", "classic-token-through-the-gateway"],
)
def test_a_token_of_the_other_kind_fails_each_site(
    doctor: Callable[..., Doctor], jira_api: str, token: str, words: tuple[str, ...]
) -> None:
    made = doctor()
    made.atlassian(jira_api=jira_api)
    made.env["JIRA_API_TOKEN"] = token

    report = made.run("--format", "json")

    for site in ("acme", "acme-labs"):
        assert report.status(f"jira {site}: token", *words) == "FAIL"
        assert report.check(f"jira {site}: permissions")["status"] == "skipped"
    assert_no_secret(report)


def test_a_jira_account_that_is_no_administrator(doctor: Callable[..., Doctor]) -> None:
    made = doctor()
    made.atlassian(SimConfig(latency_ms=0, jira_permissions=("USER_PICKER",)))

    report = made.run("--format", "json")

    assert report.status("jira acme: token") == "ok"
    assert report.status("jira acme: Administer Jira", "Global permissions") == "FAIL"
    assert report.status("jira acme: application roles", "Administer Jira") == "FAIL"


@pytest.mark.parametrize(
    ("missing", "check"),
    [
        ("read:permission:jira", "jira acme: Administer Jira"),
        ("read:application-role:jira", "jira acme: application roles"),
    ],
    ids=["no-permission-scope", "no-application-role-scope"],
)
def test_a_scoped_token_without_a_scope_it_needs(
    doctor: Callable[..., Doctor], missing: str, check: str
) -> None:
    # Jira's classic user scope keeps `myself` readable whatever granular scope is missing.
    scopes = (*(s for s in SimConfig().jira_token_scopes if s != missing), "read:jira-user")
    made = doctor()
    made.atlassian(SimConfig(latency_ms=0, jira_token_scopes=scopes), jira_api="gateway")

    report = made.run("--format", "json")

    assert report.status("jira acme: token") == "ok"
    assert report.status(check, f"add the scope {missing}") == "FAIL"


def test_missing_jira_credentials_are_named(doctor: Callable[..., Doctor]) -> None:
    made = doctor()
    made.atlassian()
    made.env["JIRA_API_TOKEN"] = None

    report = made.run("--format", "json")

    assert report.status("jira: token", "JIRA_API_TOKEN") == "FAIL"
    assert report.check("atlassian: organization")["status"] == "ok"


# --- GitHub -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "repository", "words"),
    [("wrong-token-0123456789", REPOSITORY, ("GITHUB_TOKEN is wrong",)),
     (ADMIN_TOKEN, "acme/elsewhere", ("acme/elsewhere", "can see"))],
    ids=["bad-token", "unknown-repository"],
)  # fmt: skip
def test_the_token_and_repository(
    doctor: Callable[..., Doctor], token: str, repository: str, words: tuple[str, ...]
) -> None:
    made = doctor()
    made.atlassian()
    made.github(token=token)
    made.env["GITHUB_REPOSITORY"] = repository

    report = made.run("--format", "json")

    assert report.status("github: repository", *words) == "FAIL"
    assert report.check("github: labels, Actions, push state/")["status"] == "skipped"
    assert_no_secret(report)


def test_github_not_configured(doctor: Callable[..., Doctor]) -> None:
    made = doctor()
    made.atlassian()

    report = made.run("--format", "json")

    assert report.status("github: repository", "GITHUB_REPOSITORY and GITHUB_TOKEN") == "FAIL"


def reader_token(github_url: str) -> str:
    made = httpx.post(f"{github_url}/__sim/people", json={"login": "dana-k"}, timeout=10)
    made.raise_for_status()
    return str(made.json()["token"])


@pytest.mark.parametrize(
    ("labels", "reader", "plan", "request_label"),
    [((PLAN_LABEL, REQUEST_LABEL), True, "ok", "ok"),
     ((), False, "ok", "FAIL"),
     ((), True, "FAIL", "FAIL")],
    ids=["both-exist", "missing-but-creatable", "missing-and-a-reader-token"],
)  # fmt: skip
def test_the_labels(
    doctor: Callable[..., Doctor],
    labels: tuple[str, ...],
    reader: bool,
    plan: str,
    request_label: str,
) -> None:
    made = doctor()
    made.atlassian()
    url = made.github(set_up_as_documented())
    made.label(*labels)
    if reader:
        made.env["GITHUB_TOKEN"] = reader_token(url)

    report = made.run("--format", "json")

    assert report.check(f"github: label {PLAN_LABEL}")["status"] == plan
    assert report.check(f"github: label {REQUEST_LABEL}")["status"] == request_label
    if plan == "FAIL":
        assert report.status(f"github: label {PLAN_LABEL}", "may not create", "New label")


@pytest.mark.parametrize(
    ("allowed", "token", "app", "status", "word"),
    [(True, ADMIN_TOKEN, None, "ok", "may create"),
     (False, ADMIN_TOKEN, None, "FAIL", "Allow GitHub Actions to create and approve"),
     (False, TOKEN, None, "skipped", "by hand"),
     (False, ADMIN_TOKEN, "Iv1.accessctl", "skipped", "GitHub App")],
    ids=["on", "off", "unreadable-with-the-actions-token", "app-token-workflows"],
)  # fmt: skip
def test_the_actions_setting(
    doctor: Callable[..., Doctor],
    allowed: bool,
    token: str,
    app: str | None,
    status: str,
    word: str,
) -> None:
    settings = RepositorySettings()
    settings.set_actions(ActionsSettings(can_approve_pull_request_reviews=allowed))
    made = doctor(ACCESSCTL_APP_CLIENT_ID=app)
    made.atlassian()
    made.github(settings, token=token)

    report = made.run("--format", "json")

    assert report.status("github: Actions may open pull requests", word) == status


def protected(
    *, ruleset: Ruleset | None = None, protection: ClassicProtection | None = None
) -> RepositorySettings:
    settings = set_up_as_documented()
    if ruleset is not None:
        settings.add_ruleset(ruleset)
    if protection is not None:
        settings.protect("main", protection)
    return settings


MAIN_NEEDS_PULLS = Ruleset(
    id=9, name="main", branches=("main",), require_pull_request=True,
    bypass_app_ids=frozenset({APP_BOT.app_id or 0}),
)  # fmt: skip
ADMINS_BYPASS = Ruleset(
    id=10, name="main", branches=("main",), require_pull_request=True, bypass_admins=True
)


@pytest.mark.parametrize(
    ("settings", "token", "status", "words"),
    [(protected(), ADMIN_TOKEN, "ok", ("not protected",)),
     (protected(), TOKEN, "skipped", ("no ruleset stops", "Administration: read")),
     (protected(ruleset=MAIN_NEEDS_PULLS), TOKEN, "FAIL",
      ("ruleset 'main' (pull_request; bypass: never)", "GITHUB_TOKEN can never bypass")),
     (protected(ruleset=MAIN_NEEDS_PULLS), APP_TOKEN, "skipped", ("no ruleset stops",)),
     (protected(ruleset=ADMINS_BYPASS), ADMIN_TOKEN, "ok", ("may push past", "ruleset 'main'")),
     (protected(protection=ClassicProtection(require_pull_request=True)), ADMIN_TOKEN, "ok",
      ("branch protection (allowed)",)),
     (protected(protection=ClassicProtection(require_pull_request=True, enforce_admins=True)),
      ADMIN_TOKEN, "FAIL", ("@octo-admin", "requires a pull request")),
     (protected(protection=ClassicProtection(require_pull_request=True)), TOKEN, "skipped",
      ("Administration: read",))],
    ids=["unprotected", "unprotected-as-far-as-the-actions-token-sees",
         "ruleset-the-actions-token-cannot-bypass", "ruleset-the-app-bypasses",
         "ruleset-admins-bypass",
         "classic-an-admin-passes", "classic-enforced-on-admins", "classic-unreadable"],
)  # fmt: skip
def test_pushing_state_to_main(
    doctor: Callable[..., Doctor],
    settings: RepositorySettings,
    token: str,
    status: str,
    words: tuple[str, ...],
) -> None:
    made = doctor()
    made.atlassian()
    made.github(settings, token=token)

    report = made.run("--format", "json")

    assert report.status("github: push state/ to main", *words) == status


# --- the mail server --------------------------------------------------------------------------


def smtp_block(port: int, *, security: str = "none", login: bool = True) -> str:
    lines = [
        "smtp:",
        "  host: 127.0.0.1",
        f"  port: {port}",
        f"  security: {security}",
        "  from: accessctl@acme.example",
    ]
    return "\n".join([*lines, f"  username: {SMTP_USER}"] if login else lines)


@pytest.mark.parametrize(
    ("password", "security", "status", "words"),
    [(SMTP_PASSWORD, "none", "ok", ("no TLS", f"logged in as {SMTP_USER}", "no mail sent")),
     ("wrong-password", "none", "FAIL", ("refused the login",)),
     (None, "none", "FAIL", ("SMTP_PASSWORD is not set",)),
     (SMTP_PASSWORD, "starttls", "FAIL", ("does not offer STARTTLS",))],
    ids=["logs-in", "wrong-password", "no-password", "no-starttls-offered"],
)  # fmt: skip
def test_the_mail_server(
    doctor: Callable[..., Doctor],
    smtp_sink: SmtpServer,
    password: str | None,
    security: str,
    status: str,
    words: tuple[str, ...],
) -> None:
    made = doctor(SMTP_PASSWORD=password)
    made.atlassian()
    made.mail(smtp_block(smtp_sink.port, security=security))

    report = made.run("--format", "json")

    assert report.status("smtp", *words) == status
    assert smtp_sink.recorder.take() == []  # nothing sent
    assert_no_secret(report)


def test_a_mail_server_that_is_down(doctor: Callable[..., Doctor], smtp_sink: SmtpServer) -> None:
    made = doctor()
    made.atlassian()
    made.mail(smtp_block(smtp_sink.port, login=False))
    smtp_sink.stop()

    report = made.run("--format", "json")

    assert report.status("smtp", "cannot talk to the mail server") == "FAIL"


@pytest.mark.parametrize(
    ("security", "trusted", "status", "words"),
    [("starttls", True, "ok", ("STARTTLS", f"logged in as {SMTP_USER}")),
     ("tls", True, "ok", ("TLS", f"logged in as {SMTP_USER}")),
     ("starttls", False, "FAIL", ("certificate this machine does not trust", "SSL_CERT_FILE")),
     ("tls", False, "FAIL", ("certificate this machine does not trust", "SSL_CERT_FILE"))],
    ids=["starttls-trusted", "implicit-tls-trusted",
         "starttls-untrusted", "implicit-tls-untrusted"],
)  # fmt: skip
def test_tls_and_the_servers_certificate(
    doctor: Callable[..., Doctor],
    smtp_sink: SmtpServer,
    tmp_path: Path,
    security: str,
    trusted: bool,
    status: str,
    words: tuple[str, ...],
) -> None:
    certificate = self_signed_certificate(tmp_path)
    if certificate is None:
        pytest.skip("openssl is not installed")
    context = server_context(certificate)
    if security == "starttls":
        smtp_sink.restart(tls_context=context)
    else:
        smtp_sink.restart(implicit_tls=context)
    trust = {"SSL_CERT_FILE": str(certificate)} if trusted else {}
    made = doctor(SMTP_PASSWORD=SMTP_PASSWORD, **trust)
    made.atlassian()
    made.mail(smtp_block(smtp_sink.port, security=security))
    report = made.run("--format", "json")

    assert report.status("smtp", *words) == status
    assert smtp_sink.recorder.take() == []  # nothing sent
    assert_no_secret(report)


def test_no_mail_server_while_the_policies_warn(doctor: Callable[..., Doctor]) -> None:
    made = doctor()
    made.atlassian()
    made.edit("warn_before_days: 0", "warn_before_days: 14", name="*-inactivity.yaml")

    report = made.run("--format", "json")

    assert report.status("smtp", "nothing is ever revoked") == "FAIL"
