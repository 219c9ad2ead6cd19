"""The API server's probe jobs: requests checked, queued and run one at a time in a background
thread (services/job_queue.py), each recorded and its artifact's claims re-verified
(services/probe_runs.py) through a sync driver of the service's own.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from graphdb.driver import connection_info, sync_driver
from graphdb.vocabulary import check_batch_sizes
from probes.devices import DeviceUnavailable, resolve
from probes.records import KINDS
from probes.runner import ProbeRequest, run_probe
from probes.specs import SpecRegistry
from services.job_queue import ProbeJobs
from services.probe_runs import ArtifactNotInGraph, ProbeRecorder

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class ProbeJobService:
    """The API server's probe jobs: requests checked, queued, run one at a time in a background
    thread (services.job_queue), each recorded and its artifact's claims re-verified through a sync driver
    of the service's own. Files named by API callers must lie under ``settings.probe_files_dir``."""

    def __init__(self, settings):
        self.settings = settings
        self._driver = None
        self._lock = threading.Lock()
        self.jobs = ProbeJobs(self._work, on_close=self._close_driver)

    def _recorder(self) -> ProbeRecorder:
        with self._lock:
            if self._driver is None:
                self._driver = sync_driver(connection_info(self.settings))
        return ProbeRecorder(self._driver, self.settings.neo4j_database)

    def _registry(self):
        return SpecRegistry.load(self.settings.probe_specs)

    def _close_driver(self) -> None:
        if self._driver is not None:
            self._driver.close()

    def _file(self, value: str | None, what: str, hub_id_ok: bool = False) -> str | None:
        """A caller-given file or folder, resolved inside probe_files_dir (or a hub id, for weights)."""
        if value is None or not value.strip():
            return None
        root = self.settings.probe_files_dir.resolve()
        candidate = (root / value).resolve()
        if candidate.is_relative_to(root) and candidate.exists():
            return str(candidate)
        if hub_id_ok and _HUB_ID.match(value) and ".." not in value:
            return value
        raise ValueError(
            f"`{what}`: {value!r} is not a file or folder under the server's probe files folder"
            + (" nor a hub id (org/name)" if hub_id_ok else "")
        )

    def queue(
        self,
        slug: str,
        kind: str | None = None,
        device: str | None = None,
        batch_sizes: list[int] | None = None,
        repeats: int | None = None,
        weights: str | None = None,
        data: str | None = None,
        dataset: str | None = None,
        scorer: str | None = None,
        prompts: str | None = None,
    ):
        """Checks a request and queues it; ValueError (with a message for the caller) when it cannot run."""
        kind = kind or "architecture"
        if kind not in KINDS:
            raise ValueError(f"`kind` must be one of {', '.join(KINDS)} (got {kind!r})")
        device = device or self.settings.probe_device
        try:
            resolve(device)
        except (DeviceUnavailable, ValueError) as error:
            raise ValueError(f"`device`: {error}") from None
        if kind == "architecture" and self._registry().get(slug) is None:
            raise ValueError(
                f"no probe spec for artifact {slug!r} (server specs: {', '.join(self._registry().slugs())})"
            )
        if batch_sizes is not None:
            try:
                check_batch_sizes(batch_sizes)
            except ValueError as error:
                raise ValueError(f"`batchSizes`: {error}") from None
        if repeats is not None and not 1 <= repeats <= 1000:
            raise ValueError("`repeats` must be between 1 and 1000")
        request = ProbeRequest(
            slug=slug,
            kind=kind,
            device=device,
            batch_sizes=tuple(batch_sizes) if batch_sizes else (self.settings.probe_batch_sizes or None),
            repeats=repeats or self.settings.probe_repeats or None,  # 0: the device's default
            weights=self._file(weights, "weights", hub_id_ok=True),
            data=_as_path(self._file(data, "data")),
            dataset=dataset,
            scorer=self._file(scorer, "scorer", hub_id_ok=True),
            prompts=_as_path(self._file(prompts, "prompts")),
        )
        return self.jobs.submit(request)

    def get(self, job_id: str):
        return self.jobs.get(job_id)

    def _work(self, request, progress) -> list[str]:
        store = self._recorder()
        if not store.existing_artifacts([request.slug]):
            raise ArtifactNotInGraph(f"artifact {request.slug!r} is not in the graph")
        result = run_probe(request, self._registry(), on_progress=lambda f, m: progress(0.95 * f, m))
        progress(0.96, "recording the probe and checking claims")
        statuses = store.record_and_verify([result])[request.slug]
        counts = ", ".join(
            f"{sum(1 for s in statuses if s.status == k)} {k}" for k in ("verified", "refuted", "unverified")
        )
        detail = result.status + (f" ({result.reason})" if result.reason else "")
        progress(1.0, f"probe {detail}; claims: {counts}")
        return [result.id]

    def close(self) -> None:
        self.jobs.close()


def _as_path(value: str | None):
    return Path(value) if value else None
