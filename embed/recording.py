"""Every search feeds the match graph (docs/search.md, "Every search feeds the graph").

One search becomes, in ONE write transaction (graphdb/repository/search_log.py):

    (:Query {id, text, modality, limit, type, ranAt, resultCount})-[:RETURNED {position, score}]->(:Artifact)
    each returned artifact: searchMatches += 1, timesMatched = coalesce(publishedTimesMatched, 0) + searchMatches
    (:Artifact)-[:CO_MATCHED {count, lastAt}]->(:Artifact)   one edge per returned pair, lower slug -> higher slug

Recording must never slow or fail a search. The API hands each search to a `SearchRecorder`: a
bounded queue drained by one thread with its own sync driver. A full queue drops the search (and
counts it); a failed write is logged and counted; neither reaches the client. The CLI calls
`record_search` directly after it has printed the results.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations

from graphdb.driver import sync_driver
from graphdb.repository.search_log import SearchLog

log = logging.getLogger("matchgraph.search.recording")

# The recorder's driver gives up quickly: a search log entry is not worth a 30 s retry loop.
RECORDER_RETRY_SECONDS = 5.0
DEFAULT_QUEUE_SIZE = 1000


@dataclass(frozen=True)
class RecordedSearch:
    """What one search returned, in order: (slug, score) per hit."""

    text: str
    modality: str  # 'text' | 'image'
    limit: int
    type: str | None
    hits: tuple[tuple[str, float], ...]
    image: bytes | None = None
    ran_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def parameters(self) -> dict:
        ordered = sorted(
            (
                {"slug": slug, "position": position, "score": float(score)}
                for position, (slug, score) in enumerate(self.hits, start=1)
            ),
            key=lambda hit: str(hit["slug"]),
        )
        return {
            "id": self.id,
            "text": self.text,
            "modality": self.modality,
            "limit": self.limit,
            "type": self.type,
            "ranAt": self.ran_at,
            "hits": ordered,
            "imageSha256": hashlib.sha256(self.image).hexdigest() if self.image is not None else None,
        }

    def pairs(self) -> list[list[str]]:
        slugs = sorted({slug for slug, _ in self.hits})
        return [[low, high] for low, high in combinations(slugs, 2)]


def record_search(driver, database: str, search: RecordedSearch) -> None:
    """Writes one search in one transaction (raises on failure; the caller decides what that means)."""
    SearchLog(driver, database).write(search.parameters(), search.pairs())


def recorder_driver(info):
    """A sync driver for the recorder (graphdb.driver.ConnectionInfo), with a short retry budget."""
    return sync_driver(info, max_transaction_retry_time=RECORDER_RETRY_SECONDS)


class SearchRecorder:
    """A bounded queue of searches to record, drained by one background thread.

    `submit` never blocks: when the queue is full the search is dropped and counted. A write that
    fails is logged and counted, and the thread goes on with the next search. `on_outcome` (e.g.
    a Prometheus counter) is called with 'written', 'dropped' or 'failed' for every search.
    """

    def __init__(
        self,
        driver,
        database: str = "neo4j",
        *,
        max_queue: int = DEFAULT_QUEUE_SIZE,
        owns_driver: bool = False,
        on_outcome: Callable[[str], None] | None = None,
    ):
        self.driver = driver
        self.database = database
        self.owns_driver = owns_driver
        self.on_outcome = on_outcome
        self.counts = {"written": 0, "dropped": 0, "failed": 0}
        self._queue: queue.Queue[RecordedSearch | None] = queue.Queue(maxsize=max_queue)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False

    @classmethod
    def connect(cls, info, **options) -> SearchRecorder:
        """A recorder with its own driver on the graph of ``info`` (a ConnectionInfo)."""
        return cls(recorder_driver(info), info.database, owns_driver=True, **options)

    def start(self) -> SearchRecorder:
        """Starts the writer thread (searches submitted before wait in the queue)."""
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(target=self._drain, name="matchgraph-search-recorder", daemon=True)
            self._thread.start()
        return self

    def submit(self, search: RecordedSearch) -> bool:
        """Queues ``search``; False (and counted as dropped) when the queue is full or the recorder stopped."""
        if self._stopped:
            self._count("dropped")
            return False
        try:
            self._queue.put_nowait(search)
            return True
        except queue.Full:
            self._count("dropped")
            log.warning("search log queue is full (%d): a search was not recorded", self._queue.maxsize)
            return False

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Waits until every queued search is written (or failed); False on timeout."""
        condition = self._queue.all_tasks_done
        with condition:
            return condition.wait_for(lambda: self._queue.unfinished_tasks == 0, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Writes what is queued (up to ``timeout``), then stops the thread and closes an owned driver."""
        self._stopped = True
        thread, self._thread = self._thread, None
        if thread is not None:
            self.flush(timeout)
            with contextlib.suppress(queue.Full):
                self._queue.put(None, timeout=1.0)
            thread.join(timeout=timeout)
        if self.owns_driver:
            self.driver.close()

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.counts[outcome] += 1
        if self.on_outcome is not None:
            try:
                self.on_outcome(outcome)
            except Exception:
                log.exception("search recorder outcome hook failed")

    def _drain(self) -> None:
        while True:
            search = self._queue.get()
            try:
                if search is None:
                    return
                record_search(self.driver, self.database, search)
                self._count("written")
            except Exception as error:
                self._count("failed")
                log.warning("could not record search %s: %s", search.id if search else "?", error)
            finally:
                self._queue.task_done()
