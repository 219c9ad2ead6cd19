"""Hybrid search: text (or an image) in, artifacts out, best first, each with why it matched.

A text query is embedded with the text embedder and looked up in two FAISS indexes: the
capabilities (k = CAPABILITY_K nearest capability texts) and the artifact names. The search catalog
(embed/catalog.py: the graph's fields, links and signals search needs, held in this process and
kept in step with the graph) runs the keyword search over its BM25 indexes (in a second thread,
while this one embeds the query) and gathers what each list found of every candidate artifact,
with no Cypher round trip. The ranked lists are fused with reciprocal-rank fusion (RRF):

    score(a) = sum over lists L where a appears:  WEIGHTS[L] / (RRF_K + rank_L(a))      (ranks from 1)

normalised by the best score any artifact could reach with the lists in play (being first in
every one), so scores lie in (0, 1]. The lists:

- capability: artifacts by their best capability cosine plus a small bonus for further matching
  capabilities (FURTHER_CAPABILITY_BONUS × the next ones' cosines);
- name: artifacts whose name embedding is close to the query (cosine ≥ NAME_MIN_COSINE);
- keyword: BM25 scores of the keyword match (capability texts; artifact names count double);
- image: an image query's nearest images, per depicted artifact;
- graph: the candidates (those in a list above) by a prior from the graph: computedRank when the
  rank job has run (else the published rank), timesMatched, and the head-to-head record. Its
  weight is small: it orders near-ties, it does not make an artifact relevant.

Candidates are scored from plain numbers; their fields, matched capabilities and "why" are built
for the hits only. RRF needs no calibration between cosines, BM25 scores and ranks, which live on
unrelated scales. Without a vector index (a fresh graph, nothing embedded yet) the fusion runs on
keyword and graph alone, and each hit's `why` says so.

A search is synchronous (embedding, FAISS, catalog, fusion); the API runs it in a worker thread.
Checking the indexes and the catalog against the graph happens off the search path, in the
background (embed/vectors.py).
"""

from __future__ import annotations

import base64
import binascii
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from embed.catalog import best_first
from embed.image_store import ImageError, check_image
from embed.recording import RecordedSearch
from embed.vit_embedder import ImageWeightsMissing

MAX_LIMIT = 50
CAPABILITY_K = 50  # nearest capabilities per query (x3 with a type filter); 100 and 150 gave no better recall
NAME_K = 20  # nearest artifact names
IMAGE_K = 50  # nearest images
KEYWORD_LIMIT = 50  # keyword hits per index (100 gave no better recall, and more rows)
# Fusion constants, chosen on embed/queries.json (benchmarks/search_quality.py; README "Search"): a
# small RRF_K makes the first places of each list count (candidate lists here are short, tens of
# artifacts, not the thousands of documents RRF's usual k = 60 was tuned for); keywords weigh as
# much as capability embeddings (MiniLM over long capability texts misses exact terms such as
# "GGUF" or "PagedAttention"); names weigh less (they are short, their cosines noisy); the graph
# prior only reorders near-ties.
RRF_K = 5
WEIGHTS = {"capability": 1.0, "name": 0.3, "keyword": 1.0, "image": 1.0, "graph": 0.2}
FURTHER_CAPABILITY_BONUS = (0.10, 0.05)  # the 2nd and 3rd best capability cosines, scaled
NAME_MIN_COSINE = 0.55  # below this a name "match" is noise (names are short)
NAME_KEYWORD_FACTOR = 2.0  # a full-text hit on the name counts double
MAX_MATCHED_CAPABILITIES = 5
PRIOR_WEIGHTS = {"rank": 0.6, "timesMatched": 0.25, "headToHead": 0.15}
TIMES_MATCHED_SCALE = 1000  # timesMatched at which the prior's popularity part saturates


class SearchInputError(ValueError):
    """The request cannot be searched (bad limit, empty query, unreadable image); says why."""


