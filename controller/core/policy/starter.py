"""A first policy set, as text: what `accessctl init` writes from what the Admin API key found.

Pure: takes the discovered organization, returns file names and their commented YAML. The
Organization carries the real directory ID, the Jira sites with their cloud IDs, the protected
defaults, and `safety` and `notifications` skeletons; each Jira product on each site gets one
conservative `InactivityPolicy` (90 days idle, a 14-day warning), which a first `accessctl
plan` shows before anything is changed. A value that YAML could read as anything but the same
text (a number, `true`, a leading indicator) is written as a JSON string, which YAML reads as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from controller.core.policy.models import (
    DEFAULT_PROTECTED_ROLES,
    DEFAULT_PROTECTED_TYPES,
    JiraApi,
)
from controller.core.snapshot import PRODUCT_NAMES

STARTER_INACTIVE_DAYS = 90
STARTER_WARNING_DAYS = 14
STARTER_MAX_REVOCATIONS = 25
STARTER_MAX_FRACTION = 0.10
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/policy.schema.json"
ORGANIZATION_FILE = "organization.yaml"


@dataclass(frozen=True)
class StarterSite:
    name: str
    url: str
    cloud_id: str
    products: tuple[str, ...]  # product keys its workspaces run, Jira's among them

    @property
    def jira_products(self) -> tuple[str, ...]:
        """The Jira products accessctl knows a policy for (an unknown key would not validate)."""
        return tuple(p for p in self.products if p.startswith("jira") and p in PRODUCT_NAMES)


@dataclass(frozen=True)
class StarterOrganization:
    org_id: str
    name: str
    directory_id: str
    sites: tuple[StarterSite, ...]  # sites running Jira
    other_sites: tuple[str, ...] = ()  # sites running no Jira, left out
    jira_api: JiraApi = "site"


def starter_files(found: StarterOrganization) -> dict[str, str]:
    """File name (inside the policy directory) -> its text."""
    files = {ORGANIZATION_FILE: organization_text(found)}
    for site in found.sites:
        for product in site.jira_products:
            name = f"{product}-{site.name}"
            files[f"{name}-inactivity.yaml"] = inactivity_text(name, site=site, product=product)
    return files


def organization_text(found: StarterOrganization) -> str:
    return "\n".join(
        [
            SCHEMA_LINE,
            "#",
            f"# The organization accessctl manages: {found.name or found.org_id}, as `accessctl "
            "init` found it.",
            "# Secrets never go here: credentials come from the environment",
            "# (ATLASSIAN_ADMIN_API_KEY, JIRA_EMAIL, JIRA_API_TOKEN, GITHUB_TOKEN, SMTP_PASSWORD).",
            "version: 1",
            "kind: Organization",
            f"org_id: {yaml_scalar(found.org_id)}   # admin.atlassian.com/o/<org_id>/...",
            *_sites_lines(found),
            f"directory: {yaml_scalar(found.directory_id)}   # the one changes are written to "
            "(`auto`: look it up each run)",
            *_jira_api_lines(found.jira_api),
            *_protected_lines(),
            *_safety_lines(),
            *_notification_lines(),
            "plan_ttl_days: 7            # a plan not merged within a week must be made again",
            "",
        ]
    )


def _sites_lines(found: StarterOrganization) -> list[str]:
    lines = ["sites:                      # the sites running Jira, with their cloud IDs"]
    for site in found.sites:
        products = ", ".join(site.products)
        lines += [
            f"  - name: {yaml_scalar(site.name)}   # runs {products}",
            f"    url: {yaml_scalar(site.url)}",
            f"    cloud_id: {yaml_scalar(site.cloud_id)}",
        ]
    if found.other_sites:
        lines.append(f"# Left out, running no Jira: {', '.join(found.other_sites)}.")
    return lines


def _jira_api_lines(jira_api: JiraApi) -> list[str]:
    return [
        f"jira_api: {jira_api}   # site: JIRA_API_TOKEN is a classic API token (id.atlassian.com);",
        "                 # gateway: a scoped API token or a service account's (docs/day-one.md)",
    ]


def _protected_lines() -> list[str]:
    roles = ", ".join(DEFAULT_PROTECTED_ROLES)
    types = ", ".join(DEFAULT_PROTECTED_TYPES)
    return [
        "protected:                  # never touched, whatever a policy says",
        f"  platform_roles: [{roles}]",
        f"  account_types: [{types}]",
        "  accounts: []              # e.g. [it-break-glass@example.com]",
    ]


def _safety_lines() -> list[str]:
    return [
        "safety:                     # a plan above these limits is refused whole (exit 4)",
        f"  max_revocations: {STARTER_MAX_REVOCATIONS}",
        f"  max_revocation_fraction: {STARTER_MAX_FRACTION:.2f}   # of one product's seats on "
        "one site",
        "  over_limit: refuse        # or `trim`: revoke what the limits allow, longest idle "
        "first,",
        "                            # the rest on the next runs (a staged first clean-up)",
    ]


def _notification_lines() -> list[str]:
    return [
        "notifications:",
        "  send_warnings: true       # people are mailed before their seat goes",
        "  admin_digest: []          # who gets a summary of each apply, e.g. [it-ops@example.com]",
        "  # smtp:                   # set it before the first plan: no warning, no revocation",
        "  #   host: smtp.example.com",
        "  #   port: 587",
        "  #   security: starttls    # starttls | tls | none",
        "  #   username: accessctl@example.com   # its password: SMTP_PASSWORD",
        "  #   from: accessctl@example.com",
    ]


def inactivity_text(name: str, *, site: StarterSite, product: str) -> str:
    title = PRODUCT_NAMES[product]
    return "\n".join(
        [
            SCHEMA_LINE,
            "#",
            f"# A conservative start, written by `accessctl init`: {title} seats on {site.name}",
            f"# unused there for {STARTER_INACTIVE_DAYS} days are freed, people warned "
            f"{STARTER_WARNING_DAYS} days before. Check",
            "# `accessctl plan` before tightening it.",
            "version: 1",
            "kind: InactivityPolicy",
            f"name: {yaml_scalar(name)}",
            f"site: {yaml_scalar(site.name)}",
            f"product: {product}",
            f"inactive_after_days: {STARTER_INACTIVE_DAYS}",
            f"warn_before_days: {STARTER_WARNING_DAYS}",
            f"action: remove-from-groups   # the groups granting {title} on {site.name}; "
            "`suspend` takes all access",
            "",
        ]
    )


PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")
NUMBER_LIKE = re.compile(r"[0-9._+:eE-]+|0[xob][0-9a-fA-F_]+|\.?(inf|nan)", re.IGNORECASE)
YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar that reads back as exactly this string."""
    plain = PLAIN.fullmatch(value) and not NUMBER_LIKE.fullmatch(value)
    if plain and value.lower() not in YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)
