"""The Starlette application: `/graphql`, `/healthz`, `/metrics`.

One async Neo4j driver per process, created at start-up and closed at shutdown. The app starts
even when Neo4j is down (health answers 503 until it is back); the schema is applied as soon as the
graph answers.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from embed.recording import SearchRecorder
from embed.search import SearchService
from embed.stage import EmbeddingStage
from embed.vectors import VectorService
from graph_service.api.endpoint import graphql_endpoint
from graph_service.bodylimit import BodyLimitMiddleware
from graph_service.health import healthz
from graph_service.images import image_file
from graph_service.metrics import Metrics, MetricsMiddleware
from graph_service.ratelimit import RateLimitMiddleware, RateLimits
from graphdb.config import Settings, load_settings
from graphdb.driver import Graph, connection_info, is_unavailable, sync_driver
from graphdb.schema import apply_schema_async, load_schema
from ingest.pipeline import Ingester
from ingest.writer import GraphWriter
from services.probe_jobs import ProbeJobService

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
        self._probe_jobs = None  # repository.probes.ProbeJobService, made on the first queueProbe
        self._probe_lock = threading.Lock()
        self.recorder: SearchRecorder | None = None  # embed.recording.SearchRecorder, started with the app (search log)
        self._search = None  # embed.search.SearchService, made on the first search
        self.vectors: VectorService | None = (
            None  # embed.vectors.VectorService: the FAISS indexes, loaded in the background at start-up
        )
        self._vectors_driver = None
        self._vectors_thread: threading.Thread | None = None
        self._catalog_check: threading.Thread | None = None  # the catalog's periodic full check
        self._stopping = threading.Event()

    def ingest(self, items: list[tuple[str, bytes]]):
        """Runs the CLI's ingester on ``items`` (name, content); blocking, so call it from a worker thread.

        One ingest at a time per process: concurrent batches would race on the same artifacts.
        """
        with self._ingest_lock:
            if self._ingest_driver is None:
                self._ingest_driver = sync_driver(connection_info(self.settings))
            writer = GraphWriter(self._ingest_driver, self.settings.neo4j_database)
            report = Ingester(writer).ingest((name, data, "") for name, data in items)
            if self.vectors is not None:  # the embedding stage, in this same thread: the report is complete
                report.embedded = EmbeddingStage(self.settings, self._ingest_driver, vectors=self.vectors).run()
            return report

    def start_vectors(self) -> None:
        """The vector indexes: loaded (or rebuilt from the graph) in a background thread, so start-up
        never waits for them nor fails because of them; `vectors.index()` loads on demand meanwhile."""
        self._vectors_driver = sync_driver(connection_info(self.settings))
        self.vectors = VectorService(self.settings, self._vectors_driver)
        self._vectors_thread = threading.Thread(target=self._load_search_state, name="matchgraph-vectors", daemon=True)
        self._vectors_thread.start()
        if self.settings.catalog_full_check_interval > 0:
            self._catalog_check = threading.Thread(
                target=self._check_catalog_periodically, name="matchgraph-catalog-check", daemon=True
            )
            self._catalog_check.start()

    def _check_catalog_periodically(self) -> None:
        """Edits made outside matchgraph (Neo4j Browser) do not bump the graph's data version: every
        MATCHGRAPH_CATALOG_FULL_CHECK_INTERVAL seconds the catalog is compared whole with the graph."""
        while not self._stopping.wait(self.settings.catalog_full_check_interval):
            if self.vectors is None:
                continue
            try:
                self.vectors.check_catalog()
            except Exception as error:  # the graph down, say: the next round tries again
                log.warning("search catalog not checked against the graph (%s)", error)

    def _load_search_state(self) -> None:
        if self.vectors is None:
            return
        self.vectors.start()  # the indexes and the search catalog; never raises
        self.vectors.warm_up()  # the text embedder, when there are text vectors to search
        # What start-up loaded lives as long as the process: the catalog, the models, the modules.
        # Out of the cyclic GC's way, a full collection walks only what requests allocate; a walk
        # over all of it landed on whichever search was running (benchmarks/search_bench.py, p99).
        gc.freeze()

    def close_vectors(self) -> None:
        self._stopping.set()
        if self._catalog_check is not None:
            self._catalog_check.join(timeout=30)
        if self._vectors_thread is not None:
            self._vectors_thread.join(timeout=30)
            gc.unfreeze()  # let shutdown collect what start-up froze
        if self._vectors_driver is not None:
            self._vectors_driver.close()

    def start_recorder(self) -> None:
        """The search log: a background writer with its own driver (never slows a search)."""
        self.recorder = SearchRecorder.connect(
            connection_info(self.settings),
            max_queue=self.settings.search_record_queue,
            on_outcome=self.metrics.count_search_recording,
        ).start()

    def search_service(self):
        """Hybrid search over the vector indexes (when the app holds them), feeding the search log."""
        if self._search is None:
            self._search = SearchService(lambda: self.vectors, self.recorder, observe=self.metrics.observe_search)
        return self._search

    def close_ingest(self) -> None:
        if self._ingest_driver is not None:
            self._ingest_driver.close()

    def probe_jobs(self):
        """Probe jobs (queueProbe / probeJob): one background thread, one probe at a time."""
        with self._probe_lock:
            if self._probe_jobs is None:
                self._probe_jobs = ProbeJobService(self.settings)
        return self._probe_jobs

    def close_probe_jobs(self) -> None:
        if self._probe_jobs is not None:
            self._probe_jobs.close()

    async def ensure_schema(self) -> int | None:
        """Applies the schema once per process, as soon as the graph answers."""
        if self.schema_version is not None:
            return self.schema_version
        async with self._schema_lock:
            if self.schema_version is None and self.graph is not None:
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
        if settings.search_record:
            state.start_recorder()
        state.start_vectors()
        try:
            yield
        finally:
            if state.recorder is not None:
                await asyncio.to_thread(state.recorder.stop)
            await state.graph.close()
            state.close_ingest()
            await asyncio.to_thread(state.close_vectors)
            await asyncio.to_thread(state.close_probe_jobs)

    routes = [
        Route("/", index),
        Route("/graphql", graphql_endpoint(settings)),  # the endpoint answers other methods (405, JSON)
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
        Route("/images/{name}", image_file),  # stored artifact images (graph_service/images.py)
    ]
    rate_limits = RateLimits(settings)
    # Outermost first. Metrics sees every answer, 413 and 429 included; CORS headers go on those
    # too (a browser can only read a 429 that carries them); preflights never reach the limits.
    middleware = [Middleware(MetricsMiddleware, metrics=metrics)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type", "Accept", "Authorization", "X-API-Key"],
                expose_headers=["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"],
            )
        )
    middleware += [
        Middleware(RateLimitMiddleware, limits=rate_limits),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.matchgraph = state
    app.state.rate_limits = rate_limits  # tests swap its clock
    return app
