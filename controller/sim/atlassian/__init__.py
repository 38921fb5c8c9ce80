"""A real-HTTP simulator of Atlassian Cloud: Admin API v1/v2 and Jira REST v3 (DESIGN §8).

Seeded from an inventory snapshot (DESIGN §4), served by `controller.sim.server.running()`:

    with running(create_app(inventory, SimConfig())) as base_url:
        ...  # Admin API at {base_url}/admin/..., Jira at {base_url}/ex/jira/{cloudId}/...
        ...  # and at each site's stand-in, {base_url}/site/{site}/rest/api/3/...

Changes made through either API family are real and shared; `GET /__sim/inventory` returns the
organization as it now is.
"""

from controller.sim.atlassian.admin_v2 import org_directory_id
from controller.sim.atlassian.app import create_app
from controller.sim.atlassian.config import (
    FAULT_KINDS,
    Family,
    FaultKind,
    RateLimit,
    SimConfig,
    site_url_template,
)

__all__ = [
    "FAULT_KINDS",
    "Family",
    "FaultKind",
    "RateLimit",
    "SimConfig",
    "create_app",
    "org_directory_id",
    "site_url_template",
]
