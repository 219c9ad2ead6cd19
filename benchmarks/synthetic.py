"""Deterministic synthetic "A vs B" comparison documents for scale benchmarks.

``generate(n_documents, n_artifacts, seed)`` yields ``(file name, text)`` pairs shaped like real
comparison pages (docs/document-format.md): title, subtitle, the feature table, capability blocks per side (at
most 8 shown, ``+N more`` for the rest of B), verdict and footer, about 14-16 KB each. Artifact
names come from a generated pool of ``n_artifacts``; each artifact owns a fixed list of capability
blocks, so the same capability text recurs verbatim across documents, and ``vs alternatives:``
lines name other pool artifacts with relation phrases and numbers. A controllable fraction of the
documents carries disorder (broken table rows, missing side headers, a verdict in the middle of a
block, CRLF line endings, a verdict without its header, a glued footer).

All text comes from the phrase lists below, written for matchgraph. Output depends only on the
arguments: the same seed gives the same bytes on every machine and Python run.

    python -m benchmarks.synthetic --documents 10000 --artifacts 2000 --out DIR [--seed 0]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PAGE_LIMIT = 8
FEATURES = ("adoption", "quality", "ecosystem", "match graph")
COPYRIGHT = "© 2026 matchgraph synthetic benchmark corpus."
DISORDER_KINDS = (
    "broken-row-2",
    "broken-row-3",
    "no-side-headers",
    "no-header-a",
    "no-header-b",
    "mid-block-verdict",
    "crlf",
    "no-verdict-header",
    "glued-footer",
)

# ------------------------------------------------------------------------------- vocabulary ---

SYLLABLES_A = (
    "Al",
    "Bor",
    "Cal",
    "Dar",
    "El",
    "Fen",
    "Gal",
    "Hal",
    "Ir",
    "Jun",
    "Kel",
    "Lum",
    "Mar",
    "Nor",
    "Or",
    "Pel",
    "Quar",
    "Ros",
    "Sol",
    "Tal",
    "Ul",
    "Val",
    "Wren",
    "Xan",
    "Yar",
    "Zel",
    "Cor",
    "Bri",
    "Ast",
    "Cyr",
    "Del",
    "Eon",
    "Fal",
    "Gry",
    "Hex",
    "Ion",
    "Kor",
    "Lyr",
    "Myr",
    "Nex",
)
SYLLABLES_B = (
    "a",
    "en",
    "ion",
    "ora",
    "ix",
    "us",
    "yn",
    "eth",
    "ar",
    "ane",
    "ith",
    "os",
    "ea",
    "iel",
    "umb",
    "ara",
    "ex",
    "ine",
    "ova",
    "is",
    "on",
    "el",
    "ire",
    "ax",
    "ys",
    "ent",
    "ula",
    "or",
    "ian",
    "ette",
)

KINDS = ("vision", "llm", "diffusion", "tool")
KIND_WEIGHTS = (0.3, 0.3, 0.2, 0.2)

TYPES = {
    "vision": ("Model",),
    "llm": ("Model", "Model", "API"),
    "diffusion": ("Model", "Model", "Repository"),
    "tool": ("Repository", "Framework", "Repository"),
}
PRICING = {
    "Model": ("Free", "Free", "Open source"),
    "API": ("Paid", "Freemium"),
    "Repository": ("Free", "Open source"),
    "Framework": ("Open source", "Free"),
}

TASKS = {
    "vision": (
        "Classifies images into the {classes} classes of {dataset}",
        "Detects and localises objects in {res}×{res} frames",
        "Segments every object instance in an image into pixel masks",
        "Produces dense patch embeddings for retrieval and clustering",
        "Estimates per-pixel depth from a single RGB image",
        "Recognises fine-grained categories such as bird species or car models",
        "Reads text in natural scenes and returns word boxes with transcriptions",
        "Tracks objects across video frames at {fps} frames per second",
    ),
    "llm": (
        "Generates and continues text in {langs} languages",
        "Follows multi-turn chat instructions with a {ctx}K-token context window",
        "Writes and explains code across {langs} programming languages",
        "Answers questions over long documents of up to {ctx}K tokens",
        "Calls external tools by emitting typed function-call arguments",
        "Summarises reports and transcripts into structured outlines",
        "Classifies and extracts fields from free text into JSON",
        "Solves grade-school and competition math problems step by step",
    ),
    "diffusion": (
        "Generates {res}×{res} images from text prompts",
        "Edits existing images from an instruction and an optional mask",
        "Upscales images by {up}× while adding plausible texture detail",
        "Generates short video clips of {frames} frames from a prompt",
        "Fills masked regions of a photo so the result blends with its surroundings",
        "Transfers the style of a reference image onto new generations",
        "Conditions generation on edge, depth or pose maps for layout control",
        "Personalises a base model to a new subject from {shots} example images",
    ),
    "tool": (
        "Serves model inference over an HTTP API with request batching",
        "Converts trained checkpoints between framework formats",
        "Quantizes model weights to {bits}-bit integers for deployment",
        "Schedules distributed training jobs across {gpus} GPUs",
        "Builds node-based pipelines that chain several models together",
        "Caches intermediate results so that repeated runs skip finished work",
        "Profiles kernels and memory use of a model during inference",
        "Fine-tunes large models with low-rank adapters on a single GPU",
    ),
}

MECHANISMS = {
    "vision": (
        "a hierarchical backbone of {stages} stages with windowed self-attention",
        "depthwise separable convolutions followed by a lightweight attention head",
        "a plain transformer encoder over {patch}×{patch} patches with a class token",
        "a residual convolutional trunk with squeeze-and-excitation gates",
        "a feature pyramid neck that merges maps at strides 8, 16 and 32",
        "an encoder-decoder design whose decoder attends to learned queries",
    ),
    "llm": (
        "a decoder-only transformer with {layers} layers and grouped-query attention",
        "rotary position embeddings scaled to extend the native context",
        "a mixture-of-experts feed-forward layer that routes each token to 2 of {experts} experts",
        "sliding-window attention over {window} tokens in alternating layers",
        "a byte-level tokenizer with a {vocab}K-entry vocabulary",
        "instruction tuning followed by preference optimization on ranked replies",
    ),
    "diffusion": (
        "a latent diffusion UNet that denoises a {lat}×{lat}×4 latent",
        "a rectified-flow transformer over image and text tokens",
        "a frozen text encoder whose embeddings condition every attention block",
        "a distilled sampler that needs only {steps} denoising steps",
        "zero-initialised adapter layers attached to a locked base model",
        "a VAE that compresses each side of the image by a factor of 8",
    ),
    "tool": (
        "a plugin system of execution backends chosen per operator",
        "a paged key-value cache that allocates memory in fixed blocks",
        "graph rewriting that fuses adjacent operators into single kernels",
        "a content-addressed cache keyed by the hash of each node's inputs",
        "calibration passes that pick per-channel scales from sample data",
        "an asynchronous job queue with back-pressure and cancellation",
    ),
}

DETAILS = (
    "Inputs are validated and normalised by the bundled preprocessor, so callers pass raw data.",
    "The reference implementation ships weights in safetensors format with a model card.",
    "Mixed-precision execution in BF16 roughly halves activation memory on recent GPUs.",
    "Batching amortises kernel launches and weight reads across many requests.",
    "A configuration file records every hyperparameter, so results are reproducible from a seed.",
    "Checkpoints load on CPU, CUDA and Apple Silicon without code changes.",
    "Export to ONNX keeps the graph static, which downstream runtimes can optimise further.",
    "The authors publish evaluation scripts alongside the weights.",
    "Gradient checkpointing trades recomputation for memory during fine-tuning.",
    "Streaming output returns the first results before the whole job is finished.",
    "A fallback path keeps working on older drivers at reduced speed.",
    "Quantized variants are published next to the full-precision files.",
)

CLAIMS = {
    "vision": (
        "reaching {acc}% top-1 accuracy on ImageNet-1k with {params}M parameters",
        "running at {lat_ms} ms per image on a single {device}",
        "scoring {map} mAP on COCO val2017 at {res}×{res} input",
        "using {gflops} GFLOPs per {res}×{res} image",
    ),
    "llm": (
        "scoring {mmlu} on 5-shot MMLU with {bparams}B parameters",
        "decoding {tps} tokens per second on a single {device}",
        "keeping the key-value cache at {kv} KB per token in BF16",
        "trained on {tokens} trillion tokens",
    ),
    "diffusion": (
        "producing a {res}×{res} image in {steps} steps on a single {device}",
        "with a {bparams}B-parameter denoiser",
        "reaching an FID of {fid} on COCO-30k",
        "fitting in {vram} GB of VRAM at FP16",
    ),
    "tool": (
        "delivering {speed}× the throughput of a naive loop at batch {batch}",
        "cutting peak memory by {mem}% on a {device}",
        "shrinking files {shrink}× with under {loss}% accuracy loss",
        "starting a warm worker in {cold} ms",
    ),
}

UNIQUE_OPENERS = (
    "Combines {m} with {m2}, {claim}",
    "Relies on {m} rather than the usual approach, {claim}",
    "Pairs {m} with a tuned runtime path, {claim}",
    "Built around {m}, {claim}, while keeping the public interface small",
    "Uses {m}, {claim}, which most alternatives reach only with extra tuning",
)

RELATIONS = (
    "Outperforms",
    "Lighter than",
    "Faster than",
    "More flexible than",
    "Cheaper to run than",
    "Simpler to deploy than",
    "More accurate than",
    "Smaller than",
    "Comparable to",
    "Trails",
    "More memory-efficient than",
    "Better documented than",
)
REASONS = (
    "at a similar parameter count",
    "on the same hardware",
    "because it avoids an extra encoder pass",
    "thanks to fused kernels",
    "when batch sizes exceed {batch}",
    "on long inputs",
    "for edge deployment",
    "under a permissive license",
    "with fewer tuning knobs",
    "on consumer GPUs with {vram} GB of memory",
    "after INT8 quantization",
    "in zero-shot settings",
)
GENERIC_ALTERNATIVES = (
    "hand-written CUDA kernels",
    "naive per-request batching",
    "training from scratch",
    "cloud-only APIs",
    "manual ONNX conversion",
    "single-image inference loops",
    "fixed regularization sets",
    "updating every weight",
    "rule-based pipelines",
    "unquantized FP32 serving",
    "CPU-only inference",
    "static learning-rate schedules",
)
DEVICES = ("A100", "H100", "RTX 4090", "T4", "L4", "M2 Max", "Pixel 8", "Jetson Orin", "Xeon core")
DATASETS = ("ImageNet-1k", "ImageNet-21k", "Places365", "iNaturalist 2021")

RANK_TAILS = (
    "Generated for matchgraph load tests from a synthetic artifact pool.",
    "Synthetic comparison: names, numbers and capabilities are invented for benchmarking.",
    "Benchmark fixture text; the scores below are drawn at random.",
)
GENERIC_SUBTITLES = (
    "A synthetic side-by-side comparison for load testing.",
    "Weigh both artifacts, capability by capability.",
    "What each artifact offers, in one generated page.",
    "Pick the better fit for your workload from the table below.",
)


# --------------------------------------------------------------------------------- the pool ---


@dataclass(frozen=True)
class SynthArtifact:
    name: str
    kind: str
    type: str
    pricing: str
    decomposed: int
    base_rank: int


@dataclass(frozen=True)
class Truth:
    """What a correct parser should recover from one generated document."""

    file: str
    title: str
    a: str
    b: str
    shown_a: int
    shown_b: int
    more_b: int
    rank_a: int
    rank_b: int
    winner: str
    disorder: tuple[str, ...]
    capabilities_a: tuple[str, ...]  # descriptions, in page order
    capabilities_b: tuple[str, ...]


def _rng(*parts: object) -> random.Random:
    # str seeds go through SHA-512 in random.seed: stable across runs, unlike hash()
    return random.Random(":".join(map(str, parts)))


def _make_name(kind: str, r: random.Random) -> str:
    stem = r.choice(SYLLABLES_A) + r.choice(SYLLABLES_B)
    low = stem.lower()
    if kind == "vision":
        return r.choice(
            (
                f"{low}-vit-{r.choice(('tiny', 'small', 'base', 'large'))}-p{r.choice((8, 14, 16))}-{r.choice((224, 384))}",
                f"{stem}Net-B{r.randint(0, 7)}",
                f"{low}-det-{r.choice(('nano', 'small', 'medium'))}",
                f"{stem}-Seg {r.choice(('S', 'B', 'L', 'H'))}",
                f"{low}-convnext-{r.choice(('atto', 'tiny', 'small'))}",
            )
        )
    if kind == "llm":
        size = r.choice((1, 3, 7, 8, 13, 14, 34, 70))
        return r.choice(
            (
                f"{stem} {r.randint(1, 4)} {size}B",
                f"{stem}-{size}B-Instruct",
                f"{stem} {r.randint(1, 3)}.{r.randint(0, 9)} {r.choice(('Mini', 'Pro', 'Lite'))}",
                f"{low}-chat-{size}b",
            )
        )
    if kind == "diffusion":
        return r.choice(
            (
                f"{stem} Diffusion {r.randint(1, 4)}.{r.randint(0, 5)} {r.choice(('Large', 'XL', 'Turbo', 'Medium'))}",
                f"{low}-diffusion-webui",
                f"{stem}Flow-{r.choice(('schnell', 'dev', 'pro'))}",
                f"{stem} Image API",
            )
        )
    return r.choice((f"{low}.cpp", f"{stem}Serve", f"{low}-runtime", f"{stem} Toolkit", f"{low}-lora-trainer"))


class Pool:
    """``n_artifacts`` named artifacts; capability blocks are built per artifact on first use."""

    def __init__(self, n_artifacts: int, seed: int = 0):
        if n_artifacts < 2:
            raise ValueError("need at least 2 artifacts")
        self.seed = seed
        r = _rng("pool", seed)
        self.artifacts: list[SynthArtifact] = []
        self.by_kind: dict[str, list[int]] = {k: [] for k in KINDS}
        taken: set[str] = set()
        while len(self.artifacts) < n_artifacts:
            kind = r.choices(KINDS, KIND_WEIGHTS)[0]
            name = _make_name(kind, r)
            key = "".join(ch for ch in name.lower() if ch.isalnum())
            if key in taken:  # keep names (and slugs) unique: add a version suffix
                name = f"{name} v{len(self.artifacts) % 9 + 2}"
                key = "".join(ch for ch in name.lower() if ch.isalnum())
                if key in taken:
                    continue
            taken.add(key)
            typ = r.choice(TYPES[kind])
            decomposed = r.choice((5, 6, 6, 7, 7, 8, 8, 9, 10, 11, 12, 12, 13, 14, 14, 15, 16))
            self.by_kind[kind].append(len(self.artifacts))
            self.artifacts.append(SynthArtifact(name, kind, typ, r.choice(PRICING[typ]), decomposed, r.randint(30, 85)))
        self._blocks: dict[int, tuple[tuple[str, str, str], ...]] = {}

    def __len__(self) -> int:
        return len(self.artifacts)

    def pick(self, r: random.Random, kind: str | None = None, exclude: int = -1) -> int:
        """A skewed pick: low indexes are popular, as real match graphs have head artifacts."""
        ids = self.by_kind[kind] if kind and len(self.by_kind[kind]) > 1 else range(len(self.artifacts))
        while True:
            i = ids[int(len(ids) * r.random() ** 1.7)]
            if i != exclude:
                return i

    def blocks(self, i: int) -> tuple[tuple[str, str, str], ...]:
        """The artifact's capability blocks (description, unique, vs), min(decomposed, 8) of them."""
        got = self._blocks.get(i)
        if got is None:
            art = self.artifacts[i]
            r = _rng("art", self.seed, i)
            tasks = r.sample(TASKS[art.kind], k=min(len(TASKS[art.kind]), min(art.decomposed, PAGE_LIMIT)))
            got = tuple(self._block(art, i, task, r) for task in tasks)
            self._blocks[i] = got
        return got

    def _values(self, r: random.Random) -> dict[str, object]:
        return {
            "classes": r.choice((100, 365, 1000, 10450)),
            "dataset": r.choice(DATASETS),
            "res": r.choice((224, 256, 384, 512, 640, 768, 1024)),
            "fps": r.choice((24, 30, 60, 120)),
            "langs": r.randint(8, 40),
            "ctx": r.choice((8, 32, 64, 128, 256)),
            "up": r.choice((2, 4)),
            "frames": r.choice((16, 25, 49, 81)),
            "shots": r.randint(3, 20),
            "bits": r.choice((2, 3, 4, 8)),
            "gpus": r.choice((8, 16, 64, 256, 1024)),
            "stages": r.choice((3, 4, 5)),
            "patch": r.choice((8, 14, 16)),
            "layers": r.choice((24, 28, 32, 40, 48, 80)),
            "experts": r.choice((8, 16, 64)),
            "window": r.choice((1024, 2048, 4096)),
            "vocab": r.choice((32, 64, 128, 152, 256)),
            "lat": r.choice((64, 96, 128)),
            "steps": r.choice((1, 2, 4, 8, 20, 28, 50)),
            "acc": round(r.uniform(68, 89), 1),
            "params": round(r.uniform(2.5, 320), 1),
            "lat_ms": round(r.uniform(0.6, 95), 1),
            "device": r.choice(DEVICES),
            "map": round(r.uniform(25, 58), 1),
            "gflops": round(r.uniform(0.2, 60), 1),
            "mmlu": round(r.uniform(35, 86), 1),
            "bparams": round(r.uniform(0.5, 72), 1),
            "tps": r.randint(12, 240),
            "kv": r.choice((32, 56, 64, 128, 160, 512)),
            "tokens": round(r.uniform(1, 18), 1),
            "fid": round(r.uniform(5, 25), 1),
            "vram": r.choice((4, 6, 8, 12, 16, 24, 48)),
            "speed": round(r.uniform(1.5, 24), 1),
            "batch": r.choice((4, 8, 16, 32, 64, 128)),
            "mem": r.randint(15, 70),
            "shrink": r.choice((2, 3, 4, 6, 8)),
            "loss": round(r.uniform(0.2, 2.5), 1),
            "cold": r.randint(40, 900),
        }

    def _claim(self, kind: str, r: random.Random, v: dict[str, object]) -> str:
        return r.choice(CLAIMS[kind]).format(**v)

    def _block(self, art: SynthArtifact, i: int, task: str, r: random.Random) -> tuple[str, str, str]:
        v = self._values(r)
        mechs = r.sample(MECHANISMS[art.kind], k=3)
        kind_label = {
            "vision": "vision model",
            "llm": "language model",
            "diffusion": "image generator",
            "tool": "tool",
        }[art.kind]
        sentences = [
            f"{task.format(**v)} using {mechs[0].format(**v)}.",
            f"The {kind_label} relies on {mechs[1].format(**v)}, {self._claim(art.kind, r, v)}.",
            " ".join(r.sample(DETAILS, 2)),
            f"In practice this means {self._claim(art.kind, r, v)} when deployed behind {mechs[2].format(**v)}.",
        ]
        description = " ".join(sentences[: r.choice((3, 4))])
        claim = self._claim(art.kind, r, v)
        unique = r.choice(UNIQUE_OPENERS).format(m=mechs[0].format(**v), m2=mechs[2].format(**v), claim=claim)
        detail = r.choice(DETAILS)
        unique += f"; {detail[0].lower()}{detail[1:-1]}"
        parts = []
        for _ in range(r.choice((2, 2, 3))):
            if r.random() < 0.75:
                other = self.artifacts[self.pick(r, art.kind, exclude=i)].name
                num = self._claim(art.kind, r, self._values(r))
                parts.append(f"{r.choice(RELATIONS).lower()} {other} ({num}) {r.choice(REASONS).format(**v)}")
            else:
                parts.append(
                    f"{r.choice(RELATIONS).lower()} {r.choice(GENERIC_ALTERNATIVES)} {r.choice(REASONS).format(**v)}"
                )
        vs = "; ".join(parts)
        return description, unique, vs[0].upper() + vs[1:]


