"""The capability taxonomy (embed/taxonomy.json) and assigning capabilities to its classes.

Each class is embedded from its name, description and examples (`TaxonomyClass.text`); a
capability goes to the class whose vector is nearest to its own embedding (description + unique)
when the cosine reaches the threshold (MATCHGRAPH_TAXONOMY_THRESHOLD), else to
`capability://unclassified`. The graph gets one (:CapabilityClass) per class and, per capability,
`uri`, `name` (the class name), `classScore` (the cosine to the nearest class) and an
`INSTANCE_OF {score}` edge.

A capability remembers what it was classified with (`classifiedWith`: the taxonomy file's checksum,
the threshold and the model), so editing taxonomy.json or changing the threshold re-assigns every
capability on the next stage run, from the vectors already in the graph.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from graphdb.package_data import package_path
from graphdb.vocabulary import UNCLASSIFIED_URI

TAXONOMY_PATH = package_path("embed", "taxonomy.json")
_URI = re.compile(r"^capability://[a-z0-9-]+(/[a-z0-9-]+)*$")
_FIELDS = {"uri": str, "name": str, "area": str, "description": str, "examples": list}


class TaxonomyError(ValueError):
    """taxonomy.json is unusable; the message names the file and the problem."""


def _checksum(value) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class TaxonomyClass:
    uri: str
    name: str
    area: str
    description: str
    examples: tuple[str, ...]

    @property
    def text(self) -> str:
        """What is embedded for the class: name, description and examples in one passage."""
        return f"{self.name}. {self.description} Examples: {'; '.join(self.examples)}."

    @property
    def checksum(self) -> str:
        return _checksum([self.uri, self.name, self.area, self.description, list(self.examples)])

    def row(self) -> dict:
        return {
            "uri": self.uri,
            "name": self.name,
            "area": self.area,
            "description": self.description,
            "examples": list(self.examples),
            "checksum": self.checksum,
        }


@dataclass(frozen=True)
class Taxonomy:
    classes: tuple[TaxonomyClass, ...]  # the unclassified fallback included
    checksum: str
    path: Path

    @property
    def classified(self) -> tuple[TaxonomyClass, ...]:
        return tuple(c for c in self.classes if c.uri != UNCLASSIFIED_URI)

    @property
    def unclassified(self) -> TaxonomyClass:
        return next(c for c in self.classes if c.uri == UNCLASSIFIED_URI)

    def by_uri(self, uri: str) -> TaxonomyClass:
        return next(c for c in self.classes if c.uri == uri)


def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Reads and validates taxonomy.json; raises TaxonomyError saying what is wrong and where."""
    where = f"taxonomy {path}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise TaxonomyError(f"{where}: cannot read it ({error.strerror or error})") from None
    except ValueError as error:
        raise TaxonomyError(f"{where}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("classes"), list):
        raise TaxonomyError(f"{where}: expected an object with a `classes` list")
    classes: list[TaxonomyClass] = []
    seen: set[str] = set()
    for position, entry in enumerate(data["classes"]):
        label = f"{where}: class #{position + 1}"
        if not isinstance(entry, dict):
            raise TaxonomyError(f"{label} is not an object")
        for field, kind in _FIELDS.items():
            if not isinstance(entry.get(field), kind):
                raise TaxonomyError(f"{label} ({entry.get('uri', '?')}): `{field}` must be a {kind.__name__}")
        uri = entry["uri"]
        if not _URI.fullmatch(uri):
            raise TaxonomyError(f"{label}: uri {uri!r} is not of the form capability://area/name")
        if uri in seen:
            raise TaxonomyError(f"{label}: uri {uri} appears twice")
        if not entry["name"].strip() or not entry["description"].strip():
            raise TaxonomyError(f"{label} ({uri}): empty name or description")
        if not all(isinstance(example, str) and example.strip() for example in entry["examples"]):
            raise TaxonomyError(f"{label} ({uri}): every example must be a non-empty string")
        seen.add(uri)
        classes.append(
            TaxonomyClass(
                uri,
                entry["name"].strip(),
                entry["area"],
                entry["description"].strip(),
                tuple(e.strip() for e in entry["examples"]),
            )
        )
    if UNCLASSIFIED_URI not in seen:
        raise TaxonomyError(f"{where}: the fallback class {UNCLASSIFIED_URI} is missing")
    if len(classes) < 2:
        raise TaxonomyError(f"{where}: no class besides {UNCLASSIFIED_URI}")
    return Taxonomy(tuple(classes), _checksum([c.row() for c in classes]), Path(path))


def classification_key(taxonomy: Taxonomy, threshold: float, model: str) -> str:
    """What a capability was classified with; a change of any part re-assigns it."""
    return f"{taxonomy.checksum}:{threshold:g}:{model}"


class Assigner:
    """Nearest class by cosine, or unclassified below the threshold."""

    def __init__(self, uris: list[str], vectors: np.ndarray, threshold: float):
        keep = [i for i, uri in enumerate(uris) if uri != UNCLASSIFIED_URI]
        if not keep:
            raise TaxonomyError("no class vectors to assign capabilities to")
        self.uris = [uris[i] for i in keep]
        self.vectors = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32)[keep])
        self.threshold = threshold

    @cached_property
    def _transposed(self) -> np.ndarray:
        return np.ascontiguousarray(self.vectors.T)

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine of each row of ``vectors`` to each class (rows are unit vectors)."""
        return np.asarray(vectors, dtype=np.float32) @ self._transposed

    def assign(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        """Per row: (class uri, cosine to the nearest class); the uri is unclassified below the threshold."""
        if len(vectors) == 0:
            return []
        scores = self.scores(vectors)
        best = scores.argmax(axis=1)
        result = []
        for row, column in enumerate(best):
            score = round(float(scores[row, column]), 4)
            result.append((self.uris[column] if score >= self.threshold else UNCLASSIFIED_URI, score))
        return result


def sync_classes(repository, taxonomy: Taxonomy, model: str, embed) -> int:
    """Writes the (:CapabilityClass) nodes, embedding the classes whose text or model changed.

    ``embed`` is called with the texts to embed (it loads the text model only when needed).
    Returns how many classes were embedded (0 when the graph already matches the file).
    """
    state = repository.class_state()
    current = all(
        uri in state
        and state[uri]["checksum"] == c.checksum
        and state[uri]["model"] == model
        and state[uri]["embedded"]
        for uri, c in ((c.uri, c) for c in taxonomy.classes)
    ) and len(state) == len(taxonomy.classes)
    if current:
        return 0
    vectors = embed([c.text for c in taxonomy.classes])
    rows = [{**c.row(), "vector": vector.tolist()} for c, vector in zip(taxonomy.classes, vectors)]
    repository.write_classes(rows, model)
    return len(rows)


def assigner_from_graph(repository, model: str, threshold: float) -> Assigner:
    rows = repository.class_vectors(model)
    return Assigner(
        [row["uri"] for row in rows], np.array([row["vector"] for row in rows], dtype=np.float32), threshold
    )
