"""Probes and claim verification in the graph: every Cypher query they run.

    (:Probe {id, kind, artifactSlug, task, device, …})-[:MEASURED]->(:Artifact)
    (:Probe)-[:CHECKED {verdict, measured, tolerance}]->(:Claim)
    (:Claim {status, measured, tolerance, statusReason, checkedAt, checkedBy})

`ProbeStore` (sync driver) records probe results and re-verifies the claims of the artifacts they
measured; the CLI and the API's probe jobs use it. `ProbeRepository` (the API's async graph) answers
the read side in batches for DataLoaders: probes per artifact, claim counts per artifact, probes by id.
The verdicts themselves come from `probes.verify` (pure code).
"""

from __future__ import annotations

import re
import threading

from probes.records import ProbeResult
from probes.verify import ClaimStatus, resolve_claims

from ..db import Graph

MAX_PROBES_PER_ARTIFACT = 50

EXISTING_ARTIFACTS = "UNWIND $slugs AS slug MATCH (a:Artifact {slug: slug}) RETURN a.slug AS slug"

# A probe is keyed by its id, so importing the same results file twice writes nothing new.
RECORD_PROBE = """
MATCH (a:Artifact {slug: $probe.artifactSlug})
MERGE (p:Probe {id: $probe.id})
SET p += $probe, p.recordedAt = coalesce(p.recordedAt, datetime())
MERGE (p)-[:MEASURED]->(a)
RETURN p.id AS id
"""

CLAIMS_ABOUT = """
MATCH (c:Claim)-[:ABOUT]->(:Artifact {slug: $slug})
RETURN c {.*} AS claim ORDER BY c.metric, c.value, c.id
"""

PROBES_OF = """
MATCH (p:Probe)-[:MEASURED]->(:Artifact {slug: $slug})
RETURN p {.*} AS probe ORDER BY p.startedAt DESC, p.id DESC
"""

# Verification is recomputed from all of an artifact's probes each time: old CHECKED edges into
# these claims go, every probe's verdict is written afresh, and each claim gets its status.
CLEAR_CHECKS = """
UNWIND $claimIds AS id
MATCH (:Probe)-[r:CHECKED]->(:Claim {id: id})
DELETE r
"""

WRITE_CHECKS = """
UNWIND $rows AS row
MATCH (p:Probe {id: row.probeId}), (c:Claim {id: row.claimId})
MERGE (p)-[r:CHECKED]->(c)
SET r.verdict = row.verdict, r.measured = row.measured, r.tolerance = row.tolerance
"""

WRITE_STATUSES = """
UNWIND $rows AS row
MATCH (c:Claim {id: row.claimId})
SET c.status = row.status, c.statusReason = row.reason, c.measured = row.measured,
    c.tolerance = row.tolerance, c.checkedBy = row.probeId, c.checkedAt = datetime()
"""

PROBES_BY_ARTIFACT = """
UNWIND $slugs AS slug
MATCH (p:Probe)-[:MEASURED]->(:Artifact {slug: slug})
WITH slug, p ORDER BY p.startedAt DESC, p.id DESC
WITH slug, collect(p {.*})[..$limit] AS probes
RETURN slug, probes
"""

PROBES_BY_IDS = "UNWIND $ids AS id MATCH (p:Probe {id: id}) RETURN id, p {.*} AS probe"

CLAIM_COUNTS = """
UNWIND $slugs AS slug
MATCH (a:Artifact {slug: slug})
OPTIONAL MATCH (c:Claim)-[:ABOUT]->(a)
WITH slug, coalesce(c.status, 'unverified') AS status, count(c) AS n
RETURN slug, collect({status: status, n: n}) AS counts
"""


class ArtifactNotInGraph(LookupError):
    """A probe for an artifact the graph does not know."""


class ProbeStore:
    """Writes probe results and claim verdicts (one transaction per artifact)."""

    def __init__(self, driver, database: str = "neo4j"):
        self.driver = driver
        self.database = database

    def _read(self, query: str, **parameters) -> list:
        records, _, _ = self.driver.execute_query(query, parameters_=parameters, database_=self.database)
        return records

    def existing_artifacts(self, slugs: list[str]) -> set[str]:
        return {r["slug"] for r in self._read(EXISTING_ARTIFACTS, slugs=list(slugs))}

    def record(self, result: ProbeResult) -> str:
        """Writes the probe and its MEASURED edge; ArtifactNotInGraph when the artifact is unknown."""
        records, _, _ = self.driver.execute_query(RECORD_PROBE, probe=result.node_properties(), database_=self.database)
        if not records:
            raise ArtifactNotInGraph(f"artifact {result.artifact_slug!r} is not in the graph: ingest a page that names it first")
        return records[0]["id"]

    def claims_about(self, slug: str) -> list[dict]:
        return [r["claim"] for r in self._read(CLAIMS_ABOUT, slug=slug)]

    def probes_of(self, slug: str) -> list[ProbeResult]:
        """The artifact's probes, latest first."""
        return [ProbeResult.from_node(r["probe"]) for r in self._read(PROBES_OF, slug=slug)]

    def verify(self, slug: str) -> list[ClaimStatus]:
        """Re-judges every claim about ``slug`` against all its probes and writes the outcome."""
        claims = self.claims_about(slug)
        statuses = resolve_claims(claims, self.probes_of(slug))
        checks = [{"probeId": probe_id, "claimId": s.claim_id, "verdict": j.verdict, "measured": j.measured,
                   "tolerance": j.tolerance} for s in statuses for probe_id, j in s.checks]
        rows = [{"claimId": s.claim_id, "status": s.status, "reason": s.reason, "measured": s.measured,
                 "tolerance": s.tolerance, "probeId": s.probe_id} for s in statuses]

        def work(tx) -> None:
            tx.run(CLEAR_CHECKS, claimIds=[s.claim_id for s in statuses]).consume()
            if checks:
                tx.run(WRITE_CHECKS, rows=checks).consume()
            if rows:
                tx.run(WRITE_STATUSES, rows=rows).consume()

        with self.driver.session(database=self.database) as session:
            session.execute_write(work)
        return statuses

    def record_and_verify(self, results: list[ProbeResult]) -> dict[str, list[ClaimStatus]]:
        """Records each result, then re-verifies each artifact once: {slug: its claims' statuses}."""
        slugs: list[str] = []
        for result in results:
            self.record(result)
            if result.artifact_slug not in slugs:
                slugs.append(result.artifact_slug)
        return {slug: self.verify(slug) for slug in slugs}


