"""Doctor's judges of the Atlassian side: the Admin API key, the directory, each site's Jira.

Pure functions from what `controller.adapters.atlassian.probes` read (or the `Refused` it met)
to a `Finding`. What each check reads, and why it is enough (docs/run-on-your-organization.md):

- the organization (`GET /admin/v1/orgs/{orgId}`): the key is valid, not expired, and reaches
  the Organization policy's `org_id`;
- the directory list: `directory: auto` finds exactly one, a named directory exists;
- one page of the directory's users, one account's last-active dates, one page of groups: the
  three reads a plan makes;
- the user management API's `GET /users/{accountId}/manage`, the Admin API's only read-back of
  what a key may change: a key created with scopes is refused it, as it is refused the
  membership and suspension changes, for which Atlassian names no scope;
- per site, Jira through the door `jira_api` names (`GET /myself`), the account's global
  permissions (`GET /mypermissions?permissions=ADMINISTER`) and the application roles
  (`GET /applicationrole`, which answers only to Administer Jira).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from controller.core.doctor.findings import Finding, Refused, refused_because
from controller.core.policy.models import DIRECTORY_AUTO, JiraApi

DAY_ONE = "docs/day-one.md"
NEW_KEY = (
    "create an organization API key without scopes in admin.atlassian.com → Settings → API "
    f"keys and set ATLASSIAN_ADMIN_API_KEY to it ({DAY_ONE})"
)


@dataclass(frozen=True)
class OrganizationSeen:
    """An organization as the Admin API lists it (`init` and `doctor` read the same)."""

    id: str
    name: str


@dataclass(frozen=True)
class DirectorySeen:
    """A directory of the organization as the Admin API lists it."""

    id: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name else self.id


@dataclass(frozen=True)
class UsersSeen:
    """One page of the directory's users: an account to ask about, and a managed one."""

    sample: str | None
    managed: str | None


# --- the Admin API key --------------------------------------------------------------------------


def organization(seen: OrganizationSeen | Refused, *, org_id: str) -> Finding:
    check = "atlassian: organization"
    if isinstance(seen, Refused):
        return Finding.fail(check, seen.message, fix=_admin_fix(seen, org_id=org_id))
    shown = f"{seen.name} ({seen.id})" if seen.name else seen.id
    return Finding.ok(check, f"the Admin API key reaches organization {shown}")


def _admin_fix(refused: Refused, *, org_id: str, scope: str = "read:orgs:admin") -> str:
    hints = {
        401: "ATLASSIAN_ADMIN_API_KEY is wrong, revoked or expired (keys last at most a year): "
        + NEW_KEY,
        403: f"the key's scopes lack {scope}: {NEW_KEY}",
        404: f"the key does not reach organization {org_id}: check org_id in the Organization "
        "policy, or create the key in that organization",
    }
    return refused_because(
        refused,
        status_hints=hints,
        otherwise="run again; if it persists, check the network and ATLASSIAN_API_BASE",
    )


def directory(seen: Sequence[DirectorySeen] | Refused, *, configured: str, org_id: str) -> Finding:
    check = "atlassian: directory"
    if isinstance(seen, Refused):
        fix = _admin_fix(seen, org_id=org_id, scope="read:directories:admin")
        return Finding.fail(check, seen.message, fix=fix)
    listed = ", ".join(d.label for d in seen) or "none"
    if configured == DIRECTORY_AUTO:
        return _the_only_directory(seen, listed=listed)
    if any(d.id == configured for d in seen):
        return Finding.ok(check, f"changes go to directory {configured}")
    return Finding.fail(
        check,
        f"directory {configured} is not one of the organization's: {listed}",
        fix="set `directory:` in the Organization policy to one of these, or `auto`",
    )


def _the_only_directory(seen: Sequence[DirectorySeen], *, listed: str) -> Finding:
    check = "atlassian: directory"
    if len(seen) == 1:
        return Finding.ok(check, f"directory: auto finds the one directory, {listed}")
    return Finding.fail(
        check,
        f"directory: auto needs exactly one directory; the organization has {len(seen)}: {listed}",
        fix="name the one accessctl changes with `directory: <id>` in the Organization policy",
    )


def directory_to_read(seen: Sequence[DirectorySeen] | Refused, *, configured: str) -> str:
    """Where the read checks look: the directory changes go to, else (none found, or several
    under `auto`) every directory, `-`, which Atlassian allows for reads."""
    if isinstance(seen, Refused):
        return configured if configured != DIRECTORY_AUTO else "-"
    if configured == DIRECTORY_AUTO:
        return seen[0].id if len(seen) == 1 else "-"
    return configured if any(d.id == configured for d in seen) else "-"


def users(seen: UsersSeen | Refused, *, org_id: str) -> Finding:
    check = "atlassian: users"
    if isinstance(seen, Refused):
        fix = _admin_fix(seen, org_id=org_id, scope="read:directories:admin")
        return Finding.fail(check, seen.message, fix=fix)
    if seen.sample is None:
        return Finding.ok(check, "the key reads the directory's users (it has none)")
    return Finding.ok(check, "the key reads the directory's users")


