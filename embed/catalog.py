"""The search catalog: the part of the graph hybrid search reads, held in this process.

A search has a budget of a few milliseconds; one Cypher round trip for the keyword search and the
candidates' fields cost more than the query embedding and FAISS together (benchmarks/search_bench.py).
So each process that searches keeps a copy of what search reads, the way it keeps the FAISS indexes:

- per artifact: slug, name, type, pricing, capabilityCount, mentionedOnly, and its graph signals
  (published rank, computedRank, timesMatched and its parts, the head-to-head record);
- per capability: id, uri, name, description, unique, vsAlternatives, and the artifact(s) having it;
- which artifacts each image depicts;
- two keyword indexes (tantivy: BM25 with Lucene's defaults, in memory): capability texts
  (description, unique) analysed like Neo4j's `capability_text_english` index (lower case, English
  stop words, English stemming, so "object detection" finds "detects objects"), and artifact names
  and slugs analysed like `artifact_text` (lower case, no stemming).

Freshness: `refresh()` reads the graph's data version (graphdb/data_version.py: every matchgraph
write of what search reads bumps it in its own transaction; one tiny query when nothing changed).
A new content version (ingest, the embedding stage's classification, an image attached) updates the
content; a new version with the same content version (the rank job, head-to-head, recorded
searches) reloads only the signals. The update is incremental: the artifacts and images are read
whole, the capabilities only those the writes since the last load stamped with their version
(exact: no write can commit under a version the catalog has already read), and the capability
keyword index gets the new texts added (rebuilt when a known text changed); when the graph's count
of capabilities does not add up, or the version's generation changed (an emptied graph,
`matchgraph index refresh`), it is loaded whole.
The vector service calls it with the FAISS indexes: at start-up, from a background thread at most
every MATCHGRAPH_INDEX_CHECK_INTERVAL seconds while searches run, and synchronously after the
embedding stage. A reload builds a new snapshot while searches go on with the old one; the swap is
one assignment.

Edits made outside matchgraph (plain Cypher in Neo4j Browser) do not bump the version. Two ways
bring them in: `matchgraph index refresh` starts a new generation, which every catalog loads whole
at its next check, and `full_check()`, which a server runs every MATCHGRAPH_CATALOG_FULL_CHECK_INTERVAL
seconds: it reads the catalog's sources whole, compares their checksum with the held copy's and
reloads what differs.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from graphdb.repository.search import CatalogRepository, DataVersion

log = logging.getLogger("matchgraph.catalog")

_WORD = re.compile(r"\w[\w.\-]*", re.UNICODE)

# Query-side stop words, for both indexes: the artifact-name index keeps stop words (names such as
# "The Pile" are indexed whole), so "a", "for" or "the" in a question would match many names. Left
# out of the query unless they are all there is.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "for",
        "from",
        "how",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "use",
        "using",
        "want",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "without",
        "you",
        "your",
        "need",
        "needs",
        "some",
        "any",
    ]
)

# Lucene's English stop set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET), which Neo4j's 'english'
# full-text analyzer removes at index time.
LUCENE_ENGLISH_STOP_WORDS = [
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "but",
    "by",
    "for",
    "if",
    "in",
    "into",
    "is",
    "it",
    "no",
    "not",
    "of",
    "on",
    "or",
    "such",
    "that",
    "the",
    "their",
    "then",
    "there",
    "these",
    "they",
    "this",
    "to",
    "was",
    "will",
    "with",
]

CAPABILITY_FIELDS = ("description", "unique")
ARTIFACT_FIELDS = ("name", "slug")
SIGNAL_FIELDS = ("rank", "computedRank", "timesMatched", "publishedTimesMatched", "searchMatches")


def query_words(text: str) -> str:
    """The user's words for the keyword indexes: stop words left out (unless that leaves none)."""
    words = [word.lower() for word in _WORD.findall(text)]
    meaningful = [word for word in words if word not in STOP_WORDS] or words
    return " ".join(dict.fromkeys(meaningful))


# -- keyword indexes ------------------------------------------------------------------------------------
def _english_analyzer():
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(255))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(LUCENE_ENGLISH_STOP_WORDS))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _plain_analyzer():
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(255))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