class ImageSearchUnavailable(Exception):
    """Image search cannot run here (no ViT weights configured); the message says how to fix it."""


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    limit: int = 5
    type: str | None = None
    image: bytes | None = None

    @property
    def modality(self) -> str:
        return "image" if self.image is not None else "text"

    def checked(self) -> SearchRequest:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise SearchInputError(f"`limit` must be between 1 and {MAX_LIMIT} (got {self.limit})")
        if self.image is None and not self.text.strip():
            raise SearchInputError("`query` is empty (give a text, or an image)")
        if self.image is not None and not self.image:
            raise SearchInputError("`image` is empty")
        return self


def decode_image(encoded: str) -> bytes:
    """The bytes of a base64 image (standard or URL-safe alphabet, a data: URL prefix allowed)."""
    payload = encoded.strip()
    if payload.startswith("data:") and "," in payload:
        payload = payload.split(",", 1)[1]
    payload = "".join(payload.split()).replace("-", "+").replace("_", "/")  # URL-safe alphabet too
    try:
        data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SearchInputError("`image` is not valid base64") from None
    if not data:
        raise SearchInputError("`image` is empty")
    return data


@dataclass
class CapabilityMatch:
    capability: dict  # id, uri, name, description, unique, vsAlternatives
    score: float  # cosine to the query (0 when only the keywords matched and it has no embedding)
    vector: bool
    keyword: bool

    @property
    def why(self) -> str:
        parts = []
        if self.vector:
            parts.append(f"embedding cosine {self.score:.2f}")
        if self.keyword:
            parts.append(
                "keywords matched" if self.vector or not self.score else f"keywords matched (cosine {self.score:.2f})"
            )
        return "; ".join(parts)


@dataclass
class Hit:
    artifact: dict
    score: float
    why: str
    capabilities: list[CapabilityMatch]
    signals: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.artifact["slug"]

    def as_json(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.artifact.get("name") or self.slug,
            "score": self.score,
            "why": self.why,
            "capabilities": [
                {
                    "id": m.capability["id"],
                    "name": m.capability.get("name"),
                    "uri": m.capability.get("uri"),
                    "score": round(m.score, 4),
                }
                for m in self.capabilities
            ],
        }


@dataclass
class SearchResult:
    request: SearchRequest
    hits: list[Hit]
    mode: str  # 'hybrid' | 'keyword' (no vector index) | 'image'
    seconds: float = 0.0

    def recorded(self):
        return RecordedSearch(
            text=self.request.text,
            modality=self.request.modality,
            limit=self.request.limit,
            type=self.request.type,
            hits=tuple((h.slug, h.score) for h in self.hits),
            image=self.request.image,
        )


@dataclass
class Prepared:
    """What the vector side found: the FAISS hits and the query vector, and the lists in play."""

    capability_hits: list
    name_hits: list
    image_hits: list
    query_vector: object  # numpy vector, or None
    mode: str
    lists: tuple[str, ...]


# Parts of a search that run beside the main line (the keyword search, the name index).
_SIDE_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="matchgraph-search")


class SearchUnavailable(Exception):
    """This process holds no search state (no vector service); the message says so."""


