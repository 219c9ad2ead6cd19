"""Taxonomy assignment (embed/taxonomy.py through the embedding stage): loading and validating
taxonomy.json, the threshold, the capabilities of five comparison pages (the project's fixtures,
and the seed documents too when present) landing in the classes a person would pick, the share
left unclassified, and re-assignment when the taxonomy or the threshold changes.

Page capabilities are named by page id and line number (tests/seeds.py) and read at run time; the
fixtures have the seeds' layout and describe the same capability at the same line, so one set of
expectations, checked by hand against the text of each line, serves both. The hand labels in
tests/data/sample_taxonomy_labels.json (every capability of the sample corpus whose class is clear,
by the first 60 characters of its description; every fixture and seed capability, by page and line) give the
share whose nearest class a person would accept; `python -m benchmarks.taxonomy_report` prints the same
numbers per capability without Neo4j.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from seeds import CORPORA, FIXTURE_PREFIX, REPO_ROOT, documents_dir, seed_line

from corpus import sample_folder
from embed.stage import EmbeddingStage
from embed.taxonomy import (
    TAXONOMY_PATH,
    UNCLASSIFIED_URI,
    Assigner,
    TaxonomyError,
    assigner_from_graph,
    classification_key,
    load_taxonomy,
)
from embed.text_embedder import MODEL_NAME, shared_text_embedder
from graphdb.repository.vectors import VectorRepository
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.records import content_id
from ingest.writer import GraphWriter

CORPUS = sample_folder()
LABELS = json.loads((REPO_ROOT / "tests" / "data" / "sample_taxonomy_labels.json").read_text(encoding="utf-8"))
LABEL_KEY = 60  # sample capabilities are labelled by this many leading characters of their description

# Share of labelled capabilities whose nearest class is one the labels accept: a little below what
# the current taxonomy reaches (sample 100 of 109 = 92%, seeds 40 of 41 = 98% through the stage with
# the ONNX int8 model; torch the same), so a class text edit that makes things worse fails here.
SAMPLE_RIGHT_FLOOR = 0.88
SEED_RIGHT_FLOOR = 0.90

# Sample capabilities that an earlier taxonomy put in a wrong class users could see (issue 5, item 4),
# with that wrong class: each must now be assigned (above the threshold) to a class its label accepts.
FORMER_MISASSIGNMENTS = {
    "Detects objects in real time": "capability://vision/vision-backbone",
    "Classifies images on phones": "capability://tooling/ml-framework",
    "Classifies 224×224 images into the 1,000 ImageNet-1k classes": "capability://training/transfer-learning",
    "Adds spatial conditioning to a pretrained diffusion model": "capability://training/transfer-learning",
    "Scores how well a generated image matches its prompt": "capability://generation/text-to-image",
    "Runs on consumer GPUs with 8 GB of VRAM": "capability://deployment/open-weights-licensing",
}

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


def nearest_classes(graph) -> dict[str, dict]:
    """Capability id -> {description, nearest, score, uri}: the nearest class whatever the threshold,
    from the vectors the stage wrote, next to the class the stage assigned."""
    nearest = assigner_from_graph(VectorRepository(graph), MODEL_NAME, threshold=0.0)
    records, _, _ = graph.execute_query(
        "MATCH (k:Capability) RETURN k.id AS id, k.description AS description, k.embedding AS vector, k.uri AS uri "
        "ORDER BY id"
    )
    assigned = nearest.assign(np.array([r["vector"] for r in records], dtype=np.float32))
    return {
        r["id"]: {"description": r["description"], "nearest": uri, "score": score, "uri": r["uri"]}
        for r, (uri, score) in zip(records, assigned)
    }


def share_right(labelled: list[tuple[str, dict, list[str]]]) -> tuple[float, list[str]]:
    """(share whose nearest class is acceptable, a line per miss) for (name, row, acceptable uris)."""
    misses = [
        f"{name} -> {row['nearest']} ({row['score']}), labelled {', '.join(acceptable)}"
        for name, row, acceptable in labelled
        if row["nearest"] not in acceptable
    ]
    return 1 - len(misses) / len(labelled), misses


def capabilities(graph) -> list[dict]:
    records, _, _ = graph.execute_query(
        "MATCH (k:Capability) OPTIONAL MATCH (k)-[r:INSTANCE_OF]->(c:CapabilityClass) "
        "RETURN k.id AS id, k.uri AS uri, k.name AS name, k.classScore AS score, "
        "collect(c.uri) AS classes, collect(r.score) AS edgeScores"
    )
    return [record.data() for record in records]


# -- loading --------------------------------------------------------------------------------------------
def test_the_taxonomy_file_loads():
    taxonomy = load_taxonomy()
    assert len(taxonomy.classified) == 67 and taxonomy.unclassified.uri == UNCLASSIFIED_URI
    assert len({c.uri for c in taxonomy.classes}) == 68
    first = taxonomy.by_uri("capability://vision/image-classification")
    assert first.name in first.text and first.description in first.text and all(e in first.text for e in first.examples)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["classes"].append(dict(d["classes"][0])), "appears twice"),
        (lambda d: d["classes"].pop(), "capability://unclassified is missing"),
        (lambda d: d["classes"][3].update(uri="vision/no-scheme"), "is not of the form"),
        (lambda d: d["classes"][5].update(examples="one string"), "`examples` must be a list"),
        (lambda d: d["classes"][7].pop("description"), "`description` must be a str"),
    ],
)
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


# The same expectations by fixture id: each fixture block describes what the seed block at its line does.
EXPECTATIONS = {
    "seeds": SEED_EXPECTATIONS,
    "fixtures": {(FIXTURE_PREFIX + seed, line): uri for (seed, line), uri in SEED_EXPECTATIONS.items()},
}


# -- on the graph, with the real text model -------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("kind", CORPORA)
def test_page_capabilities_land_in_sensible_classes(graph, settings, kind):
    ingest(graph, [documents_dir(kind)])
    report = EmbeddingStage(settings, graph, update_indexes=False).run()
    assert report.ok, report.error
    found = {row["id"]: row for row in capabilities(graph)}
    wrong = []
    for (seed, line), expected in EXPECTATIONS[kind].items():
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
    print(f"\n{kind}: {len(found)} capabilities, {unclassified:.1%} unclassified")
    assert unclassified <= 0.05

    # Every page capability is labelled by hand (by page and line): the nearest class is mostly right.
    nearest = nearest_classes(graph)
    labelled = []
    for key, acceptable in LABELS[kind].items():
        seed, line = key.split(":")
        labelled.append((key, nearest[content_id(seed_line(seed, int(line)))], acceptable))
    assert len(labelled) == len(found)
    right, misses = share_right(labelled)
    print(f"{kind}: nearest class right for {right:.1%} of {len(labelled)} labelled", *misses, sep="\n  ")
    assert right >= SEED_RIGHT_FLOOR, "\n".join(misses)


@pytest.mark.slow
def test_sample_corpus_classes_and_unclassified_share(graph, settings):
    """The sample corpus through the real stage: few unclassified, spot checks, the hand labels."""
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
        "MATCH (a:Artifact)-[:HAS_CAPABILITY]->(k:Capability) RETURN a.slug AS slug, k.id AS id, k.description AS text"
    )
    owned = [(r["slug"], r["text"], by_text[r["id"]]) for r in records]

    def uri_of(slug: str, starts: str) -> str:
        return next(uri for s, text, uri in owned if s == slug and text.startswith(starts))

    assert (
        uri_of("pytorch", "Trains with automatic mixed precision") == "capability://training/mixed-precision-training"
    )
    assert uri_of("vllm", "Exposes an OpenAI-compatible server") == "capability://deployment/llm-serving"
    assert uri_of("llama-cpp", "Quantizes weights") == "capability://deployment/quantization"
    assert (
        uri_of("midjourney", "Accepts image prompts plus style references") == "capability://generation/style-reference"
    )

    # The hand labels: the nearest class is one a person would accept for most labelled capabilities.
    nearest = {row["description"][:LABEL_KEY]: row for row in nearest_classes(graph).values()}
    unknown = sorted(set(LABELS["sample"]) - set(nearest))
    assert not unknown, f"labels that match no sample capability (corpus edited?): {unknown}"
    assert len(LABELS["sample"]) >= 60
    right, misses = share_right([(key, nearest[key], uris) for key, uris in LABELS["sample"].items()])
    print(
        f"sample corpus: nearest class right for {right:.1%} of {len(LABELS['sample'])} labelled", *misses, sep="\n  "
    )
    assert right >= SAMPLE_RIGHT_FLOOR, "\n".join(misses)

    # The misassignments users saw before the class texts were revised stay fixed, above the threshold.
    for start, former in FORMER_MISASSIGNMENTS.items():
        key = next(key for key in LABELS["sample"] if key.startswith(start))
        row, acceptable = nearest[key], LABELS["sample"][key]
        assert former not in acceptable
        assert row["uri"] in acceptable, f"{start!r} -> {row['uri']} ({row['score']}), labelled {acceptable}"


@pytest.mark.slow
def test_off_topic_sentences_stay_unclassified(settings):
    """The threshold's other side: sentences that describe no capability score below it for every class."""
    embedder = shared_text_embedder(settings.embed_backend, settings.device, settings.cache_dir)
    taxonomy = load_taxonomy()
    assigner = Assigner(
        [c.uri for c in taxonomy.classes],
        embedder.encode([c.text for c in taxonomy.classes]),
        settings.taxonomy_threshold,
    )
    sentences = LABELS["offTopic"]
    assert len(sentences) >= 10
    assigned = assigner.assign(embedder.encode(sentences))
    above = [f"{score} {text}" for text, (uri, score) in zip(sentences, assigned) if uri != UNCLASSIFIED_URI]
    assert not above, "\n".join(above)


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
    key = classification_key(
        load_taxonomy(edited), settings.taxonomy_threshold, "sentence-transformers/all-MiniLM-L6-v2"
    )
    records, _, _ = graph.execute_query(
        "MATCH (k:Capability) RETURN collect(DISTINCT k.classifiedWith) AS keys, "
        "[n IN collect(k.name) WHERE n = 'Whole-image labelling'] AS renamed"
    )
    assert records[0]["keys"] == [key] and records[0]["renamed"]

    # A threshold no capability reaches: all unclassified, still nothing embedded again.
    strict = EmbeddingStage(
        settings.model_copy(update={"taxonomy_threshold": 0.99}), graph, update_indexes=False, taxonomy_path=edited
    ).run()
    assert strict.capabilities == 0 and strict.assigned == first.capabilities
    assert strict.unclassified == first.capabilities
    records, _, _ = graph.execute_query(
        "MATCH (k:Capability)-[:INSTANCE_OF]->(c:CapabilityClass) RETURN collect(DISTINCT c.uri) AS uris"
    )
    assert records[0]["uris"] == [UNCLASSIFIED_URI]
