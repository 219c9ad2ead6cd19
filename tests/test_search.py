"""Hybrid search (issue 5, item 5): the engine, the GraphQL field and `matchgraph search`.

Against the real test Neo4j with a few sample-corpus documents, the real embedding stage
(MiniLM from the packaged weights) and real FAISS indexes; image search with a tiny ViT built
from a config (no pretrained ViT weights exist on these machines).
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys

import pytest
from conftest import REPO, clear_graph, cli_env
from starlette.testclient import TestClient

from corpus import sample_folder
from embed.search import (
    MAX_LIMIT,
    HybridSearch,
    ImageSearchUnavailable,
    SearchInputError,
    SearchRequest,
    decode_image,
)
from embed.stage import EmbeddingStage
from embed.vectors import VectorService
from graph_service.app import create_app
from graphdb.data_version import CONTENT, SIGNALS, bump
from graphdb.neo4j_local import free_port
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.writer import GraphWriter

SAMPLE = sample_folder()
DOCUMENTS = [
    "s03_mobilenetv3-large-vs-mobilevit-small.txt",
    "s08_yolov8n-vs-mobilenetv3-large.txt",
    "s10_llama-3-8b-vs-mistral-7b.txt",
    "s22_automatic1111-webui-vs-comfyui.txt",
    "s29_llama-cpp-vs-vllm.txt",
]

SEARCH = """
query ($q: String!, $n: Int, $t: String, $image: String) {
  search(query: $q, limit: $n, type: $t, image: $image) {
    score why
    artifact { slug name type }
    matchedCapabilities { score why capability { id name uri description } }
  }
}
"""


def ingest(driver, documents=DOCUMENTS) -> None:
    report = Ingester(GraphWriter(driver)).ingest(read_inputs(expand_paths([SAMPLE / d for d in documents])))
    assert report.ingested == len(documents)


def png(color: tuple[int, int, int], size: int = 40) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), color)
    ImageDraw.Draw(image).rectangle((size // 4, size // 4, size // 2, size // 2), fill=(255 - color[0], 40, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def post(client, query: str, **variables) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


# -- a graph without any vectors: keyword + graph signals, and `why` says so -------------------------
def test_without_vectors_search_falls_back_to_keywords_and_says_so(graph, settings):
    ingest(graph, DOCUMENTS[:2])
    engine = HybridSearch(VectorService(settings, graph))
    result = engine.search_sync(SearchRequest(text="real-time object detection", limit=3))
    assert result.mode == "keyword"
    assert result.hits and result.hits[0].slug == "yolov8n"
    assert all(hit.why.startswith("keyword search only (no vector index yet)") for hit in result.hits)
    assert result.hits[0].capabilities and all(m.keyword for m in result.hits[0].capabilities)

    app_settings = settings.model_copy(update={"rate_limit_anonymous": 0, "search_record": False})
    with TestClient(create_app(app_settings)) as client:
        body = post(client, SEARCH, q="real-time object detection", n=3)
    assert "errors" not in body, body
    assert body["data"]["search"][0]["artifact"]["slug"] == "yolov8n"
    assert "no vector index yet" in body["data"]["search"][0]["why"]


# -- the in-process catalog follows the graph ---------------------------------------------------------
def test_the_catalog_follows_ingest_and_signal_changes(graph, settings):
    ingest(graph, DOCUMENTS[:2])
    settings = settings.model_copy(update={"index_check_interval": 0.0})
    assert EmbeddingStage(settings, graph).run().ok
    vectors = VectorService(settings, graph)
    engine = HybridSearch(vectors)
    question = SearchRequest(text="serve many LLM requests with continuous batching", limit=3)
    assert "vllm" not in {hit.slug for hit in engine.search_sync(question).hits}

    # New documents through the stage: the next search sees them (the stage refreshes at once).
    ingest(graph, DOCUMENTS[4:5])
    assert EmbeddingStage(settings, graph, vectors=vectors).run().ok
    hits = engine.search_sync(question).hits
    assert hits[0].slug == "vllm"
    assert "timesMatched" in hits[0].artifact and not hits[0].artifact.get("computedRank")

    # Signals only (the rank job, recorded searches: a write that bumps the data version as they
    # do): reloaded by the background check.
    signals_write(
        graph,
        "MATCH (a:Artifact {slug: 'vllm'}) SET a.computedRank = 77.0, a.rankedAt = datetime(), "
        "a.searchMatches = 5, a.timesMatched = coalesce(a.publishedTimesMatched, 0) + 5",
    )
    engine.search_sync(question)  # starts the background check (the interval is 0 here)
    vectors._refresher.join(timeout=30)
    hit = engine.search_sync(question).hits[0]
    assert hit.artifact["computedRank"] == 77.0 and hit.artifact["searchMatches"] == 5
    assert "computed rank 77" in hit.why

    # Capabilities removed from the graph outside matchgraph leave the catalog (and the index) at the
    # next check after `matchgraph index refresh` (a new generation of the data version).
    removed, _, _ = graph.execute_query(
        "MATCH (:Artifact {slug: 'vllm'})-[:HAS_CAPABILITY]->(k) WITH k, k.id AS id DETACH DELETE k RETURN id"
    )
    assert removed
    vectors.catalog().repository.new_generation()
    vectors.ensure_fresh(force=True)
    matched = {match.capability["id"] for hit in engine.search_sync(question).hits for match in hit.capabilities}
    assert matched and not matched & {record["id"] for record in removed}


def signals_write(driver, query: str, **parameters) -> None:
    """A write of signals as matchgraph's writers make it: the query and the data version's bump, in one transaction."""
    with driver.session() as session:
        session.execute_write(lambda tx: (tx.run(query, parameters).consume(), bump(tx, SIGNALS)))


def _db_hits(plan: dict) -> int:
    return plan.get("dbHits", 0) + sum(_db_hits(child) for child in plan.get("children", []))


def test_the_catalog_freshness_check_does_not_grow_with_the_graph(graph):
    """The check runs every few seconds beside searches: the data version through its uniqueness
    constraint and the count store, never a scan (Neo4j's own db-hit count, from PROFILE)."""
    from graphdb.data_version import NAME
    from graphdb.repository.search import CATALOG_VERSION

    def hits_with(total: int) -> int:
        graph.execute_query(
            "UNWIND range(1, $n) AS i MERGE (a:Artifact {slug: 'fp-' + i}) "
            "MERGE (a)-[:HAS_CAPABILITY]->(k:Capability {id: 'fp-cap-' + i}) SET k.contentVersion = i",
            n=total,
        )
        signals_write(graph, "RETURN 1")
        with graph.session() as session:
            summary = session.run("PROFILE " + CATALOG_VERSION, name=NAME).consume()
        return _db_hits(summary.profile)

    small = hits_with(20)
    large = hits_with(2000)
    assert large <= small + 20, (small, large)


def test_keyword_search_stems_like_the_english_analyzer(graph, settings):
    """ "detects objects" matches "object detection" (stems), stop words and punctuation are harmless."""
    from embed.catalog import SearchCatalog, query_words

    ingest(graph, DOCUMENTS[:2])
    catalog = SearchCatalog(graph, settings.neo4j_database)
    catalog.ensure_loaded()
    content = catalog._content
    found = content.capability_text.search(query_words("what detects objects?"), 5)
    assert found and content.owners[found[0][0]] == ("yolov8n",)
    assert "object" in content.capabilities[found[0][0]]["description"].lower()
    assert query_words("a model for the phone") == "model phone"
    assert query_words("the a") == "the a"  # only stop words: kept, so the query is not empty
    # Query syntax is not interpreted: quotes, brackets, operators and wildcards are just punctuation.
    assert content.capability_text.search(query_words('"detects" (objects)* AND -'), 5) == found
    assert content.artifact_names.search(query_words("YOLOv8n"), 3)[0][0] == "yolov8n"


def test_a_keyword_index_grows_by_views_and_older_views_keep_their_answers():
    from embed.catalog import CAPABILITY_FIELDS, KeywordIndex, _english_analyzer

    first = KeywordIndex(CAPABILITY_FIELDS, _english_analyzer, ["a"], [{"description": "detects objects"}])
    second = first.with_added({"b": {"description": "detecting people", "unique": "fast"}})
    assert [key for key, _ in first.search("detect", 5)] == ["a"] and len(first) == 1
    assert {key for key, _ in second.search("detect", 5)} == {"a", "b"} and len(second) == 2
    with pytest.raises(ValueError, match="already indexed"):
        second.with_added({"a": {"description": "another text"}})


def _same_catalogs(updated, full) -> None:
    full.ensure_loaded()
    a, b = updated._content, full._content
    assert a.artifacts == b.artifacts and a.capabilities == b.capabilities and a.depicts == b.depicts
    assert {k: set(v) for k, v in a.owners.items()} == {k: set(v) for k, v in b.owners.items()}
    assert len(a.capability_text) == len(b.capability_text) == len(b.capabilities)
    for words in (
        "continuous batching requests",
        "detects objects",
        "image classification phones",
        "quantised gguf",
        "zebracorn",
        "node workflow",
    ):
        mine, theirs = a.capability_text.search(words, 50), b.capability_text.search(words, 50)
        assert [key for key, _ in mine] == [key for key, _ in theirs], words
        assert [score for _, score in mine] == pytest.approx([score for _, score in theirs], rel=1e-5)
        assert a.artifact_names.search(words, 10) == b.artifact_names.search(words, 10)


def test_an_ingest_updates_the_catalog_to_what_a_full_load_gives(graph, settings):
    from embed.catalog import KeywordHits, SearchCatalog

    ingest(graph, DOCUMENTS[:2])
    assert EmbeddingStage(settings, graph).run().ok
    catalog = SearchCatalog(graph, settings.neo4j_database)
    assert catalog.refresh() == "content" and catalog.stats()["incremental"] is False
    before, words = catalog._content, "models run on images and text"

    def answers(content):
        hits = KeywordHits.search(content, catalog._signals, words, 50)
        return hits.capabilities, hits.artifacts

    answered_before = answers(before)
    assert answered_before[0]

    # More documents, embedded and classified: the catalog is updated, not reloaded.
    ingest(graph, DOCUMENTS[2:])
    assert EmbeddingStage(settings, graph).run().ok
    assert catalog.refresh() == "content" and catalog.stats()["incremental"] is True
    _same_catalogs(catalog, SearchCatalog(graph, settings.neo4j_database))
    assert "vllm" in {slug for slug, _ in catalog.keyword_hits("continuous batching", 50).by_artifact.items()}
    # A search still holding the older snapshot gets the answers it had; the new one has more.
    assert answers(before) == answered_before != answers(catalog._content)

    # Another page fills in a capability's text (what the writer does: a new SOURCE document, and
    # the data version bumped with the capability it changed).
    def fill_in(tx) -> None:
        (record,) = list(
            tx.run(
                "MATCH (:Artifact {slug: 'comfyui'})-[:HAS_CAPABILITY]->(k) WITH k ORDER BY k.id LIMIT 1 "
                "CREATE (d:Document {id: 'later-page', ingestedAt: datetime()}) "
                "SET k.unique = coalesce(k.unique, '') + ' zebracorn' MERGE (k)-[:SOURCE]->(d) RETURN k.id AS id"
            )
        )
        bump(tx, CONTENT, [record["id"]])

    with graph.session() as session:
        session.execute_write(fill_in)
    assert catalog.refresh() == "content" and catalog.stats()["incremental"] is True
    assert [slug for slug in catalog.keyword_hits("zebracorn", 5).by_artifact] == ["comfyui"]
    _same_catalogs(catalog, SearchCatalog(graph, settings.neo4j_database))

    # A deletion (outside matchgraph: no writer deletes capabilities) with a content write after it:
    # the update does not add up to the graph's count of capabilities, so the catalog is loaded whole.
    graph.execute_query("MATCH (:Artifact {slug: 'vllm'})-[:HAS_CAPABILITY]->(k) DETACH DELETE k")
    with graph.session() as session:
        session.execute_write(lambda tx: bump(tx, CONTENT))
    assert catalog.refresh() == "content" and catalog.stats()["incremental"] is False
    _same_catalogs(catalog, SearchCatalog(graph, settings.neo4j_database))


# -- an embedded graph ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def embedded(neo4j_driver, neo4j_server, tmp_path_factory):
    """A few sample documents, embedded; settings whose data folder holds the indexes."""
    from graphdb.config import Settings

    clear_graph(neo4j_driver)
    ingest(neo4j_driver)
    settings = Settings(
        neo4j_uri=neo4j_server.bolt_uri,
        neo4j_password=neo4j_server.password(),
        data_dir=tmp_path_factory.mktemp("search-data"),
        rate_limit_anonymous=0,
        search_record=False,
        index_check_interval=3600,
        _env_file=None,
    )
    report = EmbeddingStage(settings, neo4j_driver).run()
    assert report.ok and report.capabilities > 0, report.error
    yield settings, neo4j_driver
    clear_graph(neo4j_driver)


@pytest.fixture(scope="module")
def engine(embedded):
    settings, driver = embedded
    return HybridSearch(VectorService(settings, driver))


@pytest.fixture(scope="module")
def api(embedded):
    settings, _ = embedded
    with TestClient(create_app(settings)) as client:
        yield client


def test_hits_carry_matched_capabilities_scores_and_why(embedded, engine):
    _, _driver = embedded
    result = engine.search_sync(SearchRequest(text="serve many LLM requests with continuous batching", limit=5))
    assert result.mode == "hybrid"
    assert result.hits[0].slug == "vllm"
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= scores[0] <= 1
    best = result.hits[0]
    cosines = [m.score for m in best.capabilities]
    assert cosines == sorted(cosines, reverse=True) and cosines[0] > 0.3
    label = best.capabilities[0].capability["name"]
    assert f"capability '{label}' matched {cosines[0]:.2f}" in best.why
    assert "rank" in best.why  # graph signals are part of the story
    assert "embedding" not in best.capabilities[0].capability  # no vectors shipped with hits
    assert {hit.slug for hit in result.hits} == set(dict.fromkeys(hit.slug for hit in result.hits))  # one hit each


def test_an_artifact_name_is_found_by_name(embedded, engine):
    _, _driver = embedded
    result = engine.search_sync(SearchRequest(text="ComfyUI", limit=3))
    assert result.hits[0].slug == "comfyui" and "name matched" in result.hits[0].why


def test_type_filter_and_limits(embedded, engine):
    _, _driver = embedded
    models = engine.search_sync(SearchRequest(text="run a chat model locally", limit=10, type="Model"))
    assert models.hits and all(hit.artifact["type"] == "Model" for hit in models.hits)
    repositories = engine.search_sync(SearchRequest(text="run a chat model locally", limit=10, type="Repository"))
    assert repositories.hits and all(hit.artifact["type"] == "Repository" for hit in repositories.hits)
    assert len(engine.search_sync(SearchRequest(text="image", limit=2)).hits) == 2
    for bad in (
        SearchRequest(text="x", limit=0),
        SearchRequest(text="x", limit=MAX_LIMIT + 1),
        SearchRequest(text="   "),
    ):
        with pytest.raises(SearchInputError):
            engine.search_sync(bad)


def test_graphql_search_makes_no_cypher_round_trip_with_capability_matches(api):
    state = api.app.state.matchgraph
    post(api, SEARCH, q="warm up", n=1)  # the catalog is loaded (at start-up, or by the first search)
    catalog_reads = state.vectors.catalog().repository.reads
    before = state.graph.round_trips
    body = post(api, SEARCH, q="detect objects in video frames", n=3)
    # Keywords, candidates, capabilities and signals come from the in-process catalog.
    assert state.graph.round_trips - before == 0
    assert state.vectors.catalog().repository.reads == catalog_reads
    assert "errors" not in body, body
    hits = body["data"]["search"]
    assert hits[0]["artifact"]["slug"] == "yolov8n"
    match = hits[0]["matchedCapabilities"][0]
    assert match["score"] > 0.3 and "cosine" in match["why"] and match["capability"]["description"]
    assert hits[0]["why"] and isinstance(hits[0]["score"], float)


def test_graphql_keeps_the_old_matched_capabilities_fields(api):
    body = post(api, '{ search(query: "GGUF models on a CPU", limit: 2) { matchedCapabilities { id name uri } } }')
    assert "errors" not in body, body
    first = body["data"]["search"][0]["matchedCapabilities"][0]
    assert first["id"] and first["name"] and first["uri"].startswith("capability://")


def test_graphql_rejects_bad_input_with_clear_errors(api):
    too_many = post(api, SEARCH, q="x", n=51)
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "between 1 and 50" in too_many["errors"][0]["message"]
    empty = post(api, SEARCH, q="  ")
    assert empty["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    garbage = post(api, SEARCH, q="", image="not base64!!")
    assert garbage["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_image_search_without_weights_is_a_clear_error_and_text_search_still_works(api):
    image = base64.b64encode(png((200, 30, 30))).decode()
    body = post(api, 'query ($image: String!) { search(query: "", image: $image) { artifact { slug } } }', image=image)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "IMAGE_SEARCH_UNAVAILABLE" and error["path"] == ["search"]
    assert "MATCHGRAPH_VIT_MODEL" in error["message"]
    text = post(api, '{ search(query: "LoRA fine-tuning", limit: 2) { artifact { slug } } }')
    assert "errors" not in text and text["data"]["search"]


def test_image_search_finds_the_artifact_an_image_depicts(embedded, tmp_path):
    from embed.image_store import attach_images, check_image
    from embed.vit_embedder import write_tiny_vit

    settings, driver = embedded
    vit_settings = settings.model_copy(
        update={"vit_model": str(write_tiny_vit(tmp_path / "vit")), "data_dir": tmp_path / "data"}
    )
    vectors = VectorService(vit_settings, driver)
    red, blue = png((220, 20, 20)), png((20, 20, 220))
    attach_images(vectors, "comfyui", [check_image(red, vit_settings.image_max_bytes)], "sample")
    attach_images(vectors, "vllm", [check_image(blue, vit_settings.image_max_bytes)], "sample")
    try:
        engine = HybridSearch(vectors)
        result = engine.search_sync(SearchRequest(image=red, limit=2))
        assert result.mode == "image"
        assert result.hits[0].slug == "comfyui" and "image matched 1.00" in result.hits[0].why
        with pytest.raises(SearchInputError):
            engine.search_sync(SearchRequest(image=b"not an image at all", limit=2))
        with pytest.raises(ImageSearchUnavailable):
            HybridSearch(VectorService(settings, driver)).search_sync(SearchRequest(image=red))
    finally:
        driver.execute_query("MATCH (i:Image) DETACH DELETE i")


def test_decode_image_accepts_standard_url_safe_and_data_urls():
    data = bytes(range(256))
    standard = base64.b64encode(data).decode()
    assert decode_image(standard) == data
    assert decode_image(base64.urlsafe_b64encode(data).decode().rstrip("=")) == data
    assert decode_image("data:image/png;base64," + standard) == data
    with pytest.raises(SearchInputError):
        decode_image("%%%")


# -- the CLI ------------------------------------------------------------------------------------------
def matchgraph(settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "graph_service.cli", *args],
        capture_output=True,
        text=True,
        env=cli_env(settings, MATCHGRAPH_SEARCH_RECORD="false", **env),
        cwd=REPO,
        timeout=300,
    )


def test_cli_search_prints_a_table_or_json(embedded):
    settings, _ = embedded
    table = matchgraph(settings, "search", "a node graph editor for image generation", "--limit", "2")
    assert table.returncode == 0, table.stderr
    assert "comfyui" in table.stdout and "why" in table.stdout
    report = matchgraph(
        settings, "search", "continuous batching for LLM serving", "--limit", "3", "--type", "Repository", "--json"
    )
    assert report.returncode == 0, report.stderr
    payload = json.loads(report.stdout)
    assert payload["query"] == "continuous batching for LLM serving"
    hit = payload["hits"][0]
    assert set(hit) == {"slug", "name", "score", "why", "capabilities"} and hit["slug"] == "vllm"
    assert set(hit["capabilities"][0]) == {"id", "name", "uri", "score"}


def test_cli_search_errors_exit_2(embedded, tmp_path):
    settings, _ = embedded
    picture = tmp_path / "logo.png"
    picture.write_bytes(png((10, 200, 10)))
    no_weights = matchgraph(settings, "search", "--image", str(picture))
    assert no_weights.returncode == 2 and "MATCHGRAPH_VIT_MODEL" in no_weights.stderr
    nothing = matchgraph(settings, "search")
    assert nothing.returncode == 2 and "QUERY" in nothing.stderr
    unreachable = matchgraph(settings, "search", "anything", NEO4J_URI=f"bolt://127.0.0.1:{free_port()}")
    assert unreachable.returncode == 2 and "cannot reach Neo4j" in unreachable.stderr
    assert "Traceback" not in unreachable.stderr
