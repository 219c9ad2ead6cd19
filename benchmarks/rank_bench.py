"""Rank benchmark: `matchgraph rank` (head-to-head + rank) on 10,000 artifacts, against a raw I/O baseline.

    python -m benchmarks.rank_bench [--artifacts 10000] [--documents 5000] [--probed 150]
                                    [--co-matches 30000] [--resamples 200] [--repeats 3]

Starts its own Neo4j (temporary folder, free ports) and builds the graph:

- the real ingester writes `--documents` synthetic documents (benchmarks.synthetic, seed 1, a pool
  of `--artifacts` names): described artifacts with their published table cells, capabilities,
  alternatives and claims;
- direct Cypher tops the described artifacts up to `--artifacts` (published cells, one capability
  each), gives every capability one of 60 taxonomy classes, marks 10% of the claims verified or
  refuted, adds `--co-matches` CO_MATCHED edges between random described artifacts (with their
  searchMatches), and probes `--probed` artifacts: an architecture probe on CPU (4 batch sizes ×
  5 repeats) for one of three tasks, and a top-1 probe for every third one.

Then, after one warm-up run (query plans), it times `recompute` (what `matchgraph rank` runs) with
head-to-head and without (`--skip-head-to-head`), `--repeats` times each (median), and a baseline
measured in the same run: the same number of round trips doing only the I/O — read every described
artifact's slug, write a constant computedRank and a rankSignals string of the real size with the
same UNWIND batches in one transaction. Prints a table and writes benchmarks/results/rank.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
import zlib
from pathlib import Path

from benchmarks import temporary_neo4j, write_results
from benchmarks.synthetic import generate
from graphdb.repository.rank import WRITE_BATCH
from ingest.pipeline import Ingester
from ingest.writer import GraphWriter
from services.rank import recompute

RESULTS = Path(__file__).resolve().parent / "results"
CLASSES = 60
TASKS = ("image-classification", "text-generation", "text-to-image")
BATCHES = (1, 4, 16, 64)

TOP_UP = """
UNWIND $rows AS row
CREATE (a:Artifact {slug: row.slug, name: row.name, aliasKey: row.slug, rank: row.rank, adoption: row.cells[0],
                    quality: row.cells[1], ecosystem: row.cells[2], matchGraph: row.cells[3], mentionedOnly: false,
                    searchMatches: 0, publishedTimesMatched: 0, timesMatched: 0, type: 'Model', pricing: 'Free'})
CREATE (a)-[:HAS_CAPABILITY]->(:Capability {id: row.slug + '-cap', name: 'bench', description: 'bench ' + row.slug,
                                            uri: 'capability://unclassified'})
"""
SET_CLASSES = "UNWIND $rows AS row MATCH (k:Capability {id: row.id}) SET k.uri = row.uri"
SET_CLAIMS = "UNWIND $rows AS row MATCH (c:Claim {id: row.id}) SET c.status = row.status"
CO_MATCH = """
UNWIND $rows AS row
MATCH (a:Artifact {slug: row.a}), (b:Artifact {slug: row.b})
MERGE (a)-[m:CO_MATCHED]->(b) ON CREATE SET m.count = 0
SET m.count = m.count + row.count, m.lastAt = datetime()
"""
SEARCH_MATCHES = """
UNWIND $rows AS row
MATCH (a:Artifact {slug: row.slug})
SET a.searchMatches = row.matches, a.timesMatched = coalesce(a.publishedTimesMatched, 0) + row.matches
"""
PROBES = """
UNWIND $rows AS row
MATCH (a:Artifact {slug: row.slug})
CREATE (:Probe {id: row.id, kind: row.kind, artifactSlug: row.slug, task: row.task, device: 'cpu', status: 'ok',
                scaledDown: false, batchSizes: row.batchSizes, throughput: row.throughput,
                samplesJson: row.samples, top1: row.top1, repeats: 5})-[:MEASURED]->(a)
