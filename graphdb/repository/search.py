"""Search's Cypher: what the in-process search catalog (embed/catalog.py) reads from the graph.

Hybrid search (embed/search.py) runs without a Cypher round trip: the fields, links and signals it
needs are copied into the process and refreshed when the graph changes. These queries make that
copy, and tell when it is out of date:

- `CATALOG_FINGERPRINT`: one cheap query in two parts. *content* changes with ingest (documents,
  artifacts, capabilities, their embeddings and taxonomy classes, images); *signals* change with
  the rank job, head-to-head and every recorded search.
- `CATALOG_ARTIFACTS`, `CATALOG_CAPABILITIES`, `CATALOG_IMAGES`: the content;
  `CATALOG_CHANGED_CAPABILITIES`: the capabilities changed since a time, for an incremental reload.
- `CATALOG_SIGNALS`: per artifact, the numbers the fusion's graph prior and the hits' `why` use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphdb.driver import SyncGraph


# Counts come from Neo4j's count store and each newest timestamp from a range index
# (schema/002, 004, 008: ORDER BY … DESC LIMIT 1 is one index lookup), so the check costs about a
# millisecond however large the graph: it runs every few seconds beside searches. Recorded
# searches show as the newest Query.ranAt and the count of Query nodes.
def _newest(label: str, property: str, alias: str) -> str:
    return (
        f"CALL () {{ OPTIONAL MATCH (n:{label}) WHERE n.{property} IS NOT NULL "
        f"WITH n ORDER BY n.{property} DESC LIMIT 1 RETURN toString(n.{property}) AS {alias} }}"
    )


CATALOG_FINGERPRINT = "\n".join(
    [
        "CALL () { MATCH (a:Artifact) RETURN count(a) AS artifacts }",
        "CALL () { MATCH (k:Capability) RETURN count(k) AS capabilities }",
        "CALL () { MATCH (d:Document) RETURN count(d) AS documents }",
        "CALL () { MATCH (:Image)-[r:DEPICTS]->() RETURN count(r) AS depictions }",
        "CALL () { MATCH ()-[h:HEAD_TO_HEAD]->() RETURN count(h) AS headToHead }",
        "CALL () { MATCH (q:Query) RETURN count(q) AS queries }",
        _newest("Document", "ingestedAt", "ingestedAt"),
        _newest("Capability", "embeddedAt", "embeddedAt"),
        _newest("Capability", "classifiedAt", "classifiedAt"),
        _newest("Artifact", "nameEmbeddedAt", "namesAt"),
        _newest("Image", "addedAt", "imagesAt"),
        _newest("Artifact", "rankedAt", "rankedAt"),
        _newest("Query", "ranAt", "searchedAt"),
        "CALL () { OPTIONAL MATCH ()-[h:HEAD_TO_HEAD]->() WHERE h.computedAt IS NOT NULL "
        "WITH h ORDER BY h.computedAt DESC LIMIT 1 RETURN toString(h.computedAt) AS headToHeadAt }",
        "RETURN *",
    ]
)
CONTENT_PARTS = (
    "artifacts",
    "capabilities",
    "documents",
    "depictions",
    "ingestedAt",
    "embeddedAt",
    "classifiedAt",
    "namesAt",
    "imagesAt",
)
SIGNAL_PARTS = ("rankedAt", "queries", "searchedAt", "headToHead", "headToHeadAt")

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

# The capabilities an ingest or the embedding stage changed since the catalog's last load (by the
# range indexes on the timestamps: cost grows with the change, not the graph), one row per owner.
# A margin before `since` takes in the writes of transactions that took their timestamp before it
# but committed after it was read (reading a change twice is harmless).
CHANGE_MARGIN_SECONDS = 60
CATALOG_CHANGED_CAPABILITIES = """
WITH datetime($since) - duration({seconds: $margin}) AS since
CALL (since) {
  MATCH (d:Document) WHERE d.ingestedAt > since
  MATCH (k:Capability)-[:SOURCE]->(d)
  RETURN k
  UNION
  MATCH (k:Capability) WHERE k.embeddedAt > since
  RETURN k
  UNION
  MATCH (k:Capability) WHERE k.classifiedAt > since
  RETURN k
}
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
class CatalogFingerprint:
    content: str
    signals: str
    values: dict = field(default_factory=dict, compare=False)  # every part, by name

    @property
    def newest_content(self) -> str | None:
        """The newest ingest, embedding or classification timestamp (ISO text), None on an empty graph."""
        stamps = [self.values.get(part) for part in ("ingestedAt", "embeddedAt", "classifiedAt")]
        return max((stamp for stamp in stamps if stamp), default=None)


class CatalogRepository:
    """The catalog's reads, on a sync driver (the catalog loads in worker or background threads)."""

    def __init__(self, driver, database: str):
        self.graph = SyncGraph(driver, database)
        self.reads = 0  # round trips so far (tests check that searches make none)

    def fingerprint(self) -> CatalogFingerprint:
        row = self.graph.read(CATALOG_FINGERPRINT)[0]
        return CatalogFingerprint(
            content="|".join(str(row[part]) for part in CONTENT_PARTS),
            signals="|".join(str(row[part]) for part in SIGNAL_PARTS),
            values=row,
        )

    def artifacts(self) -> list[dict]:
        return self.graph.read(CATALOG_ARTIFACTS)

    def capabilities(self) -> list[dict]:
        return self.graph.read(CATALOG_CAPABILITIES)

    def changed_capabilities(self, since: str) -> list[dict]:
        return self.graph.read(CATALOG_CHANGED_CAPABILITIES, since=since, margin=CHANGE_MARGIN_SECONDS)

    def images(self) -> list[dict]:
        return self.graph.read(CATALOG_IMAGES)

    def signals(self) -> list[dict]:
        return self.graph.read(CATALOG_SIGNALS)
