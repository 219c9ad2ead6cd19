"""All Cypher of the rank and the head-to-head edges, and `recompute`, the read-fit-write sequence
that `matchgraph rank` runs.

A fixed number of round trips whatever the graph's size (8): head-to-head reads probes and their
artifacts' capability classes in two queries and replaces every HEAD_TO_HEAD edge in one
transaction; the rank reads the described artifacts, the checked claims, the head-to-head
standings and the co-match edges in four queries, and writes all ranks in one transaction of
`UNWIND` batches.

Sync driver: the CLI runs it (the API only reads the stored results, through the artifact
projections it already makes).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from neo4j import RoutingControl

from probes.headtohead import METRIC_OF_KIND, UNCLASSIFIED_URI, HeadToHeadEdge
from probes.headtohead import head_to_head as fit_head_to_head

from ..rank import DEFAULT_WEIGHTS, ArtifactInputs, HeadToHeadGroup, RankResult, compute_ranks

WRITE_BATCH = 2_000  # rows per UNWIND statement

PROBE_RESULTS = """
MATCH (p:Probe)-[:MEASURED]->(a:Artifact)
WHERE p.status = 'ok' AND p.kind IN $kinds
RETURN a.slug AS artifact, p.id AS id, p.kind AS kind, p.task AS task, p.device AS device, p.status AS status,
       p.scaledDown AS scaledDown, p.batchSizes AS batchSizes, p.throughput AS throughput,
       p.samplesJson AS samplesJson, p.top1 AS top1, p.adherence AS adherence, p.dataset AS dataset
ORDER BY artifact, id
"""

PROBED_CLASSES = """
MATCH (p:Probe)-[:MEASURED]->(a:Artifact)
WHERE p.status = 'ok' AND p.kind IN $kinds
WITH DISTINCT a
RETURN a.slug AS slug,
       COLLECT { MATCH (a)-[:HAS_CAPABILITY]->(k:Capability)
                 WHERE k.uri IS NOT NULL AND k.uri <> $unclassified
                 RETURN DISTINCT k.uri } AS classes
"""

DELETE_HEAD_TO_HEAD = "MATCH ()-[h:HEAD_TO_HEAD]->() DELETE h"

WRITE_HEAD_TO_HEAD = """
UNWIND $rows AS row
MATCH (a:Artifact {slug: row.source}), (b:Artifact {slug: row.target})
CREATE (a)-[:HEAD_TO_HEAD {task: row.task, device: row.device, metric: row.metric, games: row.games,
                           wins: row.wins, strength: row.strength, probability: row.probability,
                           ciLow: row.ciLow, ciHigh: row.ciHigh, computedAt: datetime.transaction()}]->(b)
"""

# Every described artifact's own values, as one record of columns (collect(): the driver's cost is
# per record, and there are 10,000s). Claims and head-to-head come in two aggregate queries over the
# whole graph (the status index finds checked claims without touching the others), which costs less
# than a subquery per artifact.
RANK_INPUTS = """
MATCH (a:Artifact)
WHERE coalesce(a.mentionedOnly, false) = false
WITH a ORDER BY a.slug
RETURN collect(a.slug) AS slug, collect(coalesce(a.name, a.slug)) AS name, collect(a.rank) AS rank,
       collect(a.adoption) AS adoption, collect(a.quality) AS quality, collect(a.ecosystem) AS ecosystem,
       collect(a.matchGraph) AS matchGraph, collect(coalesce(a.searchMatches, 0)) AS searchMatches
"""

CHECKED_CLAIMS = """
MATCH (c:Claim)
WHERE c.status IN ['verified', 'refuted']
MATCH (c)-[:ABOUT]->(a:Artifact)
WITH a.slug AS slug, c.status AS status, count(DISTINCT c) AS claims
RETURN collect(slug) AS slug, collect(status) AS status, collect(claims) AS claims
"""

# An artifact's standing in each group, from its outgoing edges (strength is the source's).
HEAD_TO_HEAD_STANDINGS = """
MATCH (a:Artifact)-[h:HEAD_TO_HEAD]->(b:Artifact)
RETURN a.slug AS slug, h.task AS task, h.device AS device, h.metric AS metric, avg(h.strength) AS strength,
       sum(h.games) AS games, sum(h.wins) AS wins, count(DISTINCT b) AS opponents
