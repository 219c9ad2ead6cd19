"""GPU throughput report: ``python -m benchmarks.gpu_report --out DIR`` (CUDA only).

A benchmark entry point that needs only a checkout and torch + transformers (+ diffusers): it runs on
a bare GPU machine without matchgraph's graph libraries. benchmarks/results/gpu_report_h100.* came
from ``python -m benchmarks.gpu_report --out DIR --compile``.

One run measures, within a time budget (``--budget-s``, default 480 s):

1. the device: its name, the vendor's dense bf16 peak for it (H100 SXM 989 TFLOP/s, H100 PCIe 756,
   H200 989, …) and a measured 8192×8192×8192 bf16 matmul rate on the same device;
2. the architecture probes of every built-in spec (the seeds' models) in bf16: ViT-Base at batch
   1, 8, 10, 32 (10 pairs with 1 for "10x batch size" claims), the SD3.5 transformers at a 1024×1024
   image (128×128 latent, 333 text tokens of the right widths) at batch 1, 2 and 4 as memory allows;
3. a ViT-Base/16 throughput sweep (batch 1..1024, bf16, SDPA attention; eager, and compiled with
   torch.compile when ``--compile``) reporting images/s and MFU = images/s × FLOPs/image ÷ peak,
   FLOPs/image counted with torch.utils.flop_counter.FlopCounterMode on the real model (and the
   analytic ≈ 2 × 17.6 GMAC beside it), against both the spec peak and the measured matmul rate.

Each step runs in its own try/except, and ``report.json``, ``report.md`` and ``probes.json`` (probe
records for ``matchgraph probe import``) are rewritten after every step, so a crash or a timeout
keeps everything measured so far. Without CUDA it stops at once with a message (exit 2).
``--cpu-smoke`` (hidden) runs the same code paths on CPU with a tiny ViT, for tests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import traceback
from pathlib import Path

from probes import devices
from probes.architecture import build_model, make_inputs, run_architecture_probe
from probes.records import ProbeResult, library_versions, utc_now, write_results
from probes.specs import ProbeSpec, SpecRegistry
from probes.tiny import tiny_vit_spec

SWEEP_BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
PROBE_BATCHES = {"vit-base-patch16-224": (1, 8, 10, 32), "vit-base": (1, 8, 10, 32)}
DIFFUSION_BATCHES = (1, 2, 4)
MIN_SWEEP_SECONDS = 0.3  # each timed measurement runs at least this long


def log(message: str) -> None:
    print(f"[gpu_report {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def vit_analytic_flops(config: dict) -> float:
    """Forward FLOPs per image of a ViT classifier (2 × multiply-accumulates), counting the matmuls:
    patch embedding, per layer QKV + output projection (4·N·D²), MLP (2·N·D·I), attention scores and
    weighted sum (2·N²·D), and the classification head on the CLS token."""
    size, patch, width = config["image_size"], config["patch_size"], config["hidden_size"]
    layers, inner, labels = config["num_hidden_layers"], config["intermediate_size"], config.get("num_labels", 1000)
    patches = (size // patch) ** 2
    tokens = patches + 1
    macs = patches * 3 * patch * patch * width
    macs += layers * (4 * tokens * width**2 + 2 * tokens * width * inner + 2 * tokens**2 * width)
    macs += width * labels
    return 2.0 * macs


def counted_flops(model, inputs: dict) -> float:
    """FLOPs of one forward, counted by torch.utils.flop_counter.FlopCounterMode."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(**inputs)
    return float(counter.get_total_flops())


def matmul_tflops(device: str, size: int = 8192, repeats: int = 10) -> dict:
    """Measured dense bf16 (fp32 on CPU) matmul rate: size³ products, 3 warm-ups, mean of ``repeats``."""
    import torch

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    devices.synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    devices.synchronize(device)
    seconds = (time.perf_counter() - start) / repeats
    del a, b
    return {
        "size": size,
        "dtype": str(dtype).removeprefix("torch."),
        "seconds": seconds,
        "tflops": 2 * size**3 / seconds / 1e12,
    }


