"""The simulator's own endpoints under `/__sim/`, for tests and benchmarks, never rate limited.

`GET /__sim/stats` counts requests per route template, statuses, 429s and faults;
`GET /__sim/inventory` is the current organization as a canonical inventory snapshot, so a test
can compare it with what a plan said; `POST /__sim/reset` returns to the seed and zeroes counters.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from controller.core.snapshot import dump_inventory
from controller.sim.atlassian.gateway import Simulation


def control_routes(sim: Simulation) -> list[Route]:
    async def stats(request: Request) -> Response:
        return JSONResponse(sim.stats.as_json())

    async def inventory(request: Request) -> Response:
        return Response(dump_inventory(sim.state.snapshot()), media_type="application/json")

    async def reset(request: Request) -> Response:
        sim.reset()
        return JSONResponse({"message": "reset to the seed inventory"})

    return [
        Route("/__sim/stats", stats, methods=["GET"]),
        Route("/__sim/inventory", inventory, methods=["GET"]),
        Route("/__sim/reset", reset, methods=["POST"]),
    ]
