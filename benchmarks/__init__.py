"""Benchmarks and their data generators: the entry points that measure matchgraph, run from a checkout.

Each is ``python -m benchmarks.NAME [--help]``; each module's docstring says what it measures and
where its results go (benchmarks/results/). `matchgraph` is the product's one CLI; these measure it.

    api_bench, bare_endpoint    the GraphQL API under load, against a bare Starlette endpoint
    ingest_bench, parse_bench   ingest and parse rates
    embed_bench                 text embedding speed, torch against ONNX int8
    search_bench, vector_index_bench, search_quality    search speed, HNSW recall, recall@5 / MRR
    rank_bench                  `matchgraph rank` at 10,000 artifacts
    taxonomy_report             where each capability lands in the taxonomy, against hand labels
    probe_bench                 probes without the graph; writes a file for `matchgraph probe import`
    gpu_report                  GPU throughput, MFU and the probes of every built-in spec (CUDA)

probe_bench and gpu_report import only `probes` (torch, transformers, diffusers, numpy), so they run
on a bare GPU machine that has a checkout but not matchgraph's graph libraries.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def write_results(path: Path, result: dict) -> None:
    """Writes a benchmark's result as indented JSON (folders made as needed) and says where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {path}")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class BenchNeo4j:
    """A benchmark's own Neo4j: the server, how to reach it, a sync driver, and a scratch folder."""

    server: object  # graphdb.neo4j_local.LocalNeo4j
    info: object  # graphdb.driver.ConnectionInfo
    driver: object  # a neo4j sync Driver, schema applied
    home: Path  # a temporary folder for the benchmark's other files (deleted afterwards)


@contextmanager
def temporary_neo4j(
    heap: str = "2g", pagecache: str = "1g", log: Callable[[str], None] = _stderr, prefix: str = "matchgraph-bench-"
) -> Iterator[BenchNeo4j]:
    """An empty Neo4j of the benchmark's own (the project's jars, a temporary folder, free ports),
    with the schema applied; stopped and deleted afterwards."""
    from graphdb.config import load_settings
    from graphdb.driver import ConnectionInfo, sync_driver
    from graphdb.neo4j_local import LocalNeo4j, free_port
    from graphdb.schema import apply_schema

    with tempfile.TemporaryDirectory(prefix=prefix) as home:
        server = LocalNeo4j(
            Path(home) / "neo4j",
            load_settings().cache_dir,
            bolt_port=free_port(),
            http_port=free_port(),
            heap=heap,
            pagecache=pagecache,
        )
        server.start(timeout=240, log=log)
        try:
            info = ConnectionInfo(server.bolt_uri, "neo4j", server.password(), "neo4j", local=False)
            with sync_driver(info) as driver:
                apply_schema(driver)
                yield BenchNeo4j(server, info, driver, Path(home))
        finally:
            server.stop()
