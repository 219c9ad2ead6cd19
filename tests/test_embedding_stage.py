"""The embedding stage (embed/stage.py) on the real graph and the real text model: what it embeds,
that a second run embeds nothing, that a failure loses no document and a re-run completes it, and
that the CLI (`ingest`, `index status|rebuild`) and the `ingestDocuments` mutation run it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import cli_env
from pydantic import SecretStr
from starlette.testclient import TestClient

from corpus import sample_folder
from embed.index import VectorIndex
from embed.stage import EmbeddingStage
from embed.vectors import VectorService
from graph_service.app import create_app
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.writer import GraphWriter

pytestmark = pytest.mark.slow
CORPUS = sorted(sample_folder().glob("s0*.txt"))
MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def ingest(graph, paths) -> None:
    Ingester(GraphWriter(graph)).ingest(read_inputs(expand_paths(paths)))


def count(graph, query: str) -> int:
    records, _, _ = graph.execute_query(query)
    return records[0][0]


def documents(graph) -> int:
    return count(graph, "MATCH (d:Document) RETURN count(d)")


class NoModel(VectorService):
    """A vector service whose text model cannot load: a run that needs it fails, one that does not, passes."""

    def text_embedder(self):
        raise RuntimeError("text model unavailable in this test")


def test_stage_embeds_everything_once(graph, settings):
    ingest(graph, CORPUS[:3])
    capabilities = count(graph, "MATCH (k:Capability) RETURN count(k)")
    artifacts = count(graph, "MATCH (a:Artifact) RETURN count(a)")
    progress: list[tuple[str, int, int]] = []
    report = EmbeddingStage(settings, graph, progress=lambda *step: progress.append(step)).run()
    assert report.ok, report.error
    assert (report.capabilities, report.artifacts, report.classes) == (capabilities, artifacts, 68)
    assert ("capabilities", capabilities, capabilities) in progress and ("artifacts", artifacts, artifacts) in progress
    assert set(report.indexes) == {"capabilities", "artifacts"}

    records, _, _ = graph.execute_query(
        "MATCH (k:Capability) RETURN k.embedding AS v, k.embeddingModel AS model, k.embeddedAt IS NOT NULL AS at"
    )
    vectors = np.array([r["v"] for r in records], dtype=np.float32)
    assert vectors.shape == (capabilities, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert {r["model"] for r in records} == {MODEL} and all(r["at"] for r in records)
    assert count(graph, "MATCH (a:Artifact) WHERE size(a.nameEmbedding) = 384 RETURN count(a)") == artifacts
    assert count(graph, "MATCH (c:CapabilityClass) WHERE size(c.embedding) = 384 RETURN count(c)") == 68

    # The text that was embedded is description + " " + unique. (Not bit-identical when embedded
    # alone: the ONNX int8 model quantises activations per batch.)
    rows = graph.execute_query(
        "MATCH (k:Capability) WHERE k.unique IS NOT NULL RETURN k.description AS d, "
        "k.unique AS u, k.embedding AS v ORDER BY k.id LIMIT 2"
    ).records
    embedder = VectorService(settings, graph).text_embedder()
    again = embedder.encode([f"{row['d']} {row['u']}" for row in rows])
    stored = np.array([row["v"] for row in rows], dtype=np.float32)
    assert float(again[0] @ stored[0]) > 0.995 and float(again[1] @ stored[1]) > 0.995
    assert float(again[0] @ stored[1]) < 0.95  # another capability's text is far off

    # A second run embeds nothing and needs no model at all.
    again = EmbeddingStage(settings, graph, vectors=NoModel(settings, graph)).run()
    assert again.ok, again.error
    assert (again.capabilities, again.artifacts, again.classes, again.assigned, again.indexes) == (0, 0, 0, 0, [])


def test_a_unique_line_arriving_later_or_a_renamed_artifact_is_embedded_again(graph, settings):
    ingest(graph, CORPUS[:1])
    graph.execute_query("MATCH (k:Capability) WITH k ORDER BY k.id LIMIT 1 SET k.unique = null")
    assert EmbeddingStage(settings, graph, update_indexes=False).run().ok
    # The later page brings the Unique: line (the writer's coalesce), and another renames an artifact.
    graph.execute_query(
        "MATCH (k:Capability) WHERE k.unique IS NULL SET k.unique = 'Unique text shown by a later page.'"
    )
    graph.execute_query("MATCH (a:Artifact) WITH a ORDER BY a.slug LIMIT 1 SET a.name = a.name + ' (renamed)'")
    report = EmbeddingStage(settings, graph, update_indexes=False).run()
    assert (report.capabilities, report.artifacts, report.assigned) == (1, 1, 1)


def test_a_failed_stage_keeps_the_documents_and_a_rerun_completes_it(graph, settings):
    ingest(graph, CORPUS[:2])
    ingested = documents(graph)
    failed = EmbeddingStage(settings, graph, vectors=NoModel(settings, graph)).run()
    assert failed.error == "RuntimeError: text model unavailable in this test"
    assert failed.summary().startswith("embedding failed: RuntimeError")
    assert documents(graph) == ingested
    assert count(graph, "MATCH (k:Capability) WHERE k.embedding IS NOT NULL RETURN count(k)") == 0

    rerun = EmbeddingStage(settings, graph).run()
    assert rerun.ok and rerun.capabilities == count(graph, "MATCH (k:Capability) RETURN count(k)") > 0
    assert count(graph, "MATCH (k:Capability) WHERE k.embedding IS NULL RETURN count(k)") == 0


def test_a_running_server_sees_capabilities_ingested_later(graph, settings):
    ingest(graph, CORPUS[:2])
    assert EmbeddingStage(settings, graph).run().ok
    server = VectorService(settings, graph)  # a server started after the first ingest
    server.start()
    before = server.index("capabilities").count

    ingest(graph, CORPUS[2:4])  # another process ingests and embeds, leaving the files as they were
    report = EmbeddingStage(settings, graph, update_indexes=False).run()
    assert report.ok and report.capabilities > 0
    assert server.status()["capabilities"]["fresh"] is False
    assert "capabilities" in server.ensure_fresh(force=True)
    assert server.index("capabilities").count == before + report.capabilities
    assert server.events[-2:] and any("new vectors added" in line for line in server.events)
    assert server.status()["capabilities"]["fresh"] is True


def run_cli(settings, *arguments: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """`matchgraph …` as the installed console script runs it (graph_service.cli:main)."""
    command = [sys.executable, "-c", "from graph_service.cli import main; main()", *arguments]
    return subprocess.run(command, env=cli_env(settings), capture_output=True, text=True, timeout=timeout)


def test_cli_ingest_embeds_and_leaves_fresh_index_files(graph, settings, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for path in CORPUS[:2]:
        (folder / path.name).write_bytes(path.read_bytes())

    first = run_cli(settings, "ingest", "--json", str(folder))
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    capabilities = count(graph, "MATCH (k:Capability) RETURN count(k)")
    assert report["ingested"] == 2 and report["embedded"]["error"] is None
    assert report["embedded"]["capabilities"] == capabilities and report["embedded"]["classes"] == 68
    assert set(report["embedded"]["indexes"]) == {"capabilities", "artifacts"}
    index = VectorIndex.load(settings.data_dir / "indexes", "capabilities")
    assert index.count == capabilities and index.kind == "flat"

    # A server started now loads the files as they are: nothing to rebuild.
    assert VectorService(settings, graph).start() == []

    # --no-embed: the documents go in, their capabilities wait; status says the index is stale.
    later = sample_folder() / "s10_llama-3-8b-vs-mistral-7b.txt"  # artifacts of their own
    (folder / later.name).write_bytes(later.read_bytes())
    skipped = run_cli(settings, "ingest", "--json", "--no-embed", str(folder))
    assert skipped.returncode == 0, skipped.stderr
    assert json.loads(skipped.stdout)["embedded"] is None
    pending = count(graph, "MATCH (k:Capability) WHERE k.embedding IS NULL RETURN count(k)")
    assert pending > 0

    # `index rebuild` embeds what is pending and rebuilds; `index status` is then fresh (exit 0).
    rebuilt = run_cli(settings, "index", "rebuild", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    result = json.loads(rebuilt.stdout)
    assert result["embedded"]["capabilities"] == pending and set(result["rebuilt"]) == {
        "capabilities",
        "artifacts",
        "images",
    }
    status = run_cli(settings, "index", "status", "--json")
    assert status.returncode == 0, status.stdout + status.stderr
    indexes = json.loads(status.stdout)
    assert indexes["capabilities"]["fresh"] and indexes["capabilities"]["count"] == capabilities + pending
    assert indexes["images"]["state"] == "empty" and "MATCHGRAPH_VIT_MODEL" in indexes["images"]["imageSearch"]

    # A damaged file: status names it (exit 1); rebuilding that index gives the same answers as before.
    folder = settings.data_dir / "indexes"
    queries = VectorService(settings, graph).text_embedder().encode(["image classification", "serve an LLM"])
    before = VectorIndex.load(folder, "capabilities").search(queries, 5)
    faiss_path = folder / "capabilities.faiss"
    faiss_path.write_bytes(faiss_path.read_bytes()[:-64])
    damaged = run_cli(settings, "index", "status", "--json")
    assert damaged.returncode == 1
    assert json.loads(damaged.stdout)["capabilities"]["state"] == "corrupt"
    repaired = run_cli(settings, "index", "rebuild", "--name", "capabilities")
    assert repaired.returncode == 0, repaired.stderr
    assert "index capabilities rebuilt" in repaired.stdout
    assert VectorIndex.load(folder, "capabilities").search(queries, 5) == before


INGEST = """
mutation ($docs: [DocumentInput!]!) {
  ingestDocuments(documents: $docs) { ingested embedded { capabilities artifacts classes assigned indexes error } }
}
"""


def test_the_mutation_embeds_in_the_same_call(graph, settings):
    keyed = settings.model_copy(update={"api_keys": frozenset({SecretStr("k1")}), "rate_limit_anonymous": 0})
    docs = [{"name": p.name, "content": p.read_text(encoding="utf-8")} for p in CORPUS[:2]]
    with TestClient(create_app(keyed)) as client:
        response = client.post(
            "/graphql", json={"query": INGEST, "variables": {"docs": docs}}, headers={"X-API-Key": "k1"}
        )
        assert response.status_code == 200, response.text
        report = response.json()["data"]["ingestDocuments"]
        capabilities = count(graph, "MATCH (k:Capability) RETURN count(k)")
        assert report["ingested"] == 2 and report["embedded"]["error"] is None
        assert report["embedded"]["capabilities"] == capabilities == report["embedded"]["assigned"]
        assert set(report["embedded"]["indexes"]) == {"capabilities", "artifacts"}
        vectors = client.app.state.matchgraph.vectors
        assert vectors.index("capabilities").count == capabilities  # the server's own index is current

        again = client.post(
            "/graphql", json={"query": INGEST, "variables": {"docs": docs}}, headers={"X-API-Key": "k1"}
        )
        assert again.json()["data"]["ingestDocuments"]["embedded"]["capabilities"] == 0
