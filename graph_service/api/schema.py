"""The GraphQL schema as typed Python classes (strawberry). Resolvers stay thin: they check
arguments, call a loader or repository, and wrap the result in a type from `types`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import anyio
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from embed.image_store import ImageError, UnknownArtifact, attach_encoded
from embed.search import (
    ImageSearchUnavailable,
    SearchInputError,
    SearchRequest,
    SearchUnavailable,
    decode_image,
)
from graph_service.api.auth import RequiresApiKey
from graph_service.api.errors import GraphUnavailable, InputError, NotFoundError, UserError, is_graph_outage
from graph_service.api.extensions import OperationMetrics
from graph_service.api.outages import ResponseNotes
from graph_service.api.types import (
    Artifact,
    ArtifactConnection,
    ArtifactEdge,
    ArtifactOrder,
    Capability,
    Comparison,
    Device,
    DocumentInput,
    EmbeddingReport,
    Image,
    ImageKind,
    IngestReport,
    PageInfo,
    ProbeJob,
    ProbeKind,
    RejectedDocument,
    SearchHit,
)
from graph_service.compare import from_graph, from_page
from graphdb import __version__
from graphdb.repository import ArtifactFilter
from graphdb.repository.artifacts import decode_cursor
from graphdb.repository.vectors import ImageRecord
from ingest.records import slugify

MAX_PAGE = 100
MAX_DOCUMENTS_PER_CALL = 100


def _slug(key: str) -> str:
    # An exact name and its slug name the same artifact (slug = the name's slugified form).
    return slugify(key)


@strawberry.type(description="Entry points for front ends.")
class Query:
    @strawberry.field(description="The matchgraph server version.")
    def version(self) -> str:
        return __version__

    @strawberry.field(description="One artifact by slug or exact name.")
    async def artifact(self, info: Info, slug: str) -> Artifact | None:
        record = await info.context.loaders.artifact.load(_slug(slug))
        return Artifact.of(record) if record else None

    @strawberry.field(description="Artifacts, a page at a time (Relay cursor connection).")
    async def artifacts(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        type: str | None = None,
        pricing: str | None = None,
        capability_uri: str | None = None,
        mentioned_only: bool | None = None,
        order_by: ArtifactOrder = ArtifactOrder.RANK,
    ) -> ArtifactConnection:
        first = 20 if first is None else first
        if not 0 <= first <= MAX_PAGE:
            raise InputError(f"`first` must be between 0 and {MAX_PAGE} (got {first})")
        if after is not None:
            try:
                decode_cursor(after, order_by)
            except ValueError as error:
                raise InputError(f"`after`: {error}") from None
        where = ArtifactFilter(type=type, pricing=pricing, capability_uri=capability_uri, mentioned_only=mentioned_only)
        page = await info.context.loaders.artifacts.page(first, after, order_by, where)
        edges = [ArtifactEdge(cursor=c, node=Artifact.of(r)) for c, r in zip(page.cursors, page.artifacts, strict=True)]
        return ArtifactConnection(
            edges=edges,
            total_count=page.total,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )

    @strawberry.field(
        description="A vs B, sides in the arguments' order (slugs or exact names). The newest complete "
        "page published as 'a vs b', else one as 'b vs a' (swapped), else a partial page; "
        "with no page at all, the graph's view of both (published: false)."
    )
    async def compare(self, info: Info, a: str, b: str) -> Comparison | None:
        first, second = _slug(a), _slug(b)
        if first == second:
            raise InputError("compare needs two different artifacts")
        repository = info.context.loaders.comparisons
        page = await repository.best_for_pair(first, second)
        if page is not None:  # its shown capabilities come with their alternatives (Capability.alternatives)
            return Comparison.from_view(from_page(page, first_slug=first))
        found = await repository.from_graph(first, second)
        return Comparison.from_view(from_graph(found)) if found else None

    @strawberry.field(description="One capability by id.")
    async def capability(self, info: Info, id: strawberry.ID) -> Capability | None:
        record = await info.context.loaders.capability.load(str(id))
        return Capability.of(record) if record else None

    @strawberry.field(description="Capabilities of one taxonomy class (capability://…).")
    async def capabilities(self, info: Info, uri: str, first: int = 50) -> list[Capability]:
        if not 0 <= first <= MAX_PAGE:
            raise InputError(f"`first` must be between 0 and {MAX_PAGE} (got {first})")
        return Capability.all_of(await info.context.loaders.capabilities.by_uri(uri, first))

    @strawberry.field(
        description="Search the match graph: artifacts for a description of what you need (hybrid: "
        "embeddings, keywords and graph signals), or for an image (`image`: base64 bytes; "
        "`query` may then be empty). At most 50 hits. Hits come from the server's own indexes, "
        "so search answers while the graph is down: the response's `extensions.graph` is then "
        '"unavailable" (the hits may be behind the graph).'
    )
    async def search(
        self, info: Info, query: str, limit: int | None = 5, type: str | None = None, image: str | None = None
    ) -> list[SearchHit]:
        try:
            request = SearchRequest(
                text=query,
                limit=5 if limit is None else limit,
                type=type,
                image=None if image is None else decode_image(image),
            ).checked()
            # The graph's status is checked beside the search (a ping at most every few seconds).
            result, graph_available = await asyncio.gather(
                info.context.app_state.search_service().search(request),
                info.context.graph_status.available(info.context.graph),
            )
        except SearchInputError as error:
            raise InputError(str(error)) from None
        except ImageSearchUnavailable as error:
            raise UserError(str(error), code="IMAGE_SEARCH_UNAVAILABLE") from None
        except SearchUnavailable as error:
            raise UserError(str(error), code="SEARCH_UNAVAILABLE") from None
        if not graph_available:
            info.context.notes["graph"] = "unavailable"
        return [SearchHit.from_hit(hit) for hit in result.hits]

    @strawberry.field(description="A probe job queued with queueProbe (kept in the server's memory).")
    def probe_job(self, info: Info, id: strawberry.ID) -> ProbeJob | None:
        job = info.context.app_state.probe_jobs().get(str(id))
        return ProbeJob.from_job(job) if job else None


@strawberry.type(description="Changes to the graph; each needs an API key (X-API-Key or Authorization: Bearer).")
class Mutation:
    @strawberry.mutation(
        permission_classes=[RequiresApiKey],
        description="Queue a probe of an artifact (kind: ARCHITECTURE by default; device: the server's "
        "MATCHGRAPH_PROBE_DEVICE by default). Jobs run one at a time in the "
        "server; poll probeJob(id). Files (weights, data, scorer, prompts) are paths under "
        "the server's MATCHGRAPH_PROBE_FILES_DIR; weights and scorer may be cached hub ids.",
    )
    async def queue_probe(
        self,
        info: Info,
        artifact: str,
        kind: ProbeKind | None = None,
        device: Device | None = None,
        batch_sizes: list[int] | None = None,
        repeats: int | None = None,
        weights: str | None = None,
        data: str | None = None,
        dataset: str | None = None,
        scorer: str | None = None,
        prompts: str | None = None,
    ) -> ProbeJob:
        slug = _slug(artifact)
        if await info.context.loaders.artifact.load(slug) is None:
            raise InputError(f"no artifact {artifact!r} in the graph")
        try:
            job = await anyio.to_thread.run_sync(
                lambda: info.context.app_state.probe_jobs().queue(
                    slug,
                    kind=kind.value if kind else None,
                    device=device.value if device else None,
                    batch_sizes=batch_sizes,
                    repeats=repeats,
                    weights=weights,
                    data=data,
                    dataset=dataset,
                    scorer=scorer,
                    prompts=prompts,
                )
            )
        except ValueError as error:
            raise InputError(str(error)) from None
        return ProbeJob.from_job(job)

    @strawberry.mutation(
        permission_classes=[RequiresApiKey],
        description="Ingest comparison documents with the same ingester as `matchgraph ingest`.",
    )
    async def ingest_documents(self, info: Info, documents: list[DocumentInput]) -> IngestReport:
        if not documents:
            raise InputError("`documents` is empty")
        if len(documents) > MAX_DOCUMENTS_PER_CALL:
            raise InputError(f"at most {MAX_DOCUMENTS_PER_CALL} documents per call (got {len(documents)})")
        items = [(document.name, document.content.encode("utf-8")) for document in documents]
        try:
            report = await anyio.to_thread.run_sync(info.context.app_state.ingest, items)
        except Exception as error:
            if is_graph_outage(error):  # said here for the message; any other resolver gets it from errors.client_safe
                raise GraphUnavailable("the graph is unavailable right now; nothing was written, try again") from None
            raise
        return IngestReport(
            read=report.read,
            ingested=report.ingested,
            unchanged=report.unchanged,
            rejected=[RejectedDocument(path=r.path, reason=r.reason) for r in report.rejected],
            partial=report.partial,
            embedded=EmbeddingReport.from_report(report.embedded) if getattr(report, "embedded", None) else None,
        )

    @strawberry.mutation(
        permission_classes=[RequiresApiKey],
        description="Attach an image (base64 PNG, JPEG, WebP or GIF, at most "
        "MATCHGRAPH_IMAGE_MAX_BYTES) to an artifact (slug or exact name); it is embedded "
        "for image search when the server has ViT weights, else `reason` says why not.",
    )
    async def attach_image(
        self, info: Info, artifact: str, kind: ImageKind, data: str, media_type: str | None = None
    ) -> Image:
        vectors = info.context.app_state.vectors
        if vectors is None:
            raise UserError("image storage is not available on this server")
        try:
            attached = await anyio.to_thread.run_sync(attach_encoded, vectors, artifact, kind.value, data, media_type)
        except UnknownArtifact as error:
            raise NotFoundError(str(error)) from None
        except ImageError as error:
            raise InputError(str(error)) from None
        # The graph down: GRAPH_UNAVAILABLE, as for every resolver (errors.client_safe).
        record = ImageRecord(
            id=attached.id,
            kind=attached.kind,
            media_type=attached.media_type,
            width=attached.width,
            height=attached.height,
            sha256=attached.sha256,
            path=attached.path,
            searchable=attached.searchable,
        )
        return Image.from_record(record, reason=attached.reason)


def create_schema(
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] | None = None,
) -> strawberry.Schema:
    """The schema with per-app extensions (limits depend on the settings); metrics always on."""
    return strawberry.Schema(
        query=Query, mutation=Mutation, extensions=[OperationMetrics, ResponseNotes, *(extensions or [])]
    )


schema = create_schema()  # for SDL export and tools; apps build their own with their limits
