"""One entry point for every probe kind: a request in, a ProbeResult out.

Used by ``python -m benchmarks.probe_bench`` (no graph), ``matchgraph probe`` and the API's probe jobs, so
all three measure the same way. Needs only torch + transformers (+ diffusers for diffusers specs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from probes.architecture import run_architecture_probe
from probes.quality import run_classification_probe, run_prompt_adherence_probe
from probes.records import KINDS, ProbeResult
from probes.specs import SpecError, SpecRegistry

Progress = Callable[[float, str], None]


def _quiet(fraction: float, message: str) -> None:
    pass


@dataclass(frozen=True)
class ProbeRequest:
    slug: str
    kind: str = "architecture"
    device: str = "auto"
    batch_sizes: tuple[int, ...] | None = None  # architecture: None = the device's defaults
    repeats: int | None = None
    warmup: int | None = None
    image_size: int | None = None  # architecture: time a smaller input (recorded as scaled down)
    weights: str | None = None  # quality: a local folder or cached hub id (else the spec's)
    data: Path | None = None  # classification_top1: ImageFolder layout
    dataset: str | None = None  # classification_top1: the data set's name (default: the folder's)
    scorer: str | None = None  # prompt_adherence: a CLIP model folder or cached hub id
    prompts: object = None  # prompt_adherence: a file or a list of prompts
    steps: int = 20  # prompt_adherence: sampling steps
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise SpecError(f"unknown probe kind {self.kind!r} (one of {', '.join(KINDS)})")


def run_probe(request: ProbeRequest, registry: SpecRegistry, on_progress: Progress = _quiet) -> ProbeResult:
    """Runs one probe. Raises SpecError for a request that cannot make sense (unknown artifact for
    an architecture probe, bad spec); a model or data problem comes back as a failed/skipped record."""
    spec = registry.get(request.slug)
    if request.kind == "architecture":
        spec = registry.require(request.slug)
        result = run_architecture_probe(
            spec,
            slug=request.slug,
            device=request.device,
            batch_sizes=request.batch_sizes,
            repeats=request.repeats,
            warmup=request.warmup,
            image_size=request.image_size,
            on_progress=on_progress,
        )
    elif request.kind == "classification_top1":
        weights = request.weights or (spec.weights if spec else None)
        result = run_classification_probe(
            request.slug, weights, request.data, dataset=request.dataset, device=request.device, on_progress=on_progress
        )
    else:
        weights = request.weights or (spec.weights if spec else None)
        result = run_prompt_adherence_probe(
            request.slug,
            weights,
            request.scorer,
            request.prompts,
            device=request.device,
            steps=request.steps,
            on_progress=on_progress,
        )
    if spec is not None and result.spec_source is None:
        result.spec_source = spec.origin
    return result