# ------------------------------------------------------------------------------- documents ---


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _document(pool: Pool, seed: int, index: int, disorder: float) -> tuple[str, str, Truth]:
    r = _rng("doc", seed, index)
    ia = pool.pick(r)
    ib = pool.pick(r, pool.artifacts[ia].kind if r.random() < 0.6 else None, exclude=ia)
    A, B = pool.artifacts[ia], pool.artifacts[ib]
    ra = min(99, max(1, A.base_rank + r.randint(-4, 4)))
    rb = min(99, max(1, B.base_rank + r.randint(-4, 4)))
    if rb == ra:
        rb = ra + 1 if ra < 99 else ra - 1
    blocks_a, blocks_b = pool.blocks(ia), pool.blocks(ib)
    shown_a, shown_b = len(blocks_a), len(blocks_b)
    more_b = B.decomposed - shown_b

    kinds: set[str] = set()
    if r.random() < disorder:
        kinds.update(r.sample(DISORDER_KINDS, k=r.choice((1, 1, 2, 3))))
        if "no-side-headers" in kinds:
            kinds -= {"no-header-a", "no-header-b"}
        if "no-header-a" in kinds and "no-header-b" in kinds:
            kinds -= {"no-header-a", "no-header-b"}
            kinds.add("no-side-headers")
        if "broken-row-2" in kinds and "broken-row-3" in kinds:
            kinds.discard("broken-row-3")
        if "mid-block-verdict" in kinds and shown_b < 2:
            kinds.discard("mid-block-verdict")

    flags = [(r.randint(0, 1), r.randint(0, 1)) for _ in FEATURES]
    fa, fb = r.sample(range(len(FEATURES)), 2)  # make sure each side leads on something
    if not any(x > y for x, y in flags):
        flags[fa] = (1, 0)
    if not any(y > x for x, y in flags):
        free = [k for k, (x, y) in enumerate(flags) if x <= y] or [fb]
        flags[free[0]] = (0, 1)
    a_lead = [f for f, (x, y) in zip(FEATURES, flags) if x > y]
    b_lead = [f for f, (x, y) in zip(FEATURES, flags) if y > x]
    cells = [str(int(c)) for pair in flags for c in pair]

    title = f"{A.name} vs {B.name}"
    if r.random() < 0.5:
        (hi, hs), (lo, ls) = sorted(((A.name, ra), (B.name, rb)), key=lambda t: -t[1])
        subtitle = f"{hi} ranks higher at {hs}/100 vs {lo} at {ls}/100. {r.choice(RANK_TAILS)}"
    else:
        subtitle = r.choice(GENERIC_SUBTITLES)
    rows = [
        ("Type", A.type, B.type),
        ("UnfragileRank", f"{ra}/100", f"{rb}/100"),
        ("Adoption", cells[0], cells[1]),
        ("Quality", cells[2], cells[3]),
        ("Ecosystem", cells[4], cells[5]),
        ("Match Graph", cells[6], cells[7]),
        ("Pricing", A.pricing, B.pricing),
        ("Capabilities", f"{A.decomposed} decomposed", f"{B.decomposed} decomposed"),
        ("Times Matched", str(r.randint(0, 40)), str(r.randint(0, 40))),
    ]
    broken = {}
    for k, n in (("broken-row-2", 2), ("broken-row-3", 3)):
        if k in kinds:
            broken[r.choice(("Adoption", "Quality", "Ecosystem", "Match Graph", "Pricing"))] = n
    lines = [title, subtitle, f"| Feature | {A.name} | {B.name} |", "|---|---|---|"]
    for feat, x, y in rows:
        n = broken.get(feat)
        if n == 2:
            lines += [f"| {feat} | {x} |", f"| {y} |"]
        elif n == 3:
            lines += [f"| {feat} |", f"| {x} |", f"| {y} |"]
        else:
            lines.append(f"| {feat} | {x} | {y} |")

    winner, ws, loser, ls = (A.name, ra, B.name, rb) if ra > rb else (B.name, rb, A.name, ra)
    verdict = (
        f"{winner} scores higher at {ws}/100 vs {loser} at {ls}/100. "
        f"{A.name} leads on {_join(a_lead)}, while {B.name} is stronger on {_join(b_lead)}."
    )
    tail = [] if "no-verdict-header" in kinds or "mid-block-verdict" in kinds else ["Verdict"]
    tail += [verdict, "Need something different?"]
    tail += (
        ["Search the match graph →" + COPYRIGHT] if "glued-footer" in kinds else ["Search the match graph →", COPYRIGHT]
    )
    mid_at = r.randrange(1, shown_b) if "mid-block-verdict" in kinds else -1

    for side, art, blocks in (("a", A, blocks_a), ("b", B, blocks_b)):
        if not ("no-side-headers" in kinds or f"no-header-{side}" in kinds):
            lines.append(f"{art.name} Capabilities")
        for j, (desc, uniq, vs) in enumerate(blocks):
            lines += [desc, "Unique: " + uniq]
            if side == "b" and j == mid_at:
                lines += tail
            lines.append("vs alternatives: " + vs)
    if more_b:
        lines.append(f"+{more_b} more capabilities")
    if mid_at < 0:
        lines += tail
    newline = "\r\n" if "crlf" in kinds else "\n"
    text = newline.join(lines) + (newline if r.random() < 0.5 else "")

    name = f"{index:06d}_{hashlib.sha1(f'{seed}:{index}'.encode()).hexdigest()[:16]}.txt"
    truth = Truth(
        name,
        title,
        A.name,
        B.name,
        shown_a,
        shown_b,
        more_b,
        ra,
        rb,
        winner,
        tuple(k for k in DISORDER_KINDS if k in kinds),
        tuple(b[0] for b in blocks_a),
        tuple(b[0] for b in blocks_b),
    )
    return name, text, truth


