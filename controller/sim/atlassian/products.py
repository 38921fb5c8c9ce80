"""Atlassian's names for products, sites and account states, as the simulator's APIs spell them.

One place for the facts the Admin API and Jira handlers share: product display names, site
ARIs (`ari:cloud:<product>::site/<cloudId>`, atlassian-api.md §1.2), how an inventory status maps
onto v1 `account_status` and v2 `status`/`accountStatus`/`membershipStatus`, and time formats.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from controller.core.snapshot import PRODUCT_NAMES, Account

JIRA_PRODUCTS = frozenset(k for k in PRODUCT_NAMES if k.startswith("jira-"))

# inventory status -> (v2 status, accountStatus, membershipStatus)
V2_STATUSES = {
    "active": ("active", "active", "active"),
    "suspended": ("suspended", "active", "suspended"),
    "deactivated": ("deactivated", "inactive", "active"),
}
# v1 account_status speaks of the Atlassian account, which an org suspension leaves active.
V1_ACCOUNT_STATUS = {"active": "active", "suspended": "active", "deactivated": "inactive"}

TIME_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC")


def site_ari(product: str, cloud_id: str) -> str:
    return f"ari:cloud:{product}::site/{cloud_id}"


def parse_site_ari(ari: str) -> tuple[str, str] | None:
    """(product, cloudId) of a site ARI; None when it is not one."""
    prefix, _, cloud_id = ari.partition("::site/")
    product = prefix.removeprefix("ari:cloud:")
    if not cloud_id or product == prefix:
        return None
    return product, cloud_id


def instant(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def is_managed(account: Account) -> bool:
    """Managed accounts: people with an e-mail on a verified domain (hidden ones are external)."""
    return account.account_type == "atlassian" and account.email is not None


def stable_fraction(text: str) -> float:
    """A number in [0, 1) fixed by `text`: picks the same accounts on every run."""
    return zlib.crc32(text.encode()) / 2**32


def time_zone(account_id: str) -> str:
    return TIME_ZONES[zlib.crc32(account_id.encode()) % len(TIME_ZONES)]


def avatar_urls(account: Account) -> dict[str, str]:
    initials = "".join(part[:1] for part in account.name.split()[:2]).upper() or "U"
    base = "https://avatar-management.sim.atlassian.example/initials"
    return {f"{n}x{n}": f"{base}/{initials}-{n}.png?size={n}" for n in (16, 24, 32, 48)}
