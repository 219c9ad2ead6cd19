"""The repository layer: every Cypher query the API runs, next to the code that owns it.

Resolvers never write Cypher; they call these classes (through per-request DataLoaders), which
answer many keys per round trip.
"""

from .artifacts import ArtifactFilter, ArtifactPage, ArtifactRepository
from .capabilities import CapabilityRepository
from .comparisons import ComparisonRepository
from .search import SearchRepository

__all__ = [
    "ArtifactFilter", "ArtifactPage", "ArtifactRepository", "CapabilityRepository",
    "ComparisonRepository", "SearchRepository",
]
