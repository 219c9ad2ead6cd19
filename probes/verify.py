"""Claim verification: a claim, the probes of its artifact -> verified, refuted or unverified, and why.

Pure functions over plain data (claim dicts as the graph stores them, ``ProbeResult`` records),
so they run and are tested without a graph; ``graphdb.repository.probes`` reads the inputs
and writes the outcome.

Rules (README "Probes" repeats them)
------------------------------------
- A claim gets a verdict only from a probe that measured its metric on the claim's terms:
  * ``param_count``: the probe's parameter count, within ±5% of the claim or within the published
    rounding, whichever is wider ("5.6M" covers [5.55M, 5.65M); "8B" covers [7.5B, 8.5B)). Counts
    are compared as nn.Parameters first; when those miss, as the tensors a checkpoint stores
    (parameters + persistent buffers, e.g. SD3's fixed positional embedding), and the reason says so.
  * ``model_size`` (MB, 1 MB = 10^6 bytes): parameters × bytes per parameter at the claim's
    precision (INT8 = 1, FP16/BF16 = 2, INT4 = 0.5; FP32 = 4 when none is stated), ±5% or rounding.
    A bound ("<50MB") about quantised weights of unstated precision is verified when even fp32
    weights meet it, and stays unverified otherwise.
  * ``throughput_speedup`` at a batch size ("2-4x at batch 8"): throughput(batch 8) / throughput(
    batch 1) of one probe on one device, ±10%; "10x batch size = ~9x throughput": throughput(10·b) /
    throughput(b) for measured b and 10·b. A speed-up claim without a batch size stays unverified.
  * ``latency`` (ms) at the stated batch size (else 1), ±10%; ``peak_memory`` (MB) likewise.
  * architecture facts (``hidden_size``, ``num_layers``, ``num_attention_heads``, ``head_dim``,
    ``intermediate_size``, ``patch_size``, ``num_patches``, ``num_classes``, input ``resolution``):
    exactly the built model's config.
  * ``top1_accuracy`` (%): a classification_top1 probe's top-1, ±1 point, and only when the probe's
    data set is the one the claim names (by name, case and punctuation folded).
  Ranges ("2-4x") accept [low − tol, high + tol]; "~" doubles the tolerance; bounds ("<100ms")
  accept everything on their side of the bound plus the tolerance.
- Device: a claim whose qualifier or sentence names a device ("per GPU", "on ARM processors",
  "NPU", "mobile hardware") is judged only by a probe on that device (GPU claims by a CUDA probe);
  ARM/NPU/mobile/TPU claims stay unverified here. A claim naming no device is judged on the device
  the probe ran on, and the reason says which.
- Quantised precision (INT8, INT4, FP8, "quantized models …"): timing and accuracy claims about
  quantised weights stay unverified (probes run fp32 / bf16 / fp16).
- Timings of a probe that ran at a reduced input size never judge speed or memory claims.
- Several probes: the latest probe able to judge the claim decides (on the claim's device when it
  names one); every probe's verdict stays on its CHECKED relationship. With none able to, the
  claim is unverified with the most specific reason (e.g. "the claim is about GPU; the probes ran
  on cpu" over "no probe measures accuracy").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from probes.records import ProbeResult

VERIFIED, REFUTED, UNVERIFIED = "verified", "refuted", "unverified"

PARAM_TOLERANCE = 0.05
SIZE_TOLERANCE = 0.05
SPEED_TOLERANCE = 0.10
MEMORY_TOLERANCE = 0.10
TOP1_TOLERANCE_POINTS = 1.0
BYTES_PER_PARAMETER = {
    "INT2": 0.25,
    "INT4": 0.5,
    "NF4": 0.5,
    "INT8": 1.0,
    "FP8": 1.0,
    "FP16": 2.0,
    "BF16": 2.0,
    "FP32": 4.0,
}
CONFIG_FACTS = (
    "hidden_size",
    "num_layers",
    "num_attention_heads",
    "head_dim",
    "intermediate_size",
    "patch_size",
    "num_patches",
    "num_classes",
    "resolution",
)

# Why a metric no probe measures stays unverified.
NOT_MEASURED = {
    "top1_accuracy": "accuracy needs real weights and a labelled set (a classification_top1 probe with --weights and --data)",
    "accuracy_loss": "accuracy lost to quantisation or compression needs the quantised model, real weights and a labelled set",
    "accuracy_gain": "an accuracy gain needs both models with real weights and a labelled set",
    "speedup": "no probe measures this speed-up: it compares against another model or runtime, not batch sizes",
    "training_speedup": "no probe measures training speed",
    "load_speedup": "no probe measures loading time",
    "compression_ratio": "no probe measures compression (it needs the compressed model)",
    "training_steps_reduction": "no probe measures training runs",
    "data_reduction": "no probe measures how much training data a model needs",
    "latency_reduction": "no probe measures a latency reduction against another setup",
    "memory_reduction": "no probe measures a memory reduction against another setup",
    "size_reduction": "no probe measures a size reduction against another setup",
    "inference_steps": "the number of sampling steps is a property of the trained weights and the sampler, not of the architecture",
    "training_steps": "no probe measures training runs",
    "training_images": "no probe measures training data",
    "training_examples": "no probe measures training data",
}

_GPU = re.compile(r"\b(?:GPUs?|CUDA|NVIDIA|[AHLV]\d{2,3}S?|T4|RTX\s?\d{4}\w*)\b")
_OTHER_DEVICES = (
    (re.compile(r"\bNPUs?\b"), "NPU"),
    (re.compile(r"\bTPUs?\b"), "TPU"),
    (re.compile(r"\bARM\b"), "ARM processors"),
    (
        re.compile(
            r"\b(?:mobile|edge|embedded)\s+(?:devices?|hardware|phones?|processors?)\b|\b(?:smartphones?|iOS|Android)\b",
            re.I,
        ),
        "mobile hardware",
    ),
    (re.compile(r"\bApple\s+M[1-4]\b|\bM[1-4]\s(?:Pro|Max|Ultra)\b"), "Apple silicon"),
)
_CPU = re.compile(r"\bCPUs?\b")
_QUANTISED = re.compile(r"\b(?:INT[248]|FP8|NF4)\b|quantiz|quantis", re.I)
_PRECISION = re.compile(r"\b(INT2|INT4|INT8|FP8|FP16|BF16|FP32|NF4)\b", re.I)
_BATCH = re.compile(r"\bbatch (\d+)\b")
_BATCH_FACTOR = re.compile(r"\b(\d+)x batch size\b")
_FOLD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Judgement:
    """What one probe says about one claim."""

    verdict: str | None  # VERIFIED / REFUTED, or None when this probe cannot judge it
    reason: str
    measured: float | None = None
    tolerance: str | None = None
    relevance: int = 0  # for unjudged claims: 2 = measured the metric but not on the claim's terms, 1 = not measured


@dataclass
class ClaimStatus:
    """The outcome for one claim: its status, and every probe's verdict (for CHECKED edges)."""

    claim_id: str
    status: str
    reason: str
    measured: float | None = None
    tolerance: str | None = None
    probe_id: str | None = None  # the probe whose verdict decided
    checks: list[tuple[str, Judgement]] = field(default_factory=list)  # (probe id, verdict judgement)


