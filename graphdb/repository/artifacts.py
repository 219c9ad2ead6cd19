"""Artifacts: lookups by slug, the paged list, and per-artifact relations, each one batched.

Every method takes many keys and answers in one Cypher round trip, so that the API's DataLoaders
keep a page's cost constant whatever the number of artifacts on it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from enum import StrEnum

from graphdb.driver import Graph
from graphdb.repository.records import ArtifactRecord, CapabilityRecord, ClaimRecord
from graphdb.vocabulary import UNCLASSIFIED_URI

# How an alternative is scored (best first): each reason counts, capped so one strong signal cannot
# drown the others. Documented in the README ("Alternatives").
ALTERNATIVE_WEIGHTS = {"named": 1.0, "compared": 0.75, "shared": 0.5}
ALTERNATIVE_CAPS = {"named": 3, "compared": 3, "shared": 4}
MAX_ALTERNATIVES = 50  # per artifact; the API's `first` is capped to it


class ArtifactOrder(StrEnum):
    """Orderings of the artifact list (the GraphQL enum of the same name); ties break by slug."""

    RANK = "RANK"
    NAME = "NAME"
    TIMES_MATCHED = "TIMES_MATCHED"
    COMPUTED_RANK = "COMPUTED_RANK"


ORDERINGS: dict[ArtifactOrder, tuple[str, str]] = {
    # ordering: (sort key expression, direction); ties are broken by slug ascending.
    ArtifactOrder.RANK: ("coalesce(a.rank, -1)", "DESC"),
    ArtifactOrder.NAME: ("toLower(a.name)", "ASC"),
    ArtifactOrder.TIMES_MATCHED: ("coalesce(a.timesMatched, 0)", "DESC"),
    ArtifactOrder.COMPUTED_RANK: ("coalesce(a.computedRank, -1.0)", "DESC"),  # `matchgraph rank`; unranked last
}

BY_SLUGS = "UNWIND $slugs AS slug MATCH (a:Artifact {slug: slug}) RETURN slug, a {.*, nameEmbedding: null} AS artifact"

CAPABILITIES_BY_ARTIFACT = """
UNWIND $slugs AS slug
MATCH (:Artifact {slug: slug})-[:HAS_CAPABILITY]->(k:Capability)
OPTIONAL MATCH (:Comparison)-[s:SHOWS]->(k)
WITH slug, k, min(s.position) AS position
ORDER BY slug, position, k.description
RETURN slug, collect(k {.*, embedding: null}) AS capabilities
"""

# Why B is an alternative to A: A's vs-alternatives text names B (or B's names A), they were
# compared on a published page, or they share capabilities (the same taxonomy class once
# capabilities are classified). Scored and cut in Cypher, so a popular class costs a bounded scan:
# at most SHARED_SCAN artifacts are looked at per class.
SHARED_SCAN = 200
ALTERNATIVES_BY_ARTIFACT = """
UNWIND $slugs AS slug
MATCH (a:Artifact {slug: slug})
CALL (a) {
  CALL (a) {
    MATCH (a)-[:HAS_CAPABILITY]->(:Capability)-[:NAMES_ALTERNATIVE]->(b:Artifact)
    WHERE b <> a
    RETURN b, 'named' AS reason, count(*) AS weight
    UNION ALL
    MATCH (b:Artifact)-[:HAS_CAPABILITY]->(:Capability)-[:NAMES_ALTERNATIVE]->(a)
    WHERE b <> a
    RETURN b, 'named' AS reason, count(*) AS weight
    UNION ALL
    MATCH (a)<-[:COMPARES]-(c:Comparison)-[:COMPARES]->(b:Artifact)
    WHERE b <> a
    RETURN b, 'compared' AS reason, count(DISTINCT c) AS weight
    UNION ALL
    MATCH (a)-[:HAS_CAPABILITY]->(k:Capability)
    WHERE k.uri IS NOT NULL AND k.uri <> $unclassified
    WITH a, collect(DISTINCT k.uri) AS uris
    UNWIND uris AS uri
    CALL (a, uri) {
      MATCH (b:Artifact)-[:HAS_CAPABILITY]->(:Capability {uri: uri})
      WHERE b <> a
      RETURN DISTINCT b LIMIT $sharedScan
    }
    RETURN b, 'shared' AS reason, count(DISTINCT uri) AS weight
  }
  WITH b, reason, sum(weight) AS weight
  WITH b, collect({reason: reason, weight: weight}) AS reasons,
       sum($weights[reason] * CASE WHEN weight > $caps[reason] THEN $caps[reason] ELSE weight END) AS score
  ORDER BY score DESC, toLower(b.name) ASC, b.slug ASC
  LIMIT $limit
  RETURN collect({artifact: b {.*, nameEmbedding: null}, reasons: reasons, score: round(score, 3)}) AS alternatives
}
RETURN slug, alternatives
"""

COMPARISON_IDS_BY_ARTIFACT = """
UNWIND $slugs AS slug
MATCH (:Artifact {slug: slug})<-[:COMPARES]-(c:Comparison)
WITH slug, c ORDER BY c.sequence DESC
RETURN slug, collect(DISTINCT c.id) AS ids
"""

CLAIMS_BY_ARTIFACT = """
UNWIND $slugs AS slug
MATCH (c:Claim)-[:ABOUT]->(:Artifact {slug: slug})
WITH slug, c ORDER BY c.metric, c.value
RETURN slug, collect(c {.*}) AS claims
"""


@dataclass(frozen=True)
class ArtifactFilter:
    type: str | None = None
    pricing: str | None = None
    capability_uri: str | None = None
    mentioned_only: bool | None = None  # True: only mentioned-only; False: only described


@dataclass(frozen=True)
class ArtifactPage:
    artifacts: list[ArtifactRecord]
    cursors: list[str]
    total: int
    has_next: bool
    has_previous: bool


@dataclass(slots=True)  # read-only by convention: a page builds hundreds (graphdb/repository/records.py)
class AlternativeRecord(ArtifactRecord):
    """An artifact as an alternative to another: its record, why (how many vs-alternatives texts
    name one of the two from the other, published pages compare them, taxonomy classes they share;
    0 for a reason that does not apply) and its score, higher is better.

    One object per alternative, not a record wrapped in another: an artifact list of 50 shows a
    thousand alternatives, and every extra object costs the garbage collector."""

    score: float
    named: int
    compared: int
    shared: int

    @classmethod
    def from_row(cls, row: dict) -> AlternativeRecord:
        named = compared = shared = 0
        for reason in row["reasons"]:
            kind = reason["reason"]
            if kind == "named":
                named = reason["weight"]
            elif kind == "compared":
                compared = reason["weight"]
            else:
                shared = reason["weight"]
        values = (*ArtifactRecord.node_values(row["artifact"]), row["score"], named, compared, shared)
        return cls(*values)

    @property
    def reasons(self) -> list[tuple[str, int]]:
        """(reason, count) for each reason that applies: named, compared, shared."""
        return [
            (reason, count)
            for reason, count in (("named", self.named), ("compared", self.compared), ("shared", self.shared))
            if count
        ]


def encode_cursor(order: str, key, slug: str) -> str:
    raw = json.dumps([order, key, slug], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: str):
    """Returns (sort key, slug) from a cursor made for ``order``; ValueError when it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, key, slug = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except Exception:
        raise ValueError("the cursor is not one this API gave out") from None
    if made_for != order or not isinstance(slug, str):
        raise ValueError("the cursor belongs to another ordering; start again without `after`")
    return key, slug


