"""GraphQL types. Each is built from a repository dict; nested fields go through DataLoaders."""

from __future__ import annotations

import json
from enum import Enum

import strawberry
from strawberry.types import Info

from embed.image_store import image_url
from graph_service.api.errors import InputError
from graph_service.compare import ComparisonView, as_record
from graph_service.compare import from_page as view_from_page
from graphdb.repository.artifacts import MAX_ALTERNATIVES
from graphdb.vocabulary import UNCLASSIFIED_URI
from ingest.render import render_markdown


def _loaders(info: Info):
    return info.context.loaders


def _bounded(first: int) -> int:
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
    COMPUTED_RANK = "COMPUTED_RANK"


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
    checked_at: str | None = strawberry.field(default=None, description="When probes last judged it (ISO 8601).")

    @classmethod
    def from_node(cls, node: dict) -> Claim:
        checked = node.get("checkedAt")
        return cls(
            id=node["id"],
            metric=node["metric"],
            value=node["value"],
            value_max=node.get("valueMax"),
            unit=node.get("unit") or "",
            qualifier=node.get("qualifier"),
            sentence=node.get("sentence") or "",
            status=node.get("status") or "unverified",
            subject_slug=node.get("subjectSlug") or "",
            measured=node.get("measured"),
            tolerance=node.get("tolerance"),
            status_reason=node.get("statusReason"),
            checked_at=checked.iso_format() if hasattr(checked, "iso_format") else (str(checked) if checked else None),
        )

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
    # Set when the node came with its alternatives (a compare page hydrates them in its one query).
    hydrated_alternatives: strawberry.Private[list[dict] | None] = None

    @classmethod
    def from_node(cls, node: dict) -> Capability:
        hydrated = node.get("alternatives")
        if hydrated is not None:
            hydrated = sorted(hydrated, key=lambda a: a.get("name") or "")  # the loader's order
        return cls(
            id=node["id"],
            uri=node.get("uri") or UNCLASSIFIED_URI,
            name=node.get("name") or "",
            description=node.get("description") or "",
            unique=node.get("unique"),
            vs_alternatives=node.get("vsAlternatives"),
            hydrated_alternatives=hydrated,
        )

    @strawberry.field(description="Artifacts named in its vs-alternatives text.")
    def alternatives(self, info: Info) -> list[Artifact]:
        # A plain function: hydrated alternatives resolve without a coroutine (a compare page has
        # dozens of these); otherwise it hands the executor the loader's awaitable.
        if self.hydrated_alternatives is not None:
            return [Artifact.from_node(n) for n in self.hydrated_alternatives]
        return self._load_alternatives(info)

    async def _load_alternatives(self, info: Info) -> list[Artifact]:
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
    ranked_at: str | None = strawberry.field(description="When it was computed (ISO 8601).")
    contributions: list[RankContribution]

    @classmethod
    def from_stored(cls, rank: float | None, signals: str | None, ranked_at) -> RankExplanation | None:
        if rank is None or not signals:
            return None
        try:
            items = json.loads(signals)
        except ValueError:
            return None
        when = ranked_at.iso_format() if hasattr(ranked_at, "iso_format") else (str(ranked_at) if ranked_at else None)
        return cls(
            rank=rank,
            ranked_at=when,
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
    type: str | None
    pricing: str | None
    rank: int | None = strawberry.field(description="Latest published UnfragileRank, 0..100.")
    capability_count: int | None = strawberry.field(description='Published "N decomposed".')
    times_matched: int
    mentioned_only: bool = strawberry.field(description="Only named in other artifacts' text so far.")
    computed_rank: float | None = strawberry.field(
        default=None,
        description="Rank computed by `matchgraph rank`, 0..100, from published, probe, search and claim "
        "signals (null until ranked; mentioned-only artifacts are not ranked). See rankExplanation.",
    )
    rank_signals: strawberry.Private[str | None] = None  # JSON, as `matchgraph rank` stored it
    ranked_at: strawberry.Private[object] = None

    @classmethod
    def from_node(cls, node: dict) -> Artifact:
        return cls(
            slug=node["slug"],
            name=node.get("name") or node["slug"],
            type=node.get("type"),
            pricing=node.get("pricing"),
            rank=node.get("rank"),
            capability_count=node.get("capabilityCount"),
            times_matched=node.get("timesMatched") or 0,
            mentioned_only=bool(node.get("mentionedOnly")),
            computed_rank=node.get("computedRank"),
            rank_signals=node.get("rankSignals"),
            ranked_at=node.get("rankedAt"),
        )

    @strawberry.field(
        description="Why computedRank is what it is: every signal's value, weight and contribution "
        "(the contributions sum to the rank). Null until ranked."
    )
    def rank_explanation(self) -> RankExplanation | None:
        return RankExplanation.from_stored(self.computed_rank, self.rank_signals, self.ranked_at)

    @strawberry.field(description="Known capabilities, de-duplicated.")
    async def capabilities(self, info: Info) -> list[Capability]:
        return [Capability.from_node(n) for n in await _loaders(info).artifact_capabilities.load(self.slug)]

    @strawberry.field(
        description="Alternatives, best first: named in vs-alternatives text, compared on a page, "
        "or sharing capabilities. See alternativeMatches for the reasons."
    )
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
                artifact=Artifact.from_node(m["artifact"]),
                score=m["score"],
                reasons=[
                    AlternativeReason(kind=AlternativeReasonKind(r["reason"]), count=r["weight"]) for r in m["reasons"]
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
        return [Claim.from_node(n) for n in await _loaders(info).artifact_claims.load(self.slug)]

    @strawberry.field(description="How many claims about this artifact probes verified, refuted or left unverified.")
    async def claim_counts(self, info: Info) -> ClaimCounts:
        counts = await _loaders(info).artifact_claim_counts.load(self.slug)
        return ClaimCounts(**counts)

    @strawberry.field(description="Probe runs that measured this artifact, latest first (at most 50).")
    async def probes(self, info: Info) -> list[Probe]:
        return [Probe.from_node(n) for n in await _loaders(info).artifact_probes.load(self.slug)]

    @strawberry.field(description="Images of this artifact (logos, samples, probe outputs), oldest first.")
    async def images(self, info: Info) -> list[Image]:
        return [Image.from_node(n) for n in await _loaders(info).artifact_images.load(self.slug)]


@strawberry.enum(description="What an image of an artifact shows.")
class ImageKind(Enum):
    LOGO = "logo"
    SAMPLE = "sample"
    PROBE = "probe"


@strawberry.type(description="An image of an artifact, stored by matchgraph and (with ViT weights) searchable.")
class Image:
    id: strawberry.ID
    kind: ImageKind
    media_type: str
    width: int
    height: int
    sha256: str
    path: str = strawberry.field(description="Where the file is, relative to the server's data folder.")
    url: str = strawberry.field(description="Where the API serves it (relative to the API's base URL).")
    searchable: bool = strawberry.field(description="Embedded for image search.")
    reason: str | None = strawberry.field(description="Why it is not searchable, when it is not.")

    @classmethod
    def from_node(cls, node: dict, reason: str | None = None) -> Image:
        searchable = bool(node.get("searchable"))
        return cls(
            id=node["id"],
            kind=ImageKind(node["kind"]),
            media_type=node["mediaType"],
            width=node["width"],
            height=node["height"],
            sha256=node["sha256"],
            path=node["path"],
            url=image_url(node["path"]),
            searchable=searchable,
            reason=None
            if searchable
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
            a=Artifact.from_node(view.a),
            b=Artifact.from_node(view.b),
            features=[FeatureRow(feature=f, a=a, b=b) for f, a, b in view.features],
            rank_a=view.rank_a,
            rank_b=view.rank_b,
            capabilities_a=[Capability.from_node(c) for c in view.capabilities_a],
            capabilities_b=[Capability.from_node(c) for c in view.capabilities_b],
            more_a=view.more_a,
            more_b=view.more_b,
            verdict=view.verdict,
            winner=Artifact.from_node(view.winner) if view.winner else None,
            warnings=view.warnings,
            partial=view.partial,
            published=view.published,
            swapped=view.swapped,
            shared_capabilities=[Capability.from_node(c) for c in view.shared],
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
            artifact=Artifact.from_node(hit.artifact),
            score=hit.score,
            why=hit.why,
            matched_capabilities=[
                CapabilityMatch(capability=Capability.from_node(m.capability), score=round(m.score, 4), why=m.why)
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
    kind: str = strawberry.field(description="architecture, classification_top1 or prompt_adherence")
    artifact_slug: str
    task: str
    device: str = strawberry.field(description="cpu or cuda")
    device_name: str | None
    dtype: str | None
    status: str = strawberry.field(description="ok, skipped or failed")
    reason: str | None = strawberry.field(description="Why it was skipped or failed, or what was left out.")
    scaled_down: bool
    scale_note: str | None
    versions: str = strawberry.field(description="JSON: torch, transformers, diffusers and python versions.")
    started_at: str
    finished_at: str | None
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
    samples_json: str = strawberry.field(description='JSON: {"<batch>": [items/s of each timed repeat]}.')
    config_json: str | None = strawberry.field(
        description="JSON: architecture facts read from the built model's config."
    )
    top1: float | None = strawberry.field(description="Top-1 accuracy, 0..1 (classification_top1).")
    examples: int | None
    dataset: str | None
    adherence: float | None = strawberry.field(description="Mean image-prompt cosine similarity (prompt_adherence).")
    scores_json: str | None
    weights: str | None

    @classmethod
    def from_node(cls, node: dict) -> Probe:
        return cls(
            id=node["id"],
            kind=node["kind"],
            artifact_slug=node["artifactSlug"],
            task=node.get("task") or "",
            device=node.get("device") or "",
            device_name=node.get("deviceName"),
            dtype=node.get("dtype"),
            status=node.get("status") or "ok",
            reason=node.get("reason"),
            scaled_down=bool(node.get("scaledDown")),
            scale_note=node.get("scaleNote"),
            versions=node.get("versions") or "{}",
            started_at=str(node.get("startedAt") or ""),
            finished_at=node.get("finishedAt"),
            param_count=node.get("paramCount"),
            stored_count=node.get("storedCount"),
            batch_sizes=list(node.get("batchSizes") or []),
            latency_ms=list(node.get("latencyMs") or []),
            throughput=list(node.get("throughput") or []),
            peak_memory_mb=list(node.get("peakMemoryMb") or []),
            memory_method=node.get("memoryMethod"),
            repeats=node.get("repeats"),
            samples_json=node.get("samplesJson") or "{}",
            config_json=node.get("configJson"),
            top1=node.get("top1"),
            examples=node.get("examples"),
            dataset=node.get("dataset"),
            adherence=node.get("adherence"),
            scores_json=node.get("scoresJson"),
            weights=node.get("weights"),
        )


@strawberry.type(description="A probe queued through the API; poll it with probeJob(id).")
class ProbeJob:
    id: strawberry.ID
    artifact: str
    kind: str
    device: str
    status: str = strawberry.field(description="queued, running, done or failed")
    progress: float = strawberry.field(description="0..1")
    message: str
    queued_at: str
    started_at: str | None
    finished_at: str | None
    probe_ids: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_job(cls, job) -> ProbeJob:
        return cls(
            id=job.id,
            artifact=job.request.slug,
            kind=job.request.kind,
            device=job.request.device,
            status=job.status,
            progress=job.progress,
            message=job.message,
            queued_at=job.queued_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            probe_ids=job.probe_ids,
        )

    @strawberry.field(description="The probes the job recorded (when done).")
    async def probes(self, info: Info) -> list[Probe]:
        nodes = await _loaders(info).probe.load_many(list(self.probe_ids))
        return [Probe.from_node(n) for n in nodes if n]
