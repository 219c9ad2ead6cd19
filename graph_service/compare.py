"""What a compare page shows: a published page turned to follow the caller's order, or, when no
page compares the two, what the graph knows about both.

Repository records in, a `ComparisonView` out; no Cypher and no GraphQL here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphdb.repository.comparisons import ComparisonPage, Feature, GraphComparison
from graphdb.repository.records import ArtifactRecord, CapabilityRecord
from ingest.records import CapabilityBlock, ComparisonRecord, Side, TableRow, Verdict

# Unclassified capabilities share nothing: the taxonomy's catch-all class (capability://unclassified)
# and any area's own catch-all.
UNCLASSIFIED_SUFFIX = "/unclassified"


@dataclass(slots=True)
class ComparisonView:
    title: str
    a: ArtifactRecord
    b: ArtifactRecord
    features: tuple[Feature, ...]
    rank_a: int | None
    rank_b: int | None
    capabilities_a: tuple[CapabilityRecord, ...]
    capabilities_b: tuple[CapabilityRecord, ...]
    more_a: int
    more_b: int
    verdict: str | None
    winner: ArtifactRecord | None
    warnings: tuple[str, ...]
    partial: bool
    published: bool
    swapped: bool
    subtitle: str | None = None
    shared: tuple[CapabilityRecord, ...] = field(default_factory=tuple)
    document_id: str | None = None


def from_page(page: ComparisonPage, first_slug: str | None = None) -> ComparisonView:
    """A hydrated page, sides swapped when ``first_slug`` is its B."""
    swapped = first_slug is not None and page.a_slug != first_slug and page.b_slug == first_slug
    view = ComparisonView(
        title=page.title,
        a=page.a,
        b=page.b,
        features=page.features,
        rank_a=page.rank_a,
        rank_b=page.rank_b,
        capabilities_a=page.shown_a,
        capabilities_b=page.shown_b,
        more_a=page.more_a,
        more_b=page.more_b,
        verdict=page.verdict,
        winner=page.winner,
        warnings=page.warnings,
        partial=page.partial,
        published=True,
        swapped=False,
        subtitle=page.subtitle,
        shared=_shared(page.shown_a, page.shown_b),
        document_id=page.document_id,
    )
    return swap(view) if swapped else view


def swap(view: ComparisonView) -> ComparisonView:
    """The same page with A and B exchanged everywhere the sides show (title, table, ranks, …)."""
    return ComparisonView(
        title=f"{view.b.name} vs {view.a.name}",
        a=view.b,
        b=view.a,
        features=tuple((feature, b, a) for feature, a, b in view.features),
        rank_a=view.rank_b,
        rank_b=view.rank_a,
        capabilities_a=view.capabilities_b,
        capabilities_b=view.capabilities_a,
        more_a=view.more_b,
        more_b=view.more_a,
        verdict=view.verdict,
        winner=view.winner,
        warnings=view.warnings,
        partial=view.partial,
        published=view.published,
        swapped=not view.swapped,
        subtitle=view.subtitle,
        shared=view.shared,
        document_id=view.document_id,
    )


def from_graph(found: GraphComparison) -> ComparisonView:
    """No published page: both artifacts, their capabilities, and what they share; no table."""
    a, b = found.a, found.b
    return ComparisonView(
        title=f"{a.name} vs {b.name}",
        a=a,
        b=b,
        features=(),
        rank_a=a.rank,
        rank_b=b.rank,
        capabilities_a=found.capabilities_a,
        capabilities_b=found.capabilities_b,
        more_a=0,
        more_b=0,
        verdict=None,
        winner=None,
        warnings=(),
        partial=False,
        published=False,
        swapped=False,
        shared=_shared(found.capabilities_a, found.capabilities_b),
    )


def _shared(left: tuple[CapabilityRecord, ...], right: tuple[CapabilityRecord, ...]) -> tuple[CapabilityRecord, ...]:
    """Capabilities on both sides: the same capability, or the same (classified) taxonomy class."""
    right_ids = {c.id for c in right}
    right_uris = {c.uri for c in right if not c.uri.endswith(UNCLASSIFIED_SUFFIX)}
    return tuple(c for c in left if c.id in right_ids or c.uri in right_uris)


def as_record(view: ComparisonView) -> ComparisonRecord:
    """The view as a typed record, to render it back as a document (Comparison.markdown)."""

    def side(artifact: ArtifactRecord, capabilities: tuple[CapabilityRecord, ...], more: int) -> Side:
        blocks = tuple(CapabilityBlock(c.description, c.unique, c.vs_alternatives) for c in capabilities)
        return Side(name=artifact.name, capabilities=blocks, more=more, header_present=True)

    verdict = Verdict(text=view.verdict, winner=view.winner.name if view.winner else None) if view.verdict else None
    return ComparisonRecord(
        title=view.title,
        a=side(view.a, view.capabilities_a, view.more_a),
        b=side(view.b, view.capabilities_b, view.more_b),
        subtitle=view.subtitle,
        table=tuple(TableRow(feature, a, b) for feature, a, b in view.features),
        verdict=verdict,
        partial=view.partial,
        warnings=tuple(view.warnings),
    )
