"""The Starlette application: `/graphql`, `/healthz`, `/metrics`.

One async Neo4j driver per process, created at start-up and closed at shutdown. The app starts
even when Neo4j is down (health answers 503 until it is back); the schema is applied as soon as the
graph answers.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .api.endpoint import graphql_endpoint
from .config import Settings, load_settings
from .db import Graph, connection_info, is_unavailable
from .health import healthz
from .metrics import Metrics, MetricsMiddleware
from .schema import apply_schema_async, load_schema

log = logging.getLogger("matchgraph.app")


class AppState:
    """What the app holds for its lifetime; reachable as `request.app.state`."""

    def __init__(self, settings: Settings, metrics: Metrics):
        self.settings = settings
        self.metrics = metrics
        self.graph: Graph | None = None
        self.schema_version: int | None = None
        self._schema_lock = asyncio.Lock()

    async def ensure_schema(self) -> int | None:
        """Applies the schema once per process, as soon as the graph answers."""
        if self.schema_version is not None:
            return self.schema_version
        async with self._schema_lock:
            if self.schema_version is None:
                try:
                    script = await apply_schema_async(self.graph.driver, self.graph.database, load_schema())
                    self.schema_version = script.version
                except Exception as error:
                    if not is_unavailable(error):
                        raise
                    log.warning("Neo4j is not reachable yet; the schema will be applied when it is")
        return self.schema_version


async def metrics_endpoint(request: Request) -> Response:
    registry = request.app.state.matchgraph.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def index(request: Request) -> Response:
    return RedirectResponse("/graphql")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    metrics = Metrics()
    state = AppState(settings, metrics)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        state.graph = Graph(connection_info(settings))
        metrics.count_round_trips(lambda: state.graph.round_trips)
        await state.ensure_schema()
        try:
            yield
        finally:
            await state.graph.close()

    routes = [
        Route("/", index),
        Route("/graphql", graphql_endpoint(settings), methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(MetricsMiddleware, metrics=metrics)], lifespan=lifespan)
    app.state.matchgraph = state
    return app