"""
BASELINE_READ = "MATCH (a:Artifact) WHERE coalesce(a.mentionedOnly, false) = false RETURN a.slug AS slug"
BASELINE_WRITE = """
UNWIND $rows AS row
MATCH (a:Artifact {slug: row.slug})
SET a.computedRank = row.rank, a.rankSignals = row.signals, a.rankedAt = datetime.transaction()
"""


def _write(driver, query: str, rows: list[dict], batch: int = 5_000) -> None:
    for start in range(0, len(rows), batch):
        driver.execute_query(query, rows=rows[start : start + batch])


def _column(driver, query: str, name: str) -> list:
    records, _, _ = driver.execute_query(query)
    return [r[name] for r in records]


def build(driver, args, log) -> dict:
    rng = random.Random(1)
    corpus = ((name, text.encode("utf-8"), "") for name, text in generate(args.documents, args.artifacts, seed=1))
    started = time.perf_counter()
    report = Ingester(GraphWriter(driver)).ingest(corpus)
    log(f"ingested {report.ingested} documents in {time.perf_counter() - started:.0f}s")

    described = _column(driver, "MATCH (a:Artifact {mentionedOnly: false}) RETURN a.slug AS s ORDER BY s", "s")
    missing = max(0, args.artifacts - len(described))
    _write(
        driver,
        TOP_UP,
        [
            {
                "slug": f"bench-top-up-{i}",
                "name": f"Bench top-up {i}",
                "rank": 1 + i % 99,
                "cells": [i % 2, (i // 2) % 2, (i // 3) % 2, (i // 5) % 2],
            }
            for i in range(missing)
        ],
    )
    described = _column(driver, "MATCH (a:Artifact {mentionedOnly: false}) RETURN a.slug AS s ORDER BY s", "s")

    capabilities = _column(driver, "MATCH (k:Capability) RETURN k.id AS id", "id")
    _write(
        driver,
        SET_CLASSES,
        [{"id": k, "uri": f"capability://bench-class-{zlib.crc32(k.encode()) % CLASSES}"} for k in capabilities],
    )
    claims = sorted(_column(driver, "MATCH (c:Claim) RETURN c.id AS id", "id"))
    checked = rng.sample(claims, len(claims) // 10)
    _write(driver, SET_CLAIMS, [{"id": c, "status": rng.choice(("verified", "refuted"))} for c in checked])

    pairs: dict[tuple[str, str], int] = {}
    while len(pairs) < args.co_matches:
        a, b = sorted(rng.sample(described, 2))
        pairs[(a, b)] = pairs.get((a, b), 0) + rng.randint(1, 4)
    _write(driver, CO_MATCH, [{"a": a, "b": b, "count": c} for (a, b), c in pairs.items()])
    matches: dict[str, int] = {}
    for (a, b), count in pairs.items():
        matches[a] = matches.get(a, 0) + count
        matches[b] = matches.get(b, 0) + count
    _write(driver, SEARCH_MATCHES, [{"slug": s, "matches": m} for s, m in matches.items()])

    probes = []
    for n, slug in enumerate(rng.sample(described, args.probed)):
        task = TASKS[n % len(TASKS)]
        speed = rng.uniform(5, 500)
        samples = {str(b): [round(speed * b**0.8 * rng.uniform(0.9, 1.1), 3) for _ in range(5)] for b in BATCHES}
        probes.append(
            {
                "id": f"bench-probe-{n}",
                "kind": "architecture",
                "slug": slug,
                "task": task,
                "batchSizes": list(BATCHES),
                "throughput": [statistics.median(v) for v in samples.values()],
                "samples": json.dumps(samples),
                "top1": None,
            }
        )
        if n % 3 == 0:
            probes.append(
                {
                    "id": f"bench-top1-{n}",
                    "kind": "classification_top1",
                    "slug": slug,
                    "task": task,
                    "batchSizes": None,
                    "throughput": None,
                    "samples": None,
                    "top1": rng.uniform(0.5, 0.9),
                }
            )
    _write(driver, PROBES, probes)
    counts = {
        name: _column(driver, query, "n")[0]
        for name, query in (
            ("described", "MATCH (a:Artifact {mentionedOnly: false}) RETURN count(a) AS n"),
            ("artifacts", "MATCH (a:Artifact) RETURN count(a) AS n"),
            ("capabilities", "MATCH (k:Capability) RETURN count(k) AS n"),
            ("claims", "MATCH (c:Claim) RETURN count(c) AS n"),
            ("coMatched", "MATCH ()-[m:CO_MATCHED]->() RETURN count(m) AS n"),
            ("probes", "MATCH (p:Probe) RETURN count(p) AS n"),
        )
    }
    log(f"graph: {counts}")
    return counts


def baseline(driver, signals_size: int) -> float:
    """The I/O floor: 4 reads' worth of one read and one write transaction of the same rows."""
    padding = "x" * signals_size
    started = time.perf_counter()
    slugs = _column(driver, BASELINE_READ, "slug")
    rows = [{"slug": slug, "rank": 50.0, "signals": padding} for slug in slugs]
    with driver.session() as session:

        def work(tx):
            for start in range(0, len(rows), WRITE_BATCH):
                tx.run(BASELINE_WRITE, rows=rows[start : start + WRITE_BATCH]).consume()

        session.execute_write(work)
    return time.perf_counter() - started


