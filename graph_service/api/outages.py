"""Answers served without the graph, said so in the response.

Search answers from what the process holds (the FAISS indexes and the search catalog), so it keeps
answering while Neo4j is down; its hits may then be behind the graph. The search resolver asks
`GraphStatus` whether the graph answers and, when it does not, notes `"graph": "unavailable"` in
the response's `extensions` (`ResponseNotes`); the hits' type stays as the design card has it.
"""

from __future__ import annotations

import time
from typing import Any

from strawberry.extensions import SchemaExtension


class GraphStatus:
    """Whether the graph answered lately: at most one ping every `CHECK_INTERVAL` seconds per app,
    however many searches ask (a ping per search would double the graph's load for nothing).

    Requests that come while a ping is in flight take the last known answer rather than wait: a
    graph that does not answer at all (a dropped route) costs one request the ping's timeout, not
    every request.
    """

    CHECK_INTERVAL = 2.0
    PING_TIMEOUT = 1.0

    def __init__(self) -> None:
        self._available = True
        self._checked_at = float("-inf")
        self._checking = False

    async def available(self, graph) -> bool:
        """True when the graph answered its last ping (sent now when the last one is too old)."""
        if self._checking or time.monotonic() - self._checked_at < self.CHECK_INTERVAL:
            return self._available
        self._checking = True
        try:
            await graph.ping(self.PING_TIMEOUT)
            self._available = True
        except Exception:  # any failure to answer (as /healthz): the hits were served without the graph
            self._available = False
        finally:
            self._checked_at = time.monotonic()
            self._checking = False
        return self._available


class ResponseNotes(SchemaExtension):
    """Puts what resolvers noted in the request's context (`Context.notes`) in the response's `extensions`."""

    def get_results(self) -> dict[str, Any]:
        return dict(getattr(self.execution_context.context, "notes", None) or {})
