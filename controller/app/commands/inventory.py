"""`accessctl inventory`: read the live organization into a snapshot (DESIGN §4).

Also the live source of `accessctl plan` without `--inventory`. The organization (org id,
sites, directory) comes from the policy set; credentials and `ATLASSIAN_API_BASE` come from the
environment, read here and handed down as one `Credentials` value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import httpx

from controller.adapters.atlassian import AtlassianClient, Credentials, fetch_inventory
from controller.adapters.files import write_atomic
from controller.app import console
from controller.core.errors import ExitCode
from controller.core.policy import load_policies
from controller.core.policy.models import Organization
from controller.core.snapshot import Inventory, dump_inventory


def run(
    *,
    policies_dir: Path,
    out: Path | None,
    now: datetime,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Write the snapshot to `out` (atomically) or stdout; say what was read on stderr."""
    organization = read_organization(policies_dir, now=now, show_warnings=True)
    inventory = fetch_live_inventory(organization, now=now, environ=environ, transport=transport)
    data = dump_inventory(inventory)
    if out is None:
        console.out(data.decode())
    else:
        write_atomic(out, data)
    console.info(
        f"{organization.org_id}: {len(inventory.accounts)} accounts, "
        f"{len(inventory.groups)} groups, {len(inventory.sites)} sites"
        + (f" -> {out}" if out else "")
    )
    return ExitCode.OK


def live_inventory(policies_dir: Path, *, now: datetime, environ: Mapping[str, str]) -> Inventory:
    """The organization the policies name, read live (`accessctl plan` without --inventory)."""
    organization = read_organization(policies_dir, now=now, show_warnings=False)
    return fetch_live_inventory(organization, now=now, environ=environ)


def read_organization(policies_dir: Path, *, now: datetime, show_warnings: bool) -> Organization:
    loaded = load_policies([policies_dir], today=now.date())
    if show_warnings:
        for warning in loaded.warnings:
            console.warn(str(warning))
    return loaded.policies.organization


def fetch_live_inventory(
    organization: Organization,
    *,
    now: datetime,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None = None,
) -> Inventory:
    """Read the organization through the APIs, with a progress count on a terminal."""
    credentials = Credentials.from_environ(environ)
    with (
        AtlassianClient(credentials, transport=transport) as client,
        console.counting("reading accounts") as advance,
    ):
        return fetch_inventory(organization, client=client, taken_at=now, progress=advance)
