"""Recording probe results and judging the claims they bear on.

`ProbeRecorder` writes each result through the graph's `ProbeStore`, then re-judges every claim
about the measured artifacts against all their probes (probes/verify.py, pure code) and writes the
verdicts in one transaction per artifact. The CLI (`matchgraph probe`) and the API's probe jobs
(services/probe_jobs.py) use it.
"""

from __future__ import annotations

from graphdb.repository.probes import ProbeStore
from probes.records import ProbeResult
from probes.verify import ClaimStatus, resolve_claims


class ArtifactNotInGraph(LookupError):
    """A probe for an artifact the graph does not know."""


class ProbeRecorder:
    """Records probe results and re-verifies the claims of the artifacts they measured."""

    def __init__(self, driver, database: str = "neo4j"):
        self.store = ProbeStore(driver, database)

    def existing_artifacts(self, slugs: list[str]) -> set[str]:
        return self.store.existing_artifacts(slugs)

    def claims_about(self, slug: str) -> list[dict]:
        return self.store.claims_about(slug)

    def probes_of(self, slug: str) -> list[ProbeResult]:
        """The artifact's probes, latest first."""
        return [ProbeResult.from_node(node) for node in self.store.probes_of(slug)]

    def record(self, result: ProbeResult) -> str:
        """Writes the probe and its MEASURED edge; ArtifactNotInGraph when the artifact is unknown."""
        probe_id = self.store.record(result.node_properties())
        if probe_id is None:
            raise ArtifactNotInGraph(
                f"artifact {result.artifact_slug!r} is not in the graph: ingest a page that names it first"
            )
        return probe_id

    def verify(self, slug: str) -> list[ClaimStatus]:
        """Re-judges every claim about ``slug`` against all its probes and writes the outcome."""
        statuses = resolve_claims(self.claims_about(slug), self.probes_of(slug))
        checks = [
            {
                "probeId": probe_id,
                "claimId": s.claim_id,
                "verdict": j.verdict,
                "measured": j.measured,
                "tolerance": j.tolerance,
            }
            for s in statuses
            for probe_id, j in s.checks
        ]
        rows = [
            {
                "claimId": s.claim_id,
                "status": s.status,
                "reason": s.reason,
                "measured": s.measured,
                "tolerance": s.tolerance,
                "probeId": s.probe_id,
            }
            for s in statuses
        ]
        self.store.write_verdicts([s.claim_id for s in statuses], checks, rows)
        return statuses

    def record_and_verify(self, results: list[ProbeResult]) -> dict[str, list[ClaimStatus]]:
        """Records each result, then re-verifies each artifact once: {slug: its claims' statuses}."""
        slugs: list[str] = []
        for result in results:
            self.record(result)
            if result.artifact_slug not in slugs:
                slugs.append(result.artifact_slug)
        return {slug: self.verify(slug) for slug in slugs}