def time_batches(model, make_inputs, batches, device: str, deadline: float, min_seconds: float | None = None):
    """Images/s per batch size (median of 3 timed runs of ≥ min_seconds each); stops at the deadline
    or on out-of-memory, saying which."""
    import torch

    rows, stopped = [], None
    min_seconds = (MIN_SWEEP_SECONDS if device == "cuda" else 0.01) if min_seconds is None else min_seconds
    for batch in batches:
        if time.monotonic() > deadline:
            stopped = f"time budget reached before batch {batch}"
            break
        try:
            inputs = make_inputs(batch)
            with torch.inference_mode():
                for _ in range(3):
                    model(**inputs)
                devices.synchronize(device)
                start = time.perf_counter()
                model(**inputs)
                devices.synchronize(device)
                one = max(time.perf_counter() - start, 1e-6)
                iterations = max(3, math.ceil(min_seconds / one))
                runs = []
                for _ in range(3):
                    start = time.perf_counter()
                    for _ in range(iterations):
                        model(**inputs)
                    devices.synchronize(device)
                    runs.append((time.perf_counter() - start) / iterations)
            seconds = statistics.median(runs)
            rows.append(
                {
                    "batch": batch,
                    "latency_ms": seconds * 1000,
                    "images_per_s": batch / seconds,
                    "runs_images_per_s": [batch / r for r in runs],
                    "iterations": iterations,
                }
            )
            log(f"  batch {batch}: {batch / seconds:,.1f} images/s")
            del inputs
        except torch.OutOfMemoryError:
            stopped = f"out of memory at batch {batch}"
            torch.cuda.empty_cache()
            break
    return rows, stopped


