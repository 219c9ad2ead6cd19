"""Probe jobs for a server process: queued, run one at a time in a background thread, polled by id.

`ProbeJobs(work)` owns one daemon thread that takes jobs from a queue in order; ``work(request,
progress)`` runs the probe (and whatever recording the caller wants) and returns the ids of the
probes it made. A job's state — queued, running, done or failed, progress 0..1, a message — is
kept in memory (the ``KEEP_JOBS`` last submitted, updated or polled), so a restart forgets jobs
but never probes already recorded.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from cachetools import LRUCache

from probes.records import utc_now
from probes.runner import ProbeRequest

log = logging.getLogger("matchgraph.probes")
KEEP_JOBS = 500


@dataclass(frozen=True)
class ProbeJob:
    id: str
    request: ProbeRequest
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = "queued"
    probe_ids: tuple[str, ...] = ()
    queued_at: str = field(default_factory=utc_now)
    started_at: str | None = None
    finished_at: str | None = None


class ProbeJobs:
    def __init__(
        self,
        work: Callable[[ProbeRequest, Callable[[float, str], None]], list[str]],
        on_close: Callable[[], None] | None = None,
    ):
        self._work = work
        self._on_close = on_close
        self._jobs: LRUCache[str, ProbeJob] = LRUCache(maxsize=KEEP_JOBS)
        self._lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, request: ProbeRequest) -> ProbeJob:
        job = ProbeJob(id=uuid.uuid4().hex, request=request)
        with self._lock:
            self._jobs[job.id] = job
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="probe-jobs", daemon=True)
                self._thread.start()
        self._queue.put(job.id)
        return job

    def get(self, job_id: str) -> ProbeJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            if job_id in self._jobs:
                self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def _run(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            job = self.get(job_id)
            if job is None:
                continue
            self._update(job_id, status="running", started_at=utc_now(), message="starting")

            def progress(fraction: float, message: str, job_id=job_id) -> None:
                self._update(job_id, progress=round(max(0.0, min(1.0, fraction)), 4), message=message)

            try:
                ids = self._work(job.request, progress)
            except Exception as error:
                log.warning("probe job %s failed: %s", job_id, error, exc_info=True)
                self._update(job_id, status="failed", message=f"{type(error).__name__}: {error}", finished_at=utc_now())
                continue
            self._update(job_id, status="done", progress=1.0, probe_ids=tuple(ids), finished_at=utc_now())

    def close(self, timeout: float = 5.0) -> None:
        """Stops the worker after the running job (queued ones are dropped) and releases resources."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            while not self._queue.empty():
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._queue.put(None)
            thread.join(timeout)
        if self._on_close:
            self._on_close()
