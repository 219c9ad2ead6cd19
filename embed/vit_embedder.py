"""Image embeddings with a ViT through `transformers`, for image search.

No pretrained ViT weights can be downloaded here, so the model is configured, never fetched:
MATCHGRAPH_VIT_MODEL names a local folder (config.json, the weights and preprocessor_config.json,
as `save_pretrained` writes them) or a hub id whose files are already in the local Hugging Face
cache (read with local_files_only=True). Anything that cannot be loaded raises
`ImageWeightsMissing`, whose message says what to set. torch and transformers are imported inside
functions: importing `embed.vit_embedder` stays cheap.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import PIL.Image

from embed.devices import resolve_device

CONFIGURE_HINT = (
    "set MATCHGRAPH_VIT_MODEL=<local folder with config.json + weights, "
    "or a hub id with the weights already in the local HF cache>"
)
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)

ImageInput = PIL.Image.Image | bytes | bytearray | memoryview | Path | str


class ImageWeightsMissing(Exception):
    """Image search has no usable ViT weights; the message says why and how to configure them."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"image embeddings are unavailable: {problem}; {CONFIGURE_HINT}")
        self.problem = problem


class ImageEmbedder:
    """A loaded ViT. `encode` gives float32 (n, hidden) rows, L2-normalised. Thread-safe."""

    model_id: str
    dimension: int
    device: str
    pooling: str  # "pooler" or "cls": which output the vectors come from

    def __init__(self, model_id: str, model, processor, device: str) -> None:
        self.model_id = model_id
        self.device = device
        self._model = model
        self._processor = processor
        self._lock = threading.Lock()
        # Pooled output: ViTModel's pooler (dense + tanh over the [CLS] state) when the model has
        # one whose weights were loaded; else the [CLS] token of the last hidden state (models
        # saved without a pooler, e.g. the backbone of a classification checkpoint, would
        # otherwise get a randomly initialised pooler).
        self.pooling = "pooler" if getattr(model, "pooler", None) is not None else "cls"
        from PIL import Image

        probe = self._forward([Image.new("RGB", (8, 8), (127, 127, 127))])
        self.dimension = int(probe.shape[1])

    def encode(self, images: Sequence[ImageInput], batch_size: int = 32) -> np.ndarray:
        """float32 (n, hidden), L2-normalised. Inputs: PIL images, raw bytes of any format PIL
        reads, or paths. A bad image raises ValueError naming its position."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1 (got {batch_size})")
        if isinstance(images, (bytes, bytearray, str, Path)):
            raise TypeError("encode() takes a sequence of images; wrap a single image in a list")
        pictures = [_as_rgb(image, position) for position, image in enumerate(images)]
        if not pictures:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [self._forward(pictures[start : start + batch_size]) for start in range(0, len(pictures), batch_size)]
        return np.concatenate(parts, axis=0)

    def _forward(self, pictures: list) -> np.ndarray:
        import torch

        inputs = self._processor(images=pictures, return_tensors="pt")
        pixel_values = inputs["pixel_values"].to(self.device)
        with self._lock, torch.inference_mode():
            output = self._model(pixel_values=pixel_values)
            pooled = getattr(output, "pooler_output", None) if self.pooling == "pooler" else None
            if pooled is None:
                pooled = output.last_hidden_state[:, 0]
            vectors = pooled.reshape(pooled.shape[0], -1).float().cpu().numpy()
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)

    def __repr__(self) -> str:
        return f"ImageEmbedder(model_id={self.model_id!r}, dimension={self.dimension}, device={self.device!r}, pooling={self.pooling!r})"


def _as_rgb(image: ImageInput, position: int):
    from PIL import Image, UnidentifiedImageError

    try:
        if isinstance(image, Image.Image):
            image.load()
            return image.convert("RGB")
        if isinstance(image, (bytes, bytearray, memoryview)):
            source: io.BytesIO | Path = io.BytesIO(bytes(image))
        elif isinstance(image, (str, Path)):
            source = Path(image)
        else:
            raise ValueError(f"image #{position} is a {type(image).__name__}; expected a PIL image, bytes or a path")
        with Image.open(source) as opened:
            opened.load()
            return opened.convert("RGB")
    except ValueError as error:
        if str(error).startswith(f"image #{position} "):
            raise
        raise ValueError(f"image #{position} ({_label(image)}) cannot be read as an image: {error}") from error
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, SyntaxError) as error:
        raise ValueError(f"image #{position} ({_label(image)}) cannot be read as an image: {error}") from error


def _label(image) -> str:
    if isinstance(image, (bytes, bytearray, memoryview)):
        return f"{len(image)} bytes"
    if isinstance(image, (str, Path)):
        return str(image)
    return type(image).__name__


def _source(model: str) -> tuple[str, bool]:
    """(what to pass to from_pretrained, whether it is a local folder), or ImageWeightsMissing."""
    text = model.strip()
    path = Path(text).expanduser()
    looks_like_path = path.is_absolute() or text.startswith((".", "~"))  # "org/name" may be a hub id
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ImageWeightsMissing(f"MATCHGRAPH_VIT_MODEL={text} is a folder without config.json")
        if not any((path / name).is_file() for name in WEIGHT_FILES):
            raise ImageWeightsMissing(
                f"MATCHGRAPH_VIT_MODEL={text} has a config.json but no weights ({', '.join(WEIGHT_FILES[::2])})"
            )
        return str(path), True
    if path.exists():
        raise ImageWeightsMissing(f"MATCHGRAPH_VIT_MODEL={text} is a file, not a folder")
    if looks_like_path:
        raise ImageWeightsMissing(f"MATCHGRAPH_VIT_MODEL={text}: no such folder")
    return text, False


def load_image_embedder(model: str | None, device: str = "auto") -> ImageEmbedder:
    """A new image embedder for MATCHGRAPH_VIT_MODEL's value; ImageWeightsMissing when unusable."""
    if model is None or not str(model).strip():
        raise ImageWeightsMissing("MATCHGRAPH_VIT_MODEL is not set")
    source, local = _source(str(model))
    resolved = resolve_device(device)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    where = source if local else f"{source} (no such folder here; read as a hub id from the local HF cache)"
    try:
        from transformers import AutoConfig, AutoImageProcessor, AutoModel
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        config = AutoConfig.from_pretrained(source, local_files_only=True)
        network, loading = AutoModel.from_pretrained(
            source, config=config, local_files_only=True, output_loading_info=True
        )
    except ImageWeightsMissing:
        raise
    except Exception as error:
        raise ImageWeightsMissing(f"no loadable model at {where} ({_one_line(error)})") from error
    if getattr(network, "main_input_name", None) != "pixel_values":
        raise ImageWeightsMissing(f"{where} is a {type(network).__name__}, not a vision model taking pixel values")
    missing = [key for key in loading.get("missing_keys", []) if not key.startswith("pooler.")]
    if missing:
        raise ImageWeightsMissing(
            f"the weights at {where} do not fit its config ({len(missing)} tensors missing, e.g. {missing[0]})"
        )
    if any(key.startswith("pooler.") for key in loading.get("missing_keys", [])) and hasattr(network, "pooler"):
        network.pooler = None  # randomly initialised: use the [CLS] token instead (see ImageEmbedder)
    try:
        processor = AutoImageProcessor.from_pretrained(source, local_files_only=True)
    except Exception as error:
        raise ImageWeightsMissing(
            f"{where} has no usable image preprocessor (preprocessor_config.json): {_one_line(error)}"
        ) from error
    network.eval().to(resolved)
    try:
        return ImageEmbedder(str(model).strip(), network, processor, resolved)
    except Exception as error:
        raise ImageWeightsMissing(f"the model at {where} cannot embed an image ({_one_line(error)})") from error


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] + ("…" if len(text) > 300 else "")


