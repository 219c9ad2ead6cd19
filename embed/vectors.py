"""The vector service: the FAISS indexes a process holds, kept in step with the vectors in Neo4j.

Three indexes under `<MATCHGRAPH_DATA_DIR>/indexes/`: "capabilities" (Capability.embedding, keyed by
capability id), "artifacts" (Artifact.nameEmbedding, by slug), both 384-d text vectors, and
"images" (Image.embedding from the ViT, by image id). Neo4j holds the vectors; the index files are
a cache of them that can always be rebuilt.

Beside the indexes it holds the search catalog (embed/catalog.py): the graph's fields, links and
signals search reads, so that a search needs no Cypher round trip.

Freshness: each index records the graph's *fingerprint* of its kind (vector count + newest
timestamp, one cheap query for all three). `ensure_fresh()` compares them and, for a stale index,
adds the new vectors when that is all that changed (incremental), else rebuilds from the graph;
missing or corrupt files are rewritten; then the catalog checks the graph's data version. It is
throttled inside: at most one graph check every MATCHGRAPH_INDEX_CHECK_INTERVAL seconds;
`ensure_fresh(force=True)` checks now. Searches call `refresh_in_background()`, which runs that
check in a background thread and never makes the search wait. `check_catalog()` is the catalog's
full check against edits made outside matchgraph (the API server runs it periodically).

Thread-safe; the API is synchronous (the API server calls it from worker threads).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embed.catalog import SearchCatalog
from embed.index import (
    IndexCorrupt,
    IndexMissing,
    IndexOutdated,
    VectorIndex,
    VectorIndexError,
    index_paths,
    set_faiss_threads,
)
from embed.text_embedder import MODEL_NAME, shared_text_embedder
from embed.vit_embedder import shared_image_embedder
from graphdb.repository.vectors import VectorRepository

log = logging.getLogger("matchgraph.vectors")

INDEX_NAMES = ("capabilities", "artifacts", "images")


def text_model_name() -> str:
    """The name the text vectors are stored under (known without loading the model)."""
    return MODEL_NAME


@dataclass
class _Held:
    """One index as this process holds it, with the file stats it was saved or loaded with."""

    index: VectorIndex | None
    graph_count: int = 0
    newest: str | None = None
    files: tuple | None = None  # (size, mtime_ns) of .faiss and manifest when we last saw them right


def _file_stats(folder: Path, name: str) -> tuple | None:
    try:
        return tuple((s.st_size, s.st_mtime_ns) for s in (p.stat() for p in index_paths(folder, name)))
    except FileNotFoundError:
        return None


class VectorService:
    """What the API server and the CLI hold: lazily loaded embedders and the three indexes."""

    def __init__(self, settings, driver, database: str | None = None):
        self.settings = settings
        self.driver = driver
        self.database = database or settings.neo4j_database
        self.folder = Path(settings.data_dir) / "indexes"
        self.repository = VectorRepository(driver, self.database)
        self.approximate_threshold = settings.ann_threshold
        self._held: dict[str, _Held] = {}
        self._lock = threading.RLock()  # guards _held and serialises loads, rebuilds and saves
        self._last_check = 0.0
        self.events: list[str] = []  # the log lines of rebuilds, newest last (status and tests read them)
        self._catalog = SearchCatalog(driver, self.database)
        set_faiss_threads(settings.faiss_threads)
        self._refresher: threading.Thread | None = None

    # -- embedders ---------------------------------------------------------------------------------
    def text_embedder(self):
        return shared_text_embedder(self.settings.embed_backend, self.settings.device, self.settings.cache_dir)

    def image_embedder(self):
        """The ViT embedder; raises embed.vit_embedder.ImageWeightsMissing when none is configured."""
        return shared_image_embedder(self.settings.vit_model, self.settings.device)

    # -- the search catalog ---------------------------------------------------------------------------
    def catalog(self):
        """The search catalog (embed/catalog.py), loaded from the graph on first use."""
        self._catalog.ensure_loaded()
        return self._catalog

    def check_catalog(self) -> str | None:
        """The catalog compared whole with the graph (`SearchCatalog.full_check`), when it is loaded."""
        return self._catalog.full_check()

    def warm_up(self) -> None:
        """Loads the text embedder now when there are text vectors to search (the first search would
        otherwise pay for it); a failure is logged, and the first search reports it."""
        try:
            if self.index("capabilities") is not None or self.index("artifacts") is not None:
                self.text_embedder()
        except Exception as error:
            log.warning("text embedder not loaded at start-up (%s); the first search loads it", error)

    def refresh_in_background(self) -> None:
        """`ensure_fresh()` in a background thread when a check is due and none is running (never blocks)."""
        if time.monotonic() - self._last_check < self.settings.index_check_interval:
            return
        refresher = self._refresher
        if refresher is not None and refresher.is_alive():
            return
        self._refresher = threading.Thread(target=self.ensure_fresh, name="matchgraph-refresh", daemon=True)
        self._refresher.start()

    # -- the indexes ---------------------------------------------------------------------------------
    def index(self, name: str) -> VectorIndex | None:
        """The index, loaded (or rebuilt from the graph) on first use; None when the graph has no such vectors."""
        if name not in INDEX_NAMES:
            raise KeyError(f"unknown index {name!r}: one of {', '.join(INDEX_NAMES)}")
        held = self._held.get(name)
        if held is None:
            with self._lock:
                held = self._held.get(name)
                if held is None:
                    self._open(name, self.repository.fingerprints()[name])
                    held = self._held[name]
        return held.index

    def start(self) -> list[str]:
        """Loads every index (rebuilding the missing, corrupt and stale ones); the API's start-up.

        Never raises: an index that cannot be loaded now (graph down, bad files that cannot be
        rebuilt) is logged and tried again on first use; the others load regardless.
        """
        rebuilt: list[str] = []
        with self._lock:
            try:
                fingerprints = self.repository.fingerprints()
            except Exception as error:
                log.warning("vector indexes not loaded at start-up (%s); they load on first use", error)
                return rebuilt
            for name in INDEX_NAMES:
                if name in self._held:
                    continue
                try:
                    if self._open(name, fingerprints[name]):
                        rebuilt.append(name)
                except Exception as error:
                    log.warning("index %s not loaded at start-up (%s); it loads on first use", name, error)
            try:
                self._catalog.refresh()
            except Exception as error:
                log.warning("search catalog not loaded at start-up (%s); it loads on first use", error)
            self._last_check = time.monotonic()
        return rebuilt

    def ensure_fresh(self, force: bool = False) -> list[str]:
        """Brings every held index and the catalog in step with the graph; returns the index names
        rebuilt or updated.

        Throttled: without ``force``, at most one check per MATCHGRAPH_INDEX_CHECK_INTERVAL seconds,
        and a failure (the graph down, say) is logged rather than raised, so a search calling it goes
        on with the indexes it has; with ``force`` (the stage, the CLI) errors are raised.
        """
        now = time.monotonic()
        if not force and now - self._last_check < self.settings.index_check_interval:
            return []
        if not self._lock.acquire(blocking=force):
            return []  # another thread is checking right now; searches go on with what is held
        try:
            self._last_check = time.monotonic()
            fingerprints = self.repository.fingerprints()
            changed = []
            for name in INDEX_NAMES:
                if name not in self._held:
                    if self._open(name, fingerprints[name]):
                        changed.append(name)
                elif self._refresh(name, fingerprints[name]):
                    changed.append(name)
            self._catalog.refresh()  # logs what it reloads; the list names indexes only
            return changed
        except Exception as error:
            if force:
                raise
            log.warning("vector indexes not checked against the graph (%s); keeping the ones held", error)
            return []
        finally:
            self._lock.release()

    def rebuild(self, names: list[str] | None = None) -> list[str]:
        """Rebuilds indexes from the graph whatever their state (`matchgraph index rebuild`)."""
        with self._lock:
            fingerprints = self.repository.fingerprints()
            for name in names or INDEX_NAMES:
                self._rebuild(name, fingerprints[name], "requested")
            self._last_check = time.monotonic()
            return list(names or INDEX_NAMES)

    # -- status ----------------------------------------------------------------------------------------
    def status(self) -> dict:
        """Per index: kind, count, dimension, model, fingerprint, path, fresh (and why not, when not).

        Reads what this process holds, else the files (checked, never rebuilt).
        """
        fingerprints = self.repository.fingerprints()
        report = {}
        for name in INDEX_NAMES:
            graph = fingerprints[name]
            faiss_path, _ = index_paths(self.folder, name)
            entry: dict = {"path": str(faiss_path), "graphVectors": graph.count, "graphFingerprint": str(graph)}
            held = self._held.get(name)
            index = held.index if held is not None else None
            if held is None:
                try:
                    index = VectorIndex.load(self.folder, name)
                except IndexMissing as error:
                    if graph.count:
                        entry.update(state="missing", reason=str(error))
                except VectorIndexError as error:
                    entry.update(state="corrupt", reason=str(error))
            if index is not None:
                entry.update(
                    state="ok",
                    kind=index.kind,
                    count=index.count,
                    dimension=index.dimension,
                    model=index.model,
                    fingerprint=index.fingerprint,
                    createdAt=index.created_at,
                )
            elif "state" not in entry:
                entry.update(
                    state="empty" if graph.count == 0 else "missing",
                    reason="the graph has no vectors of this kind" if graph.count == 0 else "not built yet",
                )
            entry["fresh"] = (index.fingerprint == str(graph)) if index is not None else graph.count == 0
            report[name] = entry
        report["images"].update(self._image_state())
        return report

    def _image_state(self) -> dict:
        pending = self.repository.unembedded_images()
        state: dict[str, int | str] = {"pendingImages": pending}
        if not self.settings.vit_model:
            state["imageSearch"] = "off: MATCHGRAPH_VIT_MODEL is not set" + (
                f"; {pending} stored images are not searchable until it is and `matchgraph index rebuild` embeds them"
                if pending
                else ""
            )
        elif pending:
            state["imageSearch"] = f"{pending} images not embedded yet: run `matchgraph index rebuild`"
        else:
            state["imageSearch"] = "on"
        return state

    # -- internals (called with the lock held) ------------------------------------------------------------
    def _note(self, message: str) -> None:
        log.info(message)
        self.events.append(message)
        del self.events[:-50]

    def _open(self, name: str, graph) -> bool:
        """First use: the files when they are sound and fresh, else a rebuild. True when rebuilt."""
        try:
            index = VectorIndex.load(self.folder, name)
        except IndexMissing:
            if graph.count == 0:
                self._held[name] = _Held(None)
                return False
            return self._rebuild(name, graph, "missing")
        except IndexCorrupt as error:
            if graph.count == 0:
                self._remove_files(name)
                self._held[name] = _Held(None)
                return False
            state = "outdated" if isinstance(error, IndexOutdated) else "corrupt"
            return self._rebuild(name, graph, f"{state} ({error})")
        if index.fingerprint == str(graph):
            self._held[name] = _Held(index, graph.count, graph.newest, _file_stats(self.folder, name))
            return False
        self._held[name] = _Held(index, index.count, (index.extra or {}).get("newest"), _file_stats(self.folder, name))
        return self._refresh(name, graph)

    def _refresh(self, name: str, graph) -> bool:
        held = self._held[name]
        index = held.index
        if index is None:
            if graph.count == 0:
                return False
            return self._rebuild(name, graph, f"new (graph has {graph.count} vectors)")
        if index.fingerprint != str(graph):
            if graph.count == 0:
                self._remove_files(name)
                self._held[name] = _Held(None)
                self._note(f"index {name} dropped: the graph has no vectors of this kind")
                return True
            if self._add_new(name, held, graph):
                return True
            return self._rebuild(name, graph, f"stale (graph has {graph.count} vectors, index {index.count})")
        # In step with the graph; are the files still ours? (deleted, corrupted or replaced on disk)
        stats = _file_stats(self.folder, name)
        if stats != held.files:
            try:
                on_disk = VectorIndex.load(self.folder, name)
                if on_disk.fingerprint == index.fingerprint:
                    held.files = stats  # another process wrote the same state
                    return False
                reason = "replaced by another state"
            except VectorIndexError as error:
                reason = f"files {'missing' if isinstance(error, IndexMissing) else 'corrupt'} ({error})"
            self._save(name, index)
            self._note(f"index {name} rewritten: {reason}")
            return True
        return False

    def _add_new(self, name: str, held: _Held, graph) -> bool:
        """Incremental update: only new keys were added since the index was built."""
        index = held.index
        if index is None or held.newest is None or graph.count <= index.count:
            return False
        rows = self.repository.vectors(name, since=held.newest)
        if not rows or index.count + len(rows) != graph.count or any(row["key"] in index for row in rows):
            return False
        if any(row["model"] != index.model for row in rows):
            return False
        vectors = np.array([row["vector"] for row in rows], dtype=np.float32)
        if vectors.shape[1] != index.dimension:
            return False
        index.add([row["key"] for row in rows], vectors)
        index.fingerprint = str(graph)
        index.extra["newest"] = graph.newest
        held.graph_count, held.newest = graph.count, index.extra["newest"]
        self._save(name, index)
        self._note(f"index {name} updated: {len(rows)} new vectors added (graph has {graph.count} vectors)")
        return True

    def _rebuild(self, name: str, graph, reason: str) -> bool:
        started = time.perf_counter()
        rows = self.repository.vectors(name)
        if rows:
            # One model per index: the newest vectors' model (older ones are re-embedded by the stage).
            model = max(rows, key=lambda row: row["at"] or "")["model"]
            rows = [row for row in rows if row["model"] == model]
        if not rows:
            self._remove_files(name)
            self._held[name] = _Held(None)
            self._note(f"index {name} is empty: the graph has no vectors of this kind")
            return True
        vectors = np.array([row["vector"] for row in rows], dtype=np.float32)
        index = VectorIndex.build(
            name,
            [row["key"] for row in rows],
            vectors,
            model,
            str(graph),
            approximate_threshold=self.approximate_threshold,
            extra={"newest": graph.newest},
        )
        self._save(name, index)
        self._held[name] = _Held(index, graph.count, graph.newest, _file_stats(self.folder, name))
        self._note(
            f"index {name} rebuilt: {reason}; {index.count} vectors, {index.kind}, {time.perf_counter() - started:.1f}s"
        )
        return True

    def _save(self, name: str, index: VectorIndex) -> None:
        index.save(self.folder)
        held = self._held.get(name)
        if held is not None:
            held.files = _file_stats(self.folder, name)

    def _remove_files(self, name: str) -> None:
        for path in index_paths(self.folder, name):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
