"""Capabilities: by id, by taxonomy URI, and what hangs off them (alternatives, claims, owner)."""

from __future__ import annotations

from graphdb.driver import Graph

BY_IDS = "UNWIND $ids AS id MATCH (k:Capability {id: id}) RETURN id, k {.*, embedding: null} AS capability"

BY_URI = """
MATCH (k:Capability {uri: $uri})
RETURN k {.*, embedding: null} AS capability ORDER BY k.name, k.id LIMIT $limit
"""

ALTERNATIVES_BY_CAPABILITY = """
UNWIND $ids AS id
MATCH (:Capability {id: id})-[r:NAMES_ALTERNATIVE]->(a:Artifact)
WITH id, a, r ORDER BY a.name
RETURN id, collect(a {.*, nameEmbedding: null, relation: r.relation}) AS artifacts
"""

CLAIMS_BY_CAPABILITY = """
UNWIND $ids AS id
MATCH (:Capability {id: id})-[:MAKES_CLAIM]->(c:Claim)
WITH id, c ORDER BY c.metric, c.value
RETURN id, collect(c {.*}) AS claims
"""

OWNER_BY_CAPABILITY = """
UNWIND $ids AS id
MATCH (a:Artifact)-[:HAS_CAPABILITY]->(:Capability {id: id})
WITH id, a ORDER BY a.mentionedOnly, a.slug
RETURN id, collect(a {.*, nameEmbedding: null})[0] AS artifact
"""


class CapabilityRepository:
    def __init__(self, graph: Graph):
        self.graph = graph

    async def by_ids(self, ids: list[str]) -> dict[str, dict]:
        rows = await self.graph.read(BY_IDS, ids=ids)
        return {row["id"]: row["capability"] for row in rows}

    async def by_uri(self, uri: str, limit: int) -> list[dict]:
        rows = await self.graph.read(BY_URI, uri=uri, limit=limit)
        return [row["capability"] for row in rows]

    async def alternatives(self, ids: list[str]) -> dict[str, list[dict]]:
        rows = await self.graph.read(ALTERNATIVES_BY_CAPABILITY, ids=ids)
        return {row["id"]: row["artifacts"] for row in rows}

    async def claims(self, ids: list[str]) -> dict[str, list[dict]]:
        rows = await self.graph.read(CLAIMS_BY_CAPABILITY, ids=ids)
        return {row["id"]: row["claims"] for row in rows}

    async def owners(self, ids: list[str]) -> dict[str, dict]:
        rows = await self.graph.read(OWNER_BY_CAPABILITY, ids=ids)
        return {row["id"]: row["artifact"] for row in rows}
