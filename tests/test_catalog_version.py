"""The graph's data version (graphdb/data_version.py) and the search catalog following it (issue 12, item 4).

Every matchgraph write of what search reads bumps the version in its own transaction (a rolled-back
one does not); the catalog follows it with one tiny query; an edit made with plain Cypher (Neo4j
Browser) bumps nothing, and reaches search through `matchgraph index refresh` or the server's
periodic full check. Against the real test Neo4j, sample-corpus documents, the real embedding stage
and the real CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
from conftest import REPO, cli_env
from neo4j.exceptions import ClientError, ConstraintError
from starlette.testclient import TestClient

from embed.catalog import SearchCatalog
from embed.search import HybridSearch, SearchRequest
from embed.stage import EmbeddingStage
from embed.vectors import VectorService
from graph_service.app import create_app
from graphdb.data_version import CONTENT, SIGNALS, bump
from graphdb.driver import SyncGraph
from graphdb.repository.probes import ProbeStore
from graphdb.repository.rank import RankStore
from graphdb.repository.search import CatalogRepository
from graphdb.repository.search_log import SearchLog
from graphdb.repository.vectors import VectorRepository
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.rows import GraphRows
from ingest.writer import GraphWriter

SAMPLE = REPO / "corpus" / "sample"
FIRST = ["s03_mobilenetv3-large-vs-mobilevit-small.txt", "s22_automatic1111-webui-vs-comfyui.txt"]
LATER = "s29_llama-cpp-vs-vllm.txt"
WORD = "quixotronic"  # in no document: found only where a test wrote it


def ingest(driver, names: list[str]) -> None:
    report = Ingester(GraphWriter(driver)).ingest(read_inputs(expand_paths([SAMPLE / name for name in names])))
    assert report.ingested == len(names)


def version_of(driver) -> tuple:
    v = CatalogRepository(driver, "neo4j").version()
    return v.generation, v.version, v.content


def outside_edit(driver, query: str) -> None:
    """What Neo4j Browser does: plain Cypher, no bump."""
    driver.execute_query(query)


EDIT_TEXT = (
    "MATCH (:Artifact {slug: 'comfyui'})-[:HAS_CAPABILITY]->(k) WITH k ORDER BY k.id LIMIT 1 "
    f"SET k.description = k.description + ' {WORD}'"
)


def matchgraph(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "graph_service.cli", *args],
        capture_output=True,
        text=True,
        env=cli_env(settings, MATCHGRAPH_SEARCH_RECORD="false"),
        cwd=REPO,
        timeout=300,
    )


def keyword_owners(catalog: SearchCatalog, words: str) -> list[str]:
    return list(catalog.keyword_hits(words, 10).by_artifact)


# -- every writer bumps it, in its transaction ----------------------------------------------------------
def test_every_writer_of_what_search_reads_bumps_the_version_in_its_transaction(graph):
    assert version_of(graph) == (None, None, None)  # nothing written yet

    ingest(graph, FIRST[:1])  # the ingest writer: content, and the capabilities it wrote carry it
    generation, version, content = version_of(graph)
    assert generation and version == content and version >= 1
    stamps, _, _ = graph.execute_query("MATCH (k:Capability) RETURN collect(DISTINCT k.contentVersion) AS v")
    assert stamps[0]["v"] and None not in stamps[0]["v"] and max(stamps[0]["v"]) == content

    def expect(change: str, write) -> None:
        before = version_of(graph)
        write()
        after = version_of(graph)
        assert after[0] == before[0] and after[1] == before[1] + 1, (change, before, after)
        assert after[2] == before[2] + (1 if change == CONTENT else 0), (change, before, after)

    # The embedding stage's writes: a capability's class (its name and uri) is what search shows.
    repository = VectorRepository(graph)
    graph.execute_query("MERGE (c:CapabilityClass {uri: 'capability://test'}) SET c.name = 'Test class'")
    (key,) = [r["id"] for r in graph.execute_query("MATCH (k:Capability) RETURN k.id AS id LIMIT 1").records]
    expect(
        CONTENT,
        lambda: repository.write_capability_embeddings(
            [{"key": key, "vector": [0.1, 0.2], "withUnique": False, "uri": "capability://test", "score": 0.9}],
            "test-model",
            "test-key",
        ),
    )
    (stamped,) = graph.execute_query("MATCH (k:Capability {id: $key}) RETURN k.contentVersion AS v", key=key).records
    assert stamped["v"] == version_of(graph)[2]
    expect(
        CONTENT, lambda: repository.write_assignments([{"key": key, "uri": "capability://test", "score": 0.8}], "k2")
    )
    image = {"id": "img-1", "sha256": "abc", "kind": "logo", "path": "x.png", "mediaType": "image/png"}
    expect(CONTENT, lambda: repository.attach_image("mobilenetv3-large", {**image, "width": 1, "height": 1}))
    unchanged = version_of(graph)
    repository.attach_image("mobilenetv3-large", {**image, "width": 1, "height": 1})  # already there: no write
    assert version_of(graph) == unchanged

    # Signals: recorded searches, head-to-head, ranks.
    query = {
        "id": "q-1",
        "text": "anything",
        "modality": "text",
        "limit": 5,
        "type": None,
        "ranAt": "2026-01-01T00:00:00Z",
        "imageSha256": None,
        "hits": [{"slug": "mobilenetv3-large", "position": 1, "score": 0.5}],
    }
    expect(SIGNALS, lambda: SearchLog(graph).write(query, []))
    store = RankStore(graph)
    edge = {"source": "mobilenetv3-large", "target": "mobilevit-small", "task": "t", "device": "cpu", "metric": "m"}
    edge |= {"games": 2, "wins": 1, "strength": 0.5, "probability": 0.5, "ciLow": 0.1, "ciHigh": 0.9}
    expect(SIGNALS, lambda: store.replace_head_to_head([edge]))
    expect(SIGNALS, lambda: store.write_ranks([{"slug": "mobilenetv3-large", "rank": 50.0, "signals": "{}"}]))

    # Probes and claim verdicts: search reads none of them (the rank job carries them to search).
    unchanged = version_of(graph)
    probe = {"id": "p-1", "artifactSlug": "mobilenetv3-large", "kind": "classifier", "status": "ok"}
    assert ProbeStore(graph).record(probe) == "p-1"
    assert version_of(graph) == unchanged


def test_a_failed_write_leaves_the_version_as_it_was(graph):
    ingest(graph, FIRST[:1])
    before = version_of(graph)

    # The ingest writer: a row that cannot be written fails the whole batch, the bump with it.
    rows = GraphRows(
        documents=[{"id": "doc-x", "sha256": "x", "title": "x", "source": "x", "partial": False, "sequence": 1}],
        capabilities=[{"id": None, "description": "broken", "ownerSlug": "mobilenetv3-large", "documentId": "doc-x"}],
    )
    with pytest.raises(ClientError):
        GraphWriter(graph).write(rows)
    assert version_of(graph) == before
    assert not graph.execute_query("MATCH (d:Document {id: 'doc-x'}) RETURN d").records

    # The search log: a second write of the same query id breaks its uniqueness; only the first bumps.
    query = {
        "id": "q-twice",
        "text": "x",
        "modality": "text",
        "limit": 1,
        "type": None,
        "ranAt": "2026-01-01T00:00:00Z",
        "imageSha256": None,
        "hits": [{"slug": "mobilenetv3-large", "position": 1, "score": 0.5}],
    }
    SearchLog(graph).write(query, [])
    once = version_of(graph)
    assert once[1] == before[1] + 1
    with pytest.raises(ConstraintError):
        SearchLog(graph).write(query, [])
    assert version_of(graph) == once

    # Whatever fails after the bump, in the same transaction, takes the bump back with it.
    def fails_after_bumping(tx) -> None:
        tx.run("MATCH (a:Artifact {slug: 'mobilenetv3-large'}) SET a.rank = 1").consume()
        bump(tx, CONTENT)
        raise RuntimeError("the write fails after the bump")

    with pytest.raises(RuntimeError):
        SyncGraph(graph).transaction(fails_after_bumping)
    assert version_of(graph) == once


def test_concurrent_writers_never_lose_a_bump(graph):
    ingest(graph, FIRST[:1])
    before = version_of(graph)
    log = SearchLog(graph)
    errors: list[BaseException] = []

    def record(number: int) -> None:
        query = {
            "id": f"q-{number}",
            "text": "x",
            "modality": "text",
            "limit": 1,
            "type": None,
            "ranAt": "2026-01-01T00:00:00Z",
            "imageSha256": None,
            "hits": [{"slug": "mobilenetv3-large", "position": 1, "score": 0.5}],
        }
        try:
            log.write(query, [])
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert version_of(graph) == (before[0], before[1] + 16, before[2])


# -- the catalog follows it -----------------------------------------------------------------------------
def test_an_unchanged_version_costs_one_query_and_an_ingest_is_seen_right_after(graph, settings):
    ingest(graph, FIRST)
    catalog = SearchCatalog(graph, settings.neo4j_database)
    assert catalog.refresh() == "content"
    reads = catalog.repository.reads
    assert catalog.refresh() is None and catalog.repository.reads == reads + 1

    # An ingest (no embedding stage): the catalog is updated, not reloaded, and finds the new texts.
    assert not keyword_owners(catalog, "continuous batching")
    ingest(graph, [LATER])
    assert catalog.refresh() == "content" and catalog.stats()["incremental"] is True
    assert "vllm" in keyword_owners(catalog, "continuous batching")

    # A recorded search: the signals only.
    SearchLog(graph).write(
        {
            "id": "q-1",
            "text": "x",
            "modality": "text",
            "limit": 1,
            "type": None,
            "ranAt": "2026-01-01T00:00:00Z",
            "imageSha256": None,
            "hits": [{"slug": "vllm", "position": 1, "score": 0.5}],
        },
        [],
    )
    assert catalog.refresh() == "signals"
    assert catalog.keyword_hits("continuous batching", 10).signals.values["vllm"]["searchMatches"] == 1


def test_a_search_sees_an_ingest_as_soon_as_it_returns(graph, settings):
    ingest(graph, FIRST)
    vectors = VectorService(settings, graph)
    assert EmbeddingStage(settings, graph, vectors=vectors).run().ok
    engine = HybridSearch(vectors)
    question = SearchRequest(text="serve many LLM requests with continuous batching", limit=3)
    assert "vllm" not in {hit.slug for hit in engine.search_sync(question).hits}
    ingest(graph, [LATER])
    assert EmbeddingStage(settings, graph, vectors=vectors).run().ok  # what ingestDocuments runs
    assert engine.search_sync(question).hits[0].slug == "vllm"


# -- edits made outside matchgraph ----------------------------------------------------------------------
def test_an_edit_with_plain_cypher_is_found_after_index_refresh(graph, settings):
    ingest(graph, FIRST)
    settings = settings.model_copy(update={"index_check_interval": 0.0})
    vectors = VectorService(settings, graph)
    assert EmbeddingStage(settings, graph, vectors=vectors).run().ok
    engine = HybridSearch(vectors)
    question = SearchRequest(text=WORD, limit=5)

    assert not keyword_owners(vectors.catalog(), WORD)
    before = version_of(graph)
    outside_edit(graph, EDIT_TEXT)
    assert version_of(graph) == before  # plain Cypher bumps nothing ...
    vectors.ensure_fresh(force=True)
    assert not keyword_owners(vectors.catalog(), WORD)  # ... so the catalog does not see it

    refreshed = matchgraph(settings, "index", "refresh", "--json")
    assert refreshed.returncode == 0, refreshed.stderr
    report = json.loads(refreshed.stdout)
    assert report["generation"] != before[0] and report["version"] == before[1] + 1
    assert report["artifacts"] >= 4 and report["capabilities"] > 0
    text = matchgraph(settings, "index", "refresh")
    assert text.returncode == 0 and "new generation" in text.stdout, text.stderr

    vectors.ensure_fresh(force=True)  # what a server's next check does
    assert keyword_owners(vectors.catalog(), WORD) == ["comfyui"]
    hits = engine.search_sync(question).hits
    found = next(hit for hit in hits if hit.slug == "comfyui")
    assert any(m.keyword and WORD in m.capability["description"] for m in found.capabilities), [
        (m.keyword, m.capability["description"]) for hit in hits for m in hit.capabilities
    ]


def test_the_full_check_finds_edits_made_outside_matchgraph(graph, settings):
    ingest(graph, FIRST)
    catalog = SearchCatalog(graph, settings.neo4j_database)
    assert catalog.full_check() is None  # nothing loaded yet: nothing to compare
    catalog.refresh()
    assert catalog.full_check() is None  # in step: nothing reloaded

    outside_edit(graph, EDIT_TEXT)
    assert catalog.refresh() is None and not keyword_owners(catalog, WORD)
    assert catalog.full_check() == "content"
    assert keyword_owners(catalog, WORD) == ["comfyui"]
    assert catalog.full_check() is None

    outside_edit(graph, "MATCH (a:Artifact {slug: 'comfyui'}) SET a.computedRank = 12.5")
    assert catalog.full_check() == "signals"
    assert catalog.keyword_hits(WORD, 5).signals.values["comfyui"]["computedRank"] == 12.5

    # After a reload by the full check, matchgraph's next writes are followed as before.
    ingest(graph, [LATER])
    assert catalog.refresh() == "content" and "vllm" in keyword_owners(catalog, "continuous batching")


def test_a_server_finds_outside_edits_by_its_periodic_full_check(graph, settings):
    ingest(graph, FIRST)
    settings = settings.model_copy(
        update={"rate_limit_anonymous": 0, "search_record": False, "catalog_full_check_interval": 0.5}
    )
    search = (
        "query ($q: String!) { search(query: $q, limit: 5) { artifact { slug } "
        "matchedCapabilities { capability { description } } } }"
    )

    def found() -> bool:
        response = client.post("/graphql", json={"query": search, "variables": {"q": f"{WORD} node workflow"}})
        assert response.status_code == 200, response.text
        hits = response.json()["data"]["search"]
        return any(
            WORD in (match["capability"]["description"] or "") for hit in hits for match in hit["matchedCapabilities"]
        )

    with TestClient(create_app(settings)) as client:
        assert not found()  # also loads the catalog
        outside_edit(graph, EDIT_TEXT)
        deadline = time.monotonic() + 30
        while not found():
            assert time.monotonic() < deadline, "the periodic full check did not pick the edit up"
            time.sleep(0.2)
