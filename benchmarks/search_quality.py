"""Search quality (issue 5, item 7): recall@5 and MRR of hybrid search over embed/queries.json.

    python -m benchmarks.search_quality                       # its own temporary Neo4j
    python -m benchmarks.search_quality --configured          # the configured graph, if it is empty
    python -m benchmarks.search_quality --configured --clear  # ... emptied first (destroys its data!)

Ingests the seed documents (`--seeds`, default $MATCHGRAPH_SEEDS_DIR or ../shared/seeds) and the
sample corpus (corpus/sample) into the graph, runs the embedding stage (vectors, taxonomy classes,
indexes), then every query of embed/queries.json through the same engine as the API, without
recording. Per query: the position of each expected artifact in the top `--k` (5). Reported:

- recall@5: the share of a query's expected artifacts found in its top 5, averaged over queries;
- hit@5: the share of queries with at least one expected artifact in the top 5;
- MRR: the mean of 1 / (position of the first expected artifact), 0 when none is in the top 10;

with every query that missed something. Writes benchmarks/results/search_quality.json. Queries whose
expected artifacts are all absent from the graph (seeds not found) are skipped and counted; an
expected artifact that no document describes (only named in other pages) is left out of its query.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus import sample_folder

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = REPO / "embed" / "queries.json"
SAMPLE = sample_folder()
K = 5
DEPTH = 10  # how far down the list the MRR looks


def default_seeds_dir() -> Path:
    configured = os.environ.get("MATCHGRAPH_SEEDS_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "seeds"


def load_queries(path: Path = QUERIES) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@dataclass
class QueryOutcome:
    query: str
    expected: list[str]
    returned: list[str]  # the top DEPTH slugs
    positions: dict[str, int | None]  # expected slug -> position from 1 (None: not in the top DEPTH)

    @property
    def recall(self) -> float:
        return sum(1 for p in self.positions.values() if p is not None and p <= K) / len(self.expected)

    @property
    def reciprocal_rank(self) -> float:
        found = [p for p in self.positions.values() if p is not None]
        return 1.0 / min(found) if found else 0.0

    @property
    def hit(self) -> bool:
        return any(p is not None and p <= K for p in self.positions.values())


@dataclass
class QualityReport:
    outcomes: list[QueryOutcome]
    skipped: list[str] = field(default_factory=list)  # queries whose expected artifacts are not in the graph
    seconds: float = 0.0

    @property
    def recall_at_k(self) -> float:
        return sum(o.recall for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    @property
    def hit_at_k(self) -> float:
        return sum(o.hit for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    @property
    def mrr(self) -> float:
        return sum(o.reciprocal_rank for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    def misses(self) -> list[QueryOutcome]:
        return [o for o in self.outcomes if o.recall < 1.0]

    def as_json(self) -> dict:
        return {
            "queries": len(self.outcomes),
            "skipped": self.skipped,
            "k": K,
            "recall_at_5": round(self.recall_at_k, 4),
            "hit_at_5": round(self.hit_at_k, 4),
            "mrr": round(self.mrr, 4),
            "seconds": round(self.seconds, 1),
            "misses": [{**asdict(o), "recall": round(o.recall, 3)} for o in self.misses()],
        }


def evaluate(engine, driver, database: str, queries: list[dict]) -> QualityReport:
    """Runs every query through ``engine`` (embed.search.HybridSearch) on a sync driver; records nothing."""
    from embed.search import SearchRequest

    # Expected artifacts count when a document describes them (a mentioned-only one has nothing to match).
    present = {
        r["slug"]
        for r in driver.execute_query(
            "MATCH (a:Artifact) WHERE coalesce(a.mentionedOnly, false) = false RETURN a.slug AS slug",
            database_=database,
        )[0]
    }
    report = QualityReport(outcomes=[])
    started = time.perf_counter()
    for item in queries:
        expected = [slug for slug in item["expected"] if slug in present]
        if not expected:
            report.skipped.append(item["query"])
            continue
        result = engine.search_sync(SearchRequest(text=item["query"], limit=DEPTH))
        returned = [hit.slug for hit in result.hits]
        positions = {slug: (returned.index(slug) + 1 if slug in returned else None) for slug in expected}
        report.outcomes.append(QueryOutcome(item["query"], expected, returned, positions))
    report.seconds = time.perf_counter() - started
    return report


def prepare_graph(settings, driver, seeds_dir: Path | None, progress=lambda message: None, sample: bool = True):
    """Ingests the seeds (when there) and the sample corpus (unless not ``sample``), then runs the
    embedding stage."""
    from embed.stage import EmbeddingStage
    from ingest.pipeline import Ingester, expand_paths, read_inputs
    from ingest.writer import GraphWriter

    paths = ([SAMPLE] if sample else []) + ([seeds_dir] if seeds_dir is not None and seeds_dir.is_dir() else [])
    progress(f"ingesting {', '.join(str(p) for p in paths)}")
    ingested = Ingester(GraphWriter(driver, settings.neo4j_database)).ingest(read_inputs(expand_paths(paths)))
    progress(f"  read {ingested.read}, ingested {ingested.ingested}, rejected {len(ingested.rejected)}")
    progress("embedding stage (vectors, taxonomy classes, indexes)")
    embedded = EmbeddingStage(settings, driver).run()
    if embedded.error:
        raise RuntimeError(f"the embedding stage failed: {embedded.error}")
    progress(f"  {embedded.summary()}")
    return ingested, embedded


def print_report(report: QualityReport) -> None:
    print(f"\n{len(report.outcomes)} queries ({len(report.skipped)} skipped: expected artifacts not in the graph)")
    print(f"  recall@{K}  {report.recall_at_k:.3f}   (target >= 0.9)")
    print(f"  hit@{K}     {report.hit_at_k:.3f}")
    print(f"  MRR        {report.mrr:.3f}")
    misses = report.misses()
    if misses:
        print(f"\n{len(misses)} queries missed an expected artifact in the top {K}:")
        for outcome in misses:
            where = ", ".join(f"{slug} {'#' + str(p) if p else 'absent'}" for slug, p in outcome.positions.items())
            print(f"  - {outcome.query!r}: {where}; top {K}: {', '.join(outcome.returned[:K])}")


@contextmanager
def own_graph():
    """Settings and a sync driver on a temporary local Neo4j (free ports), stopped afterwards."""
    from benchmarks import temporary_neo4j
    from graphdb.config import Settings

    with temporary_neo4j(heap="1g", pagecache="256m", prefix="matchgraph-quality-") as neo4j:
        yield (
            Settings(
                neo4j_uri=neo4j.info.uri,
                neo4j_password=neo4j.info.password,
                data_dir=neo4j.home / "data",
                _env_file=None,
            ),
            neo4j.driver,
        )


@contextmanager
def configured_graph(clear: bool):
    from graphdb.config import load_settings
    from graphdb.driver import connection_info, sync_driver
    from graphdb.schema import apply_schema

    settings = load_settings()
    with sync_driver(connection_info(settings)) as driver:
        apply_schema(driver, settings.neo4j_database)
        count = driver.execute_query(
            "MATCH (n) WHERE NOT n:SchemaVersion RETURN count(n) AS n", database_=settings.neo4j_database
        )[0][0]["n"]
        if count and not clear:
            raise SystemExit(
                f"the configured graph holds {count} nodes: the quality run needs a clean database "
                "(pass --clear to empty it first; this deletes everything in it)"
            )
        if count:
            driver.execute_query(
                "MATCH (n) WHERE NOT n:SchemaVersion CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
                database_=settings.neo4j_database,
            )
        yield settings, driver


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configured", action="store_true", help="use the configured graph (it must be empty)")
    parser.add_argument("--clear", action="store_true", help="with --configured: empty that graph first")
    parser.add_argument("--seeds", type=Path, default=default_seeds_dir())
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--out", type=Path, default=RESULTS / "search_quality.json")
    args = parser.parse_args(argv)
    if args.clear and not args.configured:
        parser.error("--clear only applies to --configured")

    from embed.search import HybridSearch
    from embed.vectors import VectorService

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    seeds = args.seeds if args.seeds.is_dir() else None
    if seeds is None:
        say(f"seed documents not found in {args.seeds}: queries about seed-only artifacts are skipped")
    with configured_graph(args.clear) if args.configured else own_graph() as (settings, driver):
        prepare_graph(settings, driver, seeds, progress=say)
        engine = HybridSearch(VectorService(settings, driver))
        report = evaluate(engine, driver, settings.neo4j_database, load_queries(args.queries))
    print_report(report)
    result = {
        **report.as_json(),
        "seeds": str(seeds) if seeds else None,
        "embedder": {
            "backend": engine.vectors.text_embedder().backend,
            "device": engine.vectors.text_embedder().device,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