class HybridSearch:
    """The search engine over a VectorService (embed/vectors.py), which holds the FAISS indexes and
    the search catalog."""

    def __init__(self, vectors):
        self.vectors = vectors

    def _check(self, request: SearchRequest) -> None:
        request.checked()
        if self.vectors is None:
            raise SearchUnavailable("search is not available in this process (no vector service)")

    # -- the vector side ----------------------------------------------------------------------------
    def prepare(self, request: SearchRequest) -> Prepared:
        """Embeds the query and looks it up in the FAISS indexes."""
        self._check(request)
        capability_hits: list = []
        name_hits: list = []
        image_hits: list = []
        query_vector = None
        lists: list[str] = []
        self.vectors.refresh_in_background()  # at most one graph check every few seconds, never waited for
        if request.image is not None:
            image_hits = self._image_hits(request.image)
            lists.append("image")
        text = request.text.strip()
        if text:
            capabilities = self.vectors.index("capabilities")
            names = self.vectors.index("artifacts")
            if capabilities is not None or names is not None:
                query_vector = self.vectors.text_embedder().encode_query(text)
                matrix = query_vector.reshape(1, -1)
                k = CAPABILITY_K * (3 if request.type else 1)
                # The two indexes are searched side by side (FAISS releases the GIL).
                nearest_names = _SIDE_THREADS.submit(names.search, matrix, NAME_K) if names is not None else None
                if capabilities is not None:
                    capability_hits = capabilities.search(matrix, k)[0]
                    lists.append("capability")
                if nearest_names is not None:
                    name_hits = [(slug, score) for slug, score in nearest_names.result()[0] if score >= NAME_MIN_COSINE]
                    lists.append("name")
        if text:
            lists.append("keyword")
        lists.append("graph")
        if request.image is not None:
            mode = "image"
        else:
            mode = "hybrid" if "capability" in lists or "name" in lists else "keyword"
        return Prepared(capability_hits, name_hits, image_hits, query_vector, mode, tuple(lists))

    def _image_hits(self, image: bytes) -> list:
        try:
            embedder = self.vectors.image_embedder()
        except ImageWeightsMissing as error:
            raise ImageSearchUnavailable(str(error)) from None
        try:
            check_image(image, self.vectors.settings.image_max_bytes, name="`image`")
        except ImageError as error:
            raise SearchInputError(str(error)) from None
        vector = embedder.encode([image])
        index = self.vectors.index("images")
        if index is None:
            return []
        return index.search(vector.reshape(1, -1), IMAGE_K)[0]

    def candidates(self, request: SearchRequest, prepared: Prepared, keywords=None):
        """The candidate artifacts from the catalog (embed/catalog.py `Candidates`): what each list found."""
        return self.vectors.catalog().candidates(
            text=request.text.strip(),
            type=request.type,
            capability_hits=prepared.capability_hits,
            name_hits=prepared.name_hits,
            image_hits=prepared.image_hits,
            keyword_limit=KEYWORD_LIMIT,
            keywords=keywords,
        )

    # -- fusion -----------------------------------------------------------------------------------
    def fuse(self, request: SearchRequest, prepared: Prepared, candidates) -> list[Hit]:
        capabilities = self.vectors.index("capabilities") if prepared.query_vector is not None else None

        def cosines(keys: list[str]) -> dict[str, float]:
            return {} if capabilities is None else capabilities.cosines(keys, prepared.query_vector)

        return fuse(request, prepared, candidates, cosines)

    # -- whole searches ---------------------------------------------------------------------------
    def search_sync(self, request: SearchRequest) -> SearchResult:
        """One search, start to end, in this thread (the CLI, the benchmarks, the API's worker thread)."""
        started = time.perf_counter()
        self._check(request)  # before the keyword thread starts (prepare checks again, for its own callers)
        text = request.text.strip()
        # The keyword search needs no query vector: it runs in a second thread while this one embeds
        # the query and searches FAISS (both release the GIL), about a millisecond off each search.
        keywords = _SIDE_THREADS.submit(self.vectors.catalog().keyword_hits, text, KEYWORD_LIMIT) if text else None
        prepared = self.prepare(request)
        candidates = self.candidates(request, prepared, keywords.result() if keywords is not None else None)
        hits = self.fuse(request, prepared, candidates)
        return SearchResult(request, hits, prepared.mode, time.perf_counter() - started)

    async def search(self, request: SearchRequest) -> SearchResult:
        """The API's path: the whole search in a worker thread (it holds no event-loop time)."""
        import anyio

        return await anyio.to_thread.run_sync(self.search_sync, request)


# -- fusion, a pure function of the candidates ------------------------------------------------------
# A search has a hundred or more candidates and shows a few: candidates are scored from plain
# numbers, and fields, matched capabilities and the "why" are built for the hits only.
def capability_score(vector: list[tuple[str, float]]) -> float:
    """The best capability cosine plus a small bonus for the next ones."""
    cosines = sorted((score for _, score in vector), reverse=True) if len(vector) > 1 else [vector[0][1]]
    return cosines[0] + sum(bonus * cosine for bonus, cosine in zip(FURTHER_CAPABILITY_BONUS, cosines[1:]))


