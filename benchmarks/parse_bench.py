"""Parse rate on one core: `read_document` + `parse` over synthetic documents.

    python -m benchmarks.parse_bench [--documents 10000] [--artifacts 2000]

Reports documents per second of CPU time (what one core does, whatever else runs on the machine)
and of wall-clock time; writes benchmarks/results/parse.json. The seeds, when present, are timed
too (they are the real shape).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.synthetic import generate
from ingest.parser import parse
from ingest.reading import read_document

RESULTS = Path(__file__).resolve().parent / "results"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def rate(corpus: list[tuple[str, bytes]], repeat: int = 1) -> dict:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        for name, data in corpus:
            parse(read_document(data, name))
    count = len(corpus) * repeat
    return {
        "documents": count,
        "cpu_docs_per_s": round(count / (time.process_time() - cpu), 1),
        "wall_docs_per_s": round(count / (time.perf_counter() - wall), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--artifacts", type=int, default=2_000)
    args = parser.parse_args(argv)
    synthetic = [(name, text.encode("utf-8")) for name, text in generate(args.documents, args.artifacts, seed=1)]
    result = {"synthetic": rate(synthetic)}
    if SEEDS.is_dir():
        seeds = [(p.name, p.read_bytes()) for p in sorted(SEEDS.glob("*.txt"))]
        result["seeds"] = rate(seeds, repeat=400)
    for name, numbers in result.items():
        print(
            f"{name:<10} {numbers['documents']:>6} docs  {numbers['cpu_docs_per_s']:>8,.0f} docs/s (CPU)"
            f"  {numbers['wall_docs_per_s']:>8,.0f} docs/s (wall)"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "parse.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
