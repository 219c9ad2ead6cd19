"""GraphQL types over the repositories' records (graphdb/repository); nested fields go through
DataLoaders. Artifact and Capability are served straight from their records (strawberry reads each
field from the record's attribute of the same name: a page shows hundreds of them); the other
types are built from their records with `from_record`.

Closed sets are GraphQL enums whose values come from graphdb/vocabulary.py (artifact type,
pricing, claim status, probe kind, device, image kind) or the repository (artifact order). A value
the graph holds outside its set never fails a query:

- artifact type and pricing are table cells as documents publish them, so other documents may
  carry other text: `typeKind` / `pricingKind` read it as OTHER, and `type` / `pricing` (the
  design card's contract fields, kept as strings) give the text itself;
- a claim status outside the set reads as UNVERIFIED (claim counts count it so too);
- probe kind, probe device and image kind are only written by matchgraph, from the same sets, so
  another value can only come from a hand edit in Neo4j Browser: the field reads null.

Times are `DateTime` (ISO 8601 on the wire, timezone included) and JSON blobs the graph stores as
text are `JSON` (decoded), both strawberry's built-in scalars.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import TypeVar, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from embed.image_store import image_url
from graph_service.api.errors import InputError
from graph_service.compare import ComparisonView, as_record
from graph_service.compare import from_page as view_from_page
from graphdb.repository.artifacts import MAX_ALTERNATIVES, AlternativeRecord, ArtifactOrder
from graphdb.repository.probes import ProbeRecord
from graphdb.repository.records import ArtifactRecord, CapabilityRecord, ClaimRecord, to_datetime
from graphdb.repository.vectors import ImageRecord
from graphdb.vocabulary import ArtifactType, ClaimStatus, ImageKind, Pricing, ProbeKind
from graphdb.vocabulary import DeviceChoice as Device
from ingest.render import render_markdown


def _loaders(info: Info):
    return info.context.loaders


def _bounded(first: int) -> int:
    if not 0 <= first <= MAX_ALTERNATIVES:
        raise InputError(f"`first` must be between 0 and {MAX_ALTERNATIVES} (got {first})")
    return first


E = TypeVar("E", bound=Enum)


def _member(enum: type[E], value) -> E | None:
    """The enum member for a stored value; None when absent or outside the set."""
    try:
        return enum(value)
    except ValueError:
        return None


# The closed sets, as GraphQL enums (member names are the GraphQL values: MODEL, OPEN_SOURCE, …).
# `strawberry.enum` marks each class in place, so the classes themselves are the annotations below.
strawberry.enum(
    ArtifactType,
    description="An artifact's type as the documents publish it; OTHER for any other text (see `type`).",
)
strawberry.enum(
    Pricing,
    description="An artifact's pricing as the documents publish it; OTHER for any other text (see `pricing`).",
)
strawberry.enum(ClaimStatus, description="What probes made of a claim.")
strawberry.enum(ProbeKind, description="What a probe measures (README, 'Probes').")
strawberry.enum(Device, name="Device", description="Where a probe runs: AUTO picks CUDA when there is one.")
strawberry.enum(ImageKind, description="What an image of an artifact shows.")
strawberry.enum(ArtifactOrder, description="Orderings of the artifact list; ties break by slug.")


@strawberry.enum(description="Why an artifact is an alternative to another.")
class AlternativeReasonKind(Enum):
    NAMED_IN_TEXT = "named"
    COMPARED_ON_PAGE = "compared"
    SHARES_CAPABILITIES = "shared"


@strawberry.type(description="A quantitative statement made in capability text, to be checked by probes.")
class Claim:
    id: strawberry.ID
    metric: str
    value: float
    value_max: float | None
    unit: str
    qualifier: str | None
    sentence: str
    status: ClaimStatus
    subject_slug: strawberry.Private[str]
    # Set by probes (probes/verify.py; README "Probes").
    measured: float | None = strawberry.field(
        default=None, description="The value the deciding probe measured, in the claim's unit."
    )
    tolerance: str | None = strawberry.field(
        default=None, description="The tolerance it was judged with, and the accepted interval."
    )
    status_reason: str | None = strawberry.field(
        default=None, description="Why the claim has its status (what was measured, or why nothing could be)."
    )
    checked_at: datetime | None = strawberry.field(default=None, description="When probes last judged it.")

    @classmethod
    def from_record(cls, record: ClaimRecord) -> Claim:
        return cls(
            id=strawberry.ID(record.id),
            metric=record.metric,
            value=record.value,
            value_max=record.value_max,
            unit=record.unit,
            qualifier=record.qualifier,
            sentence=record.sentence,
            status=record.status,
            subject_slug=record.subject_slug,
            measured=record.measured,
            tolerance=record.tolerance,
            status_reason=record.status_reason,
            checked_at=record.checked_at,
        )

    @strawberry.field(description="The artifact the claim is about.")
    async def subject(self, info: Info) -> Artifact | None:
        record = await _loaders(info).artifact.load(self.subject_slug)
        return Artifact.of(record) if record else None


@strawberry.type(description="A capability of an artifact, as described on comparison pages.")
class Capability:
    id: strawberry.ID
    uri: str
    name: str
    description: str
    unique: str | None
    vs_alternatives: str | None

    # Served straight from a CapabilityRecord, like Artifact (see there); tests/test_api_types.py
    # checks the names match.
    @staticmethod
    def of(record: CapabilityRecord) -> Capability:
        return cast(Capability, record)

    @staticmethod
    def all_of(records: Sequence[CapabilityRecord]) -> list[Capability]:
        return cast(list[Capability], records)

    @strawberry.field(description="Artifacts named in its vs-alternatives text.")
    def alternatives(self, info: Info) -> list[Artifact]:
        # A plain function: hydrated alternatives resolve without a coroutine (a compare page has
        # dozens of these); otherwise it hands the executor the loader's awaitable.
        hydrated = cast(CapabilityRecord, self).hydrated_alternatives
        if hydrated is not None:
            return Artifact.all_of(hydrated)
        return _capability_alternatives(self.id, info)  # type: ignore[return-value]

    @strawberry.field(description="The artifact that has this capability.")
    async def artifact(self, info: Info) -> Artifact | None:
        record = await _loaders(info).capability_owner.load(self.id)
        return Artifact.of(record) if record else None

    @strawberry.field(description="Quantitative claims made in its text.")
    async def claims(self, info: Info) -> list[Claim]:
        return [Claim.from_record(r) for r in await _loaders(info).capability_claims.load(self.id)]


async def _capability_alternatives(capability_id: str, info: Info) -> list[Artifact]:
    return Artifact.all_of(await _loaders(info).capability_alternatives.load(capability_id))


@strawberry.type
class AlternativeReason:
    kind: AlternativeReasonKind
    count: int = strawberry.field(description="How many mentions, pages or shared capabilities back it.")


@strawberry.type(description="An alternative with the reasons for it and a score (higher is better).")
class AlternativeMatch:
    artifact: Artifact
    reasons: list[AlternativeReason]
    score: float


@strawberry.type(description="One signal's share of an artifact's computed rank.")
class RankContribution:
    signal: str = strawberry.field(
        description="publishedRank, adoption, quality, ecosystem, matchGraph, headToHead, "
        "coMatchCentrality, searchDemand or claims (README, 'Rank')."
    )
    value: float | None = strawberry.field(description="The signal normalised to 0..1; null when it is missing.")
    weight: float = strawberry.field(
        description="Its effective weight (weights of missing signals are spread over "
        "the present ones; 0 when missing)."
    )
    contribution: float = strawberry.field(description="Rank points: 100 × weight × value, rounded once to 0.01.")
    detail: str


@strawberry.type(description="How `matchgraph rank` computed an artifact's rank.")
class RankExplanation:
    rank: float = strawberry.field(description="The computed rank: the sum of the contributions.")
    ranked_at: datetime | None = strawberry.field(description="When it was computed.")
    contributions: list[RankContribution]

    @classmethod
    def from_record(cls, record: ArtifactRecord) -> RankExplanation | None:
        if record.computed_rank is None or not record.rank_signals:
            return None
        try:
            items = json.loads(record.rank_signals)
        except ValueError:
            return None
        return cls(
            rank=record.computed_rank,
            ranked_at=record.ranked_at,
            contributions=[
                RankContribution(
                    signal=c["signal"],
                    value=c.get("value"),
                    weight=c["weight"],
                    contribution=c["contribution"],
                    detail=c.get("detail") or "",
                )
                for c in items
            ],
        )


@strawberry.type(description="An AI artifact: a model, repository, API or tool.")
class Artifact:
    slug: str
    name: str
    type: str | None = strawberry.field(description="The published `Type` cell, as published (see typeKind).")
    pricing: str | None = strawberry.field(description="The published `Pricing` cell, as published (see pricingKind).")
    rank: int | None = strawberry.field(description="Latest published UnfragileRank, 0..100.")
    capability_count: int | None = strawberry.field(description='Published "N decomposed".')
    times_matched: int
    mentioned_only: bool = strawberry.field(description="Only named in other artifacts' text so far.")
    computed_rank: float | None = strawberry.field(
        default=None,
        description="Rank computed by `matchgraph rank`, 0..100, from published, probe, search and claim "
        "signals (null until ranked; mentioned-only artifacts are not ranked). See rankExplanation.",
    )

    # No copy is made of an artifact's record: strawberry reads each field above from the record's
    # attribute of the same name and calls the resolvers below with the record as `self`. A page
    # shows hundreds of artifacts, and a second object per artifact (more for the garbage collector
    # to walk) cost an artifact list a third more CPU. tests/test_api_types.py checks the names match.
    @staticmethod
    def of(record: ArtifactRecord) -> Artifact:
        return cast(Artifact, record)

    @staticmethod
    def all_of(records: Sequence[ArtifactRecord]) -> list[Artifact]:
        return cast(list[Artifact], records)

    @strawberry.field(description="`type` as an enum: null without one, OTHER when it is outside the set.")
    def type_kind(self) -> ArtifactType | None:
        return ArtifactType.of(self.type)

    @strawberry.field(description="`pricing` as an enum: null without one, OTHER when it is outside the set.")
    def pricing_kind(self) -> Pricing | None:
        return Pricing.of(self.pricing)

    @strawberry.field(
        description="Why computedRank is what it is: every signal's value, weight and contribution "
        "(the contributions sum to the rank). Null until ranked."
    )
    def rank_explanation(self) -> RankExplanation | None:
        return RankExplanation.from_record(cast(ArtifactRecord, self))

    @strawberry.field(description="Known capabilities, de-duplicated.")
    async def capabilities(self, info: Info) -> list[Capability]:
        return Capability.all_of(await _loaders(info).artifact_capabilities.load(self.slug))

    @strawberry.field(
        description="Alternatives, best first: named in vs-alternatives text, compared on a page, "
        "or sharing capabilities. See alternativeMatches for the reasons."
    )
    async def alternatives(self, info: Info, first: int = 20) -> list[Artifact]:
        first = _bounded(first)
        matches: list[AlternativeRecord] = await _loaders(info).artifact_alternatives(first).load(self.slug)
        return Artifact.all_of(matches)  # each alternative's record is its artifact's

    @strawberry.field(description="Alternatives with why each one is, and a score, best first.")
    async def alternative_matches(self, info: Info, first: int = 20) -> list[AlternativeMatch]:
        first = _bounded(first)
        matches: list[AlternativeRecord] = await _loaders(info).artifact_alternatives(first).load(self.slug)
        return [
            AlternativeMatch(
                artifact=Artifact.of(m),
                score=m.score,
                reasons=[
                    AlternativeReason(kind=AlternativeReasonKind(reason), count=weight) for reason, weight in m.reasons
                ],
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
        return [Claim.from_record(r) for r in await _loaders(info).artifact_claims.load(self.slug)]

    @strawberry.field(description="How many claims about this artifact probes verified, refuted or left unverified.")
    async def claim_counts(self, info: Info) -> ClaimCounts:
        counts = await _loaders(info).artifact_claim_counts.load(self.slug)
        return ClaimCounts(verified=counts.verified, refuted=counts.refuted, unverified=counts.unverified)

    @strawberry.field(description="Probe runs that measured this artifact, latest first (at most 50).")
    async def probes(self, info: Info) -> list[Probe]:
        return [Probe.from_record(r) for r in await _loaders(info).artifact_probes.load(self.slug)]

    @strawberry.field(description="Images of this artifact (logos, samples, probe outputs), oldest first.")
    async def images(self, info: Info) -> list[Image]:
        return [Image.from_record(r) for r in await _loaders(info).artifact_images.load(self.slug)]


@strawberry.type(description="An image of an artifact, stored by matchgraph and (with ViT weights) searchable.")
class Image:
    id: strawberry.ID
    kind: ImageKind | None
    media_type: str
    width: int
    height: int
    sha256: str
    path: str = strawberry.field(description="Where the file is, relative to the server's data folder.")
    url: str = strawberry.field(description="Where the API serves it (relative to the API's base URL).")
    searchable: bool = strawberry.field(description="Embedded for image search.")
    reason: str | None = strawberry.field(description="Why it is not searchable, when it is not.")

    @classmethod
    def from_record(cls, record: ImageRecord, reason: str | None = None) -> Image:
        return cls(
            id=strawberry.ID(record.id),
            kind=_member(ImageKind, record.kind),
            media_type=record.media_type,
            width=record.width,
            height=record.height,
            sha256=record.sha256,
            path=record.path,
            url=image_url(record.path) or "",
            searchable=record.searchable,
            reason=None
            if record.searchable
            else reason
            or "not embedded yet: image search needs ViT weights "
            "(MATCHGRAPH_VIT_MODEL), then `matchgraph index rebuild`",
        )


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
    def from_view(cls, view: ComparisonView) -> Comparison:
        return cls(
            title=view.title,
            a=Artifact.of(view.a),
            b=Artifact.of(view.b),
            features=[FeatureRow(feature=f, a=a, b=b) for f, a, b in view.features],
            rank_a=view.rank_a,
            rank_b=view.rank_b,
            capabilities_a=Capability.all_of(view.capabilities_a),
            capabilities_b=Capability.all_of(view.capabilities_b),
            more_a=view.more_a,
            more_b=view.more_b,
            verdict=view.verdict,
            winner=Artifact.of(view.winner) if view.winner else None,
            warnings=list(view.warnings),
            partial=view.partial,
            published=view.published,
            swapped=view.swapped,
            shared_capabilities=Capability.all_of(view.shared),
            view=view,
        )

    @strawberry.field(
        description="The page rendered back in the documents' own format (parsing it gives the same facts)."
    )
    def markdown(self) -> str:
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


@strawberry.type(description="A capability that matched a search query, with its score and why.")
class CapabilityMatch:
    capability: Capability
    score: float = strawberry.field(
        description="Cosine similarity of the capability's text to the query "
        "(0 when only its keywords matched and it has no embedding)."
    )
    why: str

    # Before hybrid search, matchedCapabilities listed capabilities directly: queries that select
    # their fields keep working.
    @strawberry.field(deprecation_reason="Use capability { id }.")
    def id(self) -> strawberry.ID:
        return self.capability.id

    @strawberry.field(deprecation_reason="Use capability { name }.")
    def name(self) -> str:
        return self.capability.name

    @strawberry.field(deprecation_reason="Use capability { uri }.")
    def uri(self) -> str:
        return self.capability.uri


@strawberry.type(description="A search result: the artifact, its score, the capabilities that matched and why.")
class SearchHit:
    artifact: Artifact
    score: float = strawberry.field(description="Fused relevance, 0..1 (reciprocal-rank fusion, see README 'Search').")
    why: str = strawberry.field(
        description="Why it matched, e.g. \"capability 'Image classification' matched 0.71; "
        'name matched 0.62; rank 80".'
    )
    matched_capabilities: list[CapabilityMatch] = strawberry.field(
        description="The artifact's capabilities that matched the query, best first."
    )

    @classmethod
    def from_hit(cls, hit) -> SearchHit:
        """From an embed.search.Hit."""
        return cls(
            artifact=Artifact.of(ArtifactRecord.from_node(hit.artifact)),
            score=hit.score,
            why=hit.why,
            matched_capabilities=[
                CapabilityMatch(
                    capability=Capability.of(CapabilityRecord.from_node(m.capability)),
                    score=round(m.score, 4),
                    why=m.why,
                )
                for m in hit.capabilities
            ],
        )


@strawberry.input(description="A document to ingest: a name for reports, and its text.")
class DocumentInput:
    name: str
    content: str


@strawberry.type
class RejectedDocument:
    path: str
    reason: str


@strawberry.type(description="The embedding stage after an ingest: vectors, taxonomy classes, search indexes.")
class EmbeddingReport:
    capabilities: int = strawberry.field(description="Capabilities embedded in this run.")
    artifacts: int = strawberry.field(description="Artifact names embedded in this run.")
    classes: int = strawberry.field(description="Taxonomy classes embedded in this run.")
    assigned: int = strawberry.field(description="Capabilities given a taxonomy class in this run.")
    unclassified: int = strawberry.field(description="Capabilities in the graph left at capability://unclassified.")
    indexes: list[str] = strawberry.field(description="Vector indexes rebuilt or updated.")
    seconds: float
    error: str | None = strawberry.field(
        description="Why the stage failed (the documents are ingested regardless; "
        "the next ingest or `matchgraph index rebuild` completes it)."
    )

    @classmethod
    def from_report(cls, report) -> EmbeddingReport:
        return cls(
            capabilities=report.capabilities,
            artifacts=report.artifacts,
            classes=report.classes,
            assigned=report.assigned,
            unclassified=report.unclassified,
            indexes=list(report.indexes),
            seconds=round(report.seconds, 2),
            error=report.error,
        )


@strawberry.type(description="What happened to each document, as `matchgraph ingest --json` reports it.")
class IngestReport:
    read: int
    ingested: int
    unchanged: int
    rejected: list[RejectedDocument]
    partial: list[str]
    embedded: EmbeddingReport | None = strawberry.field(
        default=None, description="The embedding stage that ran after the documents were written."
    )


@strawberry.type(description="Claims by status.")
class ClaimCounts:
    verified: int = 0
    refuted: int = 0
    unverified: int = 0


@strawberry.type(description="One probe run: what was measured, where, with what (README, 'Probes').")
class Probe:
    id: strawberry.ID
    kind: ProbeKind | None
    artifact_slug: str
    task: str
    device: Device | None = strawberry.field(description="Where it ran: CPU or CUDA.")
    device_name: str | None
    dtype: str | None
    status: str = strawberry.field(description="ok, skipped or failed")
    reason: str | None = strawberry.field(description="Why it was skipped or failed, or what was left out.")
    scaled_down: bool
    scale_note: str | None
    versions: JSON = strawberry.field(description="torch, transformers, diffusers and python versions.")
    started_at: datetime | None
    finished_at: datetime | None
    param_count: float | None = strawberry.field(
        description="Elements of the model's parameters (a Float: counts pass 2^31)."
    )
    stored_count: float | None = strawberry.field(
        description="Parameters plus persistent buffers (what a checkpoint stores)."
    )
    batch_sizes: list[int]
    latency_ms: list[float] = strawberry.field(description="Median forward latency per batch size.")
    throughput: list[float] = strawberry.field(description="Items per second per batch size.")
    peak_memory_mb: list[float] = strawberry.field(description="Peak memory per batch size (see memoryMethod).")
    memory_method: str | None
    repeats: int | None
    samples_json: JSON = strawberry.field(description='{"<batch>": [items/s of each timed repeat]}.')
    config_json: JSON | None = strawberry.field(description="Architecture facts read from the built model's config.")
    top1: float | None = strawberry.field(description="Top-1 accuracy, 0..1 (classification_top1).")
    examples: int | None
    dataset: str | None
    adherence: float | None = strawberry.field(description="Mean image-prompt cosine similarity (prompt_adherence).")
    scores_json: JSON | None
    weights: str | None

    @classmethod
    def from_record(cls, record: ProbeRecord) -> Probe:
        return cls(
            id=strawberry.ID(record.id),
            kind=_member(ProbeKind, record.kind),
            artifact_slug=record.artifact_slug,
            task=record.task,
            device=_member(Device, record.device),
            device_name=record.device_name,
            dtype=record.dtype,
            status=record.status,
            reason=record.reason,
            scaled_down=record.scaled_down,
            scale_note=record.scale_note,
            versions=cast(JSON, record.versions),
            started_at=record.started_at,
            finished_at=record.finished_at,
            param_count=record.param_count,
            stored_count=record.stored_count,
            batch_sizes=list(record.batch_sizes),
            latency_ms=list(record.latency_ms),
            throughput=list(record.throughput),
            peak_memory_mb=list(record.peak_memory_mb),
            memory_method=record.memory_method,
            repeats=record.repeats,
            samples_json=cast(JSON, record.samples),
            config_json=cast(JSON, record.config),
            top1=record.top1,
            examples=record.examples,
            dataset=record.dataset,
            adherence=record.adherence,
            scores_json=cast(JSON, record.scores),
            weights=record.weights,
        )


@strawberry.type(description="A probe queued through the API; poll it with probeJob(id).")
class ProbeJob:
    id: strawberry.ID
    artifact: str
    kind: ProbeKind
    device: Device = strawberry.field(description="As asked for (AUTO, CPU or CUDA).")
    status: str = strawberry.field(description="queued, running, done or failed")
    progress: float = strawberry.field(description="0..1")
    message: str
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    probe_ids: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_job(cls, job) -> ProbeJob:
        return cls(
            id=job.id,
            artifact=job.request.slug,
            kind=ProbeKind(job.request.kind),  # checked when the job was queued
            device=Device(job.request.device),
            status=job.status,
            progress=job.progress,
            message=job.message,
            queued_at=datetime.fromisoformat(job.queued_at),
            started_at=to_datetime(job.started_at),
            finished_at=to_datetime(job.finished_at),
            probe_ids=job.probe_ids,
        )

    @strawberry.field(description="The probes the job recorded (when done).")
    async def probes(self, info: Info) -> list[Probe]:
        records = await _loaders(info).probe.load_many(list(self.probe_ids))
        return [Probe.from_record(r) for r in records if r]
