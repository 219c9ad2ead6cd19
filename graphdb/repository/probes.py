"""Probes and claim verification in the graph: every Cypher query they run.

    (:Probe {id, kind, artifactSlug, task, device, …})-[:MEASURED]->(:Artifact)
    (:Probe)-[:CHECKED {verdict, measured, tolerance}]->(:Claim)
    (:Claim {status, measured, tolerance, statusReason, checkedAt, checkedBy})

`ProbeStore` (sync driver) writes probe results and claim verdicts and reads an artifact's claims
and probes; services/probe_runs.py judges the claims (probes/verify.py) between the two. `ProbeRepository` (the API's async graph) answers
the read side in batches for DataLoaders: probes per artifact, claim counts per artifact, probes by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphdb.driver import Graph, SyncGraph
from graphdb.repository.records import claim_status, from_json, to_datetime
from graphdb.vocabulary import ClaimStatus

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


class ProbeStore:
    """Writes probe results and claim verdicts, reads claims and probes (sync driver).

    Its writes leave the graph's data version alone (graphdb/data_version.py): search reads no probe
    or claim; they reach it through the rank job, whose writes bump it."""

    def __init__(self, driver, database: str = "neo4j"):
        self.graph = SyncGraph(driver, database)

    def existing_artifacts(self, slugs: list[str]) -> set[str]:
        return {r["slug"] for r in self.graph.read(EXISTING_ARTIFACTS, slugs=list(slugs))}

    def record(self, properties: dict) -> str | None:
        """Writes one probe node (``properties`` as ProbeResult.node_properties() gives them) and its
        MEASURED edge; its id, or None when the graph has no artifact with its `artifactSlug`."""
        rows = self.graph.write(RECORD_PROBE, probe=properties)
        return rows[0]["id"] if rows else None

    def claims_about(self, slug: str) -> list[dict]:
        return [r["claim"] for r in self.graph.read(CLAIMS_ABOUT, slug=slug)]

    def probes_of(self, slug: str) -> list[dict]:
        """The artifact's probe nodes, latest first."""
        return [r["probe"] for r in self.graph.read(PROBES_OF, slug=slug)]

    def write_verdicts(self, claim_ids: list[str], checks: list[dict], statuses: list[dict]) -> None:
        """Replaces the CHECKED edges into ``claim_ids`` with ``checks`` ({probeId, claimId, verdict,
        measured, tolerance}) and sets each claim's status ({claimId, status, reason, measured,
        tolerance, probeId}), in one transaction."""

        def work(tx) -> None:
            tx.run(CLEAR_CHECKS, claimIds=claim_ids).consume()
            if checks:
                tx.run(WRITE_CHECKS, rows=checks).consume()
            if statuses:
                tx.run(WRITE_STATUSES, rows=statuses).consume()

        self.graph.transaction(work)


@dataclass(frozen=True, slots=True)
class ProbeRecord:
    """A (:Probe) node as the API reads it; the JSON blobs decoded, the times as datetimes."""

    id: str
    kind: str  # vocabulary.ProbeKind for every probe matchgraph wrote
    artifact_slug: str
    task: str
    device: str  # cpu or cuda (where it ran)
    device_name: str | None
    dtype: str | None
    status: str  # ok, skipped or failed
    reason: str | None
    scaled_down: bool
    scale_note: str | None
    versions: dict[str, Any]
    started_at: datetime | None
    finished_at: datetime | None
    param_count: float | None
    stored_count: float | None
    batch_sizes: tuple[int, ...]
    latency_ms: tuple[float, ...]
    throughput: tuple[float, ...]
    peak_memory_mb: tuple[float, ...]
    memory_method: str | None
    repeats: int | None
    samples: dict[str, Any]
    config: dict[str, Any] | None
    top1: float | None
    examples: int | None
    dataset: str | None
    adherence: float | None
    scores: dict[str, Any] | None
    weights: str | None

    @classmethod
    def from_node(cls, node: dict) -> ProbeRecord:
        get = node.get
        return cls(
            id=node["id"],
            kind=node["kind"],
            artifact_slug=node["artifactSlug"],
            task=get("task") or "",
            device=get("device") or "",
            device_name=get("deviceName"),
            dtype=get("dtype"),
            status=get("status") or "ok",
            reason=get("reason"),
            scaled_down=bool(get("scaledDown")),
            scale_note=get("scaleNote"),
            versions=from_json(get("versions"), {}),
            started_at=to_datetime(get("startedAt")),
            finished_at=to_datetime(get("finishedAt")),
            param_count=get("paramCount"),
            stored_count=get("storedCount"),
            batch_sizes=tuple(get("batchSizes") or ()),
            latency_ms=tuple(get("latencyMs") or ()),
            throughput=tuple(get("throughput") or ()),
            peak_memory_mb=tuple(get("peakMemoryMb") or ()),
            memory_method=get("memoryMethod"),
            repeats=get("repeats"),
            samples=from_json(get("samplesJson"), {}),
            config=from_json(get("configJson")),
            top1=get("top1"),
            examples=get("examples"),
            dataset=get("dataset"),
            adherence=get("adherence"),
            scores=from_json(get("scoresJson")),
            weights=get("weights"),
        )


@dataclass(frozen=True, slots=True)
class ClaimCounts:
    """An artifact's claims by status (a status outside the set counts as unverified)."""

    verified: int = 0
    refuted: int = 0
    unverified: int = 0


class ProbeRepository:
    """The API's reads, each batched over many keys in one round trip."""

    def __init__(self, graph: Graph):
        self.graph = graph

    async def probes_by_artifact(self, slugs: list[str]) -> dict[str, list[ProbeRecord]]:
        rows = await self.graph.read(PROBES_BY_ARTIFACT, slugs=slugs, limit=MAX_PROBES_PER_ARTIFACT)
        return {row["slug"]: [ProbeRecord.from_node(n) for n in row["probes"]] for row in rows}

    async def probes_by_ids(self, ids: list[str]) -> dict[str, ProbeRecord]:
        rows = await self.graph.read(PROBES_BY_IDS, ids=ids)
        return {row["id"]: ProbeRecord.from_node(row["probe"]) for row in rows}

    async def claim_counts(self, slugs: list[str]) -> dict[str, ClaimCounts]:
        rows = await self.graph.read(CLAIM_COUNTS, slugs=slugs)
        counts = {}
        for row in rows:
            tally = dict.fromkeys(ClaimStatus, 0)
            for entry in row["counts"]:
                tally[claim_status(entry["status"])] += entry["n"]
            counts[row["slug"]] = ClaimCounts(
                tally[ClaimStatus.VERIFIED], tally[ClaimStatus.REFUTED], tally[ClaimStatus.UNVERIFIED]
            )
        return counts