def generate_with_truth(
    n_documents: int, n_artifacts: int, seed: int = 0, disorder: float = 0.3
) -> Iterator[tuple[str, str, Truth]]:
    """Like ``generate``, with each document's expected parse (for tests and accuracy checks)."""
    if n_documents < 0:
        raise ValueError("n_documents must be >= 0")
    if not 0.0 <= disorder <= 1.0:
        raise ValueError("disorder is a fraction between 0 and 1")
    pool = Pool(n_artifacts, seed)
    for i in range(n_documents):
        yield _document(pool, seed, i, disorder)


def generate(n_documents: int, n_artifacts: int, seed: int = 0, disorder: float = 0.3) -> Iterator[tuple[str, str]]:
    """Yield ``(file name, text)`` for ``n_documents`` synthetic comparison documents.

    Deterministic for given arguments. ``disorder`` is the fraction of documents that carry one
    to three kinds of disorder (``DISORDER_KINDS``).
    """
    for name, text, _ in generate_with_truth(n_documents, n_artifacts, seed, disorder):
        yield name, text


# ------------------------------------------------------------------------------------- CLI ---


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.synthetic", description="Write deterministic synthetic comparison documents."
    )
    ap.add_argument("--documents", type=int, required=True, help="how many documents")
    ap.add_argument("--artifacts", type=int, required=True, help="size of the artifact pool")
    ap.add_argument("--out", type=Path, required=True, help="folder to write the .txt files into")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--disorder", type=float, default=0.3, help="fraction of disordered documents (default 0.3)")
    args = ap.parse_args(argv)
    if args.documents < 0 or args.artifacts < 2:
        ap.error("--documents must be >= 0 and --artifacts >= 2")
    args.out.mkdir(parents=True, exist_ok=True)
    start = last = time.perf_counter()
    total = 0
    tty = sys.stderr.isatty()
    for n, (name, text) in enumerate(generate(args.documents, args.artifacts, args.seed, args.disorder), 1):
        data = text.encode("utf-8")
        (args.out / name).write_bytes(data)
        total += len(data)
        now = time.perf_counter()
        if n == args.documents or now - last >= 0.5:
            last = now
            msg = f"generated {n}/{args.documents} documents, {total / 1e6:.1f} MB, {now - start:.1f} s"
            print(
                ("\r" + msg) if tty else msg,
                end="" if tty and n < args.documents else "\n",
                file=sys.stderr,
                flush=True,
            )
    elapsed = time.perf_counter() - start
    avg = total / args.documents / 1024 if args.documents else 0
    print(
        f"{args.documents} documents ({total / 1e6:.1f} MB, {avg:.1f} KB average) from {args.artifacts} artifacts "
        f"written to {args.out} in {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