# -- numbers ------------------------------------------------------------------------------------


def human(value: float) -> str:
    """5_600_000 -> '5.6M', 8.1e9 -> '8.1B', 0.8 -> '0.8'."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.4g}"


def rounding_half_unit(value: float) -> float:
    """Half a unit of the last digit the number was (most likely) written with: 5.6M -> 0.05M.

    Numbers are written in K/M/B units with up to 3 decimals; the shortest such form that gives
    the value back is taken as the published one.
    """
    if value == 0:
        return 0.0
    magnitude = next((s for s in (1e12, 1e9, 1e6, 1e3, 1.0) if abs(value) >= s), 1.0)
    scaled = value / magnitude
    for decimals in range(0, 4):
        if math.isclose(round(scaled, decimals), scaled, rel_tol=0, abs_tol=1e-9 * max(1.0, abs(scaled))):
            return 0.5 * 10 ** (-decimals) * magnitude
    return 0.0


def _accepts(
    claim: dict, measured: float, relative: float, rounding: bool = False, absolute: float = 0.0
) -> tuple[bool, str]:
    """Whether ``measured`` meets the claim (value/valueMax/comparator) within tolerance; and the
    tolerance as text with the accepted interval."""
    low, high = float(claim["value"]), float(claim.get("valueMax") or claim["value"])
    comparator = claim.get("comparator") or "="
    factor = 2.0 if comparator == "~" else 1.0

    def slack(v: float) -> float:
        widest = max(abs(v) * relative * factor, absolute * factor)
        return max(widest, rounding_half_unit(v)) if rounding else widest

    rule = []
    if relative:
        rule.append(f"±{relative * factor * 100:g}%")
    if absolute:
        rule.append(f"±{absolute * factor:g} points")
    if rounding:
        rule.append("or the published rounding, whichever is wider")
    if not rule:
        rule.append("exact")
    if comparator in ("<", "<="):
        bound = high + slack(high)
        ok = measured < bound if comparator == "<" and not (relative or absolute or rounding) else measured <= bound
        return ok, f"{' '.join(rule)}: accepted ≤ {human(bound)}"
    if comparator in (">", ">="):
        bound = low - slack(low)
        return measured >= bound, f"{' '.join(rule)}: accepted ≥ {human(bound)}"
    lo, hi = low - slack(low), high + slack(high)
    if rounding and not relative:
        return lo <= measured < hi, f"{' '.join(rule)}: accepted [{human(lo)}, {human(hi)})"
    return lo <= measured <= hi, f"{' '.join(rule)}: accepted [{human(lo)}, {human(hi)}]"


# -- what a claim is about ------------------------------------------------------------------------


def claim_device(claim: dict) -> str | None:
    """'cuda', 'cpu', another device's name, or None when the claim names no device.

    The qualifier is read first; when it names none, the claim's sentence ("… due to GPU
    parallelization").
    """
    for text in (claim.get("qualifier") or "", claim.get("sentence") or ""):
        if _GPU.search(text):
            return "cuda"
        for pattern, name in _OTHER_DEVICES:
            if pattern.search(text):
                return name
        if _CPU.search(text):
            return "cpu"
    return None


def claim_precision(claim: dict) -> str | None:
    match = _PRECISION.search(claim.get("qualifier") or "")
    return match.group(1).upper() if match else None


def is_quantised(claim: dict) -> bool:
    return bool(_QUANTISED.search(claim.get("qualifier") or "") or _QUANTISED.search(claim.get("sentence") or ""))


def claim_batch(claim: dict) -> int | None:
    match = _BATCH.search(claim.get("qualifier") or "")
    return int(match.group(1)) if match else None


def fold(name: str | None) -> str:
    return _FOLD.sub("", (name or "").lower())


def _where(probe: ProbeResult) -> str:
    return f"{probe.kind} probe on {probe.device}, {probe.dtype or '?'}, {probe.started_at[:10]}"


# -- one claim, one probe ---------------------------------------------------------------------------


def judge(claim: dict, probe: ProbeResult) -> Judgement:
    metric = claim["metric"]
    if probe.status != "ok":
        return Judgement(None, f"the {probe.kind} probe was {probe.status}: {probe.reason}", relevance=0)
    if metric == "param_count":
        return _judge_params(claim, probe)
    if metric == "model_size":
        return _judge_size(claim, probe)
    if metric in CONFIG_FACTS:
        return _judge_fact(claim, probe)
    if metric in ("throughput_speedup", "latency", "peak_memory"):
        return _judge_speed(claim, probe)
    if metric == "top1_accuracy":
        return _judge_top1(claim, probe)
    return Judgement(None, NOT_MEASURED.get(metric, f"no probe measures {metric}"), relevance=1)


def _verdict(ok: bool, what: str, measured: float, tolerance: str, probe: ProbeResult, note: str = "") -> Judgement:
    verdict = VERIFIED if ok else REFUTED
    detail = f"measured {what} ({_where(probe)})"
    return Judgement(verdict, detail + (f"; {note}" if note else ""), measured, tolerance)


def _judge_params(claim: dict, probe: ProbeResult) -> Judgement:
    if probe.kind != "architecture" or not probe.param_count:
        return Judgement(None, "parameter counts come from architecture probes", relevance=1)
    ok, tolerance = _accepts(claim, probe.param_count, PARAM_TOLERANCE, rounding=True)
    if ok or not probe.stored_count or probe.stored_count == probe.param_count:
        return _verdict(
            ok, f"{probe.param_count:,} parameters ({human(probe.param_count)})", probe.param_count, tolerance, probe
        )
    stored_ok, _ = _accepts(claim, probe.stored_count, PARAM_TOLERANCE, rounding=True)
    if stored_ok:
        return _verdict(
            True,
            f"{probe.stored_count:,} weights ({human(probe.stored_count)}): parameters plus the "
            f"persistent buffers a checkpoint stores",
            probe.stored_count,
            tolerance,
            probe,
            note=f"nn.Parameters alone: {probe.param_count:,} ({human(probe.param_count)})",
        )
    return _verdict(
        False,
        f"{probe.param_count:,} parameters ({human(probe.param_count)}; "
        f"{human(probe.stored_count)} with stored buffers)",
        probe.param_count,
        tolerance,
        probe,
    )


def _judge_size(claim: dict, probe: ProbeResult) -> Judgement:
    if probe.kind != "architecture" or not probe.param_count:
        return Judgement(
            None, "model sizes come from architecture probes (parameters × bytes per parameter)", relevance=1
        )
    precision = claim_precision(claim)
    if precision is None and is_quantised(claim):
        comparator = claim.get("comparator") or "="
        fp32_mb = probe.param_count * 4 / 1e6
        if comparator in ("<", "<="):
            ok, tolerance = _accepts(claim, fp32_mb, 0.0)
            if ok:
                return _verdict(
                    True,
                    f"{fp32_mb:.1f} MB of fp32 weights, an upper bound for any quantised form",
                    fp32_mb,
                    tolerance,
                    probe,
                )
        return Judgement(None, "the size of quantised weights of unstated precision cannot be computed", relevance=2)
    bytes_per = BYTES_PER_PARAMETER[precision or "FP32"]
    size_mb = probe.param_count * bytes_per / 1e6
    ok, tolerance = _accepts(claim, size_mb, SIZE_TOLERANCE, rounding=True)
    return _verdict(
        ok,
        f"{size_mb:.2f} MB = {probe.param_count:,} parameters × {bytes_per:g} bytes ({precision or 'FP32'}, weights only)",
        size_mb,
        tolerance,
        probe,
    )


def _judge_fact(claim: dict, probe: ProbeResult) -> Judgement:
    facts = probe.config or {}
    if probe.kind != "architecture":
        return Judgement(None, "architecture facts come from architecture probes", relevance=1)
    metric = claim["metric"]
    if metric not in facts:
        what = {"resolution": "an output resolution range is a property of the trained weights and the pipeline"}.get(
            metric, f"the model's config does not state {metric}"
        )
        return Judgement(None, what, relevance=1)
    ok, tolerance = _accepts(claim, facts[metric], 0.0)
    return _verdict(ok, f"{metric} = {facts[metric]:,} in the built model's config", facts[metric], tolerance, probe)


def _device_mismatch(claim: dict, probe: ProbeResult) -> Judgement | None:
    wanted = claim_device(claim)
    if wanted is None or wanted == probe.device:
        return None
    label = "GPU" if wanted == "cuda" else wanted
    return Judgement(
        None, f"the claim is about {label}; this probe ran on {probe.device} ({probe.device_name})", relevance=2
    )


def _judge_speed(claim: dict, probe: ProbeResult) -> Judgement:
    metric = claim["metric"]
    if probe.kind != "architecture":
        return Judgement(None, "speed and memory come from architecture probes", relevance=1)
    if not probe.batch_sizes:
        return Judgement(None, f"the probe did not time the model: {probe.reason or 'no batch sizes'}", relevance=2)
    mismatch = _device_mismatch(claim, probe)
    if mismatch:
        return mismatch
    if is_quantised(claim):
        return Judgement(None, f"the claim is about quantised weights; the probe ran {probe.dtype}", relevance=2)
    if probe.scaled_down:
        return Judgement(None, f"the probe timed a scaled-down input ({probe.scale_note})", relevance=2)
    where = f"on {probe.device}" + ("" if claim_device(claim) else " (the claim names no device)")
    if metric == "throughput_speedup":
        factor = _BATCH_FACTOR.search(claim.get("qualifier") or "")
        if factor:
            k = int(factor.group(1))
            pairs = [(b, b * k) for b in probe.batch_sizes if b * k in probe.batch_sizes]
            if not pairs:
                return Judgement(
                    None, f"needs throughput at batch sizes b and {k}×b; measured {probe.batch_sizes}", relevance=2
                )
            small, large = pairs[0]
        else:
            stated = claim_batch(claim)
            if stated is None:
                return Judgement(None, "the claim states no batch size, and the speed-up depends on it", relevance=2)
            small, large = 1, stated
            if large not in probe.batch_sizes or small not in probe.batch_sizes:
                return Judgement(
                    None, f"needs throughput at batch 1 and {large}; measured {probe.batch_sizes}", relevance=2
                )
        fast, slow = probe.throughput_at(large), probe.throughput_at(small)
        if fast is None or slow is None:
            return Judgement(None, f"the probe has no throughput at batch {small} or {large}", relevance=2)
        ratio = fast / slow
        ok, tolerance = _accepts(claim, ratio, SPEED_TOLERANCE)
        return _verdict(
            ok,
            f"throughput(batch {large}) / throughput(batch {small}) = {ratio:.2f}x {where}",
            round(ratio, 4),
            tolerance,
            probe,
        )
    batch = claim_batch(claim) or 1
    if batch not in probe.batch_sizes:
        return Judgement(None, f"needs batch {batch}; measured {probe.batch_sizes}", relevance=2)
    index = probe.batch_sizes.index(batch)
    if metric == "latency":
        value = probe.latency_ms[index]
        ok, tolerance = _accepts(claim, value, SPEED_TOLERANCE)
        return _verdict(ok, f"median latency {value:.1f} ms at batch {batch} {where}", value, tolerance, probe)
    if index >= len(probe.peak_memory_mb):
        return Judgement(None, "the probe recorded no peak memory", relevance=2)
    value = probe.peak_memory_mb[index] * 2**20 / 1e6  # MiB -> MB, the claims' unit
    ok, tolerance = _accepts(claim, value, MEMORY_TOLERANCE)
    return _verdict(ok, f"peak memory {value:.0f} MB at batch {batch} {where}", value, tolerance, probe)


def _judge_top1(claim: dict, probe: ProbeResult) -> Judgement:
    if probe.kind != "classification_top1" or probe.top1 is None:
        return Judgement(None, NOT_MEASURED["top1_accuracy"], relevance=1)
    if is_quantised(claim):
        return Judgement(None, "the claim is about quantised weights; the probe ran the weights as given", relevance=2)
    measured = round(probe.top1 * 100, 4)
    dataset = (claim.get("qualifier") or "").split(";")[0].strip()
    if not dataset or fold(dataset) != fold(probe.dataset):
        wanted = dataset or "an unnamed data set"
        return Judgement(
            None,
            f"measured top-1 {measured:.2f}% on {probe.dataset!r} ({probe.examples} images); "
            f"the claim is about {wanted}",
            measured,
            relevance=2,
        )
    ok, tolerance = _accepts(claim, measured, 0.0, absolute=TOP1_TOLERANCE_POINTS)
    return _verdict(
        ok,
        f"top-1 {measured:.2f}% on {probe.dataset} ({probe.examples} images, weights {probe.weights})",
        measured,
        tolerance,
        probe,
    )


# -- one claim, all probes ----------------------------------------------------------------------------


def resolve_claim(claim: dict, probes: list[ProbeResult]) -> ClaimStatus:
    """The claim's status from every probe of its artifact (``probes`` latest first)."""
    judged = [(probe, judge(claim, probe)) for probe in probes]
    checks = [(probe.id, j) for probe, j in judged if j.verdict]
    wanted = claim_device(claim)
    deciding = next(((p, j) for p, j in judged if j.verdict and (wanted is None or p.device == wanted)), None)
    deciding = deciding or next(((p, j) for p, j in judged if j.verdict), None)
    if deciding and deciding[1].verdict:
        probe, j = deciding
        return ClaimStatus(claim["id"], deciding[1].verdict, j.reason, j.measured, j.tolerance, probe.id, checks)
    if not probes:
        return ClaimStatus(claim["id"], UNVERIFIED, "no probe has measured this artifact yet", checks=checks)
    best = max(judged, key=lambda pj: pj[1].relevance)  # max keeps the first (latest) among equals
    return ClaimStatus(claim["id"], UNVERIFIED, best[1].reason, checks=checks)


def resolve_claims(claims: list[dict], probes: list[ProbeResult]) -> list[ClaimStatus]:
    return [resolve_claim(claim, probes) for claim in claims]
