"""Per-request DataLoaders: every nested field is fetched for all parents in one round trip."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property

from strawberry.dataloader import DataLoader

from graphdb.driver import Graph
from graphdb.repository import ArtifactRepository, CapabilityRepository, ComparisonRepository
from graphdb.repository.probes import ClaimCounts, ProbeRepository
from graphdb.repository.vectors import ImageRepository


def _loader(fetch: Callable[[list[str]], Awaitable[dict]], default=None) -> DataLoader:
    """A DataLoader over a repository method that answers {key: record} for many keys at once;
    a key it does not answer gets ``default`` (called when it is a factory: `list`, a record class)."""

    async def load(keys: list[str]):
        found = await fetch(list(keys))
        return [found[key] if key in found else (default() if callable(default) else default) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """A request's repositories and DataLoaders, each made on first use: a page touches a few of
    them, and making all of them for every request cost a compare page a tenth of its CPU."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self._alternatives_by_first: dict[int, DataLoader] = {}

    # repositories
    @cached_property
    def artifacts(self) -> ArtifactRepository:
        return ArtifactRepository(self.graph)

    @cached_property
    def capabilities(self) -> CapabilityRepository:
        return CapabilityRepository(self.graph)

    @cached_property
    def comparisons(self) -> ComparisonRepository:
        return ComparisonRepository(self.graph)

    @cached_property
    def probes(self) -> ProbeRepository:  # graphdb/repository/probes.py
        return ProbeRepository(self.graph)

    @cached_property
    def images(self) -> ImageRepository:
        return ImageRepository(self.graph)

    # loaders
    @cached_property
    def artifact(self) -> DataLoader:
        return _loader(self.artifacts.by_slugs)

    @cached_property
    def artifact_capabilities(self) -> DataLoader:
        return _loader(self.artifacts.capabilities, list)

    @cached_property
    def artifact_comparison_ids(self) -> DataLoader:
        return _loader(self.artifacts.comparison_ids, list)

    @cached_property
    def artifact_claims(self) -> DataLoader:
        return _loader(self.artifacts.claims, list)

    @cached_property
    def capability(self) -> DataLoader:
        return _loader(self.capabilities.by_ids)

    @cached_property
    def capability_alternatives(self) -> DataLoader:
        return _loader(self.capabilities.alternatives, list)

    @cached_property
    def capability_claims(self) -> DataLoader:
        return _loader(self.capabilities.claims, list)

    @cached_property
    def capability_owner(self) -> DataLoader:
        return _loader(self.capabilities.owners)

    @cached_property
    def comparison(self) -> DataLoader:
        return _loader(self.comparisons.by_ids)

    @cached_property
    def artifact_probes(self) -> DataLoader:
        return _loader(self.probes.probes_by_artifact, list)

    @cached_property
    def artifact_claim_counts(self) -> DataLoader:
        return _loader(self.probes.claim_counts, ClaimCounts)

    @cached_property
    def probe(self) -> DataLoader:
        return _loader(self.probes.probes_by_ids)

    @cached_property
    def artifact_images(self) -> DataLoader:
        return _loader(self.images.of_artifacts, list)

    def artifact_alternatives(self, first: int) -> DataLoader:
        """Alternatives of many artifacts in one query, fetching only the `first` best of each."""
        if first not in self._alternatives_by_first:
            self._alternatives_by_first[first] = _loader(
                lambda slugs: self.artifacts.alternatives(slugs, limit=first), list
            )
        return self._alternatives_by_first[first]
