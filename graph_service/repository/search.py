"""Search's Cypher: keyword search over the full-text indexes, and the one-round-trip candidate
query of hybrid search (embed/search.py).

`HYBRID_CANDIDATES` takes the vector hits computed in Python (FAISS over capability, artifact-name
and image embeddings) and, in the same round trip, runs the keyword search over the full-text
indexes and brings back, per candidate artifact: its fields, its best matching capabilities (by
vector and by keywords, each with its cosine to the query), and the graph signals the fusion uses
(published rank, timesMatched, computedRank, head-to-head record). Lucene syntax in the user's text is escaped, so
any input is a plain query.
"""

from __future__ import annotations

import re

from neo4j import RoutingControl

from ..db import Graph

_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')
_WORD = re.compile(r"\w[\w.\-]*", re.UNICODE)

# The artifact-name index uses Lucene's analyzer without stop words, so "a", "for" or "the" would
# match many names; they are left out of the query (unless they are all there is).
STOP_WORDS = frozenset("""
a an and are as at be by can do for from how i in into is it its me my of on or our so that the
their them then there these this to use using want was we what when where which who will with
without you your need needs some any
""".split())

# Fields of an artifact a search hit carries (no embeddings: they are large and only FAISS needs them).
HIT_ARTIFACT = """a {.slug, .name, .type, .pricing, .rank, .capabilityCount, .timesMatched, .mentionedOnly,
       .publishedTimesMatched, .searchMatches, .computedRank}"""
HIT_CAPABILITY = "c {.id, .uri, .name, .description, .unique, .vsAlternatives}"

# One round trip for a whole search. Branches: capability vector hits, artifact-name vector hits,
# image vector hits (images depict artifacts), keyword hits on capability texts (English-stemmed
# index, schema/007_search.cypher) and on artifact names (skipped when there is no word to search
# for). Rows are grouped per artifact, which brings its best $perArtifact capabilities by vector and
# by keywords (the fusion needs no more, and hits show at most that many) and the number of
# keyword matches. A capability found by keywords comes with its cosine to the query when it has an
# embedding (vector.similarity.cosine gives (1 + cos) / 2); vector hits already carry theirs. The head-to-head record sums the artifact's
# outgoing HEAD_TO_HEAD edges (each is its source's view of the games against the target: wins,
# games, Bradley-Terry strength).
HYBRID_CANDIDATES = f"""
CALL () {{
  UNWIND $capabilityHits AS hit
  MATCH (a:Artifact)-[:HAS_CAPABILITY]->(c:Capability {{id: hit.id}})
  RETURN a, c, 'vector' AS kind, hit.score AS score
  UNION ALL
  UNWIND $nameHits AS hit
  MATCH (a:Artifact {{slug: hit.slug}})
  RETURN a, null AS c, 'name' AS kind, hit.score AS score
  UNION ALL
  UNWIND $imageHits AS hit
  MATCH (:Image {{id: hit.id}})-[:DEPICTS]->(a:Artifact)
  RETURN a, null AS c, 'image' AS kind, hit.score AS score
  UNION ALL
  WITH $text AS text WHERE text IS NOT NULL
  CALL db.index.fulltext.queryNodes('capability_text_english', text, {{limit: $keywordLimit}}) YIELD node, score
  MATCH (a:Artifact)-[:HAS_CAPABILITY]->(node)
  RETURN a, node AS c, 'keyword' AS kind, score
  UNION ALL
  WITH $text AS text WHERE text IS NOT NULL
  CALL db.index.fulltext.queryNodes('artifact_text', text, {{limit: $keywordLimit}}) YIELD node, score
  RETURN node AS a, null AS c, 'nameKeyword' AS kind, score
}}
WITH a, c, kind, score
WHERE $type IS NULL OR a.type = $type
WITH a, c, kind, max(score) AS score
ORDER BY score DESC
WITH a,
     collect(CASE WHEN kind = 'vector' THEN {{capability: {HIT_CAPABILITY}, score: score}} END)[..$perArtifact] AS vector,
     collect(CASE WHEN kind = 'keyword' THEN {{capability: {HIT_CAPABILITY}, score: score,
       cosine: CASE WHEN $queryVector IS NOT NULL AND size(c.embedding) = size($queryVector)
               THEN 2 * vector.similarity.cosine(c.embedding, $queryVector) - 1 END}} END)[..$perArtifact] AS keyword,
     count(CASE WHEN kind = 'keyword' THEN 1 END) AS keywordCount,
     max(CASE WHEN kind = 'name' THEN score END) AS name,
     max(CASE WHEN kind = 'nameKeyword' THEN score END) AS nameKeyword,
     max(CASE WHEN kind = 'image' THEN score END) AS image
CALL (a) {{
  OPTIONAL MATCH (a)-[h:HEAD_TO_HEAD]->(:Artifact)
  RETURN sum(coalesce(h.wins, 0)) AS headToHeadWins, sum(coalesce(h.games, 0)) AS headToHeadGames,
         avg(h.strength) AS headToHeadStrength
}}
RETURN {HIT_ARTIFACT} AS artifact, vector, keyword, keywordCount, name, nameKeyword, image,
       {{wins: headToHeadWins, games: headToHeadGames, strength: headToHeadStrength}} AS headToHead
"""


def lucene_query(text: str) -> str | None:
    """The user's words, escaped and OR-ed, stop words left out (None when there is no word)."""
    # Lower-cased: the index's analyzer lower-cases anyway, and upper-case AND/OR/NOT are operators.
    words = [word.lower() for word in _WORD.findall(text)]
    meaningful = [word for word in words if word not in STOP_WORDS] or words
    escaped = dict.fromkeys(_LUCENE_SPECIAL.sub(r"\\\1", word) for word in meaningful)
    return " OR ".join(escaped) if escaped else None


def candidate_parameters(text: str, *, type: str | None, capability_hits, name_hits, image_hits,
                         query_vector, keyword_limit: int, per_artifact: int) -> dict:
    """The parameters of HYBRID_CANDIDATES (hits are (key, score) pairs, the vector a list or None)."""
    return {
        "text": lucene_query(text) if text else None,
        "type": type,
        "capabilityHits": [{"id": key, "score": float(score)} for key, score in capability_hits],
        "nameHits": [{"slug": key, "score": float(score)} for key, score in name_hits],
        "imageHits": [{"id": key, "score": float(score)} for key, score in image_hits],
        "queryVector": None if query_vector is None else [float(x) for x in query_vector],
        "keywordLimit": keyword_limit,
        "perArtifact": per_artifact,
    }


class SearchRepository:
    """The API's search queries, on the async graph (one round trip per search)."""

    def __init__(self, graph: Graph):
        self.graph = graph

    async def candidates(self, parameters: dict) -> list[dict]:
        # A few hundred nested maps, plain values already: no deep copy of the records.
        return await self.graph.read(HYBRID_CANDIDATES, plain_values=True, **parameters)


def read_candidates(driver, database: str, parameters: dict) -> list[dict]:
    """HYBRID_CANDIDATES on a sync driver (the CLI, the benchmarks, the quality script)."""
    records, _, _ = driver.execute_query(HYBRID_CANDIDATES, parameters_=parameters, database_=database,
                                         routing_=RoutingControl.READ)
    return [dict(record.items()) for record in records]  # plain values already (see SearchRepository)
