"""`accessctl init`: a first policy set, written from what the Admin API key reaches (DESIGN §8a).

From `ATLASSIAN_ADMIN_API_KEY` alone (`controller.adapters.atlassian.discovery`): the organization
(the only one the key lists, or `--org`), its directory (the only one, or `--directory`), and
the sites running Jira with their cloud IDs. Then `controller.core.policy.starter` writes the
commented Organization and one conservative `InactivityPolicy` per Jira product on each site.

Nothing is written unless all of it can be: files that exist are replaced only with `--force`,
and the policy directory as it would be afterwards (the files already there and the new ones)
must validate first. Then it prints the secrets to set, what to set in `notifications.smtp` when
the policies warn by mail and name no server, and the next command, `accessctl doctor`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from controller.adapters.atlassian import AtlassianClient, Credentials
from controller.adapters.atlassian.discovery import (
    SiteProducts,
    cloud_id_of,
    directories_of,
    organization_by_id,
    reachable_organizations,
    sites_of,
)
from controller.adapters.files import write_atomic
from controller.adapters.http_boundary.errors import NotFound
from controller.app import console
from controller.core.doctor.atlassian import DirectorySeen, OrganizationSeen
from controller.core.errors import BadInput, ExitCode, InvalidFiles, RunFailure
from controller.core.plan.seal import MIN_KEY_CHARACTERS, PLAN_KEY_VARIABLE
from controller.core.policy.loader import load_policies, policy_files
from controller.core.policy.models import JiraApi
from controller.core.policy.policy_set import PolicySet
from controller.core.policy.starter import StarterOrganization, StarterSite, starter_files


@dataclass(frozen=True)
class InitRequest:
    policies_dir: Path
    today: date
    org_id: str | None = None
    directory_id: str | None = None
    jira_api: JiraApi = "site"
    force: bool = False


def run(request: InitRequest, *, environ: Mapping[str, str]) -> int:
    credentials = Credentials.from_environ(environ, jira=False)
    with AtlassianClient(credentials) as client:
        found = discover(client, request)
    files = starter_files(found)
    _refuse_to_overwrite(request, files)
    policies = _check_the_result(request, files)
    for name, text in files.items():
        write_atomic(request.policies_dir / name, text.encode())
    _explain(request, found, files=files, policies=policies)
    return ExitCode.OK


# --- what the key reaches -----------------------------------------------------------------


def discover(client: AtlassianClient, request: InitRequest) -> StarterOrganization:
    organization = _the_organization(client, org_id=request.org_id)
    directory = _the_directory(directories_of(client, organization.id), request=request)
    sites = sites_of(client, organization.id)
    return StarterOrganization(
        org_id=organization.id,
        name=organization.name,
        directory_id=directory.id,
        sites=_jira_sites(client, sites, org_id=organization.id),
        other_sites=tuple(site.name for site in sites if not site.runs_jira),
        jira_api=request.jira_api,
    )


def _jira_sites(
    client: AtlassianClient, sites: Sequence[SiteProducts], *, org_id: str
) -> tuple[StarterSite, ...]:
    """The sites running Jira, each with the cloud ID its `tenant_info` gives."""
    jira = [site for site in sites if site.runs_jira]
    if not jira:
        raise RunFailure(
            f"organization {org_id} shows the API key no site running Jira; the key needs the "
            "read:workspaces:admin scope (or no scopes at all)"
        )
    base = client.credentials.site_base
    return tuple(
        StarterSite(
            name=site.name,
            url=site.url,
            cloud_id=cloud_id_of(client, site_base=base(name=site.name, url=site.url)),
            products=site.products,
        )
        for site in jira
    )


def _the_organization(client: AtlassianClient, *, org_id: str | None) -> OrganizationSeen:
    """The one the key lists, or the one `--org` names (listed or not: ACCESS-966)."""
    listed = reachable_organizations(client)
    if org_id is not None:
        named = next((o for o in listed if o.id == org_id), None)
        return named or _read_organization(client, org_id)
    if len(listed) == 1:
        return listed[0]
    if not listed:
        raise BadInput(
            "the API key lists no organization (a key made for one organization may not); "
            "pass its ID with --org, from admin.atlassian.com/o/<org id>/..."
        )
    choices = ", ".join(f"{o.id} ({o.name})" if o.name else o.id for o in listed)
    raise BadInput(
        f"the API key reaches {len(listed)} organizations; pick one with --org: {choices}"
    )


def _read_organization(client: AtlassianClient, org_id: str) -> OrganizationSeen:
    try:
        return organization_by_id(client, org_id)
    except NotFound:
        raise BadInput(
            f"the API key does not reach organization {org_id}; check --org, or create the key "
            "in that organization (admin.atlassian.com → Settings → API keys)"
        ) from None


def _the_directory(found: Sequence[DirectorySeen], *, request: InitRequest) -> DirectorySeen:
    if request.directory_id is not None:
        named = next((d for d in found if d.id == request.directory_id), None)
        if named is not None:
            return named
    elif len(found) == 1:
        return found[0]
    if not found:
        raise RunFailure(
            "the organization shows the API key no directory; the key needs the "
            "read:directories:admin scope (or no scopes at all)"
        )
    choices = ", ".join(d.label for d in sorted(found, key=lambda d: (d.name, d.id)))
    wrong = f"{request.directory_id} is not one of them; " if request.directory_id else ""
    raise BadInput(
        f"the organization has {len(found)} director{'y' if len(found) == 1 else 'ies'}: "
        f"{choices}; {wrong}pick the one accessctl changes with --directory"
    )


# --- writing nothing unless all of it is right ---------------------------------------------


def _refuse_to_overwrite(request: InitRequest, files: Mapping[str, str]) -> None:
    existing = [
        request.policies_dir / name for name in files if (request.policies_dir / name).exists()
    ]
    if existing and not request.force:
        shown = ", ".join(str(path) for path in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        raise BadInput(f"{shown} already {verb}; init replaces nothing without --force")


def _check_the_result(request: InitRequest, files: Mapping[str, str]) -> PolicySet:
    """Validate the policy directory as it would be after writing, in a scratch copy; the
    policy set it would hold."""
    with tempfile.TemporaryDirectory(prefix="accessctl-init-") as scratch:
        staged = Path(scratch)
        if request.policies_dir.is_dir():
            for path in policy_files([request.policies_dir]):
                relative = path.relative_to(request.policies_dir)
                (staged / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, staged / relative)
        for name, text in files.items():
            (staged / name).write_text(text, encoding="utf-8")
        try:
            return load_policies([staged], today=request.today).policies
        except InvalidFiles as invalid:
            raise _as_written(invalid, staged=staged, into=request.policies_dir) from None


class WouldNotValidate(InvalidFiles):
    """The policy directory, with init's files, would not validate: nothing was written."""

    def lines(self) -> list[str]:
        return [
            *super().lines(),
            "with the files init writes, the policy directory would not validate; nothing was "
            "written: move the files named above away (or fix them), or init into an empty "
            "directory with --policies",
        ]