def keyword_score(candidate) -> float | None:
    """The best BM25 score of its capabilities (+0.1 per further keyword match), or its name's, doubled."""
    if not candidate.keyword and candidate.name_keyword is None:
        return None
    score = candidate.keyword[0][1] + 0.1 * (len(candidate.keyword) - 1) if candidate.keyword else 0.0
    return max(score, NAME_KEYWORD_FACTOR * (candidate.name_keyword or 0.0))


def graph_prior(artifact: dict, head_to_head: dict | None) -> float:
    """0..1 from the graph's signals: rank (computed, else published), popularity, head-to-head."""
    rank = artifact.get("computedRank")
    if rank is None:
        rank = artifact.get("rank")
    rank_part = min(max(float(rank or 0) / 100.0, 0.0), 1.0)
    matched = float(artifact.get("timesMatched") or 0)
    popularity = min(math.log1p(matched) / math.log1p(TIMES_MATCHED_SCALE), 1.0)
    games = (head_to_head or {}).get("games") or 0
    wins = (head_to_head or {}).get("wins") or 0
    record = (wins + 1) / (games + 2)  # Laplace: 0.5 with no games
    return (
        PRIOR_WEIGHTS["rank"] * rank_part
        + PRIOR_WEIGHTS["timesMatched"] * popularity
        + PRIOR_WEIGHTS["headToHead"] * record
    )


def _prior(candidates, slug: str) -> float:
    """The graph prior, worked out once per artifact and signals snapshot."""
    derived = candidates.signals.derived
    value = derived.get(slug)
    if value is None:
        value = derived[slug] = graph_prior(candidates.artifact(slug), candidates.head_to_head(slug))
    return value


def _ranked(values: dict[str, float]) -> dict[str, int]:
    """Rank from 1 of each key by value, best first; ties broken by slug."""
    order = sorted(values, key=lambda slug: (-values[slug], slug))
    return {slug: position for position, slug in enumerate(order, start=1)}


def fuse(
    request: SearchRequest, prepared: Prepared, candidates, cosines: Callable[[list[str]], dict[str, float]]
) -> list[Hit]:
    """The hits, best first: reciprocal-rank fusion of the lists in play (see the module's docstring).
    ``cosines`` gives the query's cosine to capabilities the vector search did not return (those
    matched by keywords only), for the hits' matched capabilities."""
    found = candidates.by_slug
    scores_by_list: dict[str, dict[str, float]] = {
        "capability": {slug: capability_score(c.vector) for slug, c in found.items() if c.vector},
        "name": {slug: c.name for slug, c in found.items() if c.name is not None},
        "keyword": {slug: v for slug, c in found.items() if (v := keyword_score(c)) is not None},
        "image": {slug: c.image for slug, c in found.items() if c.image is not None},
    }
    relevant = {slug for values in scores_by_list.values() for slug in values}
    scores_by_list["graph"] = {slug: _prior(candidates, slug) for slug in relevant}
    active = [name for name in prepared.lists if name in scores_by_list]
    ranks = {name: _ranked(scores_by_list[name]) for name in active}
    best_possible = sum(WEIGHTS[name] for name in active) / (RRF_K + 1)
    fused = dict.fromkeys(relevant, 0.0)
    for name in active:
        weight = WEIGHTS[name] / best_possible
        for slug, rank in ranks[name].items():
            fused[slug] += weight / (RRF_K + rank)
    order = sorted(fused, key=lambda slug: (-fused[slug], slug))[: request.limit]
    shown = {
        slug: (
            best_first(found[slug].vector)[:MAX_MATCHED_CAPABILITIES],
            found[slug].keyword[:MAX_MATCHED_CAPABILITIES],
        )
        for slug in order
    }
    # Cosines of the shown keyword matches that no vector hit of their artifact brought, in one batch.
    vector_keys = {slug: {key for key, _ in found[slug].vector} for slug in order}
    missing = list(
        dict.fromkeys(key for slug, (_, keyword) in shown.items() for key, _ in keyword if key not in vector_keys[slug])
    )
    cosine = cosines(missing) if missing else {}
    return [
        _hit(candidates, found[slug], *shown[slug], cosine, round(fused[slug], 4), prepared.mode, scores_by_list)
        for slug in order
    ]


