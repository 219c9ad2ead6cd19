"""The search log's Cypher: one search written in one transaction (embed/recording.py queues them).

(:Query {id, text, modality, limit, type, ranAt, resultCount})-[:RETURNED {position, score}]->(:Artifact)
each returned artifact: searchMatches += 1, timesMatched = coalesce(publishedTimesMatched, 0) + searchMatches
(:Artifact)-[:CO_MATCHED {count, lastAt}]->(:Artifact)   one edge per returned pair, lower slug -> higher slug

The counters are signals search shows (timesMatched, searchMatches), so the transaction ends by
bumping the graph's data version (graphdb/data_version.py) as a signals change.
"""

from __future__ import annotations

from graphdb.data_version import SIGNALS, bump
from graphdb.driver import SyncGraph

# The Query node and its RETURNED edges; the counters of every returned artifact. Hits are sent in
# slug order so that concurrent recorders (the API and a CLI run) lock artifacts in the same order.
WRITE_QUERY = """
CREATE (q:Query {id: $id, text: $text, modality: $modality, limit: $limit, type: $type,
                 ranAt: $ranAt, resultCount: size($hits), imageSha256: $imageSha256})
WITH q
UNWIND $hits AS hit
MATCH (a:Artifact {slug: hit.slug})
CREATE (q)-[:RETURNED {position: hit.position, score: hit.score}]->(a)
SET a.searchMatches = coalesce(a.searchMatches, 0) + 1
SET a.timesMatched = coalesce(a.publishedTimesMatched, 0) + a.searchMatches
"""

# One edge per unordered pair of returned artifacts, directed from the lower slug to the higher.
WRITE_CO_MATCHED = """
UNWIND $pairs AS pair
MATCH (low:Artifact {slug: pair[0]}), (high:Artifact {slug: pair[1]})
MERGE (low)-[r:CO_MATCHED]->(high)
SET r.count = coalesce(r.count, 0) + 1, r.lastAt = $ranAt
"""


class SearchLog:
    """Writes recorded searches (sync driver)."""

    def __init__(self, driver, database: str = "neo4j"):
        self.graph = SyncGraph(driver, database)

    def write(self, query: dict, pairs: list[list[str]]) -> None:
        """``query``: {id, text, modality, limit, type, ranAt, hits: [{slug, position, score}] in slug
        order, imageSha256}; ``pairs``: [low slug, high slug] of every two returned artifacts."""

        def work(tx) -> None:
            tx.run(WRITE_QUERY, query).consume()
            if pairs:
                tx.run(WRITE_CO_MATCHED, pairs=pairs, ranAt=query["ranAt"]).consume()
            if query["hits"]:  # no hit, no counter changed: nothing search shows
                bump(tx, SIGNALS)

        self.graph.transaction(work)
