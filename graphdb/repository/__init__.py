"""The repository layer: every Cypher query the API runs, next to the code that owns it.

Resolvers never write Cypher; they call these classes (through per-request DataLoaders), which
answer many keys per round trip. Search reads the graph through its in-process catalog
(embed/catalog.py, Cypher in search.py here) and needs no round trip per request.
"""

from graphdb.repository.artifacts import ArtifactFilter, ArtifactPage, ArtifactRepository
from graphdb.repository.capabilities import CapabilityRepository
from graphdb.repository.comparisons import ComparisonRepository

__all__ = [
    "ArtifactFilter",
    "ArtifactPage",
    "ArtifactRepository",
    "CapabilityRepository",
    "ComparisonRepository",
]
