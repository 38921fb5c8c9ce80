"""How the Atlassian Cloud simulator behaves: credentials, page sizes, rate limits, faults.

One frozen value handed to `create_app`; tests build their own, `accessctl sim serve` builds one
from its flags. Every default mirrors the real service where it is documented
(shared/reference/atlassian-api.md) and is plainly a simulator choice where it is not.

Two Jira API tokens, as Atlassian issues them: the classic `jira_token` works at the sites
(`/site/{site}/rest/api/3`, standing in for https://<site>.atlassian.net) and is refused by the
gateway; the scoped `jira_scoped_token` works through the gateway (`/ex/jira/{cloudId}`) when
its `jira_token_scopes` cover the endpoint, and is refused at the sites.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Family = Literal["admin-v1", "admin-v2", "jira"]
FaultKind = Literal["429", "500", "503", "slow", "drop"]

FAMILIES: tuple[Family, ...] = ("admin-v1", "admin-v2", "jira")
FAULT_KINDS: tuple[FaultKind, ...] = ("429", "500", "503", "slow", "drop")
# What accessctl needs of a scoped token, in Jira's granular scopes (docs/day-one.md lists them;
# `read:permission:jira` is for `accessctl doctor`'s look at the account's permissions).
ACCESSCTL_JIRA_SCOPES = (
    "read:application-role:jira",
    "read:avatar:jira",
    "read:group:jira",
    "read:permission:jira",
    "read:user:jira",
)
# Jira's global permissions (the keys `GET /rest/api/3/mypermissions` knows), and those the
# account behind the Jira token holds on every site unless a test takes some away: a Jira
# administrator, as accessctl needs (`applicationrole` answers only to Administer Jira).
JIRA_GLOBAL_PERMISSIONS = frozenset(
    {
        "ADMINISTER",
        "SYSTEM_ADMIN",
        "USER_PICKER",
        "CREATE_SHARED_OBJECTS",
        "MANAGE_GROUP_FILTER_SUBSCRIPTIONS",
        "BULK_CHANGE",
    }
)
JIRA_ADMINISTRATOR = ("ADMINISTER", "USER_PICKER")
SITE_PATH = "/site/{site}"  # where a site's own URL is served: the `{site}` of a URL template


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `rps` tokens per second, holding at most `burst`."""

    rps: float
    burst: int


@dataclass(frozen=True)
class SimConfig:
    """Behaviour of one simulated organization.

    `product_access_gap` is the fraction of accounts whose `productAccess` the v2 user search
    leaves empty (chosen by a hash of the accountId and `fault_seed`, so the same accounts every
    time). Atlassian does not promise that the search's activity data is complete
    (atlassian-api.md §1.3, UNCONFIRMED), so a connector must notice activity the search missed;
    the per-account v1 last-active-dates endpoint always tells the whole truth.
    """

    admin_key: str = "sim-admin-key"
    # None: a key created without scopes, with an organization admin's rights; else the scopes
    # the key was created with (see gateway.py for what they reach).
    admin_key_scopes: tuple[str, ...] | None = None
    jira_email: str = "bot@example.com"
    jira_token: str = "sim-jira-token"
    jira_scoped_token: str = "sim-jira-scoped-token"
    jira_token_scopes: tuple[str, ...] = ACCESSCTL_JIRA_SCOPES
    jira_permissions: tuple[str, ...] = JIRA_ADMINISTRATOR
    latency_ms: float = 0.0
    rate_limit_rps: float | None = None
    burst: int = 10
    family_rate_limits: Mapping[Family, RateLimit] = field(default_factory=dict)
    fault_rate: float = 0.0
    fault_seed: int = 0
    fault_kinds: tuple[FaultKind, ...] = FAULT_KINDS
    slow_seconds: float = 30.0
    retry_after_seconds: int = 1
    v1_users_page_size: int = 100
    last_active_page_size: int = 20
    v2_default_limit: int = 50
    v2_max_limit: int = 100
    jira_page_max: int = 50
    jira_users_page_max: int = 1000
    max_account_ids: int = 10  # accountIds in one user search (the GET list's documented cap)
    product_access_gap: float = 0.0
    # More of the organization's setting, for init and the directory lookup: other directories
    # (empty), other organizations the key lists (id, name), and whether it lists its own
    # (a key made for one organization may list none: ACCESS-966).
    extra_directories: tuple[str, ...] = ()
    extra_orgs: tuple[tuple[str, str], ...] = ()
    lists_its_org: bool = True

    def rate_limit(self, family: Family) -> RateLimit | None:
        """The bucket for one endpoint family; None means unlimited."""
        if family in self.family_rate_limits:
            return self.family_rate_limits[family]
        if self.rate_limit_rps is None:
            return None
        return RateLimit(rps=self.rate_limit_rps, burst=self.burst)


def site_url_template(base_url: str) -> str:
    """`ACCESSCTL_SITE_URL_TEMPLATE` for a simulator at `base_url`: its stand-in for every
    https://<site>.atlassian.net."""
    return f"{base_url.rstrip('/')}{SITE_PATH}"
