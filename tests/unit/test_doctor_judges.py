"""`accessctl doctor`'s judges, each from what a read found to ok / FAIL / skipped, and the fix
a failure names (controller.core.doctor; the reads themselves are tested against the simulators
in tests/integration/test_doctor.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from controller.core.doctor import Finding, Refused, all_passed, local
from controller.core.doctor import atlassian as judge
from controller.core.doctor import github as gh
from controller.core.errors import Problem
from controller.core.policy import load_policies

ORG = "org-1"
SITE = judge.JiraDoor(site="acme", via="site")
GATEWAY = judge.JiraDoor(site="acme", via="gateway")
ONE = (judge.DirectorySeen("dir-1", "Acme"),)
TWO = (*ONE, judge.DirectorySeen("dir-2", "Old"))


def expect(finding: Finding, status: str, *words: str) -> None:
    """The status, and every word in the detail or the fix (what the user reads)."""
    assert finding.status == status, finding
    shown = f"{finding.detail} {finding.fix}"
    assert all(word in shown for word in words), (words, shown)
    assert bool(finding.fix) == (status == "FAIL"), finding


CASES: list[tuple[str, Callable[[], Finding], str, tuple[str, ...]]] = [
    # the Admin API key
    (
        "org-reached",
        lambda: judge.organization(judge.OrganizationSeen(ORG, "Acme"), org_id=ORG),
        "ok",
        ("Acme",),
    ),
    (
        "org-bad-key",
        lambda: judge.organization(Refused(401, "401"), org_id=ORG),
        "FAIL",
        ("expired", "without scopes"),
    ),
    (
        "org-not-reached",
        lambda: judge.organization(Refused(404, "404"), org_id=ORG),
        "FAIL",
        ("does not reach organization org-1", "org_id"),
    ),
    (
        "org-scoped-key",
        lambda: judge.organization(Refused(403, "403"), org_id=ORG),
        "FAIL",
        ("read:orgs:admin",),
    ),
    (
        "org-unreachable",
        lambda: judge.organization(Refused(None, "no answer"), org_id=ORG),
        "FAIL",
        ("ATLASSIAN_API_BASE",),
    ),
    # the directory
    ("auto-one", lambda: judge.directory(ONE, configured="auto", org_id=ORG), "ok", ("dir-1",)),
    (
        "auto-two",
        lambda: judge.directory(TWO, configured="auto", org_id=ORG),
        "FAIL",
        ("dir-1 (Acme), dir-2 (Old)", "directory: <id>"),
    ),
    (
        "auto-none",
        lambda: judge.directory((), configured="auto", org_id=ORG),
        "FAIL",
        ("has 0", "none"),
    ),
    ("named-found", lambda: judge.directory(TWO, configured="dir-2", org_id=ORG), "ok", ("dir-2",)),
    (
        "named-missing",
        lambda: judge.directory(ONE, configured="dir-9", org_id=ORG),
        "FAIL",
        ("dir-9 is not one", "dir-1"),
    ),
    (
        "directories-scope",
        lambda: judge.directory(Refused(403, "x"), configured="auto", org_id=ORG),
        "FAIL",
        ("read:directories:admin",),
    ),
    # the reads a plan makes
    ("users", lambda: judge.users(judge.UsersSeen("a", "a"), org_id=ORG), "ok", ()),
    ("users-none", lambda: judge.users(judge.UsersSeen(None, None), org_id=ORG), "ok", ("none",)),
    (
        "users-scope",
        lambda: judge.users(Refused(403, "x"), org_id=ORG),
        "FAIL",
        ("read:directories:admin",),
    ),
    ("dates", lambda: judge.last_active_dates(2, org_id=ORG), "ok", ()),
    ("dates-nobody", lambda: judge.last_active_dates(None, org_id=ORG), "skipped", ("no account",)),
    (
        "dates-scoped-key",
        lambda: judge.last_active_dates(Refused(403, "x"), org_id=ORG),
        "FAIL",
        ("names no scope", "without scopes"),
    ),
    ("groups", lambda: judge.groups(3, org_id=ORG), "ok", ()),
    (
        "groups-scope",
        lambda: judge.groups(Refused(403, "x"), org_id=ORG),
        "FAIL",
        ("read:groups:admin",),
    ),
    # may change access
    (
        "changes",
        lambda: judge.account_changes(("lifecycle.enablement",), org_id=ORG),
        "ok",
        ("nothing was changed",),
    ),
    (
        "changes-nobody",
        lambda: judge.account_changes(None, org_id=ORG),
        "skipped",
        ("no managed account",),
    ),
    (
        "changes-scoped-key",
        lambda: judge.account_changes(Refused(403, "x"), org_id=ORG),
        "FAIL",
        ("names no scope", "without scopes"),
    ),
    # Jira, per site
    ("jira-site", lambda: judge.jira_token("me", door=SITE), "ok", ("classic", "at the site")),
    (
        "jira-gateway",
        lambda: judge.jira_token("me", door=GATEWAY),
        "ok",
        ("scoped", "through the gateway"),
    ),
    (
        "jira-wrong-kind-site",
        lambda: judge.jira_token(Refused(401, "401"), door=SITE),
        "FAIL",
        ("jira_api: site takes a classic API token", "jira_api: gateway"),
    ),
    (
        "jira-wrong-kind-gateway",
        lambda: judge.jira_token(Refused(401, "401"), door=GATEWAY),
        "FAIL",
        ("jira_api: gateway takes a scoped token", "jira_api: site"),
    ),
    (
        "jira-scope-missing",
        lambda: judge.jira_token(
            Refused(401, "Jira GET /rest/api/3/myself: 401 (Unauthorized; scope does not match)"),
            door=GATEWAY,
        ),
        "FAIL",
        ("lacks a scope",),
    ),
    (
        "jira-wrong-site",
        lambda: judge.jira_token(Refused(404, "404"), door=SITE),
        "FAIL",
        ("cloud_id",),
    ),
    ("administer", lambda: judge.jira_administer(True, door=SITE), "ok", ()),
    (
        "not-administer",
        lambda: judge.jira_administer(False, door=SITE),
        "FAIL",
        ("Administer Jira global permission on acme",),
    ),
    (
        "administer-scope",
        lambda: judge.jira_administer(Refused(401, "x"), door=GATEWAY),
        "FAIL",
        ("read:permission:jira",),
    ),
    ("roles", lambda: judge.jira_roles(("jira-software",), door=SITE), "ok", ("jira-software",)),
    (
        "roles-not-admin",
        lambda: judge.jira_roles(Refused(403, "x"), door=SITE),
        "FAIL",
        ("Administer Jira",),
    ),
    (
        "roles-scope",
        lambda: judge.jira_roles(Refused(401, "x"), door=GATEWAY),
        "FAIL",
        ("read:application-role:jira",),
    ),
]


@pytest.mark.parametrize(("judged", "status", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_atlassian_judges(
    judged: Callable[[], Finding], status: str, words: tuple[str, ...]
) -> None:
    expect(judged(), status, *words)


@pytest.mark.parametrize(
    ("seen", "configured", "read"),
    [(ONE, "auto", "dir-1"), (TWO, "auto", "-"), (Refused(403, "x"), "auto", "-"),
     (TWO, "dir-2", "dir-2"), (ONE, "dir-7", "-"), (Refused(403, "x"), "dir-7", "dir-7")],
    ids=["the-only-one", "several", "unread", "named", "named-unknown", "named-unread"],
)  # fmt: skip
def test_the_read_checks_look_where_changes_go_else_everywhere(
    seen: tuple[judge.DirectorySeen, ...] | Refused, configured: str, read: str
) -> None:
    assert judge.directory_to_read(seen, configured=configured) == read


# --- GitHub ---------------------------------------------------------------------------------

REPO = gh.RepositorySeen("acme/access", "main", can_push=True)
PERSON = gh.Pusher(login="dana")
ADMIN = gh.Pusher(login="octo-admin", admin=True)
BOT = gh.Pusher(login=None)
PR_RULESET = gh.RulesetSeen(1, "main", ("deletion", "non_fast_forward", "pull_request"), "never")
HARMLESS = gh.RulesetSeen(2, "no-force", ("deletion", "non_fast_forward"), "never")
BYPASSED = gh.RulesetSeen(3, "main", ("pull_request", "required_status_checks"), "always")
REQUIRES_PR = gh.ProtectionSeen(requires_pull_request=True)
PR_APP_BYPASS = gh.ProtectionSeen(requires_pull_request=True, bypass_apps=("accessctl-app",))
PR_PERSON_BYPASS = gh.ProtectionSeen(requires_pull_request=True, bypass_users=("dana",))
CHECKS = gh.ProtectionSeen(required_checks=("ci",), bypass_apps=("accessctl-app",))
ENFORCED = gh.ProtectionSeen(requires_pull_request=True, enforce_admins=True)
RESTRICTED = gh.ProtectionSeen(restricted=True, push_users=("someone",))


def push(protection: gh.ProtectionSeen | Refused | None, rulesets: tuple[gh.RulesetSeen, ...],
         pusher: gh.Pusher) -> Finding:  # fmt: skip
    return gh.state_push(protection, rulesets, branch="main", pusher=pusher)


GITHUB_CASES: list[tuple[str, Callable[[], Finding], str, tuple[str, ...]]] = [
    ("repo", lambda: gh.repository(REPO, name="acme/access"), "ok", ("default branch main",)),
    ("repo-bad-token", lambda: gh.repository(Refused(401, "x"), name="acme/access"),
     "FAIL", ("GITHUB_TOKEN is wrong",)),
    ("repo-not-seen", lambda: gh.repository(Refused(404, "x"), name="acme/access"),
     "FAIL", ("GITHUB_REPOSITORY (acme/access)",)),
    ("not-configured", lambda: gh.settings_missing(["GITHUB_TOKEN"]),
     "FAIL", ("GITHUB_TOKEN not set",)),
    # labels
    ("label-exists", lambda: gh.label(("x", "accessctl-plan"), name="accessctl-plan",
                                      can_push=False, made_on_use=True), "ok", ("exists",)),
    ("label-made-on-use", lambda: gh.label((), name="accessctl-plan", can_push=True,
                                           made_on_use=True), "ok", ("created when",)),
    ("label-reader", lambda: gh.label((), name="accessctl-plan", can_push=False,
                                      made_on_use=True), "FAIL", ("may not create", "New label")),
    ("label-unknown-rights", lambda: gh.label((), name="accessctl-plan", can_push=None,
                                              made_on_use=True), "skipped", ("cannot tell",)),
    ("request-label-missing", lambda: gh.label((), name="access-request", can_push=True,
                                               made_on_use=False), "FAIL", ("request form",)),
    # the Actions setting
    ("actions-on", lambda: gh.actions_may_open_pulls(True, app_token=False), "ok", ()),
    ("actions-off", lambda: gh.actions_may_open_pulls(False, app_token=False),
     "FAIL", ("Allow GitHub Actions to create and approve pull requests",)),
    ("actions-unread", lambda: gh.actions_may_open_pulls(Refused(403, "x"), app_token=False),
     "skipped", ("by hand",)),
    ("actions-app", lambda: gh.actions_may_open_pulls(False, app_token=True),
     "skipped", ("GitHub App",)),
    # pushing state/
    ("unprotected", lambda: push(None, (), BOT), "ok", ("not protected",)),
    ("harmless-ruleset", lambda: push(None, (HARMLESS,), BOT), "ok", ("not protected",)),
    ("ruleset-blocks", lambda: push(None, (PR_RULESET,), BOT),
     "FAIL", ("ruleset 'main' (pull_request; bypass: never)", "bypass list")),
    ("ruleset-bypassed", lambda: push(None, (BYPASSED,), BOT), "ok", ("may push past",)),
    ("classic-pr", lambda: push(REQUIRES_PR, (), BOT),
     "FAIL", ("requires a pull request", "GITHUB_TOKEN can never bypass")),
    ("classic-pr-app-allowed", lambda: push(PR_APP_BYPASS, (), BOT), "ok", ("branch protection",)),
    ("classic-pr-person-allowed", lambda: push(PR_PERSON_BYPASS, (), PERSON), "ok", ()),
    ("classic-pr-person-not", lambda: push(PR_PERSON_BYPASS, (), gh.Pusher(login="eve")),
     "FAIL", ("@eve",)),
    ("classic-checks", lambda: push(CHECKS, (), BOT), "FAIL", ("requires the checks ci",)),
    ("classic-admin", lambda: push(REQUIRES_PR, (), ADMIN), "ok", ()),
    ("classic-enforced-admin", lambda: push(ENFORCED, (), ADMIN), "FAIL", ("@octo-admin",)),
    ("classic-restricted", lambda: push(RESTRICTED, (), PERSON), "FAIL", ("restricted",)),
    ("classic-unread", lambda: push(Refused(403, "x"), (BYPASSED,), BOT),
     "skipped", ("Administration: read",)),
    ("classic-unread-ruleset-blocks", lambda: push(Refused(403, "x"), (PR_RULESET,), BOT),
     "FAIL", ("ruleset 'main'",)),
    ("rules-unread", lambda: push(None, Refused(None, "no answer"), BOT), "FAIL", ("no answer",)),
]  # fmt: skip


@pytest.mark.parametrize(("judged", "status", "words"), [c[1:] for c in GITHUB_CASES],
                         ids=[c[0] for c in GITHUB_CASES])  # fmt: skip
def test_github_judges(judged: Callable[[], Finding], status: str, words: tuple[str, ...]) -> None:
    expect(judged(), status, *words)


# --- what the run brings itself ---------------------------------------------------------------

ROOT = Path(__file__).parents[2]
PROBLEMS = [Problem(f"p/{n}.yaml", n, "kind", "wrong") for n in range(1, 6)]


@pytest.mark.parametrize(
    ("judged", "status", "words"),
    [
        (lambda: local.policies(load_policies([ROOT / "policies"], today=date(2026, 11, 23)),
                                directory="policies"), "ok", ("valid",)),
        (lambda: local.policies(PROBLEMS, directory="p"),
         "FAIL", ("5 problem(s)", "p/1.yaml:1", "(and 2 more)", "accessctl validate p")),
        (lambda: local.plan_key("k" * 40), "ok", ("long enough",)),
        (lambda: local.plan_key(None), "FAIL", ("is not set", "openssl rand")),
        (lambda: local.plan_key("short"), "FAIL", ("5 characters",)),
        (lambda: local.smtp("mail:587, STARTTLS, logged in as a", warns=True),
         "ok", ("no mail sent",)),
        (lambda: local.smtp(None, warns=False), "skipped", ("no mail server",)),
        (lambda: local.smtp(None, warns=True),
         "FAIL", ("nothing is ever revoked", "notifications.smtp")),
        (lambda: local.smtp(Refused(None, "refused the login"), warns=False),
         "FAIL", ("refused the login",)),
    ],
    ids=["policies", "policies-invalid", "plan-key", "plan-key-unset", "plan-key-short",
         "smtp", "smtp-none", "smtp-none-but-warnings", "smtp-refused"],
)  # fmt: skip
def test_local_judges(judged: Callable[[], Finding], status: str, words: tuple[str, ...]) -> None:
    expect(judged(), status, *words)


def test_the_plan_key_is_never_shown() -> None:
    key = "a-secret-plan-key-that-must-stay-hidden-0123"
    finding = local.plan_key(key)
    short = local.plan_key(key[:10])

    assert key not in f"{finding.detail}{finding.fix}"
    assert key[:10] not in f"{short.detail}{short.fix}"


@pytest.mark.parametrize(
    ("statuses", "passed"),
    [(("ok", "skipped"), True), (("ok", "FAIL", "skipped"), False), ((), True)],
    ids=["skipped-is-not-failed", "one-failure", "nothing"],
)
def test_doctor_passes_when_nothing_failed(statuses: tuple[str, ...], passed: bool) -> None:
    findings = [Finding("c", status, "d", "f" if status == "FAIL" else "") for status in statuses]  # type: ignore[arg-type]

    assert all_passed(findings) is passed
