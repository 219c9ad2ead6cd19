"""Prometheus metrics: HTTP requests, GraphQL operations, Cypher round trips, Neo4j reachability.

Each app owns its registry (so two apps in one process, as in the tests, do not collide).
`MetricsMiddleware` is plain ASGI: it times every HTTP request without buffering the body.
"""

from __future__ import annotations

import re
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

# Paths we label as themselves; anything else is "other", so scanners cannot blow up cardinality.
KNOWN_PATHS = frozenset({"/graphql", "/healthz", "/metrics", "/"})
_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_OPERATION_NAMES = 200
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "matchgraph_http_requests", "HTTP requests served.", ["method", "path", "status"], registry=self.registry
        )
        self.http_latency = Histogram(
            "matchgraph_http_request_duration_seconds",
            "HTTP request latency.",
            ["method", "path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.graphql_operations = Counter(
            "matchgraph_graphql_operations",
            "GraphQL operations executed.",
            ["operation", "type", "outcome"],
            registry=self.registry,
        )
        self.graphql_latency = Histogram(
            "matchgraph_graphql_operation_duration_seconds",
            "GraphQL operation latency.",
            ["operation", "type"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.neo4j_up = Gauge(
            "matchgraph_neo4j_up", "1 when the last health check reached Neo4j.", registry=self.registry
        )
        # Search (embed/search.py): searches by modality and mode, their latency, and the search log.
        self.searches = Counter(
            "matchgraph_search_queries", "Searches answered.", ["modality", "mode"], registry=self.registry
        )
        self.search_latency = Histogram(
            "matchgraph_search_duration_seconds",
            "Search latency (embedding, FAISS, graph, fusion).",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.search_recordings = Counter(
            "matchgraph_search_recordings",
            "Searches handed to the search log: written, dropped (queue full) or failed (graph write error).",
            ["outcome"],
            registry=self.registry,
        )
        self._operation_names: set[str] = set()

    def count_round_trips(self, read_count) -> None:
        """Exports ``read_count()`` (the graph's running total of Cypher queries) as a counter."""
        self.registry.register(_RoundTrips(read_count))

    def operation_label(self, name: str | None) -> str:
        """A bounded label for a client-chosen operation name."""
        if not name:
            return "anonymous"
        if not _OPERATION_NAME.match(name):
            return "invalid"
        if name in self._operation_names:
            return name
        if len(self._operation_names) >= MAX_OPERATION_NAMES:
            return "other"
        self._operation_names.add(name)
        return name

    def observe_search(self, result) -> None:
        """Counts and times one search (an embed.search.SearchResult)."""
        self.searches.labels(result.request.modality, result.mode).inc()
        self.search_latency.observe(result.seconds)

    def count_search_recording(self, outcome: str) -> None:
        self.search_recordings.labels(outcome).inc()

    def observe_operation(self, name: str | None, kind: str, outcome: str, seconds: float) -> None:
        label = self.operation_label(name)
        self.graphql_operations.labels(label, kind, outcome).inc()
        self.graphql_latency.labels(label, kind).observe(seconds)


class MetricsMiddleware:
    """Counts and times every HTTP request by method, known path and status."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_and_record_status(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            path = scope["path"] if scope["path"] in KNOWN_PATHS else "other"
            method = scope["method"]
            self.metrics.http_requests.labels(method, path, str(status["code"])).inc()
            self.metrics.http_latency.labels(method, path).observe(time.perf_counter() - start)


class _RoundTrips(Collector):
    def __init__(self, read_count):
        self.read_count = read_count

    def collect(self):
        family = CounterMetricFamily("matchgraph_cypher_round_trips", "Cypher queries sent to Neo4j by the API.")
        family.add_metric([], self.read_count())
        yield family
