"""The Cypher of the vector side: embeddings, taxonomy classes and assignment, images.

Used by the embedding stage (embed/stage.py), the taxonomy (embed/taxonomy.py), the vector
service (embed/vectors.py) and images (embed/image_store.py), all on a sync driver; `ImageRepository`
is the API's (async) reader of `Artifact.images`. Every query is parameterised; writes are `UNWIND`
batches.

What the stage writes (docs/graph-model.md):
    (:Capability {embedding, embeddingModel, embeddedAt, embeddedWithUnique,
                  uri, name, classScore, classifiedWith, classifiedAt})-[:INSTANCE_OF {score}]->(:CapabilityClass)
    (:Artifact {nameEmbedding, nameEmbeddingModel, nameEmbeddedAt, nameEmbeddedFrom})
    (:CapabilityClass {uri, name, area, description, examples, checksum, embedding, embeddingModel})
    (:Image {id, sha256, kind, path, mediaType, width, height, addedAt, embedding, embeddingModel, embeddedAt})-[:DEPICTS]->(:Artifact)
`embeddedWithUnique` and `nameEmbeddedFrom` record what was embedded, so a capability whose `Unique:`
line arrives later (a truncated page first) or an artifact renamed by a later page is embedded again.

The writes of what the search catalog reads (a capability's class, uri and name; which artifacts an
image depicts) bump the graph's data version in their transaction (graphdb/data_version.py); the
vectors themselves are followed by the FAISS indexes' own fingerprints (FINGERPRINTS below), and
taxonomy classes reach the catalog only through the capabilities assigned to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphdb.data_version import CONTENT, write_and_bump
from graphdb.driver import Graph, SyncGraph
from graphdb.vocabulary import UNCLASSIFIED_URI

# -- capabilities and artifact names ------------------------------------------------------------------
PENDING_CAPABILITIES = """
MATCH (k:Capability)
WHERE k.embedding IS NULL OR k.embeddingModel IS NULL OR k.embeddingModel <> $model
   OR (k.unique IS NOT NULL AND coalesce(k.embeddedWithUnique, false) = false)
RETURN k.id AS key, k.description AS description, k.unique AS unique
ORDER BY key
"""

# The vector and the class in one write: a capability is never left embedded but unassigned by the stage.
WRITE_CAPABILITY_EMBEDDINGS = """
UNWIND $rows AS row
MATCH (k:Capability {id: row.key})
SET k.embedding = row.vector, k.embeddingModel = $model, k.embeddedAt = datetime(),
    k.embeddedWithUnique = row.withUnique
WITH k, row
CALL (k, row) {
  OPTIONAL MATCH (k)-[old:INSTANCE_OF]->()
  DELETE old
}
MATCH (c:CapabilityClass {uri: row.uri})
SET k.uri = c.uri, k.name = c.name, k.classScore = row.score, k.classifiedWith = $classifiedWith,
    k.classifiedAt = datetime()
MERGE (k)-[r:INSTANCE_OF]->(c)
SET r.score = row.score
"""

PENDING_ARTIFACT_NAMES = """
MATCH (a:Artifact)
WHERE a.name IS NOT NULL
  AND (a.nameEmbedding IS NULL OR a.nameEmbeddingModel IS NULL OR a.nameEmbeddingModel <> $model
       OR a.nameEmbeddedFrom IS NULL OR a.nameEmbeddedFrom <> a.name)
RETURN a.slug AS key, a.name AS name
ORDER BY key
"""

WRITE_ARTIFACT_EMBEDDINGS = """
UNWIND $rows AS row
MATCH (a:Artifact {slug: row.key})
SET a.nameEmbedding = row.vector, a.nameEmbeddingModel = $model, a.nameEmbeddedAt = datetime(),
    a.nameEmbeddedFrom = row.name