ORDER BY slug, task, device, metric
"""

CO_MATCHES = """
MATCH (a:Artifact)-[m:CO_MATCHED]->(b:Artifact)
RETURN collect(a.slug) AS a, collect(b.slug) AS b, collect(coalesce(m.count, 1)) AS count
"""

WRITE_RANKS = """
UNWIND $rows AS row
MATCH (a:Artifact {slug: row.slug})
SET a.computedRank = row.rank, a.rankSignals = row.signals, a.rankedAt = datetime.transaction()
"""

# A rank belongs to described artifacts only (a node can only lose that status by being deleted,
# but graphs written by other tools may say otherwise).
CLEAR_UNRANKED = """
MATCH (a:Artifact)
WHERE a.computedRank IS NOT NULL AND coalesce(a.mentionedOnly, false) = true
REMOVE a.computedRank, a.rankSignals, a.rankedAt
"""

ARTIFACT_STATUS = "MATCH (a:Artifact {slug: $slug}) RETURN a.name AS name, coalesce(a.mentionedOnly, false) AS mentionedOnly"


def _batches(rows: list[dict], size: int = WRITE_BATCH) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


class RankStore:
    """Reads the rank's inputs and writes its outputs, on the sync driver."""

    def __init__(self, driver, database: str = "neo4j"):
        self.driver = driver
        self.database = database
        self.round_trips = 0

    def _read(self, query: str, **parameters) -> list[dict]:
        self.round_trips += 1
        records, _, _ = self.driver.execute_query(query, parameters_=parameters, database_=self.database,
                                                  routing_=RoutingControl.READ)
        return [record.data() for record in records]

    def _write_transaction(self, work) -> None:
        self.round_trips += 1
        with self.driver.session(database=self.database) as session:
            session.execute_write(work)

    # -- head-to-head ------------------------------------------------------------------------
    def probe_results(self) -> list[dict]:
        """Every `ok` probe of a kind head-to-head compares, with the slug it MEASURED as `artifact`."""
        return self._read(PROBE_RESULTS, kinds=sorted(METRIC_OF_KIND))

    def probed_classes(self) -> dict[str, list[str]]:
        """The classified capability uris of every probed artifact."""
        rows = self._read(PROBED_CLASSES, kinds=sorted(METRIC_OF_KIND), unclassified=UNCLASSIFIED_URI)
        return {row["slug"]: sorted(row["classes"]) for row in rows}

    def replace_head_to_head(self, edges: list[HeadToHeadEdge]) -> None:
        """Deletes every HEAD_TO_HEAD edge and writes ``edges``, in one transaction."""
        rows = [edge.as_row() for edge in edges]

        def work(tx) -> None:
            tx.run(DELETE_HEAD_TO_HEAD).consume()
            for batch in _batches(rows):
                tx.run(WRITE_HEAD_TO_HEAD, rows=batch).consume()

        self._write_transaction(work)

    # -- rank --------------------------------------------------------------------------------
    def rank_inputs(self) -> list[ArtifactInputs]:
        """Every described artifact with its published cells, checked claims and head-to-head standing."""
        checked: dict[str, dict[str, int]] = {}
        (claims,) = self._read(CHECKED_CLAIMS)
        for slug, status, count in zip(claims["slug"], claims["status"], claims["claims"]):
            checked.setdefault(slug, {})[status] = count
        standings: dict[str, list[HeadToHeadGroup]] = {}
        for g in self._read(HEAD_TO_HEAD_STANDINGS):
            standings.setdefault(g["slug"], []).append(HeadToHeadGroup(
                task=g["task"] or "", device=g["device"] or "", metric=g["metric"] or "",
                strength=float(g["strength"] or 0.0), games=float(g["games"] or 0.0), wins=float(g["wins"] or 0.0),
                opponents=int(g["opponents"] or 0)))
        (columns,) = self._read(RANK_INPUTS)
        artifacts = []
        for slug, name, rank, adoption, quality, ecosystem, match_graph, searches in zip(
                columns["slug"], columns["name"], columns["rank"], columns["adoption"], columns["quality"],
                columns["ecosystem"], columns["matchGraph"], columns["searchMatches"]):
            claims = checked.get(slug, {})
            artifacts.append(ArtifactInputs(
                slug=slug, name=name, published_rank=rank, adoption=adoption, quality=quality, ecosystem=ecosystem,
                match_graph=match_graph, search_matches=searches, verified_claims=claims.get("verified", 0),
                refuted_claims=claims.get("refuted", 0), head_to_head=tuple(standings.get(slug, ())),
            ))
        return artifacts

    def co_matches(self) -> list[tuple[str, str, float]]:
        (columns,) = self._read(CO_MATCHES)
        return list(zip(columns["a"], columns["b"], columns["count"]))

    def write_ranks(self, results: list[RankResult]) -> None:
        """Stores computedRank, rankSignals (JSON) and rankedAt for every result, in one transaction."""
        rows = [{"slug": r.slug, "rank": r.rank,
                 "signals": json.dumps([c.as_json() for c in r.contributions], ensure_ascii=False)}
                for r in results]

        def work(tx) -> None:
            for batch in _batches(rows):
                tx.run(WRITE_RANKS, rows=batch).consume()
            tx.run(CLEAR_UNRANKED).consume()

        self._write_transaction(work)

    def artifact_status(self, slug: str) -> dict | None:
        """{name, mentionedOnly} of one artifact, or None when there is none with this slug."""
        rows = self._read(ARTIFACT_STATUS, slug=slug)
        return rows[0] if rows else None