def _as_written(invalid: InvalidFiles, *, staged: Path, into: Path) -> WouldNotValidate:
    """The problems, naming the files where they would be."""
    return WouldNotValidate(
        [
            replace(p, file=str(into / Path(p.file).relative_to(staged)))
            if Path(p.file).is_relative_to(staged)
            else p
            for p in invalid.problems
        ]
    )


def _explain(
    request: InitRequest,
    found: StarterOrganization,
    *,
    files: Mapping[str, str],
    policies: PolicySet,
) -> None:
    for name in files:
        console.out(f"wrote {request.policies_dir / name}")
    sites = ", ".join(
        f"{s.name} ({', '.join(s.jira_products) or 'no known Jira product'})" for s in found.sites
    )
    console.out(f"organization {found.org_id}, directory {found.directory_id}, sites: {sites}")
    console.out("\nSet these secrets (as environment variables, and repository secrets on GitHub):")
    for line in _secrets(found.jira_api):
        console.out(f"  {line}")
    if policies.lacks_its_mail_server():
        console.out(_MAIL_SERVER_NEEDED)
    console.out("\nNext: accessctl doctor   (checks every credential and setting a run needs)")


_MAIL_SERVER_NEEDED = """
The policies warn people before their seat goes, and warnings need a mail server: until
notifications.smtp is set in organization.yaml nobody is warned, nothing is ever revoked, and
doctor's smtp check fails. Set, under notifications.smtp:
  host, port       your mail server, e.g. smtp.example.com and 587
  security         starttls (port 587), tls (port 465) or none
  from             the address the warnings come from
  username         if the server wants a login; its password goes in the SMTP_PASSWORD secret
(or set warn_before_days: 0 in each policy: revocations then come without warning)"""


def _secrets(jira_api: JiraApi) -> list[str]:
    token = (
        "a classic API token (id.atlassian.com → Security → API tokens)"
        if jira_api == "site"
        else "a scoped API token or a service account's, with the scopes docs/day-one.md lists"
    )
    return [
        "ATLASSIAN_ADMIN_API_KEY  the organization API key used now (it expires within a year)",
        f"JIRA_EMAIL, JIRA_API_TOKEN  {token}, of an account with Administer Jira",
        "GITHUB_TOKEN  given to each workflow by GitHub Actions (or a GitHub App's token)",
        f"{PLAN_KEY_VARIABLE}  any random text of {MIN_KEY_CHARACTERS}+ characters; it seals plans",
        "SMTP_PASSWORD  once notifications.smtp names a server that needs one",
    ]