"""

# -- taxonomy -------------------------------------------------------------------------------------------
CLASS_STATE = """
MATCH (c:CapabilityClass)
RETURN c.uri AS uri, c.checksum AS checksum, c.embeddingModel AS model, c.embedding IS NOT NULL AS embedded
"""

WRITE_CLASSES = """
UNWIND $rows AS row
MERGE (c:CapabilityClass {uri: row.uri})
SET c.name = row.name, c.area = row.area, c.description = row.description, c.examples = row.examples,
    c.checksum = row.checksum, c.embedding = row.vector, c.embeddingModel = $model
"""

# A class dropped from taxonomy.json goes, with its INSTANCE_OF edges; its capabilities are re-assigned.
DELETE_OTHER_CLASSES = """
MATCH (c:CapabilityClass)
WHERE NOT c.uri IN $uris
DETACH DELETE c
"""

CLASS_VECTORS = """
MATCH (c:CapabilityClass)
WHERE c.embedding IS NOT NULL AND c.embeddingModel = $model
RETURN c.uri AS uri, c.embedding AS vector
ORDER BY uri
"""

# Embedded capabilities classified under another taxonomy, threshold or model (or never), a page at a time.
UNASSIGNED_CAPABILITIES = """
MATCH (k:Capability)
WHERE k.embedding IS NOT NULL AND k.embeddingModel = $model
  AND (k.classifiedWith IS NULL OR k.classifiedWith <> $classifiedWith)
RETURN k.id AS key, k.embedding AS vector
ORDER BY key
LIMIT $limit
"""

WRITE_ASSIGNMENTS = """
UNWIND $rows AS row
MATCH (k:Capability {id: row.key}), (c:CapabilityClass {uri: row.uri})
CALL (k) {
  OPTIONAL MATCH (k)-[old:INSTANCE_OF]->()
  DELETE old
}
SET k.uri = c.uri, k.name = c.name, k.classScore = row.score, k.classifiedWith = $classifiedWith,
    k.classifiedAt = datetime()
MERGE (k)-[r:INSTANCE_OF]->(c)
SET r.score = row.score
"""

ASSIGNMENT_SUMMARY = """
MATCH (k:Capability)
RETURN count(k) AS capabilities,
       count(k.classifiedWith) AS classified,
       count(CASE WHEN k.classifiedWith IS NOT NULL AND k.uri = $unclassified THEN 1 END) AS unclassified
"""

# -- the vector indexes' view of the graph --------------------------------------------------------------
# One cheap query (range indexes on the timestamps, schema/004_vectors.cypher): per kind, how many
# vectors and when the newest was written. Any add, re-embedding or delete changes one of the two.
FINGERPRINTS = """
CALL () {
  MATCH (k:Capability) WHERE k.embeddedAt IS NOT NULL
  RETURN count(k) AS capabilities, toString(max(k.embeddedAt)) AS capabilitiesAt
}
CALL () {
  MATCH (a:Artifact) WHERE a.nameEmbeddedAt IS NOT NULL
  RETURN count(a) AS artifacts, toString(max(a.nameEmbeddedAt)) AS artifactsAt
}
CALL () {
  MATCH (i:Image) WHERE i.embeddedAt IS NOT NULL
  RETURN count(i) AS images, toString(max(i.embeddedAt)) AS imagesAt
}
RETURN capabilities, capabilitiesAt, artifacts, artifactsAt, images, imagesAt
"""

# Per index: its nodes' key, vector, model and timestamp, a page at a time in key order; `since`
# restricts to vectors written after a time (incremental updates).
VECTOR_PAGES = {
    "capabilities": """
        MATCH (k:Capability)
        WHERE k.embeddedAt IS NOT NULL AND k.id > $after
          AND ($since IS NULL OR k.embeddedAt > datetime($since))
        RETURN k.id AS key, k.embedding AS vector, k.embeddingModel AS model, toString(k.embeddedAt) AS at
        ORDER BY key LIMIT $limit
    """,
    "artifacts": """
        MATCH (a:Artifact)
        WHERE a.nameEmbeddedAt IS NOT NULL AND a.slug > $after
          AND ($since IS NULL OR a.nameEmbeddedAt > datetime($since))
        RETURN a.slug AS key, a.nameEmbedding AS vector, a.nameEmbeddingModel AS model,
               toString(a.nameEmbeddedAt) AS at
        ORDER BY key LIMIT $limit
    """,
    "images": """
        MATCH (i:Image)
        WHERE i.embeddedAt IS NOT NULL AND i.id > $after
          AND ($since IS NULL OR i.embeddedAt > datetime($since))
        RETURN i.id AS key, i.embedding AS vector, i.embeddingModel AS model, toString(i.embeddedAt) AS at
        ORDER BY key LIMIT $limit
    """,
}

# -- images -----------------------------------------------------------------------------------------------
FIND_ARTIFACT = "MATCH (a:Artifact {slug: $slug}) RETURN a.slug AS slug, a.name AS name"

ATTACH_IMAGE = """
MATCH (a:Artifact {slug: $slug})
MERGE (i:Image {id: $image.id})
ON CREATE SET i.sha256 = $image.sha256, i.kind = $image.kind, i.path = $image.path,
              i.mediaType = $image.mediaType, i.width = $image.width, i.height = $image.height,
              i.addedAt = datetime()
