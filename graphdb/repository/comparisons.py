"""Comparisons: published pages, fully hydrated in one round trip, and the compare() choice.

A hydrated comparison is a dict: the page's own properties (`comparison`), its two sides' artifacts
with what the page published about them (`a`, `b`, `sideA`, `sideB`), the shown capabilities in
page order per side (`shownA`, `shownB`, each capability with the `alternatives` its text names),
and the verdict's winner (`winner`).
"""

from __future__ import annotations

from graphdb.driver import Graph

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


class ComparisonRepository:
    def __init__(self, graph: Graph):
        self.graph = graph

    async def by_ids(self, ids: list[str]) -> dict[str, dict]:
        rows = await self.graph.read(BY_IDS, ids=ids)
        return {row["id"]: row["page"] for row in rows}

    async def best_for_pair(self, a: str, b: str) -> dict | None:
        rows = await self.graph.read(BEST_FOR_PAIR, a=a, b=b)
        return rows[0]["page"] if rows else None

    async def from_graph(self, a: str, b: str) -> dict | None:
        rows = await self.graph.read(FROM_GRAPH, a=a, b=b)
        return rows[0] if rows else None
