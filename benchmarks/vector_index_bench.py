"""Vector index benchmark: HNSW recall@10 and speed against the exact index, per efSearch.

    python -m benchmarks.vector_index_bench [--count 60000] [--queries 1000] [--vectors PATH.npy]

`embed/index.py` switches from the exact `IndexFlatIP` to `IndexHNSWSQ` (float16 vectors, M=32,
efConstruction=200) at MATCHGRAPH_ANN_THRESHOLD vectors (default 50,000); this measures, above that
size, which efSearch keeps recall@10 >= 0.95 and what it costs.

The index holds all-MiniLM-L6-v2 embeddings (384-d) of the synthetic corpus' capability texts
(`benchmarks.synthetic.Pool(10000)`, description + unique, de-duplicated: 74,685 texts), given as an
.npy file with --vectors (float rows, or int8 codes of each unit vector: only the direction
matters), else embedded here with `embed.text_embedder` (GPU when there is one; on CPU this takes long).
Two query sets: held-out capability texts (other artifacts' capabilities: "more like this"), and
the search-quality queries of embed/queries.json embedded with `embed.text_embedder` (short user queries:
the search path). Uniform random vectors are not used: in 384 dimensions they have no neighbour
structure, every point is almost equally far from every other, and no ANN index means anything there.

The baseline is the exact index in the same run: recall is measured against its answers and query
speed is reported as a ratio to it. Prints a table and writes benchmarks/results/vector_index.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from embed.index import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, VectorIndex

RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = Path(__file__).resolve().parents[1] / "embed" / "queries.json"
EF_SEARCHES = (16, 32, 64, 128, 256, 384, 512, 768, 1024)
K = 10
TARGET_RECALL = 0.95


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    return np.ascontiguousarray(matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12))


def sentence_vectors(path: Path | None, needed: int) -> np.ndarray:
    if path is not None:
        return unit_rows(np.load(path))
    from benchmarks.synthetic import Pool
    from embed.text_embedder import shared_text_embedder

    pool = Pool(10000, seed=0)
    seen: dict[str, None] = {}
    for i in range(len(pool)):
        for description, unique, _ in pool.blocks(i):
            seen.setdefault(description + " " + unique)
            if len(seen) >= needed:
                break
    return shared_text_embedder().encode(list(seen)[:needed], batch_size=256)


def search_queries() -> np.ndarray:
    from embed.text_embedder import shared_text_embedder

    texts = [item["query"] for item in json.loads(QUERIES.read_text(encoding="utf-8"))]
    return shared_text_embedder().encode(texts, batch_size=64)


def recall(found: list[list[tuple[str, float]]], truth: list[list[tuple[str, float]]]) -> float:
    hits = sum(len({key for key, _ in f} & {key for key, _ in t}) for f, t in zip(found, truth))
    return hits / sum(len(t) for t in truth)


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def measure(vectors: np.ndarray, count: int, query_sets: dict[str, np.ndarray]) -> dict:
    if len(vectors) < count:
        raise SystemExit(f"{len(vectors)} vectors, need {count}")
    base = vectors[:count]
    keys = [str(i) for i in range(count)]
    exact, exact_build = timed(
        lambda: VectorIndex.build("bench", keys, base, "bench", "", approximate_threshold=count + 1)
    )
    approximate, hnsw_build = timed(
        lambda: VectorIndex.build("bench", keys, base, "bench", "", approximate_threshold=1)
    )
    assert exact.kind == "flat" and approximate.kind == "hnsw"
    exact.search(base[:8], K), approximate.search(base[:8], K)  # warm-up (thread pools, caches), untimed
    results = []
    for label, probe in query_sets.items():
        truth, exact_seconds = timed(lambda probe=probe: exact.search(probe, K))
        rows = []
        for ef in EF_SEARCHES:
            approximate._index.hnsw.efSearch = ef  # the benchmark's one reach inside: try each setting
            found, seconds = timed(lambda probe=probe: approximate.search(probe, K))
            rows.append(
                {
                    "efSearch": ef,
                    "recall_at_10": round(recall(found, truth), 4),
                    "queries_per_s": round(len(probe) / seconds, 1),
                    "speed_vs_exact": round(exact_seconds / seconds, 2),
                }
            )
        results.append(
            {
                "queries": label,
                "count": len(probe),
                "exact_queries_per_s": round(len(probe) / exact_seconds, 1),
                "rows": rows,
                "smallest_ef_at_target": next(
                    (r["efSearch"] for r in rows if r["recall_at_10"] >= TARGET_RECALL), None
                ),
            }
        )
    return {
        "count": count,
        "dimension": int(base.shape[1]),
        "exact_build_s": round(exact_build, 2),
        "hnsw_build_s": round(hnsw_build, 2),
        "query_sets": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=60_000, help="vectors in the index")
    parser.add_argument("--queries", type=int, default=1000, help="held-out capability vectors as queries")
    parser.add_argument("--vectors", type=Path, default=None, help=".npy of sentence embeddings (see above)")
    parser.add_argument("--threads", type=int, default=0, help="FAISS threads (0: FAISS's default)")
    parser.add_argument("--out", type=Path, default=RESULTS / "vector_index.json")
    arguments = parser.parse_args()
    if arguments.threads:
        import faiss

        faiss.omp_set_num_threads(arguments.threads)

    vectors = sentence_vectors(arguments.vectors, arguments.count + arguments.queries)
    held_out = vectors[len(vectors) - arguments.queries :]
    result = measure(vectors, arguments.count, {"capabilities": held_out, "search queries": search_queries()})
    print(
        f"\nHNSW (M={HNSW_M}, efConstruction={HNSW_EF_CONSTRUCTION}) vs exact IndexFlatIP over {arguments.count:,} "
        f"capability vectors, k={K}; build: exact {result['exact_build_s']} s, HNSW {result['hnsw_build_s']} s"
    )
    for query_set in result["query_sets"]:
        print(
            f"\nqueries: {query_set['count']:,} {query_set['queries']}; exact {query_set['exact_queries_per_s']:,} queries/s"
        )
        print(f"{'efSearch':>9} {'recall@10':>10} {'queries/s':>10} {'vs exact':>9}")
        for row in query_set["rows"]:
            marker = "  <- configured" if row["efSearch"] == HNSW_EF_SEARCH else ""
            print(
                f"{row['efSearch']:>9} {row['recall_at_10']:>10.4f} {row['queries_per_s']:>10,.0f} "
                f"{row['speed_vs_exact']:>8.1f}x{marker}"
            )
        print(f"smallest efSearch with recall@10 >= {TARGET_RECALL}: {query_set['smallest_ef_at_target']}")
    report = {
        "benchmark": "vector_index",
        "configured_ef_search": HNSW_EF_SEARCH,
        "k": K,
        "target_recall": TARGET_RECALL,
        "result": result,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
    }
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {arguments.out}")


if __name__ == "__main__":
    main()