class ArtifactRepository:
    def __init__(self, graph: Graph):
        self.graph = graph

    async def by_slugs(self, slugs: list[str]) -> dict[str, ArtifactRecord]:
        rows = await self.graph.read(BY_SLUGS, slugs=slugs)
        return {row["slug"]: ArtifactRecord.from_node(row["artifact"]) for row in rows}

    async def capabilities(self, slugs: list[str]) -> dict[str, list[CapabilityRecord]]:
        rows = await self.graph.read(CAPABILITIES_BY_ARTIFACT, slugs=slugs)
        return {row["slug"]: [CapabilityRecord.from_node(n) for n in row["capabilities"]] for row in rows}

    async def alternatives(self, slugs: list[str], limit: int = MAX_ALTERNATIVES) -> dict[str, list[AlternativeRecord]]:
        """Per artifact: its alternatives, best first, at most ``limit``."""
        rows = await self.graph.read(
            ALTERNATIVES_BY_ARTIFACT,
            slugs=slugs,
            limit=limit,
            sharedScan=SHARED_SCAN,
            weights=ALTERNATIVE_WEIGHTS,
            caps=ALTERNATIVE_CAPS,
            unclassified=UNCLASSIFIED_URI,
        )
        return {row["slug"]: [AlternativeRecord.from_row(m) for m in row["alternatives"]] for row in rows}

    async def comparison_ids(self, slugs: list[str]) -> dict[str, list[str]]:
        rows = await self.graph.read(COMPARISON_IDS_BY_ARTIFACT, slugs=slugs)
        return {row["slug"]: row["ids"] for row in rows}

    async def claims(self, slugs: list[str]) -> dict[str, list[ClaimRecord]]:
        rows = await self.graph.read(CLAIMS_BY_ARTIFACT, slugs=slugs)
        return {row["slug"]: [ClaimRecord.from_node(n) for n in row["claims"]] for row in rows}

    async def page(self, first: int, after: str | None, order: ArtifactOrder, where: ArtifactFilter) -> ArtifactPage:
        """One page of the artifact list and the total count, in one round trip (keyset paging)."""
        key_expression, direction = ORDERINGS[order]
        conditions, parameters = self._conditions(where)
        match = "MATCH (a:Artifact)" + (
            "-[:HAS_CAPABILITY]->(:Capability {uri: $capabilityUri})" if where.capability_uri else ""
        )
        filters = (" WHERE " + " AND ".join(conditions)) if conditions else ""
        after_condition = ""
        if after:
            key, slug = decode_cursor(after, order)
            comparison = "<" if direction == "DESC" else ">"
            after_condition = f"WHERE sortKey {comparison} $afterKey OR (sortKey = $afterKey AND a.slug > $afterSlug)"
            parameters.update(afterKey=key, afterSlug=slug)
        query = f"""
        CALL () {{ {match}{filters} RETURN count(DISTINCT a) AS total }}
        CALL () {{
          {match}{filters}
          WITH DISTINCT a
          WITH a, {key_expression} AS sortKey
          {after_condition}
          RETURN a, sortKey ORDER BY sortKey {direction}, a.slug ASC LIMIT $limit
        }}
        RETURN total, collect({{artifact: a {{.*, nameEmbedding: null}}, key: sortKey}}) AS items
        """
        rows = await self.graph.read(query, limit=first + 1, **parameters)
        total = rows[0]["total"] if rows else 0
        items = rows[0]["items"] if rows else []
        has_next = len(items) > first
        items = items[:first]
        artifacts = [ArtifactRecord.from_node(item["artifact"]) for item in items]
        return ArtifactPage(
            artifacts=artifacts,
            cursors=[
                encode_cursor(order, item["key"], artifact.slug)
                for item, artifact in zip(items, artifacts, strict=True)
            ],
            total=total,
            has_next=has_next,
            has_previous=after is not None,
        )

    @staticmethod
    def _conditions(where: ArtifactFilter) -> tuple[list[str], dict]:
        conditions: list[str] = []
        parameters: dict[str, object] = {}
        if where.type is not None:
            conditions.append("a.type = $type")
            parameters["type"] = where.type
        if where.pricing is not None:
            conditions.append("a.pricing = $pricing")
            parameters["pricing"] = where.pricing
        if where.capability_uri is not None:
            parameters["capabilityUri"] = where.capability_uri
        if where.mentioned_only is not None:
            conditions.append("coalesce(a.mentionedOnly, false) = $mentionedOnly")
            parameters["mentionedOnly"] = where.mentioned_only
        return conditions, parameters
