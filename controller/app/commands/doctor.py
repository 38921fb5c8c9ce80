"""`accessctl doctor`: every credential, permission and setting a first real run depends on,
each as ok / FAIL (with the exact fix) / skipped, changing nothing (DESIGN §8a).

This module only orders the checks and prints them. The reads are the adapters'
(`controller.adapters.atlassian.probes`, `controller.adapters.github.probes`, the SMTP session of
`controller.adapters.mail.mailer`); each read's answer, or the `Refused` it met, goes to a pure
judge in `controller.core.doctor`. A check whose inputs a failed check should have given is
skipped, saying which. Every line is scrubbed of every secret in the environment before it is
printed. Exit 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, TypeVar

from controller.adapters.atlassian import AtlassianClient, Credentials, probes
from controller.adapters.atlassian.credentials import (
    ADMIN_KEY_VARIABLE,
    JIRA_TOKEN_VARIABLE,
    MissingCredentials,
)
from controller.adapters.atlassian.discovery import directories_of
from controller.adapters.atlassian.reading import OrganizationReader
from controller.adapters.github import GitHubForge
from controller.adapters.github import probes as github_probes
from controller.adapters.github.errors import ForgeNotConfigured
from controller.adapters.github.settings import ForgeSettings
from controller.adapters.http_boundary.errors import ServiceError
from controller.adapters.http_boundary.scrubbing import scrub
from controller.adapters.mail.mailer import PASSWORD_VARIABLE, SmtpSettings, try_session
from controller.app import console
from controller.app.labels import PLAN_LABEL, REQUEST_LABEL
from controller.core.doctor import Finding, Refused, all_passed
from controller.core.doctor import atlassian as judge_atlassian
from controller.core.doctor import github as judge_github
from controller.core.doctor import local as judge_local
from controller.core.errors import AccessctlError, ExitCode, InvalidFiles, Problem
from controller.core.plan.seal import PLAN_KEY_VARIABLE
from controller.core.policy import LoadedPolicies, PolicySet, load_policies
from controller.core.policy.models import Organization
from controller.core.snapshot import Inventory, Site

DoctorFormat = Literal["text", "json"]
T = TypeVar("T")
# The variable the workflows read their GitHub App's client ID from (docs/github.md).
APP_CLIENT_ID_VARIABLE = "ACCESSCTL_APP_CLIENT_ID"
SECRET_VARIABLES = (
    ADMIN_KEY_VARIABLE,
    JIRA_TOKEN_VARIABLE,
    "GITHUB_TOKEN",
    PASSWORD_VARIABLE,
    PLAN_KEY_VARIABLE,
)


@dataclass(frozen=True)
class DoctorRequest:
    policies_dir: Path
    now: datetime
    fmt: DoctorFormat = "text"


def run(request: DoctorRequest, *, environ: Mapping[str, str]) -> int:
    findings = examine(request, environ=environ)
    secrets = _secrets(environ)
    show = _as_json if request.fmt == "json" else _as_text
    console.out(scrub(show(findings), secrets))
    return int(ExitCode.OK if all_passed(findings) else ExitCode.FAILURE)


def examine(request: DoctorRequest, *, environ: Mapping[str, str]) -> list[Finding]:
    """Every check, in the order a first run meets what they check."""
    loaded = observe_policies(request)
    findings = [
        judge_local.policies(loaded, directory=str(request.policies_dir)),
        judge_local.plan_key(environ.get(PLAN_KEY_VARIABLE)),
    ]
    organization = loaded.policies.organization if isinstance(loaded, LoadedPolicies) else None
    if organization is None:
        findings.append(_needs("atlassian, jira, smtp", "a valid policy set"))
    else:
        atlassian = atlassian_checks(organization, environ=environ)
        findings += [
            *atlassian,
            references_check(loaded, atlassian, request=request, environ=environ),
        ]
    findings += github_checks(organization, environ=environ)
    if isinstance(loaded, LoadedPolicies):
        findings.append(smtp_check(loaded.policies, environ=environ))
    return findings


def observe_policies(request: DoctorRequest) -> LoadedPolicies | list[Problem]:
    try:
        return load_policies([request.policies_dir], today=request.now.date())
    except InvalidFiles as invalid:
        return invalid.problems


def observe(read: Callable[[], T]) -> T | Refused:
    """A read's answer, or what refused it: the service's status and its one-line message."""
    try:
        return read()
    except ServiceError as error:
        return Refused(error.status, error.message)
    except AccessctlError as error:
        return Refused(None, error.message)


def _needs(checks: str, what: str) -> Finding:
    return Finding.skipped(checks, f"needs {what} first")


# --- Atlassian ----------------------------------------------------------------------------------


def atlassian_checks(organization: Organization, *, environ: Mapping[str, str]) -> list[Finding]:
    try:
        credentials = Credentials.from_environ(environ, jira=False)
    except MissingCredentials as missing:
        fix = "export it; `accessctl init` prints every variable to set"
        return [Finding.fail("atlassian: organization", missing.message, fix=fix)]
    with AtlassianClient(credentials) as client:
        findings = list(_admin_checks(client, organization))
    return findings + jira_checks(organization, environ=environ)


def _admin_checks(client: AtlassianClient, organization: Organization) -> Iterator[Finding]:
    org_id = organization.org_id
    reached = judge_atlassian.organization(
        observe(lambda: probes.organization(client, org_id)), org_id=org_id
    )
    yield reached
    if reached.failed:
        yield _needs("atlassian: directory, users, last-active dates, groups", "the organization")
        return
    listed = observe(lambda: directories_of(client, org_id))
    yield judge_atlassian.directory(listed, configured=organization.directory, org_id=org_id)
    where = judge_atlassian.directory_to_read(listed, configured=organization.directory)
    found = observe(lambda: probes.users(client, org_id=org_id, directory=where))
    yield judge_atlassian.users(found, org_id=org_id)
    yield from _account_checks(client, found, org_id=org_id)
    counted = observe(lambda: probes.groups(client, org_id=org_id, directory=where))
    yield judge_atlassian.groups(counted, org_id=org_id)


def _account_checks(
    client: AtlassianClient, found: judge_atlassian.UsersSeen | Refused, *, org_id: str
) -> Iterator[Finding]:
    if isinstance(found, Refused):
        yield _needs("atlassian: last-active dates, may change access", "a read of the users")
        return
    sample, managed = found.sample, found.managed
    dates = (
        None
        if sample is None
        else observe(lambda: probes.last_active_dates(client, org_id=org_id, account_id=sample))
    )
    yield judge_atlassian.last_active_dates(dates, org_id=org_id)
    rights = (
        None if managed is None else observe(lambda: probes.management_privileges(client, managed))
    )
    yield judge_atlassian.account_changes(rights, org_id=org_id)


def jira_checks(organization: Organization, *, environ: Mapping[str, str]) -> list[Finding]:
    try:
        credentials = Credentials.from_environ(environ)
    except MissingCredentials as missing:
        fix = "export them: the e-mail of a Jira administrator and its API token (docs/day-one.md)"
        return [Finding.fail("jira: token", missing.message, fix=fix)]
    findings: list[Finding] = []
    with AtlassianClient(credentials) as client:
        for spec in organization.sites:
            site = Site(name=spec.name, url=spec.url, cloud_id=spec.cloud_id)
            door = judge_atlassian.JiraDoor(site=site.name, via=organization.jira_api)
            findings += _site_checks(client, site, door=door)
    return findings


def _site_checks(
    client: AtlassianClient, site: Site, *, door: judge_atlassian.JiraDoor
) -> list[Finding]:
    via = door.via
    answered = judge_atlassian.jira_token(
        observe(lambda: probes.jira_caller(client, site, via=via)), door=door
    )
    if answered.failed:
        return [answered, _needs(f"jira {site.name}: permissions", "a token Jira takes")]
    holds = observe(lambda: probes.jira_administers(client, site, via=via))
    roles = observe(lambda: probes.jira_roles(client, site, via=via))
    return [
        answered,
        judge_atlassian.jira_administer(holds, door=door),
        judge_atlassian.jira_roles(roles, door=door),
    ]


def references_check(
    loaded: LoadedPolicies | list[Problem],
    atlassian: Sequence[Finding],
    *,
    request: DoctorRequest,
    environ: Mapping[str, str],
) -> Finding:
    """The sites, products and groups the policies name, against the organization's groups and
    grants as a plan reads them (no account is read): what `accessctl plan` refuses (exit 2)."""
    check = "policies: against the organization"
    if not isinstance(loaded, LoadedPolicies) or any(f.failed for f in atlassian):
        return _needs(check, "a valid policy set and the Atlassian and Jira checks passing")
    organization = loaded.policies.organization

    def groups_and_grants() -> Inventory:
        with AtlassianClient(Credentials.from_environ(environ)) as client:
            return OrganizationReader(client, organization).inventory_of((), taken_at=request.now)

    return judge_local.references(loaded, observe(groups_and_grants))


# --- GitHub -------------------------------------------------------------------------------------


def github_checks(
    organization: Organization | None, *, environ: Mapping[str, str]
) -> list[Finding]:
    try:
        settings = ForgeSettings.from_env(environ)
    except ForgeNotConfigured:
        missing = [name for name in ("GITHUB_REPOSITORY", "GITHUB_TOKEN") if not environ.get(name)]
        return [judge_github.settings_missing(missing or ["GITHUB_REPOSITORY"])]
    with GitHubForge.connect(settings) as forge:
        return list(_forge_checks(forge, organization, environ=environ))


def _forge_checks(
    forge: GitHubForge, organization: Organization | None, *, environ: Mapping[str, str]
) -> Iterator[Finding]:
    seen = observe(lambda: github_probes.repository(forge))
    yield judge_github.repository(seen, name=forge.settings.repository)
    if isinstance(seen, Refused):
        yield _needs("github: labels, Actions, push state/", "the repository")
        return
    yield from _label_checks(forge, seen, organization=organization)
    yield judge_github.actions_may_open_pulls(
        observe(lambda: github_probes.actions_may_open_pulls(forge)),
        app_token=bool(environ.get(APP_CLIENT_ID_VARIABLE, "").strip()),
    )
    yield _push_check(forge, seen)


def _label_checks(
    forge: GitHubForge,
    seen: judge_github.RepositorySeen,
    *,
    organization: Organization | None,
) -> Iterator[Finding]:
    names = observe(lambda: github_probes.label_names(forge))
    yield judge_github.label(names, name=PLAN_LABEL, can_push=seen.can_push, made_on_use=True)
    if organization is None or organization.notifications.request_link.via == "github-issue":
        yield judge_github.label(
            names, name=REQUEST_LABEL, can_push=seen.can_push, made_on_use=False
        )


def _push_check(forge: GitHubForge, seen: judge_github.RepositorySeen) -> Finding:
    branch = seen.default_branch
    who = observe(lambda: github_probes.pusher(forge, admin=seen.admin))
    pusher = who if not isinstance(who, Refused) else judge_github.Pusher(login=None)
    return judge_github.state_push(
        observe(lambda: github_probes.protection(forge, branch)),
        observe(lambda: github_probes.rulesets(forge, branch)),
        branch=branch,
        pusher=pusher,
    )


# --- mail ---------------------------------------------------------------------------------------


def smtp_check(policies: PolicySet, *, environ: Mapping[str, str]) -> Finding:
    warns = policies.warns_by_mail()
    smtp = policies.organization.notifications.smtp
    if smtp is None:
        return judge_local.smtp(None, warns=warns)
    settings = observe(lambda: SmtpSettings.from_policy(smtp, environ=environ))
    if isinstance(settings, Refused):
        return judge_local.smtp(settings, warns=warns)
    return judge_local.smtp(observe(lambda: try_session(settings)), warns=warns)


# --- output -------------------------------------------------------------------------------------

MARK_WIDTH = 8


def _as_text(findings: Sequence[Finding]) -> str:
    lines = []
    for finding in findings:
        lines.append(f"{finding.status:<{MARK_WIDTH}} {finding.check}: {finding.detail}")
        if finding.fix:
            lines.append(f"{'':<{MARK_WIDTH}}   fix: {finding.fix}")
    lines.append(_tally(findings))
    return "\n".join(console.one_line(line) for line in lines) + "\n"


def _tally(findings: Sequence[Finding]) -> str:
    counts = Counter(finding.status for finding in findings)
    verdict = "every check passed" if all_passed(findings) else "fix what FAILED, then run again"
    return (
        f"doctor: {counts['ok']} ok, {counts['FAIL']} FAIL, {counts['skipped']} skipped: {verdict}"
    )


def _as_json(findings: Sequence[Finding]) -> str:
    counts = Counter(finding.status for finding in findings)
    document = {
        "ok": all_passed(findings),
        "counts": {status: counts[status] for status in ("ok", "FAIL", "skipped")},
        "checks": [asdict(finding) for finding in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _secrets(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Every secret the environment holds, and the Basic value a Jira pair makes."""
    values = [environ.get(name, "").strip() for name in SECRET_VARIABLES]
    with contextlib.suppress(AccessctlError):  # no Jira pair: its Basic value is not made
        values += Credentials.from_environ(environ).secrets()
    return tuple(value for value in values if value)
