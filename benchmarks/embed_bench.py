"""Text embedding speed: plain torch `encode` (sentence-transformers) against the ONNX int8 fast
path, in the same run, on the same texts.

    python -m benchmarks.embed_bench [--texts 512] [--repeats 300] [--batch-size 64] [--runs 3]

- query latency: one short query at a time (the search-quality queries of embed/queries.json, in
  the same order for both paths, interleaved so both see the same machine load), p50 / p99 over
  `--repeats` calls after a warm-up;
- throughput: `--texts` capability texts (the sample corpus's, then the synthetic generator's,
  each "description unique" like the indexer embeds them), batch size `--batch-size`, the median
  of `--runs` interleaved runs;
- agreement: min / mean cosine between the two paths' vectors of the same texts.

torch is timed twice: as it comes (its default intra-op threads: the baseline), and with one
thread, because on a small machine shared with other work torch's OpenMP threads stall each other
whenever one is descheduled, which inflates the default's numbers; the one-thread row shows how
much of the gap is that and how much is the model itself.

Prints a table and writes benchmarks/results/embed.json with the machine (cores, CPU, load average
before and after), the versions and the device.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from benchmarks import write_results
from corpus import sample_folder

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def capability_texts(count: int) -> list[str]:
    """Unique capability texts, sample corpus first, then synthetic documents until `count`."""
    from benchmarks.synthetic import generate
    from ingest.parser import parse

    seen: dict[str, None] = {}

    def add(document: str) -> None:
        record = parse(document)
        for side in (record.a, record.b):
            for block in side.capabilities:
                seen.setdefault(f"{block.description} {block.unique or ''}".strip(), None)

    for path in sorted(sample_folder().glob("*.txt")):
        add(path.read_text(encoding="utf-8"))
    for _, text in generate(count, max(50, count // 4), seed=7):
        if len(seen) >= count:
            break
        add(text)
    return list(seen)[:count]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=512, help="capability texts for throughput (>= 512)")
    parser.add_argument("--repeats", type=int, default=300, help="single-query calls per path (>= 200)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3, help="throughput runs per path (median reported)")
    parser.add_argument("--device", default="cpu", help="device of the torch path (cpu or cuda)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="where the fast model is cached")
    parser.add_argument("--out", type=Path, default=RESULTS / "embed.json")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from embed import onnx_model
    from embed.text_embedder import load_text_embedder

    console = Console(stderr=True)
    load_before = os.getloadavg()
    queries = [entry["query"] for entry in json.loads((REPO / "embed" / "queries.json").read_text())]
    texts = capability_texts(args.texts)
    console.log(f"{len(texts)} capability texts, {len(queries)} queries")

    started = time.perf_counter()
    torch_path = load_text_embedder("torch", args.device)
    torch_load = time.perf_counter() - started
    builds = onnx_model.build_count()
    started = time.perf_counter()
    fast_path = load_text_embedder("onnx", "cpu", args.cache_dir)
    fast_load = time.perf_counter() - started
    built_now = onnx_model.build_count() > builds
    console.log(
        f"torch loaded in {torch_load:.1f} s; fast path ({fast_path.backend}) "
        f"{'built and ' if built_now else ''}loaded in {fast_load:.1f} s"
    )
    import torch

    default_threads = torch.get_num_threads()

    def threads_for(name: str) -> int:
        return 1 if name == "torch_1_thread" else default_threads

    paths = {"torch": torch_path, "torch_1_thread": torch_path, "fast": fast_path}
    order = list(paths)

    for name, embedder in paths.items():  # warm-up: first calls allocate and pick kernels
        torch.set_num_threads(threads_for(name))
        for query in queries[:10]:
            embedder.encode_query(query)
        embedder.encode(texts[:128], batch_size=args.batch_size)

    latencies: dict[str, list[float]] = {name: [] for name in paths}
    with console.status("single-query latency"):
        for index in range(args.repeats):
            query = queries[index % len(queries)]
            for name in order if index % 2 == 0 else order[::-1]:
                embedder = paths[name]
                torch.set_num_threads(threads_for(name))
                began = time.perf_counter()
                embedder.encode_query(query)
                latencies[name].append((time.perf_counter() - began) * 1000)

    seconds: dict[str, list[float]] = {name: [] for name in paths}
    vectors: dict[str, np.ndarray] = {}
    for run in range(args.runs):
        for name in order if run % 2 == 0 else order[::-1]:
            embedder = paths[name]
            torch.set_num_threads(threads_for(name))
            with console.status(f"throughput run {run + 1}/{args.runs}: {name}"):
                began = time.perf_counter()
                vectors[name] = embedder.encode(texts, batch_size=args.batch_size)
                seconds[name].append(time.perf_counter() - began)

    torch.set_num_threads(default_threads)
    text_cosines = np.sum(vectors["torch"] * vectors["fast"], axis=1)
    query_cosines = np.sum(torch_path.encode(queries) * np.stack([fast_path.encode_query(q) for q in queries]), axis=1)
    cosines = np.concatenate([text_cosines, query_cosines])

    result: dict = {
        "machine": machine(),
        "device": torch_path.device,
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "versions": {
            name: metadata.version(name)
            for name in ("torch", "sentence-transformers", "onnxruntime", "onnx", "tokenizers", "numpy")
        },
        "torch_threads": default_threads,
        "onnxruntime_threads": onnx_model.session_threads(),
        "fast_backend": fast_path.backend,
        "fast_model_dir": str(fast_path.model_dir),
        "fast_build_seconds": fast_path.manifest.get("build_seconds"),
        "built_in_this_run": built_now,
        "calibration_check": fast_path.manifest.get("check"),
        "texts": len(texts),
        "mean_text_chars": round(statistics.mean(len(t) for t in texts), 1),
        "queries": len(queries),
        "repeats": args.repeats,
        "batch_size": args.batch_size,
        "runs": args.runs,
        "paths": {},
    }
    for name in paths:
        median_seconds = statistics.median(seconds[name])
        result["paths"][name] = {
            "backend": paths[name].backend,
            "threads": threads_for(name) if name != "fast" else onnx_model.session_threads(),
            "query_p50_ms": round(percentile(latencies[name], 50), 2),
            "query_p99_ms": round(percentile(latencies[name], 99), 2),
            "texts_per_s": round(len(texts) / median_seconds, 1),
            "run_seconds": [round(s, 2) for s in seconds[name]],
        }
    torch_numbers, fast_numbers = result["paths"]["torch"], result["paths"]["fast"]
    result["ratios"] = {
        "query_p50_speedup": round(torch_numbers["query_p50_ms"] / fast_numbers["query_p50_ms"], 2),
        "query_p99_speedup": round(torch_numbers["query_p99_ms"] / fast_numbers["query_p99_ms"], 2),
        "throughput_speedup": round(fast_numbers["texts_per_s"] / torch_numbers["texts_per_s"], 2),
        "vs_torch_1_thread": {
            "query_p50_speedup": round(
                result["paths"]["torch_1_thread"]["query_p50_ms"] / fast_numbers["query_p50_ms"], 2
            ),
            "throughput_speedup": round(
                fast_numbers["texts_per_s"] / result["paths"]["torch_1_thread"]["texts_per_s"], 2
            ),
        },
    }
    result["cosine"] = {
        "min": round(float(cosines.min()), 4),
        "mean": round(float(cosines.mean()), 4),
        "texts_min": round(float(text_cosines.min()), 4),
        "queries_min": round(float(query_cosines.min()), 4),
    }
    result["target_met"] = bool(result["ratios"]["throughput_speedup"] >= 2.0 and cosines.min() >= 0.99)

    table = Table(
        title=f"text embedding, {result['machine']['usable_cores']} cores, {len(texts)} texts, batch {args.batch_size}"
    )
    for column in ("path", "query p50 ms", "query p99 ms", "texts/s"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for name in paths:
        numbers = result["paths"][name]
        label = {
            "torch": f"torch, {default_threads} threads (default)",
            "torch_1_thread": "torch, 1 thread",
            "fast": f"fast ({numbers['backend']})",
        }[name]
        table.add_row(
            label, f"{numbers['query_p50_ms']:.2f}", f"{numbers['query_p99_ms']:.2f}", f"{numbers['texts_per_s']:.1f}"
        )
    ratios = result["ratios"]
    table.add_row(
        "fast / torch",
        f"{ratios['query_p50_speedup']:.2f}x faster",
        f"{ratios['query_p99_speedup']:.2f}x faster",
        f"{ratios['throughput_speedup']:.2f}x",
    )
    table.add_row(
        "fast / torch, 1 thread",
        f"{ratios['vs_torch_1_thread']['query_p50_speedup']:.2f}x faster",
        "",
        f"{ratios['vs_torch_1_thread']['throughput_speedup']:.2f}x",
    )
    Console().print(table)
    print(
        f"cosine fast vs torch: min {result['cosine']['min']:.4f}, mean {result['cosine']['mean']:.4f} "
        f"({len(texts)} texts batched, {len(queries)} queries alone); "
        f"target (>= 2x throughput at cosine >= 0.99) {'met' if result['target_met'] else 'NOT met'}"
    )
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
