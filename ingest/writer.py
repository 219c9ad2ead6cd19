"""The graph writer: `GraphRows` into Neo4j, one transaction per batch, every query `UNWIND`.

The graph it writes (docs/graph-model.md):

    (:Artifact)-[:HAS_CAPABILITY]->(:Capability)-[:SOURCE]->(:Document)
    (:Artifact)-[:DESCRIBED_IN]->(:Document)        mentioned-only artifacts have no DESCRIBED_IN
    (:Comparison)-[:PUBLISHED_IN]->(:Document)
    (:Comparison)-[:COMPARES {side, rank, type, pricing, …as published on that page}]->(:Artifact)
    (:Comparison)-[:SHOWS {side, position}]->(:Capability)
    (:Capability)-[:NAMES_ALTERNATIVE {relation, numbers, clause}]->(:Artifact)
    (:Capability)-[:MAKES_CLAIM]->(:Claim)-[:ABOUT]->(:Artifact),  (:Claim)-[:SOURCE]->(:Document)

Every statement is MERGE-based and keyed, so writing the same rows twice changes nothing; a
transaction that fails or is killed leaves nothing behind (Neo4j rolls it back), so a re-run
completes the graph to the state a clean run gives. Each transaction ends by bumping the graph's
data version (graphdb/data_version.py) with the capabilities it wrote, so the search catalog of
every process sees the batch, and only it, at its next check.
"""

from __future__ import annotations

from graphdb.data_version import CONTENT, bump
from ingest.rows import GraphRows

WRITE_DOCUMENTS = """
UNWIND $rows AS row
MERGE (d:Document {id: row.id})
ON CREATE SET d.sha256 = row.sha256, d.title = row.title, d.source = row.source,
              d.partial = row.partial, d.sequence = row.sequence, d.characters = row.characters,
              d.ingestedAt = datetime()
"""

# Named only in vs-alternatives or claim text: created as mentioned-only, never overwritten here.
WRITE_MENTIONED = """
UNWIND $rows AS row
MERGE (a:Artifact {slug: row.slug})
ON CREATE SET a.name = row.name, a.aliasKey = row.aliasKey, a.mentionedOnly = true,
              a.timesMatched = 0, a.searchMatches = 0
"""

# Described by a document: the latest published values win; a value the page lacks keeps the old one.
WRITE_DESCRIBED = """
UNWIND $rows AS row
MERGE (a:Artifact {slug: row.slug})
ON CREATE SET a.searchMatches = 0
SET a.name = row.name,
    a.aliasKey = row.aliasKey,
    a.mentionedOnly = false,
    a.type = coalesce(row.type, a.type),
    a.pricing = coalesce(row.pricing, a.pricing),
    a.rank = coalesce(row.rank, a.rank),
    a.capabilityCount = coalesce(row.capabilityCount, a.capabilityCount),
    a.publishedTimesMatched = coalesce(row.publishedTimesMatched, a.publishedTimesMatched),
    a.adoption = coalesce(row.adoption, a.adoption),
    a.quality = coalesce(row.quality, a.quality),
    a.ecosystem = coalesce(row.ecosystem, a.ecosystem),
    a.matchGraph = coalesce(row.matchGraph, a.matchGraph)
SET a.timesMatched = coalesce(a.publishedTimesMatched, 0) + coalesce(a.searchMatches, 0)
WITH a, row
MATCH (d:Document {id: row.documentId})
MERGE (a)-[:DESCRIBED_IN]->(d)
"""

# A page now describes an artifact that text had named under another spelling ("Stable Diffusion
# XL" before the "SDXL" page arrived): fold the mentioned-only node into the described one.
MERGE_MENTIONED_INTO_DESCRIBED = """
UNWIND $rows AS row
MATCH (d:Artifact {slug: row.slug})
MATCH (m:Artifact {aliasKey: row.aliasKey})
WHERE m.mentionedOnly = true AND m <> d
CALL (m, d) {
  MATCH (k:Capability)-[r:NAMES_ALTERNATIVE]->(m)
  MERGE (k)-[moved:NAMES_ALTERNATIVE]->(d)
  ON CREATE SET moved = properties(r)
  DELETE r
}
CALL (m, d) {
  MATCH (c:Claim)-[r:ABOUT]->(m)
  MERGE (c)-[:ABOUT]->(d)
  SET c.subjectSlug = d.slug
  DELETE r
}
DETACH DELETE m
"""

WRITE_COMPARISONS = """
UNWIND $rows AS row
MATCH (d:Document {id: row.documentId})
MERGE (c:Comparison {id: row.id})
ON CREATE SET c += row, c.ingestedAt = datetime()
MERGE (c)-[:PUBLISHED_IN]->(d)
"""

WRITE_SIDES = """
UNWIND $rows AS row
MATCH (c:Comparison {id: row.comparisonId}), (a:Artifact {slug: row.slug})
MERGE (c)-[r:COMPARES {side: row.side}]->(a)
ON CREATE SET r.rank = row.rank, r.type = row.type, r.pricing = row.pricing,
              r.capabilityCount = row.capabilityCount, r.publishedTimesMatched = row.publishedTimesMatched,
              r.adoption = row.adoption, r.quality = row.quality, r.ecosystem = row.ecosystem,
              r.matchGraph = row.matchGraph, r.shown = row.shown, r.more = row.more,
              r.headerPresent = row.headerPresent
"""