class KeywordIndex:
    """BM25 over a few text fields of keyed documents; a query is the OR of its terms over every field.

    `with_added()` adds documents and returns a new view; this one goes on answering as before
    (each view holds its own tantivy searcher, a point-in-time snapshot of the index)."""

    def __init__(self, fields: tuple[str, ...], analyzer_factory: Callable, keys: list[str], documents: Iterable[dict]):
        import tantivy

        self.fields = fields
        # Rows are positions in `keys`, which only grows, so older views can share it.
        self.keys = list(keys)
        self._live = {key: row for row, key in enumerate(self.keys)}
        self._analyzer = analyzer_factory()
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("row", stored=True, indexed=False)
        for name in fields:
            builder.add_text_field(name, stored=False, tokenizer_name="matchgraph")
        self._schema = builder.build()
        self._index = tantivy.Index(self._schema)  # in memory
        self._index.register_tokenizer("matchgraph", analyzer_factory())
        self._write(enumerate(documents))

    def _document(self, row: int, document: dict):
        import tantivy

        return tantivy.Document(row=row, **{name: document.get(name) or "" for name in self.fields})

    def _write(self, rows: Iterable[tuple[int, dict]]) -> None:
        writer = self._index.writer(heap_size=64_000_000, num_threads=1)
        for row, document in rows:
            writer.add_document(self._document(row, document))
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        self._searcher = self._index.searcher()

    def with_added(self, documents: dict[str, dict]) -> KeywordIndex:
        """A view with ``documents`` (key -> fields, keys not in the index yet) added. Only
        additions: a replaced document would stay in tantivy's BM25 statistics until its segment
        is merged, and scores would drift from a fresh build's (a changed text means a rebuild)."""
        present = [key for key in documents if key in self._live]
        if present:
            raise ValueError(f"already indexed: {present[0]!r} (rebuild the index to change a text)")
        view = copy.copy(self)
        view._live = dict(self._live)
        rows = []
        for key, document in documents.items():
            row = view._live[key] = len(self.keys)
            self.keys.append(key)  # shared and append-only: older views never see these rows
            rows.append((row, document))
        view._write(rows)
        return view

    def __len__(self) -> int:
        return len(self._live)

    def search(self, words: str, limit: int) -> list[tuple[str, float]]:
        """Up to ``limit`` (key, BM25 score) pairs, best first, ties by key (tantivy orders ties by
        where the documents sit in the index, which differs between a built and a grown one)."""
        import tantivy

        terms = list(dict.fromkeys(self._analyzer.analyze(words)))
        if not terms or limit < 1 or not self._live:
            return []
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(self._schema, name, term))
                for term in terms
                for name in self.fields
            ]
        )
        searcher = self._searcher
        hits = searcher.search(query, limit).hits
        return best_first([(self.keys[searcher.doc(address)["row"][0]], float(score)) for score, address in hits])


