"""The embedding stage of ingest: text vectors, taxonomy classes and assignment, then the indexes.

Runs after the ingest writer (never inside it: the documents are committed first, so a failure
here loses nothing) from `matchgraph ingest` (unless --no-embed), the `ingestDocuments` mutation,
`matchgraph demo` and `matchgraph index rebuild`. It is incremental: it embeds only

- capabilities without an embedding, with another model's, or embedded before their `Unique:` line
  was known, from `description + " " + unique`;
- artifacts whose name has no embedding or changed since;
- taxonomy classes whose text or model changed (embed/taxonomy.json),

assigns each newly embedded capability to its nearest class, re-assigns all capabilities when the
taxonomy, the threshold or the model changed (from the vectors already in the graph), and finally
brings the vector indexes up to date. A second run finds nothing to do and loads no model. Each
write of a capability's class bumps the graph's data version with it (graphdb/data_version.py), so
the search catalog of every process, not only this one's, shows the new class names.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embed.image_store import embed_pending_images
from embed.taxonomy import (
    TAXONOMY_PATH,
    UNCLASSIFIED_URI,
    Assigner,
    assigner_from_graph,
    classification_key,
    load_taxonomy,
    sync_classes,
)
from embed.text_embedder import TextEmbedder
from embed.vectors import VectorService, text_model_name

log = logging.getLogger("matchgraph.embed")

BATCH = 64  # texts per encode call and per write transaction
ASSIGN_PAGE = 2000

# progress(phase, done, total): phase is "capabilities", "artifacts", "classes", "assignment" or "images"
Progress = Callable[[str, int, int], None]


@dataclass
class EmbeddingReport:
    capabilities: int = 0  # embedded in this run
    artifacts: int = 0
    classes: int = 0
    assigned: int = 0  # capabilities given a class in this run (new ones and re-assignments)
    unclassified: int = 0  # capabilities in the graph assigned to capability://unclassified
    images: int = 0  # images embedded in this run
    images_pending: int = 0  # stored images still without a vector (no ViT weights configured, say)
    images_problem: str | None = None  # why pending images could not be embedded
    indexes: list[str] = field(default_factory=list)  # indexes rebuilt or updated
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_json(self) -> dict:
        return {
            "capabilities": self.capabilities,
            "artifacts": self.artifacts,
            "classes": self.classes,
            "assigned": self.assigned,
            "unclassified": self.unclassified,
            "images": self.images,
            "imagesPending": self.images_pending,
            "imagesProblem": self.images_problem,
            "indexes": self.indexes,
            "seconds": round(self.seconds, 2),
            "error": self.error,
        }

    def summary(self) -> str:
        if self.error:
            return f"embedding failed: {self.error}"
        parts = [f"embedded {self.capabilities} capabilities, {self.artifacts} artifact names"]
        if self.classes:
            parts.append(f"{self.classes} taxonomy classes")
        if self.images:
            parts.append(f"{self.images} images")
        line = (
            ", ".join(parts) + f"; {self.assigned} assigned to classes ({self.unclassified} unclassified in the graph)"
        )
        if self.indexes:
            line += f"; indexes updated: {', '.join(self.indexes)}"
        if self.images_pending:
            line += f"; {self.images_pending} images not searchable yet"
            if self.images_problem:
                line += f" ({self.images_problem})"
        return line + f" ({self.seconds:.1f}s)"


def _capability_text(row: dict) -> str:
    unique = (row.get("unique") or "").strip()
    return f"{row['description']} {unique}" if unique else row["description"]


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EmbeddingStage:
    """One run of the stage on a sync driver. `run()` never raises: the report carries the error."""

    def __init__(
        self,
        settings,
        driver,
        database: str | None = None,
        vectors: VectorService | None = None,
        progress: Progress | None = None,
        update_indexes: bool = True,
        embed_images: bool = False,
        taxonomy_path: Path | None = None,
    ):
        self.settings = settings
        self.database = database or settings.neo4j_database
        self.vectors = vectors or VectorService(settings, driver, self.database)
        self.repository = self.vectors.repository
        self.progress = progress or (lambda phase, done, total: None)
        self.update_indexes = update_indexes
        self.embed_images = embed_images
        self.taxonomy_path = taxonomy_path or TAXONOMY_PATH
        self.model = text_model_name()
        self._embedder: TextEmbedder | None = None

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._embedder is None:
            self._embedder = self.vectors.text_embedder()  # loaded only when there is something to embed
        return self._embedder.encode(texts, batch_size=BATCH)

    def run(self) -> EmbeddingReport:
        report = EmbeddingReport()
        started = time.perf_counter()
        try:
            self._run(report)
        except Exception as error:
            log.exception("embedding stage failed")
            report.error = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        report.seconds = time.perf_counter() - started
        return report

    def _run(self, report: EmbeddingReport) -> None:
        taxonomy = load_taxonomy(self.taxonomy_path)
        threshold = self.settings.taxonomy_threshold
        key = classification_key(taxonomy, threshold, self.model)

        report.classes = sync_classes(self.repository, taxonomy, self.model, self._encode)
        if report.classes:
            self.progress("classes", report.classes, report.classes)
        assigner = assigner_from_graph(self.repository, self.model, threshold)

        pending = self.repository.pending_capabilities(self.model)
        for batch in _batches(pending, BATCH):
            vectors = self._encode([_capability_text(row) for row in batch])
            rows = [
                {
                    "key": row["key"],
                    "vector": vector.tolist(),
                    "withUnique": bool((row.get("unique") or "").strip()),
                    "uri": uri,
                    "score": score,
                }
                for row, vector, (uri, score) in zip(batch, vectors, assigner.assign(vectors))
            ]
            self.repository.write_capability_embeddings(rows, self.model, key)
            report.capabilities += len(rows)
            report.assigned += len(rows)
            self.progress("capabilities", report.capabilities, len(pending))

        names = self.repository.pending_artifact_names(self.model)
        for batch in _batches(names, BATCH):
            vectors = self._encode([row["name"] for row in batch])
            self.repository.write_artifact_embeddings(
                [
                    {"key": row["key"], "vector": vector.tolist(), "name": row["name"]}
                    for row, vector in zip(batch, vectors)
                ],
                self.model,
            )
            report.artifacts += len(batch)
            self.progress("artifacts", report.artifacts, len(names))

        report.assigned += self._reassign(assigner, key)

        if self.embed_images:
            report.images, report.images_problem = embed_pending_images(self.vectors, progress=self.progress)
        report.images_pending = self.repository.unembedded_images()
        report.unclassified = self.repository.assignment_summary()["unclassified"]
        if self.update_indexes:
            report.indexes = self.vectors.ensure_fresh(force=True)

    def _reassign(self, assigner: Assigner, key: str) -> int:
        """Capabilities classified under another taxonomy, threshold or model, from their stored vectors."""
        done = 0
        while True:
            rows = self.repository.unassigned_capabilities(self.model, key, ASSIGN_PAGE)
            if not rows:
                return done
            vectors = np.array([row["vector"] for row in rows], dtype=np.float32)
            self.repository.write_assignments(
                [
                    {"key": row["key"], "uri": uri, "score": score}
                    for row, (uri, score) in zip(rows, assigner.assign(vectors))
                ],
                key,
            )
            done += len(rows)
            self.progress("assignment", done, done)


def run_embedding_stage(settings, driver, **options) -> EmbeddingReport:
    """Runs the stage once; see EmbeddingStage for the options."""
    return EmbeddingStage(settings, driver, **options).run()


__all__ = ["UNCLASSIFIED_URI", "EmbeddingReport", "EmbeddingStage", "Progress", "run_embedding_stage"]
