"""`accessctl inventory`: read the live organization into a snapshot (DESIGN §4).

The organization (org id, sites, directory) comes from the policy set, the credentials and
`ATLASSIAN_API_BASE` from the environment, both through the run context
(`controller.app.run_context`), which is also the live source of the other verbs. Activity the
directory search leaves out is looked up where the policies and the ledger (`--state`) can use
it: the snapshot plans exactly as a full read would, at a fraction of the requests; reports on
products no policy governs see what the search shows, unless `--all-activity`.
"""

from __future__ import annotations

from pathlib import Path

from controller.adapters.files import write_output
from controller.app import console
from controller.app.run_context import RunContext
from controller.core.errors import ExitCode
from controller.core.snapshot import dump_inventory


def run(context: RunContext, *, out: Path | None) -> int:
    """Write the snapshot to `out` (atomically) or stdout; say what was read on stderr."""
    inventory = context.live_inventory()
    data = dump_inventory(inventory)
    if out is None:
        console.out(data.decode())
    else:
        write_output(out, data, what="inventory")
    console.info(
        f"{context.policies.organization.org_id}: {len(inventory.accounts)} accounts, "
        f"{len(inventory.groups)} groups, {len(inventory.sites)} sites"
        + (f" -> {out}" if out else "")
    )
    return ExitCode.OK