class ProbeRepository:
    """The API's reads, each batched over many keys in one round trip."""

    def __init__(self, graph: Graph):
        self.graph = graph

    async def probes_by_artifact(self, slugs: list[str]) -> dict[str, list[dict]]:
        rows = await self.graph.read(PROBES_BY_ARTIFACT, slugs=slugs, limit=MAX_PROBES_PER_ARTIFACT)
        return {row["slug"]: row["probes"] for row in rows}

    async def probes_by_ids(self, ids: list[str]) -> dict[str, dict]:
        rows = await self.graph.read(PROBES_BY_IDS, ids=ids)
        return {row["id"]: row["probe"] for row in rows}

    async def claim_counts(self, slugs: list[str]) -> dict[str, dict[str, int]]:
        rows = await self.graph.read(CLAIM_COUNTS, slugs=slugs)
        counts = {}
        for row in rows:
            tally = {"verified": 0, "refuted": 0, "unverified": 0}
            for entry in row["counts"]:
                tally[entry["status"] if entry["status"] in tally else "unverified"] += entry["n"]
            counts[row["slug"]] = tally
        return counts


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class ProbeJobService:
    """The API server's probe jobs: requests checked, queued, run one at a time in a background
    thread (probes.jobs), each recorded and its artifact's claims re-verified through a sync driver
    of the service's own. Files named by API callers must lie under ``settings.probe_files_dir``."""

    def __init__(self, settings):
        from probes.jobs import ProbeJobs

        self.settings = settings
        self._driver = None
        self._lock = threading.Lock()
        self.jobs = ProbeJobs(self._work, on_close=self._close_driver)

    def _store(self) -> ProbeStore:
        from ..db import connection_info, sync_driver

        with self._lock:
            if self._driver is None:
                self._driver = sync_driver(connection_info(self.settings))
        return ProbeStore(self._driver, self.settings.neo4j_database)

    def _registry(self):
        from probes.specs import SpecRegistry

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
        raise ValueError(f"`{what}`: {value!r} is not a file or folder under the server's probe files folder"
                         + (" nor a hub id (org/name)" if hub_id_ok else ""))

    def queue(self, slug: str, kind: str | None = None, device: str | None = None,
              batch_sizes: list[int] | None = None, repeats: int | None = None, weights: str | None = None,
              data: str | None = None, dataset: str | None = None, scorer: str | None = None,
              prompts: str | None = None):
        """Checks a request and queues it; ValueError (with a message for the caller) when it cannot run."""
        from probes.devices import DeviceUnavailable, resolve
        from probes.records import KINDS
        from probes.runner import ProbeRequest

        kind = kind or "architecture"
        if kind not in KINDS:
            raise ValueError(f"`kind` must be one of {', '.join(KINDS)} (got {kind!r})")
        device = device or self.settings.probe_device
        try:
            resolve(device)
        except (DeviceUnavailable, ValueError) as error:
            raise ValueError(f"`device`: {error}") from None
        if kind == "architecture" and self._registry().get(slug) is None:
            raise ValueError(f"no probe spec for artifact {slug!r} (server specs: {', '.join(self._registry().slugs())})")
        if batch_sizes is not None and (not batch_sizes or any(b < 1 or b > 4096 for b in batch_sizes)):
            raise ValueError("`batchSizes` must be between 1 and 4096")
        if repeats is not None and not 1 <= repeats <= 1000:
            raise ValueError("`repeats` must be between 1 and 1000")
        request = ProbeRequest(
            slug=slug, kind=kind, device=device,
            batch_sizes=tuple(batch_sizes) if batch_sizes else (self.settings.probe_batch_sizes or None),
            repeats=repeats or self.settings.probe_repeats,
            weights=self._file(weights, "weights", hub_id_ok=True), data=_as_path(self._file(data, "data")),
            dataset=dataset, scorer=self._file(scorer, "scorer", hub_id_ok=True), prompts=_as_path(self._file(prompts, "prompts")),
        )
        return self.jobs.submit(request)

    def get(self, job_id: str):
        return self.jobs.get(job_id)

    def _work(self, request, progress) -> list[str]:
        from probes.runner import run_probe

        store = self._store()
        if not store.existing_artifacts([request.slug]):
            raise ArtifactNotInGraph(f"artifact {request.slug!r} is not in the graph")
        result = run_probe(request, self._registry(), on_progress=lambda f, m: progress(0.95 * f, m))
        progress(0.96, "recording the probe and checking claims")
        statuses = store.record_and_verify([result])[request.slug]
        counts = ", ".join(f"{sum(1 for s in statuses if s.status == k)} {k}" for k in ("verified", "refuted", "unverified"))
        detail = result.status + (f" ({result.reason})" if result.reason else "")
        progress(1.0, f"probe {detail}; claims: {counts}")
        return [result.id]

    def close(self) -> None:
        self.jobs.close()


def _as_path(value: str | None):
    from pathlib import Path

    return Path(value) if value else None
