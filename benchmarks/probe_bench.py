"""Probe benchmark, measured without the graph: ``python -m benchmarks.probe_bench``.

Runs probes on this machine and writes a results file that ``matchgraph probe import FILE`` records
in the graph elsewhere (benchmarks/results/probes_cpu.json is one). Needs only a checkout and torch +
transformers (+ diffusers for the SD3.5 specs) + numpy: no neo4j, pydantic or strawberry, so it runs
on a bare GPU box. On a machine with matchgraph and its graph, `matchgraph probe` measures the same
way (probes/runner.py) and records the probes at once.

    python -m benchmarks.probe_bench --artifact vit-base-patch16-224 --device cuda --batch-sizes 1,8,32 --json out.json
    python -m benchmarks.probe_bench --artifacts mobilevit-small,vit-base-patch16-224 --json out.json
    python -m benchmarks.probe_bench --all --device cuda --json out.json      # every spec
    python -m benchmarks.probe_bench --all --device cpu --batch-sizes 1,8 --repeats 5 \
        --json benchmarks/results/probes_cpu.json                             # the CPU table
    python -m benchmarks.probe_bench --list                                   # the specs

The results file is rewritten after every probe, so an interrupted run keeps what it measured.
Exit status: 0 when every probe ran (ok or skipped), 1 when one failed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from graphdb.vocabulary import DEVICE_CHOICES
from probes.records import KINDS, ProbeResult, summary_line, write_results
from probes.runner import ProbeRequest, run_probe
from probes.specs import SpecError, SpecRegistry


def positive_ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def slug_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.probe_bench", description=__doc__.split("\n\n")[0])
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--artifact", type=slug_list, help="artifact slug (comma-separated for several)")
    which.add_argument("--artifacts", type=slug_list, help="comma-separated artifact slugs")
    which.add_argument("--all", action="store_true", help="every artifact that has a spec")
    which.add_argument("--list", action="store_true", help="list the specs and exit")
    p.add_argument("--kind", choices=KINDS, default="architecture")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    p.add_argument(
        "--batch-sizes", type=positive_ints, default=None, help="e.g. 1,8,32 (default: cpu 1,8; cuda 1,8,32)"
    )
    p.add_argument("--repeats", type=int, default=None, help="timed forwards per batch size (default: cpu 3, cuda 10)")
    p.add_argument("--warmup", type=int, default=None, help="untimed forwards first (default: cpu 1, cuda 3)")
    p.add_argument("--image-size", type=int, default=None, help="time a smaller input (recorded as scaled down)")
    p.add_argument("--spec", type=Path, action="append", default=[], help="a JSON/YAML spec file (repeatable)")
    p.add_argument("--weights", help="quality probes: a local model folder or cached hub id")
    p.add_argument("--data", type=Path, help="classification_top1: a labelled folder (one sub-folder per label)")
    p.add_argument("--dataset", help="classification_top1: the data set's name (default: the folder's name)")
    p.add_argument("--scorer", help="prompt_adherence: a CLIP model folder or cached hub id")
    p.add_argument("--prompts", type=Path, help="prompt_adherence: one prompt per line, or a JSON list")
    p.add_argument("--steps", type=int, default=20, help="prompt_adherence: sampling steps")
    p.add_argument("--json", dest="json_path", type=Path, help="write the results file here")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        registry = SpecRegistry.load(args.spec)
    except SpecError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.list:
        for slug in registry.slugs():
            spec = registry.get(slug)
            print(f"{slug:40} {spec.library}.{spec.model_class:34} {spec.task:22} {spec.origin}")
        return 0
    slugs = registry.slugs() if args.all else (args.artifact or args.artifacts)
    results: list[ProbeResult] = []
    for index, slug in enumerate(slugs, 1):

        def progress(fraction: float, message: str, slug=slug, index=index) -> None:
            print(
                f"\r[{index}/{len(slugs)}] {slug} {args.kind}: {fraction:4.0%} {message[:80]:80}",
                end="",
                file=sys.stderr,
                flush=True,
            )

        try:
            request = ProbeRequest(
                slug=slug,
                kind=args.kind,
                device=args.device,
                batch_sizes=args.batch_sizes,
                repeats=args.repeats,
                warmup=args.warmup,
                image_size=args.image_size,
                weights=args.weights,
                data=args.data,
                dataset=args.dataset,
                scorer=args.scorer,
                prompts=args.prompts,
                steps=args.steps,
            )
            result = run_probe(request, registry, on_progress=progress)
        except SpecError as error:
            print(f"\nerror: {error}", file=sys.stderr)
            return 2
        except Exception as error:
            print(f"\nerror: {slug}: {type(error).__name__}: {error}", file=sys.stderr)
            return 2
        print(file=sys.stderr)
        results.append(result)
        print(summary_line(result), file=sys.stderr)
        if args.json_path:
            write_results(args.json_path, results)
    if args.json_path:
        print(f"wrote {len(results)} result(s) to {args.json_path}", file=sys.stderr)
    else:
        print(json.dumps([r.to_json() for r in results], indent=2))
    return 1 if any(r.status == "failed" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