_shared: dict[tuple[str, str], ImageEmbedder] = {}
_shared_lock = threading.Lock()


def shared_image_embedder(model: str | None, device: str = "auto") -> ImageEmbedder:
    """One embedder per (model, device) for the whole process, loaded on first use. Failures are
    not cached: setting the weights later works without a restart of the caller's process."""
    if model is None or not str(model).strip():
        raise ImageWeightsMissing("MATCHGRAPH_VIT_MODEL is not set")
    key = (str(model).strip(), (device or "auto").strip().lower())
    with _shared_lock:
        embedder = _shared.get(key)
        if embedder is None:
            embedder = load_image_embedder(model, device)
            _shared[key] = embedder
        return embedder


def write_tiny_vit(folder: Path, image_size: int = 32, seed: int = 0) -> Path:
    """A tiny ViTModel with random weights (seeded) and its image processor, saved with
    save_pretrained() into `folder`: exercises the real loading path where no pretrained ViT
    weights can be downloaded. Returns the folder."""
    import torch
    from transformers import ViTConfig, ViTModel

    try:  # the PIL processor: the default one wants torchvision, which is not installed here
        from transformers import ViTImageProcessorPil as Processor
    except ImportError:
        from transformers import ViTImageProcessor as Processor

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = ViTConfig(
        image_size=image_size,
        patch_size=max(1, image_size // 4),
        num_channels=3,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
    )
    with torch.random.fork_rng(devices=[]):  # seeded without disturbing the caller's RNG
        torch.manual_seed(seed)
        model = ViTModel(config)
    model.save_pretrained(folder)
    Processor(
        size={"height": image_size, "width": image_size}, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5]
    ).save_pretrained(folder)
    return folder
