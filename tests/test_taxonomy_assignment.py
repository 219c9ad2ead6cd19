"""Taxonomy assignment (embed/taxonomy.py through the embedding stage): loading and validating
taxonomy.json, the threshold, the seeds' capabilities landing in the classes a person would pick,
the share left unclassified, and re-assignment when the taxonomy or the threshold changes.

Seed capabilities are named by seed file and line number (tests/seeds.py) and read at run time;
the expectations below were checked by hand against the text of each line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from embed.stage import EmbeddingStage
from embed.taxonomy import (
    TAXONOMY_PATH, UNCLASSIFIED_URI, Assigner, TaxonomyError, classification_key, load_taxonomy,
)
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.records import content_id
from ingest.writer import GraphWriter
from seeds import REPO_ROOT, require_seeds_dir, seed_line

CORPUS = REPO_ROOT / "corpus" / "sample"

# (seed, line of the capability's description) -> the class a person would pick for it.
SEED_EXPECTATIONS = {
    ("000", 15): "capability://vision/image-classification",  # mobilevit: image classification
    ("004", 15): "capability://vision/image-classification",  # a fine-tuned ViT classifier
    ("000", 31): "capability://generation/text-to-image",  # Stable Diffusion 3.5: images from prompts
    ("000", 24): "capability://deployment/batch-inference",  # mobilevit: batched inference pipelines
    ("000", 18): "capability://deployment/model-export",  # conversion to CoreML / ONNX / TF
    ("000", 27): "capability://deployment/quantization",  # post-training INT8 / FP16
    ("000", 34): "capability://generation/few-step-generation",  # the 4-step Turbo variant
    ("000", 40): "capability://generation/text-rendering",
    ("000", 43): "capability://generation/prompt-adherence",
    ("000", 49): "capability://training/parameter-efficient-fine-tuning",  # LoRA
    ("000", 52): "capability://deployment/open-weights-licensing",
    ("001", 39): "capability://training/checkpointing",  # save and resume training state
    ("001", 42): "capability://training/experiment-tracking",  # hyperparameter config and logging
    ("001", 54): "capability://generation/classifier-free-guidance",
    ("002", 40): "capability://tooling/programmatic-api",  # sdnext REST API
    ("002", 43): "capability://tooling/plugin-ecosystem",
    ("002", 46): "capability://tooling/web-ui",  # Gradio interface
    ("002", 52): "capability://deployment/hardware-backends",  # CUDA, ROCm, XPU, MPS, DirectML
    ("003", 18): "capability://tooling/model-hub-integration",  # loads from the Hugging Face Hub
    ("003", 21): "capability://training/transfer-learning",  # fine-tune the pretrained backbone
    ("003", 24): "capability://vision/image-embeddings",  # hidden states as visual embeddings
    ("004", 18): "capability://vision/patch-transformer-encoding",  # 16x16 patches to embeddings
}


def ingest(graph, paths) -> None:
    Ingester(GraphWriter(graph)).ingest(read_inputs(expand_paths(paths)))


def capabilities(graph) -> list[dict]:
    records, _, _ = graph.execute_query(
        "MATCH (k:Capability) OPTIONAL MATCH (k)-[r:INSTANCE_OF]->(c:CapabilityClass) "
        "RETURN k.id AS id, k.uri AS uri, k.name AS name, k.classScore AS score, "
        "collect(c.uri) AS classes, collect(r.score) AS edgeScores")
    return [record.data() for record in records]


# -- loading --------------------------------------------------------------------------------------------
def test_the_taxonomy_file_loads():
    taxonomy = load_taxonomy()
    assert len(taxonomy.classified) == 67 and taxonomy.unclassified.uri == UNCLASSIFIED_URI
    assert len({c.uri for c in taxonomy.classes}) == 68
    first = taxonomy.by_uri("capability://vision/image-classification")
    assert first.name in first.text and first.description in first.text and all(e in first.text for e in first.examples)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["classes"].append(dict(d["classes"][0])), "appears twice"),
    (lambda d: d["classes"].pop(), "capability://unclassified is missing"),
    (lambda d: d["classes"][3].update(uri="vision/no-scheme"), "is not of the form"),
    (lambda d: d["classes"][5].update(examples="one string"), "`examples` must be a list"),
    (lambda d: d["classes"][7].pop("description"), "`description` must be a str"),
])
def test_a_bad_taxonomy_file_is_refused_with_the_reason(tmp_path, change, message):
    data = json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(path)


def test_not_json_is_refused(tmp_path):
    path = tmp_path / "taxonomy.json"
    path.write_text("{ nope", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid JSON"):
        load_taxonomy(path)


def test_assigner_nearest_class_or_unclassified_below_the_threshold():
    classes = np.eye(4, dtype=np.float32)[:3]
    assigner = Assigner(["capability://a/x", "capability://a/y", UNCLASSIFIED_URI], classes, threshold=0.5)
    rows = np.array([[0.9, 0.1, 0.0, 0.0], [0.3, 0.2, 0.0, 0.9], [0.0, 0.0, 1.0, 0.0]], dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    assigned = assigner.assign(rows)
    assert assigned[0][0] == "capability://a/x" and assigned[0][1] == pytest.approx(0.9939, abs=1e-3)
    assert assigned[1][0] == UNCLASSIFIED_URI  # nearest is x at 0.31: below 0.5
    assert assigned[2] == (UNCLASSIFIED_URI, 0.0)  # the unclassified class itself is never a target


# -- on the graph, with the real text model -------------------------------------------------------------
@pytest.mark.slow
def test_seed_capabilities_land_in_sensible_classes(graph, settings):
    ingest(graph, [require_seeds_dir()])
    report = EmbeddingStage(settings, graph, update_indexes=False).run()
    assert report.ok, report.error
    found = {row["id"]: row for row in capabilities(graph)}
    wrong = []
    for (seed, line), expected in SEED_EXPECTATIONS.items():
        row = found[content_id(seed_line(seed, line))]
        if row["uri"] != expected:
            wrong.append(f"{seed}:{line} -> {row['uri']} ({row['score']}), expected {expected}")
    assert not wrong, "\n".join(wrong)

    # Every capability has one class, its name and score come from it, the edge carries the score.
    names = {c.uri: c.name for c in load_taxonomy().classes}
    for row in found.values():
        assert row["classes"] == [row["uri"]] and row["name"] == names[row["uri"]]
        assert row["edgeScores"] == [row["score"]]
    unclassified = sum(row["uri"] == UNCLASSIFIED_URI for row in found.values()) / len(found)
    print(f"\nseeds: {len(found)} capabilities, {unclassified:.1%} unclassified")
    assert unclassified <= 0.05


@pytest.mark.slow
def test_sample_corpus_unclassified_share(graph, settings):
    ingest(graph, [CORPUS])
    report = EmbeddingStage(settings, graph, update_indexes=False).run()
    assert report.ok, report.error
    rows = capabilities(graph)
    unclassified = sum(row["uri"] == UNCLASSIFIED_URI for row in rows)
    print(f"\nsample corpus: {len(rows)} capabilities, {unclassified / len(rows):.1%} unclassified")
    assert report.unclassified == unclassified
    assert unclassified / len(rows) <= 0.10
    # Spot checks on the corpus (our own text): unmistakable capabilities.
    by_text = {row["id"]: row["uri"] for row in rows}
    records, _, _ = graph.execute_query(
        "MATCH (a:Artifact)-[:HAS_CAPABILITY]->(k:Capability) RETURN a.slug AS slug, k.id AS id, k.description AS text")
    owned = [(r["slug"], r["text"], by_text[r["id"]]) for r in records]

    def uri_of(slug: str, starts: str) -> str:
        return next(uri for s, text, uri in owned if s == slug and text.startswith(starts))

    assert uri_of("pytorch", "Trains with automatic mixed precision") == "capability://training/mixed-precision-training"
    assert uri_of("vllm", "Exposes an OpenAI-compatible server") == "capability://deployment/llm-serving"
    assert uri_of("llama-cpp", "Quantizes weights") == "capability://deployment/quantization"
    assert uri_of("midjourney", "Accepts image prompts plus style references") == "capability://generation/style-reference"


@pytest.mark.slow
def test_a_changed_taxonomy_or_threshold_reassigns_without_embedding_again(graph, settings, tmp_path):
    ingest(graph, sorted(CORPUS.glob("s0*.txt"))[:3])
    first = EmbeddingStage(settings, graph, update_indexes=False).run()
    assert first.ok and first.capabilities > 0 and first.classes == 68 and first.assigned == first.capabilities

    again = EmbeddingStage(settings, graph, update_indexes=False).run()
    assert (again.capabilities, again.classes, again.assigned) == (0, 0, 0)

    # Rename one class: only that class is embedded again, every capability is re-assigned.
    data = json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))
    target = next(c for c in data["classes"] if c["uri"] == "capability://vision/image-classification")
    target["name"] = "Whole-image labelling"
    edited = tmp_path / "taxonomy.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    changed = EmbeddingStage(settings, graph, update_indexes=False, taxonomy_path=edited).run()
    assert changed.ok, changed.error
    assert changed.capabilities == 0 and changed.classes == 68 and changed.assigned == first.capabilities
    key = classification_key(load_taxonomy(edited), settings.taxonomy_threshold, "sentence-transformers/all-MiniLM-L6-v2")
    records, _, _ = graph.execute_query(
        "MATCH (k:Capability) RETURN collect(DISTINCT k.classifiedWith) AS keys, "
        "[n IN collect(k.name) WHERE n = 'Whole-image labelling'] AS renamed")
    assert records[0]["keys"] == [key] and records[0]["renamed"]

    # A threshold no capability reaches: all unclassified, still nothing embedded again.
    strict = EmbeddingStage(settings.model_copy(update={"taxonomy_threshold": 0.99}), graph, update_indexes=False,
                            taxonomy_path=edited).run()
    assert strict.capabilities == 0 and strict.assigned == first.capabilities
    assert strict.unclassified == first.capabilities
    records, _, _ = graph.execute_query(
        "MATCH (k:Capability)-[:INSTANCE_OF]->(c:CapabilityClass) RETURN collect(DISTINCT c.uri) AS uris")
    assert records[0]["uris"] == [UNCLASSIFIED_URI]
