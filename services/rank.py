"""`recompute`: the read-fit-write sequence that `matchgraph rank` runs.

A fixed number of round trips whatever the graph's size (8): head-to-head reads probes and their
artifacts' capability classes in two queries and replaces every HEAD_TO_HEAD edge in one
transaction; the rank reads the described artifacts, the checked claims, the head-to-head
standings and the co-match edges in four queries, and writes all ranks in one transaction of
`UNWIND` batches. The Cypher lives in graphdb/repository/rank.py, the scoring in rank_model.py,
the head-to-head fit in probes/headtohead.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from graphdb.repository.rank import RankStore
from graphdb.vocabulary import DEFAULT_RANK_WEIGHTS
from probes.headtohead import METRIC_OF_KIND
from probes.headtohead import head_to_head as fit_head_to_head
from services.rank_model import compute_ranks


@dataclass
class RankRun:
    """What one `matchgraph rank` did."""

    results: list = field(default_factory=list)  # RankResult, best first
    head_to_head_skipped: bool = False
    head_to_head_groups: list = field(default_factory=list)  # GroupKey
    head_to_head_edges: int = 0
    probes: int = 0
    round_trips: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def result_for(self, slug: str):
        return next((r for r in self.results if r.slug == slug), None)


def recompute(
    driver,
    database: str = "neo4j",
    *,
    weights=None,
    resamples: int = 200,
    seed: int = 0,
    head_to_head: bool = True,
    stage=lambda name: None,
) -> RankRun:
    """Head-to-head edges (unless skipped), then every described artifact's computed rank.

    A fixed number of round trips: 2 reads + 1 write transaction for head-to-head, 4 reads + 1
    write transaction for the rank. ``stage(name)`` is told when each stage starts (progress).
    """
    store = RankStore(driver, database)
    run = RankRun(head_to_head_skipped=not head_to_head)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        run.seconds[name] = round(now - clock, 3)
        clock = now

    if head_to_head:
        stage("reading probe results")
        probes = store.probe_results(kinds=sorted(METRIC_OF_KIND))
        classes = store.probed_classes(kinds=sorted(METRIC_OF_KIND))
        run.probes = len(probes)
        stage(f"fitting head-to-head ({len(probes)} probes)")
        run.head_to_head_groups, edges = fit_head_to_head(probes, classes, resamples=resamples, seed=seed)
        stage(f"writing {len(edges)} head-to-head edges")
        store.replace_head_to_head([edge.as_row() for edge in edges])
        run.head_to_head_edges = len(edges)
        lap("headToHead")
    stage("reading rank inputs")
    artifacts = store.rank_inputs()
    co_matches = store.co_matches()
    lap("read")
    stage(f"computing {len(artifacts)} ranks")
    run.results = compute_ranks(artifacts, co_matches, weights or DEFAULT_RANK_WEIGHTS)
    lap("compute")
    stage(f"writing {len(run.results)} ranks")
    store.write_ranks([result.as_row() for result in run.results])
    lap("write")
    run.round_trips = store.round_trips
    return run
