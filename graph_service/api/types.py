"""GraphQL types. Each is built from a repository dict; nested fields go through DataLoaders."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from ..compare import ComparisonView, as_record
from ..compare import from_page as view_from_page


def _loaders(info: Info):
    return info.context.loaders


def _bounded(first: int) -> int:
    from ..repository.artifacts import MAX_ALTERNATIVES
    from .errors import InputError

    if not 0 <= first <= MAX_ALTERNATIVES:
        raise InputError(f"`first` must be between 0 and {MAX_ALTERNATIVES} (got {first})")
    return first


@strawberry.enum(description="Why an artifact is an alternative to another.")
class AlternativeReasonKind(Enum):
    NAMED_IN_TEXT = "named"
    COMPARED_ON_PAGE = "compared"
    SHARES_CAPABILITIES = "shared"


@strawberry.enum(description="Orderings of the artifact list; ties break by slug.")
class ArtifactOrder(Enum):
    RANK = "RANK"
    NAME = "NAME"
    TIMES_MATCHED = "TIMES_MATCHED"


@strawberry.type(description="A quantitative statement made in capability text, to be checked by probes.")
class Claim:
    id: strawberry.ID
    metric: str
    value: float
    value_max: float | None
    unit: str
    qualifier: str | None
    sentence: str
    status: str = strawberry.field(description="unverified, verified or refuted")
    subject_slug: strawberry.Private[str]

    @classmethod
    def from_node(cls, node: dict) -> "Claim":
        return cls(id=node["id"], metric=node["metric"], value=node["value"], value_max=node.get("valueMax"),
                   unit=node.get("unit") or "", qualifier=node.get("qualifier"), sentence=node.get("sentence") or "",
                   status=node.get("status") or "unverified", subject_slug=node.get("subjectSlug") or "")

    @strawberry.field(description="The artifact the claim is about.")
    async def subject(self, info: Info) -> Artifact | None:
        node = await _loaders(info).artifact.load(self.subject_slug)
        return Artifact.from_node(node) if node else None


@strawberry.type(description="A capability of an artifact, as described on comparison pages.")
class Capability:
    id: strawberry.ID
    uri: str
    name: str
    description: str
    unique: str | None
    vs_alternatives: str | None

    @classmethod
    def from_node(cls, node: dict) -> "Capability":
        return cls(id=node["id"], uri=node.get("uri") or "capability://unclassified",
                   name=node.get("name") or "", description=node.get("description") or "",
                   unique=node.get("unique"), vs_alternatives=node.get("vsAlternatives"))

    @strawberry.field(description="Artifacts named in its vs-alternatives text.")
    async def alternatives(self, info: Info) -> list[Artifact]:
        return [Artifact.from_node(n) for n in await _loaders(info).capability_alternatives.load(self.id)]

    @strawberry.field(description="The artifact that has this capability.")
    async def artifact(self, info: Info) -> Artifact | None:
        node = await _loaders(info).capability_owner.load(self.id)
        return Artifact.from_node(node) if node else None

    @strawberry.field(description="Quantitative claims made in its text.")
    async def claims(self, info: Info) -> list[Claim]:
        return [Claim.from_node(n) for n in await _loaders(info).capability_claims.load(self.id)]


@strawberry.type
class AlternativeReason:
    kind: AlternativeReasonKind
    count: int = strawberry.field(description="How many mentions, pages or shared capabilities back it.")


@strawberry.type(description="An alternative with the reasons for it and a score (higher is better).")
class AlternativeMatch:
    artifact: Artifact
    reasons: list[AlternativeReason]
    score: float


@strawberry.type(description="An AI artifact: a model, repository, API or tool.")
class Artifact:
    slug: str
    name: str
    type: str | None
    pricing: str | None
    rank: int | None = strawberry.field(description="Latest published UnfragileRank, 0..100.")
    capability_count: int | None = strawberry.field(description='Published "N decomposed".')
    times_matched: int
    mentioned_only: bool = strawberry.field(description="Only named in other artifacts' text so far.")

    @classmethod
    def from_node(cls, node: dict) -> "Artifact":
        return cls(slug=node["slug"], name=node.get("name") or node["slug"], type=node.get("type"),
                   pricing=node.get("pricing"), rank=node.get("rank"), capability_count=node.get("capabilityCount"),
                   times_matched=node.get("timesMatched") or 0, mentioned_only=bool(node.get("mentionedOnly")))

    @strawberry.field(description="Known capabilities, de-duplicated.")
    async def capabilities(self, info: Info) -> list[Capability]:
        return [Capability.from_node(n) for n in await _loaders(info).artifact_capabilities.load(self.slug)]

    @strawberry.field(description="Alternatives, best first: named in vs-alternatives text, compared on a page, "
                                  "or sharing capabilities. See alternativeMatches for the reasons.")
    async def alternatives(self, info: Info, first: int = 20) -> list[Artifact]:
        first = _bounded(first)
        matches = await _loaders(info).artifact_alternatives(first).load(self.slug)
        return [Artifact.from_node(m["artifact"]) for m in matches]

    @strawberry.field(description="Alternatives with why each one is, and a score, best first.")
    async def alternative_matches(self, info: Info, first: int = 20) -> list[AlternativeMatch]:
        first = _bounded(first)
        matches = await _loaders(info).artifact_alternatives(first).load(self.slug)
        return [
            AlternativeMatch(
                artifact=Artifact.from_node(m["artifact"]), score=m["score"],
                reasons=[AlternativeReason(kind=AlternativeReasonKind(r["reason"]), count=r["weight"]) for r in m["reasons"]],
            )
            for m in matches
        ]

    @strawberry.field(description="Every published page that compares this artifact, newest first.")
    async def comparisons(self, info: Info) -> list[Comparison]:
        loaders = _loaders(info)
        ids = await loaders.artifact_comparison_ids.load(self.slug)
        # No loader priming here (unlike compare()): it would race with sibling fields of the same
        # page and make the number of round trips depend on timing.
        pages = [page for page in await loaders.comparison.load_many(ids) if page]
        return [Comparison.from_view(view_from_page(page)) for page in pages]

    @strawberry.field(description="Quantitative claims about this artifact.")
    async def claims(self, info: Info) -> list[Claim]:
        return [Claim.from_node(n) for n in await _loaders(info).artifact_claims.load(self.slug)]


@strawberry.type(description="A row of the published table, cells as published.")
class FeatureRow:
    feature: str
    a: str | None
    b: str | None


@strawberry.type(description="An 'A vs B' comparison: a published page, or what the graph knows when none exists.")
class Comparison:
    title: str
    a: Artifact
    b: Artifact
    features: list[FeatureRow] = strawberry.field(description="The published table, in its order, broken rows mended.")
    rank_a: int | None
    rank_b: int | None
    capabilities_a: list[Capability] = strawberry.field(description="A's capabilities as shown, in page order.")
    capabilities_b: list[Capability]
    more_a: int
    more_b: int
    verdict: str | None
    winner: Artifact | None
    warnings: list[str] = strawberry.field(description="Verdict/table disagreements and other parser flags.")
    partial: bool = strawberry.field(description="The page was truncated; it shows what it still proves.")
    published: bool = strawberry.field(description="False when no page compares the two and this is the graph's view.")
    swapped: bool = strawberry.field(description="The page was published as 'b vs a'; sides follow the arguments.")
    shared_capabilities: list[Capability] = strawberry.field(description="Capabilities both sides have.")
    view: strawberry.Private[ComparisonView]

    @classmethod
    def from_view(cls, view: ComparisonView) -> "Comparison":
        return cls(
            title=view.title, a=Artifact.from_node(view.a), b=Artifact.from_node(view.b),
            features=[FeatureRow(feature=f, a=a, b=b) for f, a, b in view.features],
            rank_a=view.rank_a, rank_b=view.rank_b,
            capabilities_a=[Capability.from_node(c) for c in view.capabilities_a],
            capabilities_b=[Capability.from_node(c) for c in view.capabilities_b],
            more_a=view.more_a, more_b=view.more_b, verdict=view.verdict,
            winner=Artifact.from_node(view.winner) if view.winner else None,
            warnings=view.warnings, partial=view.partial, published=view.published, swapped=view.swapped,
            shared_capabilities=[Capability.from_node(c) for c in view.shared], view=view,
        )

    @strawberry.field(description="The page rendered back in the documents' own format (parsing it gives the same facts).")
    def markdown(self) -> str:
        from ingest.render import render_markdown

        return render_markdown(as_record(self.view))


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class ArtifactEdge:
    cursor: str
    node: Artifact


@strawberry.type(description="A page of artifacts (Relay connection).")
class ArtifactConnection:
    edges: list[ArtifactEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A search result: the artifact, its score and the capabilities that matched.")
class SearchHit:
    artifact: Artifact
    score: float
    capability_ids: strawberry.Private[list[str]]

    @strawberry.field(description="The artifact's capabilities that matched the query.")
    async def matched_capabilities(self, info: Info) -> list[Capability]:
        nodes = await _loaders(info).capability.load_many(self.capability_ids)
        return [Capability.from_node(n) for n in nodes if n]


@strawberry.input(description="A document to ingest: a name for reports, and its text.")
class DocumentInput:
    name: str
    content: str


@strawberry.type
class RejectedDocument:
    path: str
    reason: str


@strawberry.type(description="What happened to each document, as `matchgraph ingest --json` reports it.")
class IngestReport:
    read: int
    ingested: int
    unchanged: int
    rejected: list[RejectedDocument]
    partial: list[str]
