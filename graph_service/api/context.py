"""What every resolver can reach: the graph, the settings, the metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from ..config import Settings
from ..db import Graph
from ..metrics import Metrics


@dataclass
class Context:
    request: Request
    graph: Graph
    settings: Settings
    metrics: Metrics
    extras: dict[str, Any] = field(default_factory=dict)  # per-request caches (DataLoaders)
