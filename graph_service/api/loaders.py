"""Per-request DataLoaders: every nested field is fetched for all parents in one round trip."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from strawberry.dataloader import DataLoader

from ..db import Graph
from ..repository import ArtifactRepository, CapabilityRepository, ComparisonRepository, SearchRepository
from ..repository.probes import ProbeRepository


def _loader(fetch: Callable[[list[str]], Awaitable[dict]], default=None) -> DataLoader:
    """A DataLoader over a repository method that answers {key: value} for many keys at once."""

    async def load(keys: list[str]):
        found = await fetch(list(keys))
        return [found.get(key, default() if callable(default) else default) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, graph: Graph):
        self.artifacts = ArtifactRepository(graph)
        self.capabilities = CapabilityRepository(graph)
        self.comparisons = ComparisonRepository(graph)
        self.search = SearchRepository(graph)

        self.artifact = _loader(self.artifacts.by_slugs)
        self.artifact_capabilities = _loader(self.artifacts.capabilities, list)
        self._alternatives_by_first: dict[int, DataLoader] = {}
        self.artifact_comparison_ids = _loader(self.artifacts.comparison_ids, list)
        self.artifact_claims = _loader(self.artifacts.claims, list)
        self.capability = _loader(self.capabilities.by_ids)
        self.capability_alternatives = _loader(self.capabilities.alternatives, list)
        self.capability_claims = _loader(self.capabilities.claims, list)
        self.capability_owner = _loader(self.capabilities.owners)
        self.comparison = _loader(self.comparisons.by_ids)
        # probes (graph_service/repository/probes.py)
        self.probes = ProbeRepository(graph)
        self.artifact_probes = _loader(self.probes.probes_by_artifact, list)
        self.artifact_claim_counts = _loader(self.probes.claim_counts,
                                             lambda: {"verified": 0, "refuted": 0, "unverified": 0})
        self.probe = _loader(self.probes.probes_by_ids)

    def artifact_alternatives(self, first: int) -> DataLoader:
        """Alternatives of many artifacts in one query, fetching only the `first` best of each."""
        if first not in self._alternatives_by_first:
            self._alternatives_by_first[first] = _loader(
                lambda slugs: self.artifacts.alternatives(slugs, limit=first), list)
        return self._alternatives_by_first[first]