def run(args) -> dict:
    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with temporary_neo4j(args.heap, log=log) as neo4j:
        driver = neo4j.driver
        graph = build(driver, args, log)
        warm = recompute(driver, resamples=args.resamples)  # plans every query once
        signals_size = len(
            _column(
                driver, "MATCH (a:Artifact) WHERE a.rankSignals IS NOT NULL RETURN a.rankSignals AS s LIMIT 1", "s"
            )[0]
        )
        full, ranks_only, floors, runs = [], [], [], []
        for repeat in range(args.repeats):
            floors.append(baseline(driver, signals_size))
            started = time.perf_counter()
            runs.append(recompute(driver, resamples=args.resamples))
            full.append(time.perf_counter() - started)
            started = time.perf_counter()
            recompute(driver, head_to_head=False)
            ranks_only.append(time.perf_counter() - started)
            log(
                f"repeat {repeat + 1}: full {full[-1]:.2f}s, rank only {ranks_only[-1]:.2f}s, "
                f"baseline {floors[-1]:.2f}s"
            )

    last = runs[-1]
    median = statistics.median
    return {
        "graph": graph,
        "ranked": len(last.results),
        "headToHead": {
            "groups": len(last.head_to_head_groups),
            "edges": last.head_to_head_edges,
            "probes": last.probes,
            "resamples": args.resamples,
        },
        "roundTrips": last.round_trips,
        "seconds": {
            "full": round(median(full), 3),
            "rankOnly": round(median(ranks_only), 3),
            "baseline": round(median(floors), 3),
            "stages": last.seconds,
            "all": {
                "full": [round(s, 3) for s in full],
                "rankOnly": [round(s, 3) for s in ranks_only],
                "baseline": [round(s, 3) for s in floors],
            },
        },
        "rankOnlyOverBaseline": round(median(ranks_only) / median(floors), 2),
        "fullOverBaseline": round(median(full) / median(floors), 2),
        "warmUpSeconds": round(sum(warm.seconds.values()), 3),
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "neo4j_heap": args.heap,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--documents", type=int, default=5_000)
    parser.add_argument("--probed", type=int, default=150)
    parser.add_argument("--co-matches", type=int, default=30_000)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--out", type=Path, default=RESULTS / "rank.json")
    args = parser.parse_args(argv)
    result = run(args)

    s = result["seconds"]
    rows = [
        ("described artifacts ranked", f"{result['ranked']:,}"),
        ("head-to-head groups / edges", f"{result['headToHead']['groups']} / {result['headToHead']['edges']:,}"),
        ("Cypher round trips", f"{result['roundTrips']}"),
        ("baseline: read slugs + write ranks (UNWIND)", f"{s['baseline']:.2f} s"),
        ("matchgraph rank --skip-head-to-head", f"{s['rankOnly']:.2f} s"),
        ("matchgraph rank (with head-to-head)", f"{s['full']:.2f} s"),
        ("rank only / baseline", f"{result['rankOnlyOverBaseline']:.2f}x"),
        ("full / baseline", f"{result['fullOverBaseline']:.2f}x"),
    ]
    width = max(len(label) for label, _ in rows)
    print(
        f"\nrank on {result['graph']['described']:,} described artifacts ({result['graph']['artifacts']:,} in all), "
        f"{result['graph']['coMatched']:,} co-match edges, {result['graph']['probes']} probes; medians of "
        f"{len(s['all']['full'])} runs"
    )
    for label, value in rows:
        print(f"  {label:<{width}}  {value:>12}")
    print(f"  stages of the last full run: {s['stages']}")
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
