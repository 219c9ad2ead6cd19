"""`GET /healthz`: 200 with `{"neo4j": "ok", ...}` when the graph answers, 503 otherwise."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from graphdb import __version__
from graphdb.driver import is_unavailable

log = logging.getLogger("matchgraph.health")


async def healthz(request: Request) -> JSONResponse:
    state = request.app.state.matchgraph
    try:
        await state.graph.ping()
    except Exception as error:  # any failure to answer is "unavailable" to a load balancer
        state.metrics.neo4j_up.set(0)
        reason = "unreachable" if is_unavailable(error) else type(error).__name__
        return JSONResponse({"neo4j": "unavailable", "reason": reason, "version": __version__}, status_code=503)
    state.metrics.neo4j_up.set(1)
    schema = await state.ensure_schema()
    return JSONResponse({"neo4j": "ok", "database": state.graph.database, "schema": schema, "version": __version__})
