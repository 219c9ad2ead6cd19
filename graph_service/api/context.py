"""What every resolver can reach: the graph, the settings, the metrics, this request's loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from starlette.requests import Request

from graph_service.api.loaders import Loaders
from graph_service.api.outages import GraphStatus
from graph_service.metrics import Metrics
from graphdb.config import Settings
from graphdb.driver import Graph


@dataclass
class Context:
    request: Request
    graph: Graph
    settings: Settings
    metrics: Metrics
    app_state: Any = None  # graph_service.app.AppState (ingest runs through it)
    graph_status: GraphStatus = field(default_factory=GraphStatus)  # one per app (the endpoint's)
    notes: dict[str, Any] = field(default_factory=dict)  # the response's `extensions` (api.outages.ResponseNotes)

    @cached_property
    def loaders(self) -> Loaders:
        """Created on first use, once per request: DataLoader caches must not outlive a request."""
        return Loaders(self.graph)
