"""What a compare page shows: a published page turned to follow the caller's order, or, when no
page compares the two, what the graph knows about both.

Plain dicts in, a `ComparisonView` out; no Cypher and no GraphQL here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ingest.records import CapabilityBlock, ComparisonRecord, Side, TableRow, Verdict


@dataclass
class ComparisonView:
    title: str
    a: dict
    b: dict
    features: list[tuple[str, str | None, str | None]]
    rank_a: int | None
    rank_b: int | None
    capabilities_a: list[dict]
    capabilities_b: list[dict]
    more_a: int
    more_b: int
    verdict: str | None
    winner: dict | None
    warnings: list[str]
    partial: bool
    published: bool
    swapped: bool
    subtitle: str | None = None
    shared: list[dict] = field(default_factory=list)
    document_id: str | None = None


def from_page(page: dict, first_slug: str | None = None) -> ComparisonView:
    """A hydrated page (see repository.comparisons), sides swapped when ``first_slug`` is its B."""
    comparison = page["comparison"]
    swapped = first_slug is not None and comparison["aSlug"] != first_slug and comparison["bSlug"] == first_slug
    features = [tuple(row) for row in json.loads(comparison.get("features") or "[]")]
    view = ComparisonView(
        title=comparison["title"],
        a=page["a"],
        b=page["b"],
        features=features,
        rank_a=comparison.get("rankA"),
        rank_b=comparison.get("rankB"),
        capabilities_a=page["shownA"],
        capabilities_b=page["shownB"],
        more_a=comparison.get("moreA") or 0,
        more_b=comparison.get("moreB") or 0,
        verdict=comparison.get("verdict"),
        winner=page.get("winner"),
        warnings=list(comparison.get("warnings") or []),
        partial=bool(comparison.get("partial")),
        published=True,
        swapped=False,
        subtitle=comparison.get("subtitle"),
        shared=_shared(page["shownA"], page["shownB"]),
        document_id=comparison.get("documentId"),
    )
    return swap(view) if swapped else view


def swap(view: ComparisonView) -> ComparisonView:
    """The same page with A and B exchanged everywhere the sides show (title, table, ranks, …)."""
    return ComparisonView(
        title=f"{view.b['name']} vs {view.a['name']}",
        a=view.b,
        b=view.a,
        features=[(feature, b, a) for feature, a, b in view.features],
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


def from_graph(found: dict) -> ComparisonView:
    """No published page: both artifacts, their capabilities, and what they share; no table."""
    a, b = found["a"], found["b"]
    return ComparisonView(
        title=f"{a['name']} vs {b['name']}",
        a=a,
        b=b,
        features=[],
        rank_a=a.get("rank"),
        rank_b=b.get("rank"),
        capabilities_a=found["capabilitiesA"],
        capabilities_b=found["capabilitiesB"],
        more_a=0,
        more_b=0,
        verdict=None,
        winner=None,
        warnings=[],
        partial=False,
        published=False,
        swapped=False,
        shared=_shared(found["capabilitiesA"], found["capabilitiesB"]),
    )


def _shared(left: list[dict], right: list[dict]) -> list[dict]:
    """Capabilities on both sides: the same capability, or the same (classified) taxonomy class."""
    right_ids = {c["id"] for c in right}
    right_uris = {c.get("uri") for c in right if c.get("uri") and not c["uri"].endswith("/unclassified")}
    return [c for c in left if c["id"] in right_ids or c.get("uri") in right_uris]


def as_record(view: ComparisonView) -> ComparisonRecord:
    """The view as a typed record, to render it back as a document (Comparison.markdown)."""

    def side(artifact: dict, capabilities: list[dict], more: int) -> Side:
        blocks = tuple(
            CapabilityBlock(c["description"], c.get("unique"), c.get("vsAlternatives")) for c in capabilities
        )
        return Side(name=artifact["name"], capabilities=blocks, more=more, header_present=True)

    verdict = Verdict(text=view.verdict, winner=view.winner["name"] if view.winner else None) if view.verdict else None
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
