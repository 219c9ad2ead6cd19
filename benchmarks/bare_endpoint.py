"""The API benchmark's baseline: a bare Starlette JSON endpoint for the compare page.

    NEO4J_URI=… NEO4J_PASSWORD=… python -m benchmarks.bare_endpoint [--host 127.0.0.1] [--port 8001]

`POST /compare` with `{"a": …, "b": …}` runs exactly the Cypher that the benchmark's GraphQL compare
page runs for a published pair, through the same `Graph` (the same async driver settings, one
driver per process): `BEST_FOR_PAIR` from the repository, which brings each shown capability's
alternatives along (one round trip, as for the GraphQL page). It answers the hydrated page as JSON. No GraphQL, no middleware (metrics, rate limits,
body limit), no `from_page` view: what is left is uvicorn + Starlette + the driver + json, so
matchgraph's throughput over this one is what the GraphQL layer and the middleware cost.
`GET /stats` answers the Cypher round trips so far (the benchmark's per-request count for the
baseline), `GET /healthz` pings Neo4j.

Served by uvicorn with one worker, the same way and at the same log level as `matchgraph serve`.
"""

from __future__ import annotations

import argparse
import json
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graphdb.config import load_settings
from graphdb.driver import Graph, connection_info
from graphdb.repository.comparisons import BEST_FOR_PAIR
from ingest.records import slugify


def create_app(settings=None, graph=None) -> Starlette:
    """The app; `graph` (anything with `read` and `round_trips`) replaces the driver made at start-up."""
    settings = settings or load_settings()
    state = {"graph": graph}

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if graph is not None:
            yield
            return
        state["graph"] = Graph(connection_info(settings))
        try:
            yield
        finally:
            await state["graph"].close()

    async def compare(request: Request) -> Response:
        try:
            body = await request.json()
            a, b = slugify(body["a"]), slugify(body["b"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return JSONResponse({"error": 'expected {"a": …, "b": …}'}, status_code=400)
        graph = state["graph"]
        rows = await graph.read(BEST_FOR_PAIR, a=a, b=b)
        page = rows[0]["page"] if rows else None
        # default=str: ingested comparisons carry a Neo4j DateTime (ingestedAt).
        return Response(
            json.dumps({"compare": page}, default=str, separators=(",", ":")), media_type="application/json"
        )

    async def stats(request: Request) -> Response:
        return JSONResponse({"round_trips": state["graph"].round_trips})

    async def healthz(request: Request) -> Response:
        await state["graph"].ping()
        return JSONResponse({"neo4j": "ok"})

    routes = [Route("/compare", compare, methods=["POST"]), Route("/stats", stats), Route("/healthz", healthz)]
    return Starlette(routes=routes, lifespan=lifespan)


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    settings = load_settings()
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=settings.log_level)


if __name__ == "__main__":
    main()