def _matches(
    candidates, candidate, vector: list[tuple[str, float]], keyword: list[tuple[str, float]], cosine: dict[str, float]
) -> list[CapabilityMatch]:
    """The matched capabilities, best first: vector matches with their cosine, keyword matches marked
    (a keyword-only match carries its cosine to the query when it has an embedding, else 0)."""
    found = {key: CapabilityMatch(candidates.capability(key), score, True, False) for key, score in vector}
    every_vector_hit = dict(candidate.vector)
    for key, _ in keyword:
        entry = found.get(key)
        if entry is None:
            score = every_vector_hit.get(key, cosine.get(key))
            entry = found[key] = CapabilityMatch(
                candidates.capability(key), max(float(score), 0.0) if score is not None else 0.0, False, False
            )
        entry.keyword = True
    return sorted(found.values(), key=lambda m: (-m.score, not m.vector, m.capability["id"]))


def _hit(
    candidates,
    candidate,
    vector,
    keyword,
    cosine: dict[str, float],
    score: float,
    mode: str,
    scores_by_list: dict[str, dict[str, float]],
) -> Hit:
    slug = candidate.slug
    matched = _matches(candidates, candidate, vector, keyword, cosine)
    artifact = candidates.artifact(slug)
    head_to_head = candidates.head_to_head(slug)
    reasons: list[str] = []
    if mode == "keyword":
        reasons.append("keyword search only (no vector index yet)")
    if candidate.image is not None:
        reasons.append(f"image matched {candidate.image:.2f}")
    vector_matches = [m for m in matched if m.vector]
    if vector_matches:
        best = vector_matches[0]
        more = len(vector_matches) - 1
        label = best.capability.get("name") or best.capability["id"]
        reasons.append(f"capability '{label}' matched {best.score:.2f}" + (f" (+{more} more)" if more else ""))
    if candidate.name is not None:
        reasons.append(f"name matched {candidate.name:.2f}")
    elif candidate.name_keyword is not None:
        reasons.append("name matched")
    keyword_capabilities = sum(1 for m in matched if m.keyword)
    if keyword_capabilities:
        reasons.append(f"keywords in {keyword_capabilities} capabilit{'y' if keyword_capabilities == 1 else 'ies'}")
    if artifact.get("computedRank") is not None:
        reasons.append(f"computed rank {artifact['computedRank']:.0f}")
    elif artifact.get("rank") is not None:
        reasons.append(f"rank {artifact['rank']}")
    if artifact.get("timesMatched"):
        times = artifact["timesMatched"]
        reasons.append(f"matched {times} time{'' if times == 1 else 's'}")
    games = head_to_head.get("games") or 0
    if games:
        reasons.append(f"head-to-head {head_to_head.get('wins') or 0}/{games} won")
    signals = {name: values[slug] for name, values in scores_by_list.items() if slug in values}
    return Hit(
        artifact=artifact,
        score=score,
        why="; ".join(reasons),
        capabilities=matched[:MAX_MATCHED_CAPABILITIES],
        signals=signals,
    )


# -- the service the API holds: search, count, record ----------------------------------------------
class SearchService:
    """Runs searches for the API and hands each result to the recorder (never waiting for it).

    ``vectors`` returns the VectorService the app holds right now (None until it is loaded, or
    when this process has none): searches before that run on keywords and graph signals.
    """

    def __init__(
        self, vectors: Callable[[], object | None], recorder=None, observe: Callable[[SearchResult], None] | None = None
    ):
        self.vectors = vectors
        self.recorder = recorder
        self.observe = observe

    async def search(self, request: SearchRequest) -> SearchResult:
        result = await HybridSearch(self.vectors()).search(request)
        if self.observe is not None:
            self.observe(result)
        if self.recorder is not None:
            self.recorder.submit(result.recorded())
        return result
