"""Comparisons: published pages, fully hydrated in one round trip, and the compare() choice.

A hydrated comparison (`ComparisonPage`) holds the page's own properties, its two sides'
artifacts, the shown capabilities in page order per side (each with the artifacts its
vs-alternatives text names) and the verdict's winner. With no page for a pair, `GraphComparison`
holds both artifacts and their capabilities.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from graphdb.driver import Graph
from graphdb.repository.records import ArtifactRecord, CapabilityRecord

# Shared tail: given rows of `c`, returns each comparison hydrated.
_HYDRATE = """
MATCH (c)-[ra:COMPARES {side: 'a'}]->(a:Artifact), (c)-[rb:COMPARES {side: 'b'}]->(b:Artifact)
OPTIONAL MATCH (w:Artifact {slug: c.winnerSlug})
CALL (c) {
  OPTIONAL MATCH (c)-[s:SHOWS]->(k:Capability)
  WITH s, k ORDER BY s.position
  // Each shown capability brings the artifacts its vs-alternatives text names: a compare page
  // nearly always shows them, and this saves the page a second round trip.
  WITH s, k, [(k)-[r:NAMES_ALTERNATIVE]->(x:Artifact) | x {.*, nameEmbedding: null, relation: r.relation}] AS alternatives
  RETURN [x IN collect(CASE WHEN s.side = 'a' THEN k {.*, embedding: null, alternatives: alternatives} END) WHERE x IS NOT NULL] AS shownA,
         [x IN collect(CASE WHEN s.side = 'b' THEN k {.*, embedding: null, alternatives: alternatives} END) WHERE x IS NOT NULL] AS shownB
}
RETURN c.id AS id, {comparison: c {.*}, a: a {.*, nameEmbedding: null}, b: b {.*, nameEmbedding: null}, sideA: properties(ra), sideB: properties(rb),
        shownA: shownA, shownB: shownB, winner: w {.*, nameEmbedding: null}} AS page
"""

BY_IDS = "UNWIND $ids AS id MATCH (c:Comparison {id: id}) WITH c" + _HYDRATE

# design §3: a complete page published as "a vs b" first, then one published as "b vs a", a partial
# page only when no complete one exists; the most recently ingested within each group.
BEST_FOR_PAIR = (
    """
MATCH (c:Comparison)
WHERE (c.aSlug = $a AND c.bSlug = $b) OR (c.aSlug = $b AND c.bSlug = $a)
WITH c ORDER BY coalesce(c.partial, false) ASC, CASE WHEN c.aSlug = $a THEN 0 ELSE 1 END ASC, c.sequence DESC
LIMIT 1
"""
    + _HYDRATE
)

# No page compares the two: answer from the graph (both artifacts, their capabilities, and the
# capabilities they share: the same capability, or the same taxonomy class).
FROM_GRAPH = """
MATCH (a:Artifact {slug: $a}), (b:Artifact {slug: $b})
CALL (a) { OPTIONAL MATCH (a)-[:HAS_CAPABILITY]->(k:Capability) WITH k ORDER BY k.description
           RETURN [x IN collect(k {.*, embedding: null}) WHERE x IS NOT NULL] AS capabilitiesA }
CALL (b) { OPTIONAL MATCH (b)-[:HAS_CAPABILITY]->(k:Capability) WITH k ORDER BY k.description
           RETURN [x IN collect(k {.*, embedding: null}) WHERE x IS NOT NULL] AS capabilitiesB }
RETURN a {.*, nameEmbedding: null} AS a, b {.*, nameEmbedding: null} AS b, capabilitiesA, capabilitiesB
"""


Feature = tuple[str, str | None, str | None]  # (feature, A's cell, B's cell) as published


@dataclass(frozen=True, slots=True)
class ComparisonPage:
    """A published page as stored, sides as published (graph_service/compare.py turns them)."""

    id: str
    title: str
    subtitle: str | None
    a_slug: str
    b_slug: str
    a: ArtifactRecord
    b: ArtifactRecord
    features: tuple[Feature, ...]  # the table, in its order
    rank_a: int | None
    rank_b: int | None
    more_a: int  # "+N more capabilities" (0 when absent)
    more_b: int
    verdict: str | None
    winner: ArtifactRecord | None
    warnings: tuple[str, ...]
    partial: bool
    document_id: str | None
    shown_a: tuple[CapabilityRecord, ...]  # in page order, each with its alternatives
    shown_b: tuple[CapabilityRecord, ...]

    @classmethod
    def from_row(cls, page: dict) -> ComparisonPage:
        comparison = page["comparison"]
        get = comparison.get
        winner = page.get("winner")
        return cls(
            id=comparison["id"],
            title=comparison["title"],
            subtitle=get("subtitle"),
            a_slug=comparison["aSlug"],
            b_slug=comparison["bSlug"],
            a=ArtifactRecord.from_node(page["a"]),
            b=ArtifactRecord.from_node(page["b"]),
            features=tuple((row[0], row[1], row[2]) for row in json.loads(get("features") or "[]")),
            rank_a=get("rankA"),
            rank_b=get("rankB"),
            more_a=get("moreA") or 0,
            more_b=get("moreB") or 0,
            verdict=get("verdict"),
            winner=ArtifactRecord.from_node(winner) if winner else None,
            warnings=tuple(get("warnings") or ()),
            partial=bool(get("partial")),
            document_id=get("documentId"),
            shown_a=tuple(CapabilityRecord.from_node(k) for k in page["shownA"]),
            shown_b=tuple(CapabilityRecord.from_node(k) for k in page["shownB"]),
        )


@dataclass(frozen=True, slots=True)
class GraphComparison:
    """Two artifacts no page compares, with their capabilities (by description)."""

    a: ArtifactRecord
    b: ArtifactRecord
    capabilities_a: tuple[CapabilityRecord, ...]
    capabilities_b: tuple[CapabilityRecord, ...]

    @classmethod
    def from_row(cls, row: dict) -> GraphComparison:
        return cls(
            ArtifactRecord.from_node(row["a"]),
            ArtifactRecord.from_node(row["b"]),
            tuple(CapabilityRecord.from_node(k) for k in row["capabilitiesA"]),
            tuple(CapabilityRecord.from_node(k) for k in row["capabilitiesB"]),
        )


class ComparisonRepository:
    def __init__(self, graph: Graph):
        self.graph = graph

    async def by_ids(self, ids: list[str]) -> dict[str, ComparisonPage]:
        rows = await self.graph.read(BY_IDS, ids=ids)
        return {row["id"]: ComparisonPage.from_row(row["page"]) for row in rows}

    async def best_for_pair(self, a: str, b: str) -> ComparisonPage | None:
        rows = await self.graph.read(BEST_FOR_PAIR, a=a, b=b)
        return ComparisonPage.from_row(rows[0]["page"]) if rows else None

    async def from_graph(self, a: str, b: str) -> GraphComparison | None:
        rows = await self.graph.read(FROM_GRAPH, a=a, b=b)
        return GraphComparison.from_row(rows[0]) if rows else None