# -- the snapshot -------------------------------------------------------------------------------------------
@dataclass
class CatalogContent:
    """What ingest changes; never modified once built (a change makes a new one)."""

    artifacts: dict[str, dict]  # slug -> slug, name, type, pricing, capabilityCount, mentionedOnly
    capabilities: dict[str, dict]  # id -> id, uri, name, description, unique, vsAlternatives
    owners: dict[str, tuple[str, ...]]  # capability id -> the slugs having it
    depicts: dict[str, tuple[str, ...]]  # image id -> the slugs it depicts
    capability_text: KeywordIndex | None  # None only in a partial content made from changed rows
    artifact_names: KeywordIndex | None
    seconds: float = 0.0
    incremental: bool = False  # made from the previous content and the changed rows

    @classmethod
    def load(cls, repository) -> CatalogContent:
        """Read from the graph (graphdb/repository/search.py)."""
        return cls.from_rows(repository.artifacts(), repository.capabilities(), repository.images())

    def load_changes(self, repository, since: int) -> CatalogContent:
        """This content with what matchgraph changed in the graph after content version ``since``: the
        artifacts and images read whole (a few per capability), the capabilities only those changed."""
        return self.with_changes(repository.artifacts(), repository.changed_capabilities(since), repository.images())

    def with_changes(
        self, artifact_rows: Iterable[dict], changed_capability_rows: Iterable[dict], image_rows: Iterable[dict]
    ) -> CatalogContent:
        """A new content: the artifacts and images as given, the capabilities as here with the
        changed ones (every owner row of each) replacing theirs. New capability texts are added to
        the keyword index; a changed one rebuilds it."""
        started = time.perf_counter()
        changed = CatalogContent.from_rows([], changed_capability_rows, [], keyword_indexes=False)
        capabilities = {**self.capabilities, **changed.capabilities}
        added = {key: row for key, row in changed.capabilities.items() if key not in self.capabilities}
        rewritten = any(
            any(self.capabilities[key].get(name) != row.get(name) for name in CAPABILITY_FIELDS)
            for key, row in changed.capabilities.items()
            if key in self.capabilities
        )
        capability_text: KeywordIndex | None
        if rewritten or self.capability_text is None:  # a page filled in a text: that index is rebuilt (rare)
            capability_text = _capability_text(capabilities)
        else:
            capability_text = self.capability_text.with_added(added) if added else self.capability_text
        rest = CatalogContent.from_rows(artifact_rows, [], image_rows, keyword_indexes=False)
        return CatalogContent(
            artifacts=rest.artifacts,
            capabilities=capabilities,
            owners={**self.owners, **changed.owners},
            depicts=rest.depicts,
            capability_text=capability_text,
            artifact_names=_artifact_names(rest.artifacts),
            seconds=time.perf_counter() - started,
            incremental=True,
        )

    @classmethod
    def from_rows(
        cls,
        artifact_rows: Iterable[dict],
        capability_rows: Iterable[dict],
        image_rows: Iterable[dict],
        keyword_indexes: bool = True,
    ) -> CatalogContent:
        """Built from rows in CatalogRepository's shapes: artifacts (slug, name, type, ...),
        capabilities (id, uri, name, description, unique, vsAlternatives, artifact: one row per
        owner), images (image, artifact)."""
        started = time.perf_counter()
        artifacts = {row["slug"]: row for row in artifact_rows}
        capabilities: dict[str, dict] = {}
        owners: dict[str, list[str]] = {}
        for row in capability_rows:
            row = dict(row)
            slug = row.pop("artifact")
            capabilities.setdefault(row["id"], row)
            owners.setdefault(row["id"], []).append(slug)
        depicts: dict[str, list[str]] = {}
        for row in image_rows:
            depicts.setdefault(row["image"], []).append(row["artifact"])
        return cls(
            artifacts=artifacts,
            capabilities=capabilities,
            owners={key: tuple(slugs) for key, slugs in owners.items()},
            depicts={key: tuple(slugs) for key, slugs in depicts.items()},
            capability_text=_capability_text(capabilities) if keyword_indexes else None,
            artifact_names=_artifact_names(artifacts) if keyword_indexes else None,
            seconds=time.perf_counter() - started,
        )

    @cached_property
    def checksum(self) -> str:
        """A digest of what the content holds (not how it was built: owner order, incremental or not)."""
        return _digest(
            self.artifacts,
            self.capabilities,
            {key: sorted(slugs) for key, slugs in self.owners.items()},
            {key: sorted(slugs) for key, slugs in self.depicts.items()},
        )

    def with_keyword_indexes(self) -> CatalogContent:
        """This content with its keyword indexes built (a content made with keyword_indexes=False)."""
        started = time.perf_counter()
        return CatalogContent(
            artifacts=self.artifacts,
            capabilities=self.capabilities,
            owners=self.owners,
            depicts=self.depicts,
            capability_text=_capability_text(self.capabilities),
            artifact_names=_artifact_names(self.artifacts),
            seconds=self.seconds + time.perf_counter() - started,
        )


def _digest(*parts) -> str:
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _capability_text(capabilities: dict[str, dict]) -> KeywordIndex:
    return KeywordIndex(CAPABILITY_FIELDS, _english_analyzer, list(capabilities), capabilities.values())


def _artifact_names(artifacts: dict[str, dict]) -> KeywordIndex:
    return KeywordIndex(ARTIFACT_FIELDS, _plain_analyzer, list(artifacts), artifacts.values())


@dataclass
class CatalogSignals:
    """What the rank job, head-to-head and recorded searches change; reloaded whole."""

    values: dict[str, dict]  # slug -> rank, computedRank, timesMatched, publishedTimesMatched, searchMatches
    head_to_head: dict[str, dict]  # slug -> wins, games, strength
    # Values search derives from these signals per artifact (its graph prior), kept with the
    # snapshot they came from so each is worked out once, not once per search.
    derived: dict[str, float] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, repository) -> CatalogSignals:
        return cls.from_rows(repository.signals())

    @classmethod
    def from_rows(cls, rows: Iterable[dict]) -> CatalogSignals:
        """Built from CATALOG_SIGNALS rows: slug, the SIGNAL_FIELDS, wins, games, strength."""
        values, head_to_head = {}, {}
        for row in rows:
            values[row["slug"]] = {name: row[name] for name in SIGNAL_FIELDS}
            head_to_head[row["slug"]] = {"wins": row["wins"], "games": row["games"], "strength": row["strength"]}
        return cls(values, head_to_head)

    @cached_property
    def checksum(self) -> str:
        return _digest(self.values, self.head_to_head)


NO_SIGNALS = dict.fromkeys(SIGNAL_FIELDS)  # an artifact the signals do not know yet (read-only)
NO_GAMES = {"wins": 0, "games": 0, "strength": None}


