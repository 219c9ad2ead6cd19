"""Search's Cypher: what the in-process search catalog (embed/catalog.py) reads from the graph.

Hybrid search (embed/search.py) runs without a Cypher round trip: the fields, links and signals it
needs are copied into the process and refreshed when the graph changes. These queries make that
copy, and tell when it is out of date:

- `CATALOG_VERSION`: the graph's data version (graphdb/data_version.py), which every matchgraph
  write of what search reads bumps in its own transaction: one index lookup, run every few seconds
  beside searches.
- `CATALOG_ARTIFACTS`, `CATALOG_CAPABILITIES`, `CATALOG_IMAGES`: the content;
  `CATALOG_CHANGED_CAPABILITIES`: the capabilities changed since a content version, for an
  incremental update.
- `CATALOG_SIGNALS`: per artifact, the numbers the fusion's graph prior and the hits' `why` use.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphdb.data_version import NAME, new_generation
from graphdb.driver import SyncGraph

# The version node through its uniqueness constraint, and the count of capabilities from Neo4j's
# count store (the incremental update checks that it adds up): a few db hits however large the graph.
CATALOG_VERSION = """
CALL () { MATCH (k:Capability) RETURN count(k) AS capabilities }
OPTIONAL MATCH (v:DataVersion {name: $name})
RETURN v.generation AS generation, v.version AS version, v.contentVersion AS contentVersion, capabilities
"""

CATALOG_ARTIFACTS = """
MATCH (a:Artifact)
RETURN a.slug AS slug, a.name AS name, a.type AS type, a.pricing AS pricing,
       a.capabilityCount AS capabilityCount, a.mentionedOnly AS mentionedOnly
"""

CATALOG_CAPABILITIES = """
MATCH (a:Artifact)-[:HAS_CAPABILITY]->(k:Capability)
RETURN a.slug AS artifact, k.id AS id, k.uri AS uri, k.name AS name, k.description AS description,
       k.unique AS unique, k.vsAlternatives AS vsAlternatives
"""

# The capabilities matchgraph's writes changed after a content version (each such write stamps the
# capabilities it changed with its version, schema/009's range index finds them: cost grows with the
# change, not the graph), one row per owner. Exact: no write of a version at or below `since` can
# commit after the version was read (graphdb/data_version.py).
CATALOG_CHANGED_CAPABILITIES = """
MATCH (k:Capability) WHERE k.contentVersion > $since
MATCH (a:Artifact)-[:HAS_CAPABILITY]->(k)
RETURN a.slug AS artifact, k.id AS id, k.uri AS uri, k.name AS name, k.description AS description,
       k.unique AS unique, k.vsAlternatives AS vsAlternatives
"""

CATALOG_IMAGES = """
MATCH (i:Image)-[:DEPICTS]->(a:Artifact)
RETURN i.id AS image, a.slug AS artifact
"""

# The head-to-head record sums the artifact's outgoing HEAD_TO_HEAD edges (each is its source's view
# of the games against the target: wins, games, Bradley-Terry strength).
CATALOG_SIGNALS = """
MATCH (a:Artifact)
CALL (a) {
  OPTIONAL MATCH (a)-[h:HEAD_TO_HEAD]->(:Artifact)
  RETURN sum(coalesce(h.wins, 0)) AS wins, sum(coalesce(h.games, 0)) AS games, avg(h.strength) AS strength
}
RETURN a.slug AS slug, a.rank AS rank, a.computedRank AS computedRank, a.timesMatched AS timesMatched,
       a.publishedTimesMatched AS publishedTimesMatched, a.searchMatches AS searchMatches,
       wins, games, strength
"""


@dataclass(frozen=True)
class DataVersion:
    """The graph's data version as the catalog sees it (all None on a graph nothing has written yet)."""

    generation: str | None
    version: int | None  # any change of what search reads
    content: int | None  # a change of artifacts, capabilities or images
    capabilities: int = 0  # Capability nodes in the graph when the version was read

    def same_content(self, other: DataVersion | None) -> bool:
        return other is not None and (self.generation, self.content) == (other.generation, other.content)

    def same(self, other: DataVersion | None) -> bool:
        return other is not None and self.same_content(other) and self.version == other.version


class CatalogRepository:
    """The catalog's reads, on a sync driver (the catalog loads in worker or background threads)."""

    def __init__(self, driver, database: str):
        self.graph = SyncGraph(driver, database)

    @property
    def reads(self) -> int:
        """Round trips so far (tests check that searches make none)."""
        return self.graph.round_trips

    def version(self) -> DataVersion:
        row = self.graph.read(CATALOG_VERSION, name=NAME)[0]
        return DataVersion(row["generation"], row["version"], row["contentVersion"], row["capabilities"])

    def new_generation(self) -> DataVersion:
        """Declares the graph edited outside matchgraph: every catalog loads it whole at its next check."""
        row = new_generation(self.graph)
        return DataVersion(row["generation"], row["version"], row["contentVersion"])

    def artifacts(self) -> list[dict]:
        return self.graph.read(CATALOG_ARTIFACTS)

    def capabilities(self) -> list[dict]:
        return self.graph.read(CATALOG_CAPABILITIES)

    def changed_capabilities(self, since: int) -> list[dict]:
        return self.graph.read(CATALOG_CHANGED_CAPABILITIES, since=since)

    def images(self) -> list[dict]:
        return self.graph.read(CATALOG_IMAGES)

    def signals(self) -> list[dict]:
        return self.graph.read(CATALOG_SIGNALS)
