"""Every search feeds the graph (issue 5, item 6): Query nodes, RETURNED edges, timesMatched and
CO_MATCHED counts, written by the recorder without ever slowing or failing the search."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO, cli_env
from starlette.testclient import TestClient

from corpus import sample_folder
from embed.recording import RecordedSearch, SearchRecorder, record_search
from graph_service.app import create_app
from graphdb.driver import ConnectionInfo
from graphdb.neo4j_local import free_port
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.writer import GraphWriter

SAMPLE = sample_folder()
DOCUMENTS = [
    "s01_resnet-50-vs-efficientnet-b0.txt",
    "s02_efficientnet-b0-vs-mobilenetv3-large.txt",
    "s03_mobilenetv3-large-vs-mobilevit-small.txt",
]


def ingest_sample(driver) -> None:
    report = Ingester(GraphWriter(driver)).ingest(read_inputs(expand_paths([SAMPLE / d for d in DOCUMENTS])))
    assert report.ingested == len(DOCUMENTS)


def counters(driver) -> dict[str, tuple[int, int, int]]:
    rows, _, _ = driver.execute_query(
        "MATCH (a:Artifact) RETURN a.slug AS slug, a.publishedTimesMatched AS published, a.searchMatches AS search, a.timesMatched AS total"
    )
    return {r["slug"]: (r["published"] or 0, r["search"] or 0, r["total"]) for r in rows}


def co_matched(driver) -> dict[tuple[str, str], int]:
    rows, _, _ = driver.execute_query(
        "MATCH (x:Artifact)-[r:CO_MATCHED]->(y:Artifact) RETURN x.slug AS x, y.slug AS y, r.count AS count"
    )
    return {(r["x"], r["y"]): r["count"] for r in rows}


def test_one_search_is_one_query_node_with_its_hits_counts_and_pairs(graph):
    ingest_sample(graph)
    before = counters(graph)
    search = RecordedSearch(
        text="small image classifier",
        modality="text",
        limit=5,
        type=None,
        hits=(("mobilevit-small", 0.9), ("efficientnet-b0", 0.7), ("mobilenetv3-large", 0.5)),
    )
    record_search(graph, "neo4j", search)

    rows, _, _ = graph.execute_query(
        "MATCH (q:Query {id: $id})-[r:RETURNED]->(a:Artifact) RETURN q {.*} AS q, a.slug AS slug, r.position AS "
        "position, r.score AS score ORDER BY position",
        id=search.id,
    )
    assert [(r["slug"], r["position"], r["score"]) for r in rows] == [
        ("mobilevit-small", 1, 0.9),
        ("efficientnet-b0", 2, 0.7),
        ("mobilenetv3-large", 3, 0.5),
    ]
    query = rows[0]["q"]
    assert (query["text"], query["modality"], query["limit"], query["resultCount"]) == (
        "small image classifier",
        "text",
        5,
        3,
    )
    assert query["ranAt"] is not None and "type" not in query  # null properties are not stored

    after = counters(graph)
    for slug in ("mobilevit-small", "efficientnet-b0", "mobilenetv3-large"):
        published, matched, total = after[slug]
        assert matched == before[slug][1] + 1 and total == published + matched
    assert after["resnet-50"] == before["resnet-50"]  # not returned, unchanged
    assert co_matched(graph) == {
        ("efficientnet-b0", "mobilenetv3-large"): 1,
        ("efficientnet-b0", "mobilevit-small"): 1,
        ("mobilenetv3-large", "mobilevit-small"): 1,
    }

    # A second search returning two of them: their pair counts 2, the edge stays lower -> higher slug.
    record_search(
        graph,
        "neo4j",
        RecordedSearch(
            text="mobile",
            modality="text",
            limit=2,
            type="Model",
            hits=(("mobilevit-small", 0.8), ("efficientnet-b0", 0.6)),
        ),
    )
    assert co_matched(graph)[("efficientnet-b0", "mobilevit-small")] == 2
    assert counters(graph)["mobilevit-small"][1] == before["mobilevit-small"][1] + 2


def test_a_search_without_hits_is_still_logged(graph):
    search = RecordedSearch(text="nothing like this", modality="text", limit=5, type=None, hits=())
    record_search(graph, "neo4j", search)
    rows, _, _ = graph.execute_query(
        "MATCH (q:Query {id: $id}) RETURN q.resultCount AS n, COUNT { (q)--() } AS edges", id=search.id
    )
    assert rows[0]["n"] == 0 and rows[0]["edges"] == 0


def test_recorder_drains_in_the_background_and_drops_when_full(graph, neo4j_info):
    ingest_sample(graph)
    outcomes: list[str] = []
    recorder = SearchRecorder.connect(neo4j_info, max_queue=2, on_outcome=outcomes.append)
    try:
        hits = (("resnet-50", 0.5), ("efficientnet-b0", 0.4))
        # Not started yet: two searches wait in the queue, the third finds it full and is dropped.
        assert recorder.submit(RecordedSearch("a", "text", 5, None, hits))
        assert recorder.submit(RecordedSearch("b", "text", 5, None, hits))
        assert not recorder.submit(RecordedSearch("c", "text", 5, None, hits))
        recorder.start()
        assert recorder.flush(timeout=30)
        assert recorder.snapshot() == {"written": 2, "dropped": 1, "failed": 0}
        assert sorted(outcomes) == ["dropped", "written", "written"]
        assert co_matched(graph) == {("efficientnet-b0", "resnet-50"): 2}
    finally:
        recorder.stop()
    assert not recorder.submit(RecordedSearch("d", "text", 5, None, hits))  # stopped: dropped, never blocks
    assert recorder.snapshot()["dropped"] == 2


def test_recorder_counts_a_write_to_an_unreachable_graph_and_goes_on(graph, neo4j_info):
    nowhere = ConnectionInfo(f"bolt://127.0.0.1:{free_port()}", "neo4j", "wrong", "neo4j", local=False)
    recorder = SearchRecorder.connect(nowhere).start()
    try:
        assert recorder.submit(RecordedSearch("lost", "text", 5, None, (("resnet-50", 0.5),)))
        assert recorder.flush(timeout=60)
        assert recorder.snapshot() == {"written": 0, "dropped": 0, "failed": 1}
    finally:
        recorder.stop()


# -- through the API and the CLI --------------------------------------------------------------------
@pytest.fixture
def api(graph, settings):
    ingest_sample(graph)
    app_settings = settings.model_copy(update={"rate_limit_anonymous": 0})
    with TestClient(create_app(app_settings)) as client:
        yield client


def search(client, text: str, limit: int = 3) -> list[str]:
    response = client.post(
        "/graphql",
        json={
            "query": "query ($q: String!, $n: Int) { search(query: $q, limit: $n) { artifact { slug } score why } }",
            "variables": {"q": text, "n": limit},
        },
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return [hit["artifact"]["slug"] for hit in body["data"]["search"]]


def test_graphql_searches_raise_times_matched_and_co_matched(api, graph):
    before = counters(graph)
    first = search(api, "image classification on mobile phones")
    second = search(api, "a small image classifier")
    assert len(first) >= 2 and len(second) >= 2
    recorder = api.app.state.matchgraph.recorder
    assert recorder.flush(timeout=30)
    after = counters(graph)
    for slug in set(first) | set(second):
        returned = (slug in first) + (slug in second)
        assert after[slug][1] == before[slug][1] + returned and after[slug][2] == after[slug][0] + after[slug][1]
    for low, high in {tuple(sorted((x, y))) for hits in (first, second) for x in hits for y in hits if x != y}:
        together = sum(1 for hits in (first, second) if low in hits and high in hits)
        assert co_matched(graph)[(low, high)] == together
    queries, _, _ = graph.execute_query("MATCH (q:Query) RETURN count(q) AS n")
    assert queries[0]["n"] == 2
    metrics = api.get("/metrics").text
    assert 'matchgraph_search_recordings_total{outcome="written"} 2.0' in metrics
    assert "matchgraph_search_queries_total" in metrics


def test_a_failing_search_log_never_fails_the_search(api, graph):
    recorder = api.app.state.matchgraph.recorder
    recorder.driver.close()  # the recorder's own driver is gone: every write fails for real
    hits = search(api, "image classification on mobile phones")
    assert hits  # the search answered
    assert recorder.flush(timeout=30)
    assert recorder.snapshot()["failed"] == 1 and recorder.snapshot()["written"] == 0
    queries, _, _ = graph.execute_query("MATCH (q:Query) RETURN count(q) AS n")
    assert queries[0]["n"] == 0
    assert 'matchgraph_search_recordings_total{outcome="failed"} 1.0' in api.get("/metrics").text


def test_cli_search_records_after_printing(graph, settings):
    ingest_sample(graph)
    before = counters(graph)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "graph_service.cli",
            "search",
            "image classification on mobile phones",
            "--limit",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=cli_env(settings),
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    slugs = [hit["slug"] for hit in report["hits"]]
    assert report["query"] == "image classification on mobile phones" and len(slugs) == 2
    after = counters(graph)
    for slug in slugs:
        assert after[slug][1] == before[slug][1] + 1
    assert co_matched(graph) == {tuple(sorted(slugs)): 1}
