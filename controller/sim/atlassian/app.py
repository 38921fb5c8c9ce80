"""Assembles the Atlassian Cloud simulator: one Starlette app for Admin API and Jira REST.

Unknown paths answer 404 in the style of the family they look like, so a client's error
handling sees what it would see in production.
"""

from __future__ import annotations

import uuid

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from controller.core.snapshot import Inventory
from controller.sim.atlassian.admin_v1 import admin_v1_routes
from controller.sim.atlassian.admin_v2 import admin_v2_routes
from controller.sim.atlassian.admin_v2_groups import admin_v2_group_routes
from controller.sim.atlassian.config import Family, SimConfig
from controller.sim.atlassian.control import control_routes
from controller.sim.atlassian.gateway import ApiError, Simulation, error_response, make_buckets
from controller.sim.atlassian.jira import jira_routes
from controller.sim.atlassian.org_state import OrgState
from controller.sim.atlassian.traffic import FaultPlan, Stats


def create_app(inventory: Inventory, config: SimConfig) -> Starlette:
    """A simulator serving `inventory`, behaving as `config` says; state lives in the app."""
    sim = Simulation(
        state=OrgState(inventory),
        config=config,
        stats=Stats(),
        faults=FaultPlan(rate=config.fault_rate, seed=config.fault_seed, kinds=config.fault_kinds),
        buckets=make_buckets(config),
        caller_id=caller_account_id(inventory),
    )
    routes = [
        *admin_v1_routes(sim),
        *admin_v2_routes(sim),
        *admin_v2_group_routes(sim),
        *jira_routes(sim),
        *control_routes(sim),
    ]
    handlers = {HTTPException: not_found_or_not_allowed}
    return Starlette(routes=routes, exception_handlers=handlers)


def caller_account_id(inventory: Inventory) -> str:
    """Whose credentials the Jira token stands for: the snapshot's reader, else a bot's id."""
    if inventory.fetched_by is not None:
        return inventory.fetched_by
    return f"557058:{uuid.uuid5(uuid.NAMESPACE_URL, f'atlassian-sim-bot:{inventory.org_id}')}"


async def not_found_or_not_allowed(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    message = "Method not allowed" if status == 405 else f"No such endpoint: {request.url.path}"
    return error_response(_family_of(request.url.path), ApiError(status, message))


def _family_of(path: str) -> Family:
    if path.startswith(("/ex/jira/", "/site/")):
        return "jira"
    return "admin-v1" if path.startswith("/admin/v1/") else "admin-v2"
