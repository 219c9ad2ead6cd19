"""The Starlette application: `/graphql`, `/healthz`, `/metrics`.

One async Neo4j driver per process, created at start-up and closed at shutdown. The app starts
even when Neo4j is down (health answers 503 until it is back); the schema is applied as soon as the
graph answers.
"""

from __future__ import annotations

import asyncio
import threading
import logging
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .api.endpoint import graphql_endpoint
from .bodylimit import BodyLimitMiddleware
from .config import Settings, load_settings
from .db import Graph, connection_info, is_unavailable, sync_driver
from .health import healthz
from .metrics import Metrics, MetricsMiddleware
from .ratelimit import RateLimitMiddleware, RateLimits
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
        self._ingest_driver = None  # a sync driver, made on the first ingestDocuments
        self._ingest_lock = threading.Lock()

    def ingest(self, items: list[tuple[str, bytes]]):
        """Runs the CLI's ingester on ``items`` (name, content); blocking, so call it from a worker thread.

        One ingest at a time per process: concurrent batches would race on the same artifacts.
        """
        from ingest.pipeline import Ingester
        from ingest.writer import GraphWriter

        with self._ingest_lock:
            if self._ingest_driver is None:
                self._ingest_driver = sync_driver(connection_info(self.settings))
            writer = GraphWriter(self._ingest_driver, self.settings.neo4j_database)
            return Ingester(writer).ingest((name, data, "") for name, data in items)

    def close_ingest(self) -> None:
        if self._ingest_driver is not None:
            self._ingest_driver.close()

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
            state.close_ingest()

    routes = [
        Route("/", index),
        Route("/graphql", graphql_endpoint(settings)),  # the endpoint answers other methods (405, JSON)
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
    ]
    rate_limits = RateLimits(settings)
    # Outermost first. Metrics sees every answer, 413 and 429 included; CORS headers go on those
    # too (a browser can only read a 429 that carries them); preflights never reach the limits.
    middleware = [Middleware(MetricsMiddleware, metrics=metrics)]
    if settings.cors_origins:
        middleware.append(Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "Authorization", "X-API-Key"],
            expose_headers=["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"],
        ))
    middleware += [
        Middleware(RateLimitMiddleware, limits=rate_limits),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.matchgraph = state
    app.state.rate_limits = rate_limits  # tests swap its clock
    return app
