"""All Cypher of the rank and the head-to-head edges (services/rank.py runs the sequence).

`RankStore` reads what the rank needs (as `ArtifactInputs`) and writes head-to-head edges and
ranks in one transaction each, in `UNWIND` batches; both are signals search shows, so each
transaction ends by bumping the graph's data version (graphdb/data_version.py).

Sync driver: the CLI runs it (the API only reads the stored results, through the artifact
projections it already makes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphdb.data_version import SIGNALS, bump
from graphdb.driver import SyncGraph
from graphdb.vocabulary import UNCLASSIFIED_URI

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

ARTIFACT_STATUS = (
    "MATCH (a:Artifact {slug: $slug}) RETURN a.name AS name, coalesce(a.mentionedOnly, false) AS mentionedOnly"
)


def _batches(rows: list[dict], size: int = WRITE_BATCH) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


@dataclass(frozen=True)
class HeadToHeadGroup:
    """An artifact's standing in one head-to-head group, as its HEAD_TO_HEAD edges carry it."""

    task: str
    device: str
    metric: str
    strength: float
    games: float
    wins: float
    opponents: int


@dataclass(frozen=True)
class ArtifactInputs:
    """What the rank reads about one described artifact (values as stored in the graph)."""

    slug: str
    name: str
    published_rank: object = None
    adoption: object = None
    quality: object = None
    ecosystem: object = None
    match_graph: object = None
    search_matches: object = 0
    verified_claims: int = 0
    refuted_claims: int = 0
    head_to_head: tuple[HeadToHeadGroup, ...] = ()


class RankStore:
    """Reads the rank's inputs and writes its outputs, on the sync driver."""

    def __init__(self, driver, database: str = "neo4j"):
        self.graph = SyncGraph(driver, database)

    @property
    def round_trips(self) -> int:
        return self.graph.round_trips

    # -- head-to-head ------------------------------------------------------------------------
    def probe_results(self, kinds: list[str]) -> list[dict]:
        """Every `ok` probe of a kind head-to-head compares, with the slug it MEASURED as `artifact`."""
        return self.graph.read(PROBE_RESULTS, kinds=kinds)

    def probed_classes(self, kinds: list[str]) -> dict[str, list[str]]:
        """The classified capability uris of every probed artifact."""
        rows = self.graph.read(PROBED_CLASSES, kinds=kinds, unclassified=UNCLASSIFIED_URI)
        return {row["slug"]: sorted(row["classes"]) for row in rows}

    def replace_head_to_head(self, rows: list[dict]) -> None:
        """Deletes every HEAD_TO_HEAD edge and writes ``rows`` (HeadToHeadEdge.as_row()), in one transaction."""

        def work(tx) -> None:
            tx.run(DELETE_HEAD_TO_HEAD).consume()
            for batch in _batches(rows):
                tx.run(WRITE_HEAD_TO_HEAD, rows=batch).consume()
            bump(tx, SIGNALS)

        self.graph.transaction(work)

    # -- rank --------------------------------------------------------------------------------
    def rank_inputs(self) -> list[ArtifactInputs]:
        """Every described artifact with its published cells, checked claims and head-to-head standing."""
        checked: dict[str, dict[str, int]] = {}
        (claims,) = self.graph.read(CHECKED_CLAIMS)
        for slug, status, count in zip(claims["slug"], claims["status"], claims["claims"]):
            checked.setdefault(slug, {})[status] = count
        standings: dict[str, list[HeadToHeadGroup]] = {}
        for g in self.graph.read(HEAD_TO_HEAD_STANDINGS):
            standings.setdefault(g["slug"], []).append(
                HeadToHeadGroup(
                    task=g["task"] or "",
                    device=g["device"] or "",
                    metric=g["metric"] or "",
                    strength=float(g["strength"] or 0.0),
                    games=float(g["games"] or 0.0),
                    wins=float(g["wins"] or 0.0),
                    opponents=int(g["opponents"] or 0),
                )
            )
        (columns,) = self.graph.read(RANK_INPUTS)
        artifacts = []
        for slug, name, rank, adoption, quality, ecosystem, match_graph, searches in zip(
            columns["slug"],
            columns["name"],
            columns["rank"],
            columns["adoption"],
            columns["quality"],
            columns["ecosystem"],
            columns["matchGraph"],
            columns["searchMatches"],
        ):
            claims = checked.get(slug, {})
            artifacts.append(
                ArtifactInputs(
                    slug=slug,
                    name=name,
                    published_rank=rank,
                    adoption=adoption,
                    quality=quality,
                    ecosystem=ecosystem,
                    match_graph=match_graph,
                    search_matches=searches,
                    verified_claims=claims.get("verified", 0),
                    refuted_claims=claims.get("refuted", 0),
                    head_to_head=tuple(standings.get(slug, ())),
                )
            )
        return artifacts

    def co_matches(self) -> list[tuple[str, str, float]]:
        (columns,) = self.graph.read(CO_MATCHES)
        return list(zip(columns["a"], columns["b"], columns["count"]))

    def write_ranks(self, rows: list[dict]) -> None:
        """Stores computedRank, rankSignals (JSON) and rankedAt for every row ({slug, rank, signals}), in one transaction."""

        def work(tx) -> None:
            for batch in _batches(rows):
                tx.run(WRITE_RANKS, rows=batch).consume()
            tx.run(CLEAR_UNRANKED).consume()
            bump(tx, SIGNALS)

        self.graph.transaction(work)

    def artifact_status(self, slug: str) -> dict | None:
        """{name, mentionedOnly} of one artifact, or None when there is none with this slug."""
        rows = self.graph.read(ARTIFACT_STATUS, slug=slug)
        return rows[0] if rows else None