MERGE (i)-[:DEPICTS]->(a)
RETURN i.id AS id, i.embedding IS NOT NULL AS embedded
"""

PENDING_IMAGES = """
MATCH (i:Image)
WHERE i.embedding IS NULL OR i.embeddingModel IS NULL OR i.embeddingModel <> $model
RETURN i.id AS key, i.path AS path
ORDER BY key
"""

COUNT_UNEMBEDDED_IMAGES = "MATCH (i:Image) WHERE i.embedding IS NULL RETURN count(i) AS n"

WRITE_IMAGE_EMBEDDINGS = """
UNWIND $rows AS row
MATCH (i:Image {id: row.key})
SET i.embedding = row.vector, i.embeddingModel = $model, i.embeddedAt = datetime()
"""

IMAGES_OF_ARTIFACTS = """
UNWIND $slugs AS slug
MATCH (:Artifact {slug: slug})<-[:DEPICTS]-(i:Image)
WITH slug, i ORDER BY i.addedAt, i.id
RETURN slug, collect(i {.id, .kind, .sha256, .path, .mediaType, .width, .height,
                        searchable: i.embedding IS NOT NULL}) AS images
"""


@dataclass(frozen=True)
class Fingerprint:
    """What the graph holds for one index: how many vectors and when the newest was written."""

    count: int
    newest: str | None

    def __str__(self) -> str:
        return f"{self.count}@{self.newest or '-'}"


class VectorRepository:
    """The sync side: the stage, the taxonomy, the vector service and images."""

    def __init__(self, driver, database: str = "neo4j"):
        self.graph = SyncGraph(driver, database)

    # capabilities and names
    def pending_capabilities(self, model: str) -> list[dict]:
        return self.graph.read(PENDING_CAPABILITIES, model=model)

    def write_capability_embeddings(self, rows: list[dict], model: str, classified_with: str) -> None:
        """rows: {key, vector, withUnique, uri, score}; the capabilities' class changes what search shows."""
        write_and_bump(
            self.graph,
            WRITE_CAPABILITY_EMBEDDINGS,
            CONTENT,
            [row["key"] for row in rows],
            rows=rows,
            model=model,
            classifiedWith=classified_with,
        )

    def pending_artifact_names(self, model: str) -> list[dict]:
        return self.graph.read(PENDING_ARTIFACT_NAMES, model=model)

    def write_artifact_embeddings(self, rows: list[dict], model: str) -> None:
        """rows: {key, vector, name}."""
        self.graph.write(WRITE_ARTIFACT_EMBEDDINGS, rows=rows, model=model)

    # taxonomy
    def class_state(self) -> dict[str, dict]:
        return {row["uri"]: row for row in self.graph.read(CLASS_STATE)}

    def write_classes(self, rows: list[dict], model: str) -> None:
        """rows: {uri, name, area, description, examples, checksum, vector}; other classes are deleted."""
        self.graph.write(WRITE_CLASSES, rows=rows, model=model)
        self.graph.write(DELETE_OTHER_CLASSES, uris=[row["uri"] for row in rows])

    def class_vectors(self, model: str) -> list[dict]:
        return self.graph.read(CLASS_VECTORS, model=model)

    def unassigned_capabilities(self, model: str, classified_with: str, limit: int) -> list[dict]:
        return self.graph.read(UNASSIGNED_CAPABILITIES, model=model, classifiedWith=classified_with, limit=limit)

    def write_assignments(self, rows: list[dict], classified_with: str) -> None:
        """rows: {key, uri, score}; the capabilities' class changes what search shows."""
        write_and_bump(
            self.graph,
            WRITE_ASSIGNMENTS,
            CONTENT,
            [row["key"] for row in rows],
            rows=rows,
            classifiedWith=classified_with,
        )

    def assignment_summary(self) -> dict:
        return self.graph.read(ASSIGNMENT_SUMMARY, unclassified=UNCLASSIFIED_URI)[0]

    # indexes
    def fingerprints(self) -> dict[str, Fingerprint]:
        row = self.graph.read(FINGERPRINTS)[0]
        return {name: Fingerprint(row[name], row[f"{name}At"]) for name in ("capabilities", "artifacts", "images")}

    def vectors(self, name: str, since: str | None = None, page: int = 5000) -> list[dict]:
        """Every vector of one index (key order), or those written after ``since``."""
        rows: list[dict] = []
        after = ""
        while True:
            batch = self.graph.read(VECTOR_PAGES[name], after=after, since=since, limit=page)
            rows += batch
            if len(batch) < page:
                return rows
            after = batch[-1]["key"]

    # images
    def find_artifact(self, slug: str) -> dict | None:
        rows = self.graph.read(FIND_ARTIFACT, slug=slug)
        return rows[0] if rows else None

    def attach_image(self, slug: str, image: dict) -> dict | None:
        rows = write_and_bump(self.graph, ATTACH_IMAGE, CONTENT, slug=slug, image=image)  # what it depicts
        return rows[0] if rows else None

    def pending_images(self, model: str) -> list[dict]:
        return self.graph.read(PENDING_IMAGES, model=model)

    def unembedded_images(self) -> int:
        return self.graph.read(COUNT_UNEMBEDDED_IMAGES)[0]["n"]

    def write_image_embeddings(self, rows: list[dict], model: str) -> None:
        """rows: {key, vector}."""
        self.graph.write(WRITE_IMAGE_EMBEDDINGS, rows=rows, model=model)


@dataclass(frozen=True, slots=True)
class ImageRecord:
    """An (:Image) of an artifact as the API reads it."""

    id: str
    kind: str  # vocabulary.ImageKind for every image matchgraph attached
    media_type: str
    width: int
    height: int
    sha256: str
    path: str  # relative to the server's data folder
    searchable: bool  # embedded for image search

    @classmethod
    def from_node(cls, node: dict) -> ImageRecord:
        return cls(
            node["id"],
            node["kind"],
            node["mediaType"],
            node["width"],
            node["height"],
            node["sha256"],
            node["path"],
            bool(node.get("searchable")),
        )


class ImageRepository:
    """The API's reader: images of many artifacts in one round trip (behind a DataLoader)."""

    def __init__(self, graph: Graph):
        self.graph = graph

    async def of_artifacts(self, slugs: list[str]) -> dict[str, list[ImageRecord]]:
        rows = await self.graph.read(IMAGES_OF_ARTIFACTS, slugs=slugs)
        return {row["slug"]: [ImageRecord.from_node(n) for n in row["images"]] for row in rows}