class Report:
    """The report's data, written (JSON + markdown + probe records) after every step."""

    def __init__(self, out: Path, budget_s: float, smoke: bool):
        self.out = out
        self.data = {
            "format": "matchgraph-gpu-report/1",
            "startedAt": utc_now(),
            "budgetSeconds": budget_s,
            "smoke": smoke,
            "versions": library_versions(),
            "device": {},
            "probes": [],
            "vitSweep": {},
            "errors": [],
        }
        self.probes: list[ProbeResult] = []
        out.mkdir(parents=True, exist_ok=True)

    def error(self, step: str, error: BaseException) -> None:
        log(f"{step} failed: {type(error).__name__}: {error}")
        self.data["errors"].append(
            {"step": step, "error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc(limit=8)}
        )

    def write(self) -> None:
        self.data["finishedAt"] = utc_now()
        (self.out / "report.json").write_text(json.dumps(self.data, indent=2) + "\n", encoding="utf-8")
        (self.out / "report.md").write_text(markdown(self.data), encoding="utf-8")
        write_results(self.out / "probes.json", self.probes)


def _fmt(value, digits: int = 1, suffix: str = "") -> str:
    return "–" if value is None else f"{value:,.{digits}f}{suffix}"


def markdown(data: dict) -> str:
    device = data.get("device") or {}
    lines = [f"# GPU report: {device.get('name', '?')}", ""]
    lines.append(
        f"torch {data['versions'].get('torch')}, transformers {data['versions'].get('transformers')}, "
        f"diffusers {data['versions'].get('diffusers')}; started {data['startedAt']}"
        + (" — **CPU smoke run, tiny model: not a measurement of the real models**" if data.get("smoke") else "")
    )
    lines.append("")
    matmul = device.get("matmul") or {}
    lines.append(
        f"- Peak (spec, dense bf16): {_fmt(device.get('specPeakTflops'), 0)} TFLOP/s; measured "
        f"{matmul.get('size', '?')}³ {matmul.get('dtype', '')} matmul: {_fmt(matmul.get('tflops'), 0)} TFLOP/s"
    )
    lines += [
        "",
        "## Architecture probes",
        "",
        "| artifact | params | dtype | batch | latency ms | items/s | peak MB | note |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for probe in data.get("probes", []):
        note = probe.get("reason") or probe.get("scale_note") or ""
        params = f"{probe['param_count'] / 1e6:,.1f}M" if probe.get("param_count") else "–"
        if not probe.get("batch_sizes"):
            lines.append(
                f"| {probe['artifact_slug']} | {params} | {probe.get('dtype')} | – | – | – | – | {probe['status']}: {note} |"
            )
        for batch, latency, rate, peak in zip(
            probe.get("batch_sizes", []),
            probe.get("latency_ms", []),
            probe.get("throughput", []),
            probe.get("peak_memory_mb", []),
            strict=False,
        ):
            lines.append(
                f"| {probe['artifact_slug']} | {params} | {probe.get('dtype')} | {batch} | {latency:,.2f} | "
                f"{rate:,.1f} | {peak:,.0f} | {note} |"
            )
    sweep = data.get("vitSweep") or {}
    if sweep:
        lines += [
            "",
            "## ViT-Base/16 throughput sweep",
            "",
            f"FLOPs/image: {(sweep.get('flopsPerImage') or 0) / 1e9:.4g} GFLOP counted with FlopCounterMode "
            f"(analytic {(sweep.get('analyticFlopsPerImage') or 0) / 1e9:.4g} GFLOP = 2 × "
            f"{(sweep.get('analyticFlopsPerImage') or 0) / 2e9:.4g} GMAC); attention: {sweep.get('attention')}.",
            "",
            "| mode | batch | images/s | latency ms | MFU vs spec peak | MFU vs measured matmul |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for mode, run in (sweep.get("runs") or {}).items():
            for row in run.get("rows", []):
                lines.append(
                    f"| {mode} | {row['batch']} | {row['images_per_s']:,.1f} | {row['latency_ms']:,.2f} | "
                    f"{_fmt(row.get('mfu_spec'), 1, '%')} | {_fmt(row.get('mfu_measured'), 1, '%')} |"
                )
            stopped = run.get("stopped")
            if stopped:
                lines.append(f"| {mode} | – | stopped: {stopped} | | | |")
        best = sweep.get("best")
        if best:
            lines += [
                "",
                f"Best: {best['images_per_s']:,.1f} images/s ({best['mode']}, batch {best['batch']}) = "
                f"{_fmt(best.get('mfu_spec'), 1, '%')} of the spec peak, {_fmt(best.get('mfu_measured'), 1, '%')} "
                "of the measured matmul rate.",
            ]
    if data.get("errors"):
        lines += ["", "## Errors", ""] + [f"- {e['step']}: {e['error']}" for e in data["errors"]]
    return "\n".join(lines) + "\n"


def run_probes(report: Report, specs: list[tuple[str, ProbeSpec]], device: str, deadline: float, smoke: bool) -> None:
    for slug, spec in specs:
        remaining = deadline - time.monotonic()
        if remaining < (5 if smoke else 30):
            report.data["errors"].append({"step": f"probe {slug}", "error": "skipped: time budget reached"})
            continue
        batches = (
            (1, 2)
            if smoke
            else PROBE_BATCHES.get(slug, DIFFUSION_BATCHES if spec.task == "text-to-image" else (1, 8, 32))
        )
        log(f"architecture probe {slug} at batch {batches}")
        try:
            result = run_architecture_probe(
                spec,
                slug=slug,
                device=device,
                batch_sizes=batches,
                repeats=3 if smoke else 10,
                warmup=1 if smoke else 3,
            )
            report.probes.append(result)
            report.data["probes"].append(result.to_json())
            log(
                f"  {result.status}: {result.param_count:,} parameters; "
                + ", ".join(f"b{b} {t:,.1f}/s" for b, t in zip(result.batch_sizes, result.throughput, strict=False))
                + (f"; {result.reason}" if result.reason else "")
            )
        except Exception as error:
            report.error(f"probe {slug}", error)
        finally:
            if device == "cuda":
                import torch

                torch.cuda.empty_cache()
        report.write()


def _maskless_sdpa() -> str:
    """Registers (once) and names a transformers attention function: SDPA without the mask."""
    from transformers import AttentionInterface
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    def sdpa_without_mask(module, query, key, value, attention_mask, **kwargs):
        return sdpa_attention_forward(module, query, key, value, None, **kwargs)

    AttentionInterface.register("sdpa_maskless", sdpa_without_mask)
    return "sdpa_maskless"


def vit_sweep(report: Report, spec: ProbeSpec, device: str, deadline: float, compile_model: bool, batches) -> None:
    import torch

    placement = devices.resolve(device)
    sweep = report.data["vitSweep"]
    config = dict(spec.config)
    model = build_model(spec.with_config(attn_implementation="sdpa"), placement.device, placement.dtype)
    sweep["model"] = spec.name
    sweep["attention"] = getattr(model.config, "_attn_implementation", "?")
    sweep["dtype"] = placement.dtype_name
    sweep["analyticFlopsPerImage"] = vit_analytic_flops(config)
    sweep["flopsPerImage"] = counted_flops(model, make_inputs(spec, 1, placement.device, placement.dtype))
    log(
        f"ViT FLOPs/image: {sweep['flopsPerImage'] / 1e9:.2f} G counted, {sweep['analyticFlopsPerImage'] / 1e9:.2f} G analytic"
    )
    report.write()
    spec_peak = report.data["device"].get("specPeakTflops")
    measured_peak = (report.data["device"].get("matmul") or {}).get("tflops")

    def with_mfu(rows):
        for row in rows:
            achieved = row["images_per_s"] * sweep["flopsPerImage"] / 1e12
            row["tflops"] = achieved
            row["mfu_spec"] = 100 * achieved / spec_peak if spec_peak else None
            row["mfu_measured"] = 100 * achieved / measured_peak if measured_peak else None
        return rows

    def inputs_for(batch: int, channels_last: bool = False) -> dict:
        inputs = make_inputs(spec, batch, placement.device, placement.dtype)
        if channels_last:
            inputs = {
                k: v.contiguous(memory_format=torch.channels_last) if v.dim() == 4 else v for k, v in inputs.items()
            }
        return inputs

    # Modes, each a (runnable, inputs, batches, attention backends) tuple. The patch embedding is a
    # 16×16 stride-16 convolution: in NCHW cuDNN runs it as a slow generic kernel (≈8% of a batch-512
    # forward on an H100); channels-last gives it an implicit-GEMM kernel. Under torch.compile,
    # transformers hands SDPA an all-true boolean mask it cannot prove away while tracing, which
    # rules out the fused kernels (fp32 bmm + softmax, slower than eager): the compiled model uses
    # an attention function that drops the mask (an image classifier has no padding to mask).
    from torch.nn.attention import SDPBackend, sdpa_kernel

    fused = [SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]
    # Each mode's model is made when its turn comes (the compiled one takes minutes); the eager ones
    # share the model built above, bound here rather than looked up when the lambda runs.
    modes = [("eager", lambda model=model: model, lambda b: inputs_for(b), batches, fused)]
    if placement.device == "cuda":
        modes.append(
            (
                "eager, channels-last",
                lambda model=model: model.to(memory_format=torch.channels_last),
                lambda b: inputs_for(b, True),
                batches,
                fused,
            )
        )
    if compile_model and placement.device == "cuda":

        def compiled():
            maskless = build_model(
                spec.with_config(attn_implementation=_maskless_sdpa()), placement.device, placement.dtype
            )
            # PROBES_COMPILE_MODE (e.g. max-autotune: autotuned GEMMs + CUDA graphs, minutes to compile).
            return torch.compile(
                maskless.to(memory_format=torch.channels_last),
                dynamic=False,
                mode=os.environ.get("PROBES_COMPILE_MODE") or None,
            )

        modes.append(
            (
                "compiled, channels-last",
                compiled,
                lambda b: inputs_for(b, True),
                sorted(batches, reverse=True)[:3],
                fused,
            )
        )
    sweep["modes"] = [m[0] for m in modes]
    for mode, make_runnable, make, order, backends in modes:
        log(f"ViT sweep ({mode})")
        try:
            runnable = make_runnable()
            with sdpa_kernel(backends):
                rows, stopped = time_batches(runnable, make, order, placement.device, deadline)
            sweep.setdefault("runs", {})[mode] = {
                "rows": with_mfu(sorted(rows, key=lambda r: r["batch"])),
                "stopped": stopped,
            }
        except Exception as error:
            report.error(f"ViT sweep ({mode})", error)
        everything = [dict(r, mode=m) for m, run in sweep.get("runs", {}).items() for r in run["rows"]]
        if everything:
            sweep["best"] = max(everything, key=lambda r: r["images_per_s"])
        report.write()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for report.json, report.md, probes.json")
    parser.add_argument("--budget-s", type=float, default=480.0, help="total time budget in seconds (default 480)")
    parser.add_argument(
        "--compile", action="store_true", help="also sweep ViT-Base under torch.compile (largest batches)"
    )
    parser.add_argument("--skip-probes", action="store_true", help="only the device and the ViT sweep")
    parser.add_argument("--only", help="comma-separated spec slugs to probe (default: all built-in specs)")
    parser.add_argument("--cpu-smoke", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    start = time.monotonic()
    deadline = start + args.budget_s
    if not args.cpu_smoke and not torch.cuda.is_available():
        print(
            "error: benchmarks.gpu_report needs a CUDA GPU and torch sees none here "
            f"(torch {torch.__version__}, CUDA build {torch.version.cuda}). For CPU numbers use "
            "`python -m benchmarks.probe_bench --all --device cpu`.",
            file=sys.stderr,
        )
        return 2
    device = "cpu" if args.cpu_smoke else "cuda"
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    report = Report(args.out, args.budget_s, smoke=args.cpu_smoke)
    try:
        placement = devices.resolve(device)
        report.data["device"] = {
            "name": placement.device_name,
            "dtype": placement.dtype_name,
            "specPeakTflops": devices.bf16_peak_tflops(placement.device_name) if device == "cuda" else None,
        }
        if device == "cuda":
            properties = torch.cuda.get_device_properties(0)
            report.data["device"].update(
                memoryGb=properties.total_memory / 1e9, multiprocessors=properties.multi_processor_count
            )
        log(f"device {placement.device_name}; measuring the matmul rate")
        report.data["device"]["matmul"] = matmul_tflops(device, size=256 if args.cpu_smoke else 8192)
        log(
            f"  {report.data['device']['matmul']['tflops']:.1f} TFLOP/s measured; spec {report.data['device']['specPeakTflops']}"
        )
    except Exception as error:
        report.error("device", error)
    report.write()

    registry = SpecRegistry.load()
    vit = tiny_vit_spec() if args.cpu_smoke else registry.require("vit-base-patch16-224")
    batches = (1, 2, 4) if args.cpu_smoke else SWEEP_BATCHES
    # The sweep first gets its share of the budget (it is the headline number), then the probes.
    sweep_deadline = start + args.budget_s * (0.45 if not args.skip_probes else 0.95)
    try:
        vit_sweep(report, vit, device, sweep_deadline, args.compile, batches)
    except Exception as error:
        report.error("ViT sweep", error)
    report.write()

    if not args.skip_probes:
        if args.cpu_smoke:
            specs = [(vit.slug, vit)]
        else:
            wanted = [s.strip() for s in args.only.split(",")] if args.only else registry.slugs()
            order = sorted(wanted, key=lambda s: (registry.require(s).task == "text-to-image", s))
            specs = [(slug, registry.require(slug)) for slug in order]
        run_probes(report, specs, device, deadline, args.cpu_smoke)
    report.write()
    log(f"done in {time.monotonic() - start:.0f} s: {args.out / 'report.md'}, {args.out / 'probes.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
