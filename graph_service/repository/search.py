"""Keyword search over the graph's full-text indexes (artifact names, capability texts).

Capability matches are aggregated per artifact (its best capability score plus a small bonus per
further match); a name match counts double. Lucene syntax in the user's text is escaped, so any
input is a plain query.
"""

from __future__ import annotations

import re

from ..db import Graph

_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')
_WORD = re.compile(r"\w[\w.\-]*", re.UNICODE)

KEYWORD_SEARCH = """
CALL () {
  CALL db.index.fulltext.queryNodes('capability_text', $text, {limit: $candidates}) YIELD node, score
  MATCH (a:Artifact)-[:HAS_CAPABILITY]->(node)
  RETURN a, score, node.id AS capabilityId
  UNION ALL
  CALL db.index.fulltext.queryNodes('artifact_text', $text, {limit: $candidates}) YIELD node, score
  RETURN node AS a, 2 * score AS score, null AS capabilityId
}
WITH a, score, capabilityId
WHERE $type IS NULL OR a.type = $type
WITH a, collect(score) AS scores, collect(DISTINCT capabilityId) AS capabilities
WITH a, reduce(best = 0.0, s IN scores | CASE WHEN s > best THEN s ELSE best END) + 0.1 * (size(scores) - 1) AS score,
     capabilities
RETURN a {.*} AS artifact, score, capabilities
ORDER BY score DESC, a.slug ASC
LIMIT $limit
"""


def lucene_query(text: str) -> str | None:
    """The user's words, escaped and OR-ed (None when there is no word to search for)."""
    # Lower-cased: the index's analyzer lower-cases anyway, and upper-case AND/OR/NOT are operators.
    words = [_LUCENE_SPECIAL.sub(r"\\\1", word.lower()) for word in _WORD.findall(text)]
    return " OR ".join(words) if words else None


class SearchRepository:
    def __init__(self, graph: Graph):
        self.graph = graph

    async def keyword(self, text: str, limit: int, type: str | None = None) -> list[dict]:
        query = lucene_query(text)
        if query is None:
            return []
        return await self.graph.read(KEYWORD_SEARCH, text=query, limit=limit, type=type,
                                     candidates=max(50, limit * 10))