def best_first(pairs: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """(key, score) pairs best first, ties by key."""
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0])) if len(pairs) > 1 else pairs


@dataclass
class KeywordHits:
    """A keyword search's hits, with the catalog snapshot they refer to."""

    content: CatalogContent
    signals: CatalogSignals
    capabilities: list[tuple[str, float]]  # (capability id, BM25 score), best first
    artifacts: list[tuple[str, float]]  # (slug, BM25 score) on names and slugs, best first
    by_artifact: dict[str, list[tuple[str, float]]]  # slug -> its capabilities among those, best first

    @classmethod
    def search(cls, content: CatalogContent, signals: CatalogSignals, text: str, limit: int) -> KeywordHits:
        """The ``limit`` best capability texts and artifact names for the user's words, the capability
        hits grouped by the artifacts having them."""
        words = query_words(text) if text else ""
        if not words or content.capability_text is None or content.artifact_names is None:
            return cls(content, signals, [], [], {})
        capabilities = content.capability_text.search(words, limit)
        by_artifact: dict[str, list[tuple[str, float]]] = {}
        for key, score in capabilities:
            for slug in content.owners.get(key, ()):
                by_artifact.setdefault(slug, []).append((key, score))
        return cls(
            content,
            signals,
            capabilities,
            content.artifact_names.search(words, limit),
            {slug: best_first(pairs) for slug, pairs in by_artifact.items()},
        )


@dataclass(slots=True)
class Candidate:
    """One candidate artifact of a search: what each list found of it, as plain numbers."""

    slug: str
    vector: list[tuple[str, float]] = field(default_factory=list)  # (capability id, cosine), every vector hit
    keyword: list[tuple[str, float]] = field(default_factory=list)  # (capability id, BM25), best first
    name: float | None = None  # name embedding cosine
    name_keyword: float | None = None  # BM25 on the name and slug
    image: float | None = None  # best cosine of an image depicting it


@dataclass
class Candidates:
    """A search's candidate artifacts, and the catalog snapshot their fields come from. Fusion
    scores the candidates from their numbers; fields are looked up for the few it returns."""

    content: CatalogContent
    signals: CatalogSignals
    by_slug: dict[str, Candidate]

    @classmethod
    def gather(cls, keywords: KeywordHits, *, type: str | None, capability_hits, name_hits, image_hits) -> Candidates:
        """Every candidate artifact of a search: what the vector indexes (hits as (key, score) pairs
        from FAISS, best first) and the keyword search found of it, from the snapshot the keyword
        search used. The type filter applies after the indexes' limits, as in a search engine's
        post-filter."""
        content = keywords.content
        artifacts = content.artifacts
        found: dict[str, Candidate] = {}

        def candidate(slug: str) -> Candidate:
            entry = found.get(slug)
            if entry is None:
                entry = found[slug] = Candidate(slug)
            return entry

        # An index answers each key once, so scores are set or appended, not compared.
        for key, score in capability_hits:
            for slug in content.owners.get(key, ()):
                candidate(slug).vector.append((key, score))
        for slug, score in name_hits:
            if slug in artifacts:
                candidate(slug).name = score
        for key, score in image_hits:  # several images may depict one artifact: the best counts
            for slug in content.depicts.get(key, ()):
                entry = candidate(slug)
                if entry.image is None or score > entry.image:
                    entry.image = score
        for slug, matches in keywords.by_artifact.items():
            candidate(slug).keyword = matches
        for slug, score in keywords.artifacts:
            candidate(slug).name_keyword = score
        kept = {
            slug: entry
            for slug, entry in found.items()
            if slug in artifacts and (type is None or artifacts[slug].get("type") == type)
        }
        return cls(content, keywords.signals, kept)

    def artifact(self, slug: str) -> dict:
        """The artifact's fields with its graph signals (a new dict: the caller may keep it)."""
        return {**self.content.artifacts[slug], **self.signals.values.get(slug, NO_SIGNALS)}

    def head_to_head(self, slug: str) -> dict:
        return self.signals.head_to_head.get(slug) or NO_GAMES

    def capability(self, key: str) -> dict:
        return self.content.capabilities[key]


