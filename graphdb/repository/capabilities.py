"""Capabilities: by id, by taxonomy URI, and what hangs off them (alternatives, claims, owner)."""

from __future__ import annotations

from graphdb.driver import Graph
from graphdb.repository.records import ArtifactRecord, CapabilityRecord, ClaimRecord

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

    async def by_ids(self, ids: list[str]) -> dict[str, CapabilityRecord]:
        rows = await self.graph.read(BY_IDS, ids=ids)
        return {row["id"]: CapabilityRecord.from_node(row["capability"]) for row in rows}

    async def by_uri(self, uri: str, limit: int) -> list[CapabilityRecord]:
        rows = await self.graph.read(BY_URI, uri=uri, limit=limit)
        return [CapabilityRecord.from_node(row["capability"]) for row in rows]

    async def alternatives(self, ids: list[str]) -> dict[str, list[ArtifactRecord]]:
        """Per capability: the artifacts its vs-alternatives text names, by name."""
        rows = await self.graph.read(ALTERNATIVES_BY_CAPABILITY, ids=ids)
        return {row["id"]: [ArtifactRecord.from_node(n) for n in row["artifacts"]] for row in rows}

    async def claims(self, ids: list[str]) -> dict[str, list[ClaimRecord]]:
        rows = await self.graph.read(CLAIMS_BY_CAPABILITY, ids=ids)
        return {row["id"]: [ClaimRecord.from_node(n) for n in row["claims"]] for row in rows}

    async def owners(self, ids: list[str]) -> dict[str, ArtifactRecord]:
        rows = await self.graph.read(OWNER_BY_CAPABILITY, ids=ids)
        return {row["id"]: ArtifactRecord.from_node(row["artifact"]) for row in rows if row["artifact"] is not None}
