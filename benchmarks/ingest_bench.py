"""Ingest benchmark: parse rate, and end-to-end ingest rate against a raw-UNWIND baseline.

    python -m benchmarks.ingest_bench [--documents 10000] [--artifacts 2000] [--batch-size 100]

Starts its own Neo4j (temporary folder, free ports), generates the synthetic corpus in memory, and
measures in one run:

- parse: `read_document` + `parse` over every document, one core;
- rows: the above plus turning records into graph rows (alternatives and claims extraction);
- baseline: the same rows, precomputed before the clock starts, written batch by batch with the
  writer's UNWIND statements, one transaction per batch, and nothing else (no reading, parsing,
  duplicate checks or reports) into an empty graph;
- pipeline: `Ingester.ingest` (read, hash check, parse, rows, write) into an empty graph.

Prints a table and writes benchmarks/results/ingest.json. Embeddings are not part of ingest yet.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

from benchmarks import temporary_neo4j, write_results
from benchmarks.synthetic import generate
from ingest.parser import parse
from ingest.pipeline import Ingester
from ingest.reading import read_document
from ingest.rows import GraphRows, block_facts, provisional_capability_name, rows_for
from ingest.writer import GraphWriter

RESULTS = Path(__file__).resolve().parent / "results"


def clear(driver) -> None:
    with driver.session() as session:
        session.run(
            "MATCH (n) WHERE NOT n:SchemaVersion CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
        ).consume()


def graph_size(driver) -> tuple[int, int]:
    nodes, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n")
    relationships, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n")
    return nodes[0]["n"], relationships[0]["n"]


def cold_caches() -> None:
    """Each timed phase starts as a fresh process would: no memoised extraction."""
    block_facts.cache_clear()
    provisional_capability_name.cache_clear()


def timed(label: str, function):
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.1f}s", file=sys.stderr)
    return result, seconds


def run(documents: int, artifacts: int, batch_size: int, heap: str) -> dict:
    print(f"generating {documents} documents over {artifacts} artifacts…", file=sys.stderr)
    corpus = [(name, text.encode("utf-8")) for name, text in generate(documents, artifacts, seed=1)]
    megabytes = sum(len(data) for _, data in corpus) / 1e6

    _, parse_seconds = timed("parse", lambda: [parse(read_document(data, name)) for name, data in corpus])

    def build_rows():
        batches = []
        for start in range(0, len(corpus), batch_size):
            rows = GraphRows()
            for index, (name, data) in enumerate(corpus[start : start + batch_size], start):
                document = read_document(data, name)
                rows.extend(rows_for(parse(document), document, sequence=index))
            batches.append(rows)
        return batches

    cold_caches()
    batches, rows_seconds = timed("parse + rows", build_rows)

    with temporary_neo4j(heap) as neo4j:
        driver = neo4j.driver
        writer = GraphWriter(driver)
        # Warm-up: plan every statement once so neither side pays query compilation.
        writer.write(batches[0])
        clear(driver)

        _, baseline_seconds = timed("baseline writes", lambda: [writer.write(rows) for rows in batches])
        baseline_size = graph_size(driver)
        clear(driver)

        inputs = [(name, data, "") for name, data in corpus]
        cold_caches()
        report, pipeline_seconds = timed(
            "pipeline", lambda: Ingester(writer, batch_size=batch_size).ingest(iter(inputs))
        )
        pipeline_size = graph_size(driver)

    if baseline_size != pipeline_size:  # both must write the same graph for the ratio to mean anything
        print(f"warning: graphs differ: baseline {baseline_size}, pipeline {pipeline_size}", file=sys.stderr)
    result = {
        "documents": documents,
        "artifacts": artifacts,
        "batch_size": batch_size,
        "corpus_mb": round(megabytes, 1),
        "parse_docs_per_s": round(documents / parse_seconds, 1),
        "parse_and_rows_docs_per_s": round(documents / rows_seconds, 1),
        "baseline_docs_per_s": round(documents / baseline_seconds, 1),
        "pipeline_docs_per_s": round(documents / pipeline_seconds, 1),
        "pipeline_over_baseline": round(baseline_seconds / pipeline_seconds, 3),
        "ingested": report.ingested,
        "unchanged": report.unchanged,
        "rejected": len(report.rejected),
        "graph_nodes_relationships": {"baseline": baseline_size, "pipeline": pipeline_size},
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "neo4j_heap": heap,
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--artifacts", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--out", type=Path, default=RESULTS / "ingest.json")
    args = parser.parse_args(argv)
    result = run(args.documents, args.artifacts, args.batch_size, args.heap)

    rows = [
        ("parse (read + parse), one core", f"{result['parse_docs_per_s']:,.0f} docs/s"),
        ("parse + graph rows (alternatives, claims)", f"{result['parse_and_rows_docs_per_s']:,.0f} docs/s"),
        ("baseline: precomputed rows, UNWIND per batch", f"{result['baseline_docs_per_s']:,.0f} docs/s"),
        ("pipeline: matchgraph ingest end to end", f"{result['pipeline_docs_per_s']:,.0f} docs/s"),
        ("pipeline / baseline", f"{result['pipeline_over_baseline']:.0%}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(
        f"\n{result['documents']:,} documents ({result['corpus_mb']} MB), {result['artifacts']:,} artifacts, "
        f"batch {result['batch_size']}"
    )
    for label, value in rows:
        print(f"  {label:<{width}}  {value:>14}")
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