@dataclass
class RankRun:
    """What one `matchgraph rank` did."""

    results: list = field(default_factory=list)  # RankResult, best first
    head_to_head_skipped: bool = False
    head_to_head_groups: list = field(default_factory=list)  # GroupKey
    head_to_head_edges: int = 0
    probes: int = 0
    round_trips: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def result_for(self, slug: str):
        return next((r for r in self.results if r.slug == slug), None)


def recompute(driver, database: str = "neo4j", *, weights=None, resamples: int = 200, seed: int = 0,
              head_to_head: bool = True, stage=lambda name: None) -> RankRun:
    """Head-to-head edges (unless skipped), then every described artifact's computed rank.

    A fixed number of round trips: 2 reads + 1 write transaction for head-to-head, 4 reads + 1
    write transaction for the rank. ``stage(name)`` is told when each stage starts (progress).
    """
    store = RankStore(driver, database)
    run = RankRun(head_to_head_skipped=not head_to_head)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        run.seconds[name] = round(now - clock, 3)
        clock = now

    if head_to_head:
        stage("reading probe results")
        probes = store.probe_results()
        classes = store.probed_classes()
        run.probes = len(probes)
        stage(f"fitting head-to-head ({len(probes)} probes)")
        run.head_to_head_groups, edges = fit_head_to_head(probes, classes, resamples=resamples, seed=seed)
        stage(f"writing {len(edges)} head-to-head edges")
        store.replace_head_to_head(edges)
        run.head_to_head_edges = len(edges)
        lap("headToHead")
    stage("reading rank inputs")
    artifacts = store.rank_inputs()
    co_matches = store.co_matches()
    lap("read")
    stage(f"computing {len(artifacts)} ranks")
    run.results = compute_ranks(artifacts, co_matches, weights or DEFAULT_WEIGHTS)
    lap("compute")
    stage(f"writing {len(run.results)} ranks")
    store.write_ranks(run.results)
    lap("write")
    run.round_trips = store.round_trips
    return run
