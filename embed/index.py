"""FAISS vector indexes, one per modality, persisted as `<name>.faiss` + `<name>.manifest.json`.

An index maps string keys (capability ids, artifact slugs, image ids) to L2-normalised vectors and
answers nearest-neighbour queries by inner product, which for unit vectors is the cosine:

- "flat": `IndexFlatIP`, exact, used below `approximate_threshold` vectors;
- "hnsw": `IndexHNSWSQ` (M=32, efConstruction=200, inner product) at or above it, with
  efSearch=HNSW_EF_SEARCH (768), chosen with `benchmarks/vector_index_bench.py` for recall@10 >= 0.95
  on search queries. It stores the vectors as float16: half the memory, and searches about 20%
  faster (fewer bytes per distance), at the same recall (benchmarks/search_bench.py; cosines move
  by about 1e-4).

The manifest records what the index was built from (model, dimension, count, kind, the graph
fingerprint of its vectors), the SHA-256 of the `.faiss` file, the keys in FAISS id order, when and
by which matchgraph version. Each file is written to a temporary file and `os.replace`d, under a
lock file, so a reader never sees half a file; `load` checks everything it can and raises
`IndexMissing` or `IndexCorrupt` with the reason, and the owner (embed/vectors.py) rebuilds.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from graphdb import __version__

KINDS = ("flat", "hnsw")
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
# Measured by benchmarks/vector_index_bench.py (benchmarks/results/vector_index.json), 60,000
# MiniLM capability vectors: capability-like queries reach recall@10 >= 0.95 from efSearch 16, but
# short search queries (embed/queries.json), the search path, need 768 (0.963-0.979 over two
# builds; 512 gives 0.948-0.949).
HNSW_EF_SEARCH = 768
MANIFEST_FORMAT = 1


class VectorIndexError(Exception):
    """Base of the index errors."""


class IndexMissing(VectorIndexError):
    """The index files are not there."""


class IndexCorrupt(VectorIndexError):
    """The index files are there but unusable; the message says which check failed."""


class IndexOutdated(IndexCorrupt):
    """The index files are sound but laid out as an older matchgraph built them; rebuilt like corrupt ones."""


_faiss_threads: int | None = None  # set_faiss_threads(); None until then


def _faiss():
    """faiss, with this thread's OpenMP team size set (MATCHGRAPH_FAISS_THREADS, default 1).

    Imported on first use: importing embed.index stays cheap for the CLI's other verbs. OpenMP's
    thread count is a per-thread setting, so it is set on every call, from the thread about to
    build or search (API searches run in worker threads).
    """
    import faiss

    threads = _faiss_threads
    if threads is None:
        threads = int(os.environ.get("MATCHGRAPH_FAISS_THREADS", "1") or 1)
    faiss.omp_set_num_threads(max(1, threads))
    return faiss


def set_faiss_threads(threads: int) -> None:
    """FAISS's OpenMP threads for this process's builds and searches (MATCHGRAPH_FAISS_THREADS, default 1).

    Searches here are one query at a time; OpenMP splits even those, and its spin-waiting threads
    compete with everything else on the machine, so on a few busy cores a single search is many
    times slower with a team than with one thread (benchmarks/search_bench.py). More threads only
    pay for index builds on many-core machines.
    """
    global _faiss_threads
    _faiss_threads = max(1, threads)


def _version() -> str:
    return __version__


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _as_matrix(vectors, dimension: int | None = None) -> np.ndarray:
    matrix = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    if matrix.ndim != 2:
        raise ValueError(f"vectors must be a 2-d array (got shape {matrix.shape})")
    if dimension is not None and matrix.shape[1] != dimension:
        raise ValueError(f"vectors have dimension {matrix.shape[1]}, the index has {dimension}")
    return matrix


def _manifest_checksum(manifest: dict) -> str:
    """Of every other field: a manifest edited or damaged anywhere (a key, the model) is caught."""
    rest = {field: value for field, value in manifest.items() if field != "manifestSha256"}
    return _sha256(json.dumps(rest, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def index_paths(folder: Path, name: str) -> tuple[Path, Path]:
    return folder / f"{name}.faiss", folder / f"{name}.manifest.json"


@contextmanager
def folder_lock(folder: Path, exclusive: bool) -> Iterator[None]:
    """An advisory lock on `<folder>/.lock`: one writer at a time across processes (the CLI may
    update the files while a server reads them), so a .faiss and its manifest always belong together."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class VectorIndex:
    """One FAISS index with its keys. Thread-safe: searches and incremental adds take a lock."""

    def __init__(
        self,
        name: str,
        kind: str,
        faiss_index,
        keys: list[str],
        model: str,
        fingerprint: str,
        created_at: str | None = None,
        extra: dict | None = None,
    ):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS} (got {kind!r})")
        self.name = name
        self.kind = kind
        self.model = model
        self.fingerprint = fingerprint
        self.created_at = created_at or dt.datetime.now(dt.UTC).isoformat()
        self.extra = dict(extra or {})  # what the owner wants kept in the manifest (e.g. the fingerprint's parts)
        self._index = faiss_index
        self._keys = list(keys)
        self._positions = {key: position for position, key in enumerate(self._keys)}
        self._lock = threading.Lock()

    # -- what it holds ---------------------------------------------------------------------------
    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @property
    def count(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def __contains__(self, key: str) -> bool:
        return key in self._positions

    def __repr__(self) -> str:
        return f"VectorIndex({self.name!r}, kind={self.kind!r}, count={self.count}, dimension={self.dimension})"

    # -- building ----------------------------------------------------------------------------------
    @staticmethod
    def _empty_faiss(kind: str, dimension: int):
        faiss = _faiss()
        if kind == "flat":
            return faiss.IndexFlatIP(dimension)
        index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index

    @classmethod
    def build(
        cls,
        name: str,
        keys: Sequence[str],
        vectors: np.ndarray,
        model: str,
        fingerprint: str,
        approximate_threshold: int,
        dimension: int | None = None,
        extra: dict | None = None,
    ) -> VectorIndex:
        """A new index over ``keys``/``vectors`` (rows L2-normalised): exact below the threshold, HNSW from it.

        ``dimension`` is needed only when there are no vectors (an empty index).
        """
        keys = list(keys)
        if len(set(keys)) != len(keys):
            raise ValueError(f"index {name}: duplicate keys")
        if len(keys) == 0:
            if dimension is None:
                raise ValueError(f"index {name}: an empty index needs its dimension")
            matrix = np.zeros((0, dimension), dtype=np.float32)
        else:
            matrix = _as_matrix(vectors, dimension)
        if matrix.shape[0] != len(keys):
            raise ValueError(f"index {name}: {len(keys)} keys for {matrix.shape[0]} vectors")
        kind = "hnsw" if len(keys) >= approximate_threshold else "flat"
        index = cls._empty_faiss(kind, matrix.shape[1])
        if len(keys):
            index.add(matrix)
        return cls(name, kind, index, keys, model, fingerprint, extra=extra)

    def add(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Appends new keys (incremental); a key already present is an error (rebuild instead)."""
        keys = list(keys)
        if not keys:
            return
        matrix = _as_matrix(vectors, self.dimension)
        if matrix.shape[0] != len(keys):
            raise ValueError(f"index {self.name}: {len(keys)} keys for {matrix.shape[0]} vectors")
        with self._lock:
            present = [key for key in keys if key in self._positions]
            if present or len(set(keys)) != len(keys):
                raise ValueError(f"index {self.name}: keys already indexed or repeated, e.g. {(present or keys)[0]!r}")
            _faiss()  # this thread's OpenMP threads
            self._index.add(matrix)
            for key in keys:
                self._positions[key] = len(self._keys)
                self._keys.append(key)

    # -- searching ---------------------------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """Per query row, up to ``k`` (key, cosine) pairs, best first."""
        matrix = _as_matrix(queries, self.dimension)
        if k < 1 or self.count == 0:
            return [[] for _ in range(matrix.shape[0])]
        _faiss()  # this thread's OpenMP threads (one by default: see set_faiss_threads)
        with self._lock:
            scores, ids = self._index.search(matrix, min(k, self.count))
            keys = self._keys
            return [
                [(keys[i], float(s)) for s, i in zip(row_scores, row_ids) if i >= 0]
                for row_scores, row_ids in zip(scores, ids)
            ]

    def cosines(self, keys: Sequence[str], query: np.ndarray) -> dict[str, float]:
        """The cosine of each indexed key's stored vector to a unit ``query`` vector (keys not indexed left out)."""
        found = [(key, self._positions[key]) for key in keys if key in self._positions]
        if not found:
            return {}
        with self._lock:
            stored = self._index.reconstruct_batch(np.array([position for _, position in found], dtype=np.int64))
        scores = stored @ np.asarray(query, dtype=np.float32).reshape(-1)
        return {key: float(score) for (key, _), score in zip(found, scores)}

    def vectors(self) -> np.ndarray:
        """Every stored vector in key order (float16-rounded in HNSW): for tests and checks."""
        with self._lock:
            return self._index.reconstruct_n(0, self.count) if self.count else np.zeros((0, self.dimension), np.float32)

    # -- persistence -------------------------------------------------------------------------------
    def manifest(self, checksum: str) -> dict:
        manifest = {
            "format": MANIFEST_FORMAT,
            "name": self.name,
            "kind": self.kind,
            "model": self.model,
            "dimension": self.dimension,
            "count": self.count,
            "fingerprint": self.fingerprint,
            "sha256": checksum,
            "createdAt": self.created_at,
            "matchgraphVersion": _version(),
            "keys": self._keys,
        }
        if self.kind == "hnsw":
            manifest["hnsw"] = {
                "M": HNSW_M,
                "efConstruction": HNSW_EF_CONSTRUCTION,
                "efSearch": HNSW_EF_SEARCH,
                "storage": "float16",
            }
        if self.extra:
            manifest["extra"] = self.extra
        manifest["manifestSha256"] = _manifest_checksum(manifest)
        return manifest

    def save(self, folder: Path) -> None:
        """Writes `<name>.faiss`, then `<name>.manifest.json` naming its checksum, each atomically."""
        folder = Path(folder)
        faiss_path, manifest_path = index_paths(folder, self.name)
        with self._lock:
            data = _faiss().serialize_index(self._index).tobytes()
            manifest = self.manifest(_sha256(data))
        with folder_lock(folder, exclusive=True):
            _write_atomically(faiss_path, data)
            _write_atomically(manifest_path, json.dumps(manifest, separators=(",", ":")).encode("utf-8"))

    @staticmethod
    def read_manifest(folder: Path, name: str) -> dict:
        """The manifest alone (cheap: no index read); raises IndexMissing / IndexCorrupt."""
        _, manifest_path = index_paths(Path(folder), name)
        if not manifest_path.is_file():
            raise IndexMissing(f"index {name}: no manifest at {manifest_path}")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise IndexCorrupt(f"index {name}: the manifest {manifest_path.name} is not valid JSON ({error})") from None
        needed = ("name", "kind", "model", "dimension", "count", "fingerprint", "sha256", "keys", "manifestSha256")
        missing = [field for field in needed if field not in manifest] if isinstance(manifest, dict) else list(needed)
        if missing:
            raise IndexCorrupt(f"index {name}: the manifest lacks {', '.join(missing)}")
        if _manifest_checksum(manifest) != manifest["manifestSha256"]:
            raise IndexCorrupt(f"index {name}: the manifest {manifest_path.name} does not match its own checksum")
        return manifest

    @classmethod
    def load(cls, folder: Path, name: str) -> VectorIndex:
        """Reads and checks an index; raises IndexMissing or IndexCorrupt saying what is wrong."""
        folder = Path(folder)
        faiss_path, manifest_path = index_paths(folder, name)
        if not faiss_path.is_file() and not manifest_path.is_file():
            raise IndexMissing(f"index {name}: no files in {folder}")
        with folder_lock(folder, exclusive=False):
            if not faiss_path.is_file():
                raise IndexMissing(f"index {name}: {faiss_path.name} is missing")
            manifest = cls.read_manifest(folder, name)
            data = faiss_path.read_bytes()
        if _sha256(data) != manifest["sha256"]:
            raise IndexCorrupt(f"index {name}: {faiss_path.name} does not match the checksum in its manifest")
        if manifest["kind"] not in KINDS:
            raise IndexCorrupt(f"index {name}: unknown kind {manifest['kind']!r} in the manifest")
        keys = manifest["keys"]
        if not isinstance(keys, list) or len(keys) != manifest["count"] or len(set(keys)) != len(keys):
            raise IndexCorrupt(f"index {name}: the manifest's keys do not match its count {manifest['count']}")
        try:
            index = _faiss().deserialize_index(np.frombuffer(data, dtype=np.uint8))
        except Exception as error:
            raise IndexCorrupt(
                f"index {name}: FAISS cannot read {faiss_path.name} ({str(error).splitlines()[0]})"
            ) from None
        if index.ntotal != manifest["count"]:
            raise IndexCorrupt(
                f"index {name}: {faiss_path.name} holds {index.ntotal} vectors, the manifest says {manifest['count']}"
            )
        if index.d != manifest["dimension"]:
            raise IndexCorrupt(f"index {name}: dimension {index.d}, the manifest says {manifest['dimension']}")
        expected_type = "IndexFlatIP" if manifest["kind"] == "flat" else "IndexHNSWSQ"
        if manifest["kind"] == "hnsw" and type(index).__name__ == "IndexHNSWFlat":
            raise IndexOutdated(
                f"index {name}: {faiss_path.name} stores float32 vectors (an older layout; "
                "HNSW indexes now store float16)"
            )
        if type(index).__name__ != expected_type:
            raise IndexCorrupt(
                f"index {name}: {faiss_path.name} is a {type(index).__name__}, the manifest says {manifest['kind']}"
            )
        if manifest["kind"] == "hnsw":
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(
            name,
            manifest["kind"],
            index,
            keys,
            manifest["model"],
            manifest["fingerprint"],
            created_at=manifest.get("createdAt"),
            extra=manifest.get("extra"),
        )