class SearchCatalog:
    """The catalog a process holds; thread-safe (readers never wait for a reload)."""

    def __init__(self, driver, database: str):
        self.repository = CatalogRepository(driver, database)
        self._content: CatalogContent | None = None
        self._signals: CatalogSignals | None = None
        self._version: DataVersion | None = None  # the graph's data version the copy is in step with
        self._lock = threading.Lock()  # one reload at a time

    @property
    def loaded(self) -> bool:
        return self._content is not None and self._signals is not None

    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.refresh()

    def refresh(self) -> str | None:
        """Brings the copy in step with the graph's data version; says what it reloaded ('content',
        'signals' or None). Edits that did not bump the version wait for `full_check()` or a new
        generation (`matchgraph index refresh`)."""
        with self._lock:
            # The version first: a write that commits while loading shows up at the next check.
            version = self.repository.version()
            previous = self._version
            if self._content is None or not version.same_content(previous):
                content = self._changed_content(previous, version) or CatalogContent.load(self.repository)
                self._install(content, CatalogSignals.load(self.repository), version)
                return "content"
            if self._signals is None or not version.same(previous):
                self._signals = CatalogSignals.load(self.repository)
                self._version = version
                return "signals"
            return None

    def full_check(self) -> str | None:
        """Compares the copy with the graph read whole (a checksum of each part), and reloads what
        differs; says what it reloaded ('content', 'signals' or None). For edits made outside
        matchgraph, which do not bump the data version; nothing when nothing is loaded yet."""
        with self._lock:
            if self._content is None or self._signals is None:
                return None
            version = self.repository.version()
            content = CatalogContent.from_rows(
                self.repository.artifacts(),
                self.repository.capabilities(),
                self.repository.images(),
                keyword_indexes=False,
            )
            signals = CatalogSignals.load(self.repository)
            if content.checksum != self._content.checksum:
                if version.same_content(self._version):  # matchgraph wrote nothing since: someone else did
                    log.warning("search catalog: the graph was edited outside matchgraph; loading it whole")
                self._install(content.with_keyword_indexes(), signals, version)
                return "content"
            if signals.checksum != self._signals.checksum:
                log.info("search catalog: the graph's signals differ from the copy; reloaded")
                self._signals = signals
                return "signals"
            return None

    def _install(self, content: CatalogContent, signals: CatalogSignals, version: DataVersion) -> None:
        self._content, self._signals, self._version = content, signals, version
        log.info(
            "search catalog %s: %d artifacts, %d capabilities, %.1fs",
            "updated" if content.incremental else "loaded",
            len(content.artifacts),
            len(content.capabilities),
            content.seconds,
        )

    def _changed_content(self, previous: DataVersion | None, version: DataVersion) -> CatalogContent | None:
        """The content updated with what matchgraph changed since the previous load; None when a full
        load is needed (a new generation, or the update does not add up to the graph's count of
        capabilities: some were deleted, or written by something else)."""
        content = self._content
        if content is None or previous is None or previous.content is None or version.content is None:
            return None
        if version.generation != previous.generation or version.content < previous.content:
            return None
        updated = content.load_changes(self.repository, since=previous.content)
        # Capabilities the catalog leaves out (none have no owner today) must stay as many as before.
        if version.capabilities - len(updated.capabilities) != previous.capabilities - len(content.capabilities):
            log.info("search catalog: the update does not match the graph's counts; loading it whole")
            return None
        return updated

    def stats(self) -> dict:
        content = self._content
        if content is None:
            return {"loaded": False}
        return {
            "loaded": True,
            "artifacts": len(content.artifacts),
            "capabilities": len(content.capabilities),
            "images": len(content.depicts),
            "loadSeconds": round(content.seconds, 3),
            "incremental": content.incremental,
            "dataVersion": self._version.version if self._version else None,
        }

    def _loaded(self) -> tuple[CatalogContent, CatalogSignals]:
        """The held content and signals, loaded first when this process has none yet."""
        self.ensure_loaded()
        content, signals = self._content, self._signals
        if content is None or signals is None:
            raise RuntimeError("the search catalog did not load")
        return content, signals

    # -- keywords and candidates ----------------------------------------------------------------------------
    def keyword_hits(self, text: str, limit: int) -> KeywordHits:
        """The keyword search alone (it needs no query vector, so a search runs it beside the embedding)."""
        content, signals = self._loaded()
        return KeywordHits.search(content, signals, text, limit)

    def candidates(
        self,
        *,
        text: str,
        type: str | None,
        capability_hits,
        name_hits,
        image_hits,
        keyword_limit: int,
        keywords: KeywordHits | None = None,
    ) -> Candidates:
        """The search's candidates (`Candidates.gather`); ``keywords`` is the result of
        `keyword_hits`, run here when not given."""
        if keywords is None:
            keywords = self.keyword_hits(text, keyword_limit)
        return Candidates.gather(
            keywords, type=type, capability_hits=capability_hits, name_hits=name_hits, image_hits=image_hits
        )