# One Capability per text (its id is a content hash), many sources. A page that lacks the Unique or
# vs-alternatives line (truncated) never erases what another page showed.
WRITE_CAPABILITIES = """
UNWIND $rows AS row
MERGE (k:Capability {id: row.id})
ON CREATE SET k.description = row.description, k.name = row.name, k.uri = row.uri
SET k.unique = coalesce(k.unique, row.unique),
    k.vsAlternatives = coalesce(k.vsAlternatives, row.vsAlternatives)
WITH k, row
MATCH (a:Artifact {slug: row.ownerSlug}), (d:Document {id: row.documentId})
MERGE (a)-[:HAS_CAPABILITY]->(k)
MERGE (k)-[:SOURCE]->(d)
"""

WRITE_SHOWN = """
UNWIND $rows AS row
MATCH (c:Comparison {id: row.comparisonId}), (k:Capability {id: row.capabilityId})
MERGE (c)-[:SHOWS {side: row.side, position: row.position}]->(k)
"""

WRITE_ALTERNATIVES = """
UNWIND $rows AS row
MATCH (k:Capability {id: row.capabilityId}), (a:Artifact {slug: row.slug})
MERGE (k)-[r:NAMES_ALTERNATIVE]->(a)
ON CREATE SET r.relation = row.relation, r.numbers = row.numbers, r.clause = row.clause
"""

WRITE_CLAIMS = """
UNWIND $rows AS row
MATCH (k:Capability {id: row.capabilityId}), (s:Artifact {slug: row.subjectSlug}), (d:Document {id: row.documentId})
MERGE (c:Claim {id: row.id})
ON CREATE SET c.metric = row.metric, c.value = row.value, c.valueMax = row.valueMax, c.unit = row.unit,
              c.comparator = row.comparator,
              c.qualifier = row.qualifier, c.sentence = row.sentence, c.subjectSlug = row.subjectSlug,
              c.status = 'unverified'
MERGE (k)-[:MAKES_CLAIM]->(c)
MERGE (c)-[:ABOUT]->(s)
MERGE (c)-[:SOURCE]->(d)
"""

# In dependency order: nodes before the relationships that MATCH them.
STATEMENTS = (
    ("documents", WRITE_DOCUMENTS),
    ("mentioned", WRITE_MENTIONED),
    ("described", WRITE_DESCRIBED),
    ("described", MERGE_MENTIONED_INTO_DESCRIBED),
    ("comparisons", WRITE_COMPARISONS),
    ("sides", WRITE_SIDES),
    ("capabilities", WRITE_CAPABILITIES),
    ("shown", WRITE_SHOWN),
    ("alternatives", WRITE_ALTERNATIVES),
    ("claims", WRITE_CLAIMS),
)

EXISTING_DOCUMENTS = "UNWIND $ids AS id MATCH (d:Document {id: id}) RETURN d.id AS id"
DESCRIBED_ALIASES = (
    "MATCH (a:Artifact) WHERE a.mentionedOnly = false AND a.aliasKey IS NOT NULL "
    "RETURN a.aliasKey AS key, a.slug AS slug ORDER BY a.slug"
)
CAPABILITY_OWNERS = "MATCH (a:Artifact)-[:HAS_CAPABILITY]->(k:Capability) RETURN k.id AS capability, a.slug AS owner"


class GraphWriter:
    """Writes batches of rows; reads the little the ingester needs to know about the graph."""

    def __init__(self, driver, database: str = "neo4j"):
        self.driver = driver
        self.database = database

    def existing_documents(self, ids: list[str]) -> set[str]:
        records, _, _ = self.driver.execute_query(EXISTING_DOCUMENTS, ids=ids, database_=self.database)
        return {record["id"] for record in records}

    def capability_owners(self) -> dict[str, str]:
        """Capability id -> the slug of the artifact that owns it (helps assign sides)."""
        records, _, _ = self.driver.execute_query(CAPABILITY_OWNERS, database_=self.database)
        return {record["capability"]: record["owner"] for record in records}

    def described_aliases(self) -> dict[str, str]:
        """Alias key -> slug of the artifact a page describes under that key."""
        records, _, _ = self.driver.execute_query(DESCRIBED_ALIASES, database_=self.database)
        aliases: dict[str, str] = {}
        for record in records:
            aliases.setdefault(record["key"], record["slug"])
        return aliases

    def write(self, rows: GraphRows) -> None:
        """Writes all rows in one transaction (retried by the driver on transient errors)."""

        capabilities = [row["id"] for row in rows.capabilities]

        def work(tx) -> None:
            written = False
            for name, statement in STATEMENTS:
                batch = getattr(rows, name)
                if batch:
                    tx.run(statement, rows=batch).consume()
                    written = True
            if written:  # last: the version's lock is held only for the commit
                bump(tx, CONTENT, capabilities)

        with self.driver.session(database=self.database) as session:
            session.execute_write(work)