def last_active_dates(seen: int | Refused | None, *, org_id: str) -> Finding:
    """`seen`: how many products the sampled account's dates name; None: no account to ask."""
    check = "atlassian: last-active dates"
    if seen is None:
        return Finding.skipped(check, "the directory has no account to read the dates of")
    if isinstance(seen, Refused):
        return Finding.fail(check, seen.message, fix=_unscoped_only(seen, org_id=org_id))
    return Finding.ok(check, "the key reads last-active dates")


def _unscoped_only(refused: Refused, *, org_id: str) -> str:
    if refused.status == 403:
        return f"Atlassian names no scope for this, so a key with scopes cannot: {NEW_KEY}"
    return _admin_fix(refused, org_id=org_id)


def groups(seen: int | Refused, *, org_id: str) -> Finding:
    check = "atlassian: groups"
    if isinstance(seen, Refused):
        fix = _admin_fix(seen, org_id=org_id, scope="read:groups:admin")
        return Finding.fail(check, seen.message, fix=fix)
    return Finding.ok(check, "the key reads the groups and what they grant")


def account_changes(seen: Sequence[str] | Refused | None, *, org_id: str) -> Finding:
    """`seen`: the privileges `GET /users/{id}/manage` allows on a managed account; None: the
    directory has no managed account to ask about."""
    check = "atlassian: may change access"
    if seen is None:
        return Finding.skipped(
            check, "no managed account to ask about (the read-back needs one on a verified domain)"
        )
    if isinstance(seen, Refused):
        return Finding.fail(check, seen.message, fix=_unscoped_only(seen, org_id=org_id))
    return Finding.ok(
        check,
        "the key may manage the organization's accounts, so it may change group memberships "
        "and suspend (read back from the user management API; nothing was changed)",
    )


# --- Jira, per site -------------------------------------------------------------------------


@dataclass(frozen=True)
class JiraDoor:
    """Which site, and how its Jira is reached: at the site or through the gateway."""

    site: str
    via: JiraApi

    @property
    def token_kind(self) -> str:
        return "a classic API token" if self.via == "site" else "a scoped token or service account"


def jira_token(seen: str | Refused, *, door: JiraDoor) -> Finding:
    """`seen`: the account ID Jira says the token belongs to."""
    check = f"jira {door.site}: token"
    where = "at the site" if door.via == "site" else "through the gateway"
    if isinstance(seen, Refused):
        return Finding.fail(check, seen.message, fix=_token_fix(seen, door=door))
    return Finding.ok(check, f"Jira answers {door.token_kind} {where} (jira_api: {door.via})")


SCOPE_MISMATCH = "scope does not match"  # the gateway's 401 for a scope the token lacks


def _token_fix(refused: Refused, *, door: JiraDoor) -> str:
    if SCOPE_MISMATCH in refused.message:
        return f"the token lacks a scope this read needs: give it the scopes {DAY_ONE} lists"
    other = "gateway" if door.via == "site" else "site"
    hints = {
        401: f"jira_api: {door.via} takes {door.token_kind}: set JIRA_EMAIL and "
        f"JIRA_API_TOKEN to one, or set `jira_api: {other}` in the Organization policy "
        f"({DAY_ONE})",
        404: f"check the url and cloud_id of site {door.site} in the Organization policy",
    }
    return refused_because(
        refused, status_hints=hints, otherwise="run again; if it persists, check the network"
    )


def jira_administer(seen: bool | Refused, *, door: JiraDoor) -> Finding:
    """`seen`: whether the token's account holds Administer Jira on the site."""
    check = f"jira {door.site}: Administer Jira"
    grant = (
        "give the account JIRA_EMAIL names the Administer Jira global permission on "
        f"{door.site} (Jira settings → System → Global permissions; a group it is in will do)"
    )
    if isinstance(seen, Refused):
        return Finding.fail(check, seen.message, fix=_scope_or(seen, door=door, scope=SCOPE_PERMS))
    if not seen:
        return Finding.fail(check, "the Jira account is not a Jira administrator", fix=grant)
    return Finding.ok(check, "the Jira account holds Administer Jira")


SCOPE_PERMS = "read:permission:jira"
SCOPE_ROLES = "read:application-role:jira"


def _scope_or(refused: Refused, *, door: JiraDoor, scope: str) -> str:
    if refused.status == 401 and door.via == "gateway":
        return f"add the scope {scope} to the token (or create it with the scopes {DAY_ONE} lists)"
    return _token_fix(refused, door=door)


def jira_roles(seen: Sequence[str] | Refused, *, door: JiraDoor) -> Finding:
    """`seen`: the products whose application roles the account can read."""
    check = f"jira {door.site}: application roles"
    if isinstance(seen, Refused):
        if seen.status == 403:
            fix = "give the Jira account Administer Jira: only Jira administrators read them"
            return Finding.fail(check, seen.message, fix=fix)
        return Finding.fail(check, seen.message, fix=_scope_or(seen, door=door, scope=SCOPE_ROLES))
    shown = ", ".join(seen) or "no Jira product"
    return Finding.ok(check, f"reads which groups grant {shown}")
