"""The records the read side returns: one frozen dataclass per kind of node, built from a driver row.

Each `from_node` is the one place where a node's properties (camelCase, as the graph stores them;
absent ones missing) become typed Python attributes, with the defaults the API has always shown
(a capability without a class is `capability://unclassified`, a claim no probe judged is
unverified, …). Records are built once per row and never changed. They are frozen, except the
ones a page builds by the hundred (artifacts, capabilities, alternatives: an artifact list of 50
with 20 alternatives each builds 2,000): a frozen dataclass sets each field through
`object.__setattr__`, which makes it about six times slower to build than a plain slotted one, so
those are `slots=True` only and read-only by convention.

Kinds used by several repositories live here; those of one repository live beside it
(comparisons.ComparisonPage, probes.ProbeRecord, vectors.ImageRecord, …).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphdb.vocabulary import UNCLASSIFIED_URI, ClaimStatus


def to_datetime(value: Any) -> datetime | None:
    """A stored time as a timezone-aware `datetime`: Neo4j's DateTime (what `datetime()` writes) or
    an ISO 8601 string (what probe runners write); None when absent or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    to_native = getattr(value, "to_native", None)
    if to_native is not None:
        return to_native()
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def from_json(text: str | None, default: Any = None) -> Any:
    """A JSON blob the graph stores as text, decoded; ``default`` when absent or not JSON."""
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


@dataclass(slots=True)  # read-only by convention (hot: see the module docstring)
class ArtifactRecord:
    slug: str
    name: str  # the slug when the graph has no name
    type: str | None  # the published `Type` cell (vocabulary.ArtifactType.of reads it)
    pricing: str | None  # the published `Pricing` cell (vocabulary.Pricing.of reads it)
    rank: int | None  # latest published UnfragileRank
    capability_count: int | None  # published "N decomposed"
    times_matched: int
    mentioned_only: bool
    computed_rank: float | None  # `matchgraph rank`
    rank_signals: str | None  # JSON text as `matchgraph rank` stored it; decoded only when asked for
    # When it was ranked, as the driver returned it: converting a Neo4j DateTime costs more than
    # building the record, and most pages never ask (`ranked_at` converts it).
    stored_ranked_at: Any

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> ArtifactRecord:
        return cls(*cls.node_values(node))

    @staticmethod
    def node_values(node: Mapping[str, Any]) -> tuple:
        """The record's fields from an artifact node, in declaration order (subclasses add theirs after)."""
        get = node.get
        slug = node["slug"]
        return (
            slug,
            get("name") or slug,
            get("type"),
            get("pricing"),
            get("rank"),
            get("capabilityCount"),
            get("timesMatched") or 0,
            bool(get("mentionedOnly")),
            get("computedRank"),
            get("rankSignals"),
            get("rankedAt"),
        )

    @property
    def ranked_at(self) -> datetime | None:
        return to_datetime(self.stored_ranked_at)


@dataclass(slots=True)  # read-only by convention (hot: see the module docstring)
class CapabilityRecord:
    id: str
    uri: str  # capability://unclassified until the taxonomy classifies it
    name: str  # the taxonomy class's name ("" before classification)
    description: str
    unique: str | None
    vs_alternatives: str | None
    # The artifacts its vs-alternatives text names, by name, when the query brought them along (a
    # compare page does, to save a round trip); None when they must be loaded.
    hydrated_alternatives: list[ArtifactRecord] | None = None

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> CapabilityRecord:
        get = node.get
        hydrated = get("alternatives")
        alternatives = None
        if hydrated is not None:
            if len(hydrated) > 1:
                hydrated = sorted(hydrated, key=_name)
            alternatives = [ArtifactRecord.from_node(n) for n in hydrated]
        return cls(
            node["id"],
            get("uri") or UNCLASSIFIED_URI,
            get("name") or "",
            get("description") or "",
            get("unique"),
            get("vsAlternatives"),
            alternatives,
        )


def _name(node: Mapping[str, Any]) -> str:
    return node.get("name") or ""


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    id: str
    metric: str
    value: float
    value_max: float | None
    unit: str
    qualifier: str | None
    sentence: str
    status: ClaimStatus  # a status outside the set reads as unverified (as claim counts count it)
    subject_slug: str
    measured: float | None
    tolerance: str | None
    status_reason: str | None
    checked_at: datetime | None

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> ClaimRecord:
        get = node.get
        return cls(
            node["id"],
            node["metric"],
            node["value"],
            get("valueMax"),
            get("unit") or "",
            get("qualifier"),
            get("sentence") or "",
            claim_status(get("status")),
            get("subjectSlug") or "",
            get("measured"),
            get("tolerance"),
            get("statusReason"),
            to_datetime(get("checkedAt")),
        )


def claim_status(value: str | None) -> ClaimStatus:
    """The stored status; unverified when absent or outside the set."""
    if value is None:
        return ClaimStatus.UNVERIFIED
    try:
        return ClaimStatus(value)
    except ValueError:
        return ClaimStatus.UNVERIFIED
