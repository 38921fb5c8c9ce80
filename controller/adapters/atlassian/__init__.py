"""The Atlassian Cloud connector: the adapter between accessctl and Atlassian's REST APIs.

It sits in the imperative shell (DESIGN §1): the app's run context builds `Credentials` from the
environment and an `AtlassianClient`, then calls `fetch_inventory` (for `inventory` and `plan`)
or hands an `AtlassianDirectory` to apply. Nothing in the pure core imports it.

- `client`: the Atlassian side of the HTTP boundary (auth, pacing, retries, error mapping;
  thread-safe); `credentials`, `pacing`, `batch_sizes`: what it is built from.
- `pagination`: the Admin API's two paging styles (v1 next URLs, v2 cursors).
- `shapes`: API JSON -> inventory models (pure). `reading`: the inventory with the fewest calls.
- `admin_directory`: the `Directory` port, on the Admin API's membership writes.
- `discovery`: what `init` finds from the Admin key; `probes`: what `doctor` reads.
"""

from __future__ import annotations

from datetime import datetime

from controller.adapters.atlassian.admin_directory import AtlassianDirectory
from controller.adapters.atlassian.client import AtlassianClient
from controller.adapters.atlassian.credentials import Credentials
from controller.adapters.atlassian.reading import OrganizationReader, Progress
from controller.adapters.http_boundary.retrying import RetryPolicy, Timing
from controller.core.policy.models import Organization
from controller.core.reconcile.activity_needs import EVERY_SEAT, ActivityNeeds
from controller.core.snapshot import Inventory

__all__ = [
    "AtlassianClient",
    "AtlassianDirectory",
    "Credentials",
    "RetryPolicy",
    "Timing",
    "fetch_inventory",
]


def fetch_inventory(
    organization: Organization,
    *,
    client: AtlassianClient,
    taken_at: datetime,
    needs: ActivityNeeds = EVERY_SEAT,
    progress: Progress | None = None,
) -> Inventory:
    """The whole organization as a DESIGN §4 snapshot, stamped `taken_at`; activity exact for
    every seat `needs` names (`activity_needs(policies, ledger)` for a plan, the default for
    any question)."""
    reader = OrganizationReader(client, organization, needs=needs, progress=progress)
    return reader.inventory(taken_at=taken_at)
