"""FAISS indexes (embed/index.py) and the vector service that keeps them in step with Neo4j
(embed/vectors.py): exact vs HNSW, save/load, damaged files detected and rebuilt, stale detection.

Vectors here are random unit vectors written to real Capability/Artifact nodes (the graph is
the real test Neo4j); the text model is not needed to test the indexes. The stage's own path
(real embeddings, ingest, CLI) is in test_embedding_stage.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from embed.index import IndexCorrupt, IndexMissing, IndexOutdated, VectorIndex, index_paths
from embed.vectors import VectorService

DIMENSION = 384


def unit_vectors(count: int, seed: int = 0, dimension: int = DIMENSION) -> np.ndarray:
    matrix = np.random.default_rng(seed).standard_normal((count, dimension)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def keys(count: int, prefix: str = "k") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


# -- VectorIndex alone ---------------------------------------------------------------------------------
def test_exact_below_the_threshold_hnsw_from_it():
    vectors = unit_vectors(300)
    exact = VectorIndex.build("capabilities", keys(300), vectors, "m", "fp", approximate_threshold=301)
    approximate = VectorIndex.build("capabilities", keys(300), vectors, "m", "fp", approximate_threshold=300)
    assert (exact.kind, approximate.kind) == ("flat", "hnsw")
    assert exact.count == approximate.count == 300 and exact.dimension == 384


def test_search_answers_keys_and_cosines_best_first():
    vectors = unit_vectors(200, seed=1)
    index = VectorIndex.build("artifacts", keys(200, "a"), vectors, "m", "fp", approximate_threshold=10_000)
    query = vectors[[7, 42]]
    results = index.search(query, 5)
    assert [hits[0][0] for hits in results] == ["a00007", "a00042"]
    assert results[0][0][1] == pytest.approx(1.0, abs=1e-5)
    expected = sorted(((f"a{i:05d}", float(vectors[i] @ vectors[7])) for i in range(200)), key=lambda kv: -kv[1])[:5]
    assert [key for key, _ in results[0]] == [key for key, _ in expected]
    assert [score for _, score in results[0]] == pytest.approx([score for _, score in expected], abs=1e-5)
    assert index.search(query, 1000)[0][-1][0] and len(index.search(query, 1000)[0]) == 200  # k capped at count


def test_hnsw_finds_what_exact_finds():
    vectors = unit_vectors(2000, seed=2)
    exact = VectorIndex.build("capabilities", keys(2000), vectors, "m", "fp", approximate_threshold=10_000)
    approximate = VectorIndex.build("capabilities", keys(2000), vectors, "m", "fp", approximate_threshold=100)
    queries = unit_vectors(50, seed=3)
    truth = exact.search(queries, 10)
    found = approximate.search(queries, 10)
    overlap = sum(len({k for k, _ in f} & {k for k, _ in t}) for f, t in zip(found, truth)) / 500
    assert overlap >= 0.95, overlap


def test_incremental_add_then_search_and_duplicates_refused():
    vectors = unit_vectors(120, seed=4)
    index = VectorIndex.build("capabilities", keys(100), vectors[:100], "m", "fp", approximate_threshold=10_000)
    index.add(keys(120)[100:], vectors[100:])
    assert index.count == 120
    assert index.search(vectors[110:111], 1)[0][0][0] == "k00110"
    with pytest.raises(ValueError, match="already indexed"):
        index.add(["k00003"], vectors[3:4])
    with pytest.raises(ValueError, match="dimension"):
        index.add(["new"], unit_vectors(1, dimension=16))


def test_hnsw_stores_float16_vectors_half_the_memory_of_exact():
    vectors = unit_vectors(400, seed=11)
    exact = VectorIndex.build("capabilities", keys(400), vectors, "m", "fp", approximate_threshold=10_000)
    approximate = VectorIndex.build("capabilities", keys(400), vectors, "m", "fp", approximate_threshold=100)
    assert approximate.vectors().shape == (400, DIMENSION)
    assert np.abs(approximate.vectors() - vectors).max() < 1e-3  # float16 of unit vectors
    assert np.array_equal(exact.vectors(), vectors)
    stored = approximate._index.storage.sa_code_size()  # bytes per stored vector
    assert stored == DIMENSION * 2
    query = vectors[17]
    cosines = approximate.cosines(["k00017", "k00018"], query)
    assert cosines["k00017"] == pytest.approx(1.0, abs=1e-3)
    assert cosines["k00018"] == pytest.approx(float(vectors[18] @ query), abs=1e-3)


@pytest.mark.parametrize("threshold", [10_000, 50], ids=["flat", "hnsw"])
def test_save_and_load_round_trip(tmp_path, threshold):
    vectors = unit_vectors(150, seed=5)
    index = VectorIndex.build("images", keys(150, "i"), vectors, "vit-tiny", "150@t", approximate_threshold=threshold)
    index.save(tmp_path)
    _faiss_path, manifest_path = index_paths(tmp_path, "images")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["kind"] == index.kind and manifest["count"] == 150 and manifest["dimension"] == 384
    assert manifest["model"] == "vit-tiny" and manifest["fingerprint"] == "150@t"
    assert len(manifest["sha256"]) == 64 and manifest["createdAt"] and manifest["matchgraphVersion"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # temporary files replaced
    loaded = VectorIndex.load(tmp_path, "images")
    assert (loaded.kind, loaded.count, loaded.model, loaded.fingerprint) == (index.kind, 150, "vit-tiny", "150@t")
    queries = unit_vectors(10, seed=6)
    assert loaded.search(queries, 7) == index.search(queries, 7)


def test_load_names_what_is_wrong(tmp_path):
    index = VectorIndex.build("artifacts", keys(20), unit_vectors(20), "m", "fp", approximate_threshold=100)
    with pytest.raises(IndexMissing):
        VectorIndex.load(tmp_path, "artifacts")
    index.save(tmp_path)
    faiss_path, manifest_path = index_paths(tmp_path, "artifacts")
    good_faiss, good_manifest = faiss_path.read_bytes(), manifest_path.read_text()

    faiss_path.write_bytes(good_faiss[:-10] + b"0123456789")
    with pytest.raises(IndexCorrupt, match="checksum"):
        VectorIndex.load(tmp_path, "artifacts")
    faiss_path.write_bytes(good_faiss)

    manifest_path.write_text(good_manifest[: len(good_manifest) // 2])
    with pytest.raises(IndexCorrupt, match="not valid JSON"):
        VectorIndex.load(tmp_path, "artifacts")

    manifest = json.loads(good_manifest)
    manifest["keys"][3] = "another-key"  # still valid JSON, still the right count
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="its own checksum"):
        VectorIndex.load(tmp_path, "artifacts")

    manifest_path.unlink()
    with pytest.raises(IndexMissing, match="no manifest"):
        VectorIndex.load(tmp_path, "artifacts")


def test_an_hnsw_index_of_the_older_float32_layout_is_outdated(tmp_path):
    import faiss

    vectors = unit_vectors(60, seed=12)
    older = faiss.IndexHNSWFlat(DIMENSION, 32, faiss.METRIC_INNER_PRODUCT)
    older.add(vectors)
    VectorIndex("capabilities", "hnsw", older, keys(60), "m", "fp").save(tmp_path)
    with pytest.raises(IndexOutdated, match="older layout"):
        VectorIndex.load(tmp_path, "capabilities")


# -- VectorService on the real graph ------------------------------------------------------------------
def write_capabilities(graph, ids: list[str], vectors: np.ndarray, model: str = "test-model") -> None:
    graph.execute_query(
        "UNWIND $rows AS row MERGE (k:Capability {id: row.id}) "
        "SET k.description = row.id, k.embedding = row.vector, k.embeddingModel = $model, k.embeddedAt = datetime()",
        rows=[{"id": key, "vector": vector.tolist()} for key, vector in zip(ids, vectors)],
        model=model,
    )


@pytest.fixture
def service(graph, settings):
    return VectorService(settings, graph)


def test_service_builds_from_the_graph_and_a_new_process_loads_the_files(graph, settings, service):
    vectors = unit_vectors(60, seed=7)
    write_capabilities(graph, keys(60), vectors)
    index = service.index("capabilities")
    assert index is not None and index.count == 60 and index.kind == "flat" and index.model == "test-model"
    assert any(line.startswith("index capabilities rebuilt: missing") for line in service.events)
    assert service.index("artifacts") is None  # the graph has no name vectors

    later = VectorService(settings, graph)  # a server started later: loads, rebuilds nothing
    assert later.start() == []
    assert later.events == []
    assert later.index("capabilities").search(vectors[:3], 3) == index.search(vectors[:3], 3)
    status = later.status()
    assert status["capabilities"]["fresh"] and status["capabilities"]["count"] == 60
    assert status["capabilities"]["kind"] == "flat"


def test_service_uses_hnsw_above_the_ann_threshold(graph, settings):
    write_capabilities(graph, keys(80), unit_vectors(80, seed=8))
    service = VectorService(settings.model_copy(update={"ann_threshold": 50}), graph)
    index = service.index("capabilities")
    assert index.kind == "hnsw"
    assert service.status()["capabilities"]["kind"] == "hnsw"
    assert json.loads(index_paths(service.folder, "capabilities")[1].read_text())["kind"] == "hnsw"


@pytest.mark.parametrize("damage", ["delete faiss", "corrupt faiss", "delete manifest", "corrupt manifest"])
def test_damaged_files_are_detected_and_rebuilt_with_the_same_results(graph, settings, service, damage):
    vectors = unit_vectors(90, seed=9)
    write_capabilities(graph, keys(90), vectors)
    queries = unit_vectors(12, seed=10)
    before = service.index("capabilities").search(queries, 10)
    faiss_path, manifest_path = index_paths(service.folder, "capabilities")
    target = faiss_path if "faiss" in damage else manifest_path
    if damage.startswith("delete"):
        target.unlink()
    else:
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))

    # A server starting now: the damage is found and the index rebuilt from the graph.
    fresh = VectorService(settings, graph)
    assert fresh.start() == ["capabilities"]
    reason = "missing" if damage.startswith("delete") else "corrupt"
    assert any(line.startswith(f"index capabilities rebuilt: {reason}") for line in fresh.events), fresh.events
    assert fresh.index("capabilities").search(queries, 10) == before
    assert VectorIndex.load(service.folder, "capabilities").search(queries, 10) == before

    # A running server whose files were damaged rewrites them from memory.
    if damage.startswith("delete"):
        target.unlink()
    else:
        target.write_bytes(b"garbage")
    assert service.ensure_fresh(force=True) == ["capabilities"]
    assert any(line.startswith("index capabilities rewritten") for line in service.events)
    assert VectorIndex.load(service.folder, "capabilities").search(queries, 10) == before


def test_a_deleted_hnsw_index_is_rebuilt_to_the_same_results(graph, settings):
    # HNSW builds are deterministic here: one FAISS thread (MATCHGRAPH_FAISS_THREADS) and FAISS's
    # fixed seed for the levels, over the keys in the graph's order.
    vectors = unit_vectors(400, seed=14)
    write_capabilities(graph, keys(400), vectors)
    wide = settings.model_copy(update={"ann_threshold": 50})
    queries = unit_vectors(20, seed=15)
    service = VectorService(wide, graph)
    assert service.index("capabilities").kind == "hnsw"
    before = service.index("capabilities").search(queries, 10)
    index_paths(service.folder, "capabilities")[0].unlink()
    fresh = VectorService(wide, graph)
    assert fresh.start() == ["capabilities"]
    assert fresh.index("capabilities").search(queries, 10) == before


def test_older_layout_files_are_rebuilt_with_a_log_line(graph, settings):
    import faiss

    vectors = unit_vectors(80, seed=13)
    write_capabilities(graph, keys(80), vectors)
    wide = settings.model_copy(update={"ann_threshold": 50})
    built = VectorService(wide, graph).index("capabilities")
    older = faiss.IndexHNSWFlat(DIMENSION, 32, faiss.METRIC_INNER_PRODUCT)
    older.add(vectors)
    folder = VectorService(wide, graph).folder
    VectorIndex("capabilities", "hnsw", older, keys(80), built.model, built.fingerprint).save(folder)
    fresh = VectorService(wide, graph)
    assert fresh.start() == ["capabilities"]
    assert any(line.startswith("index capabilities rebuilt: outdated") for line in fresh.events), fresh.events
    assert type(VectorIndex.load(folder, "capabilities")._index).__name__ == "IndexHNSWSQ"


def test_new_vectors_make_the_index_stale_and_are_added(graph, settings, service):
    vectors = unit_vectors(130, seed=11)
    write_capabilities(graph, keys(100), vectors[:100])
    assert service.index("capabilities").count == 100
    assert service.ensure_fresh(force=True) == []

    write_capabilities(graph, keys(130)[100:], vectors[100:])
    assert service.status()["capabilities"]["fresh"] is False
    assert service.ensure_fresh() == []  # throttled: checked a moment ago
    assert service.ensure_fresh(force=True) == ["capabilities"]
    assert service.events[-1] == "index capabilities updated: 30 new vectors added (graph has 130 vectors)"
    assert service.index("capabilities").count == 130
    assert service.index("capabilities").search(vectors[120:121], 1)[0][0][0] == "k00120"
    assert VectorIndex.load(service.folder, "capabilities").count == 130  # saved for the next process

    # A re-embedded vector (same key, new value) cannot be added: a full rebuild.
    write_capabilities(graph, ["k00005"], unit_vectors(1, seed=12))
    assert service.ensure_fresh(force=True) == ["capabilities"]
    assert service.events[-1].startswith("index capabilities rebuilt: stale (graph has 130 vectors, index 130)")

    # A deleted capability: stale, rebuilt.
    graph.execute_query("MATCH (k:Capability {id: 'k00001'}) DETACH DELETE k")
    assert service.ensure_fresh(force=True) == ["capabilities"]
    assert service.index("capabilities").count == 129 and "k00001" not in service.index("capabilities")


def test_throttle_interval_comes_from_the_settings(graph, settings):
    service = VectorService(settings.model_copy(update={"index_check_interval": 0.0}), graph)
    write_capabilities(graph, keys(10), unit_vectors(10, seed=13))
    assert service.index("capabilities").count == 10
    write_capabilities(graph, ["k00010"], unit_vectors(1, seed=14))
    assert service.ensure_fresh() == ["capabilities"]  # no throttle: checked at once


def test_the_api_starts_with_damaged_index_files_and_rebuilds_them_in_the_background(graph, settings):
    from starlette.testclient import TestClient

    from graph_service.app import create_app

    vectors = unit_vectors(40, seed=15)
    write_capabilities(graph, keys(40), vectors)
    VectorService(settings, graph).start()  # files on disk
    faiss_path, _ = index_paths(settings.data_dir / "indexes", "capabilities")
    faiss_path.write_bytes(b"not a faiss index")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200  # start-up did not wait for, nor fail on, the index
        state = client.app.state.matchgraph
        state._vectors_thread.join(timeout=120)
        assert any(line.startswith("index capabilities rebuilt: corrupt") for line in state.vectors.events)
        assert state.vectors.index("capabilities").search(vectors[:1], 1)[0][0][0] == "k00000"
    assert VectorIndex.load(settings.data_dir / "indexes", "capabilities").count == 40
