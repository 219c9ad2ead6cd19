"""Probe runners on CPU with tiny models built from configs: specs, architecture, quality,
the probe benchmark (`python -m benchmarks.probe_bench`) without the graph's libraries, and the GPU
report's CPU smoke path (`python -m benchmarks.gpu_report --cpu-smoke`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO

from probes import tiny
from probes.architecture import build_model, count_parameters, run_architecture_probe
from probes.quality import run_classification_probe, run_prompt_adherence_probe
from probes.records import read_results
from probes.runner import ProbeRequest
from probes.specs import SpecError, SpecRegistry, load_spec_file
from services import job_queue

OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    for key, value in OFFLINE.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-models")
    return {
        "classifier": tiny.tiny_vit_classifier(root / "vit", ["red fox", "tench, Tinca tinca", "goldfish"]),
        "pipeline": tiny.tiny_text_to_image_pipeline(root / "pipeline"),
        "scorer": tiny.tiny_clip_scorer(root / "clip"),
    }


def test_builtin_specs_cover_the_seed_models_and_count_on_meta():
    registry = SpecRegistry.load()
    assert {
        "mobilevit-small",
        "vit-base-patch16-224",
        "vit-base",
        "rorshark-vit-base",
        "stable-diffusion-3-5-large",
        "stable-diffusion-3-5-large-turbo",
        "stable-diffusion-3-5-medium",
    } <= set(registry.slugs())
    counts = {
        slug: count_parameters(build_model(registry.require(slug), "meta"))
        for slug in (
            "mobilevit-small",
            "vit-base-patch16-224",
            "stable-diffusion-3-5-large",
            "stable-diffusion-3-5-medium",
        )
    }
    # Against the published figures: MobileViT-S 5.6M, ViT-B/16 86M, SD3.5 Large 8.1B, Medium 2.5B.
    assert round(counts["mobilevit-small"][0] / 1e5) == 56
    assert abs(counts["vit-base-patch16-224"][0] / 86e6 - 1) < 0.01
    assert round(counts["stable-diffusion-3-5-large"][0] / 1e8) == 81
    params, stored = counts["stable-diffusion-3-5-medium"]
    assert round(stored / 1e8) == 25 and params < stored  # the 2.5B counts the stored positional embedding


def test_spec_files_are_checked(tmp_path):
    good = tmp_path / "spec.json"
    spec = tiny.tiny_vit_spec("my-vit")
    good.write_text(
        json.dumps(
            {
                "slug": "my-vit",
                "library": "transformers",
                "model_class": spec.model_class,
                "config": spec.config,
                "task": spec.task,
                "inputs": spec.inputs,
            }
        )
    )
    assert load_spec_file(good)[0].slugs == ("my-vit",)
    assert SpecRegistry.load([good]).require("my-vit").origin == str(good)
    yaml_file = tmp_path / "spec.yaml"
    yaml_file.write_text(
        "specs:\n  - slug: y\n    library: diffusers\n    model_class: SD3Transformer2DModel\n"
        "    task: text-to-image\n    inputs: {hidden_states: {shape: [batch, 16, 8, 8]}}\n"
    )
    assert load_spec_file(yaml_file)[0].library == "diffusers"
    for broken, message in [
        ({"slug": "x"}, "missing `library`"),
        ({**json.loads(good.read_text()), "colour": 1}, "unknown field"),
        ({**json.loads(good.read_text()), "inputs": {"pixel_values": {"shape": [3, 32]}}}, "shape like"),
    ]:
        good.write_text(json.dumps(broken))
        with pytest.raises(SpecError, match=message):
            load_spec_file(good)
    with pytest.raises(SpecError, match="no probe spec for artifact 'nope'"):
        SpecRegistry.load().require("nope")


def test_architecture_probe_times_each_batch_size():
    result = run_architecture_probe(tiny.tiny_vit_spec(), device="cpu", batch_sizes=(1, 4), repeats=3, warmup=1)
    assert result.status == "ok" and result.device == "cpu" and result.dtype == "float32"
    assert result.batch_sizes == [1, 4] and len(result.latency_ms) == 2 and all(v > 0 for v in result.latency_ms)
    for batch, latency, rate in zip(result.batch_sizes, result.latency_ms, result.throughput, strict=True):
        assert rate == pytest.approx(batch / (latency / 1000), rel=1e-3)
        assert len(result.samples[str(batch)]) == 3
    assert all(mb > 0 for mb in result.peak_memory_mb) and "RSS" in result.memory_method
    assert result.config["num_patches"] == 16 and result.config["num_classes"] == 10
    assert result.versions["torch"] and result.versions["python"]
    scaled = run_architecture_probe(tiny.tiny_vit_spec(), device="cpu", batch_sizes=(2,), repeats=1, image_size=16)
    assert scaled.scaled_down and "16×16" in scaled.scale_note and scaled.param_count == result.param_count


def test_a_model_too_big_for_the_cpu_is_counted_not_timed():
    result = run_architecture_probe(SpecRegistry.load().require("stable-diffusion-3-5-large"), device="cpu")
    assert result.status == "ok" and result.param_count > 8e9 and result.batch_sizes == []
    assert "timing skipped on CPU" in result.reason and result.scaled_down


def test_classification_top1_maps_folders_to_labels(tiny_models, tmp_path):
    import torch
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    # Build the data set from the model's own predictions: 4 images filed under the label it predicts,
    # 2 under another label, so the expected top-1 is 4/6 whatever the random weights are.
    model = AutoModelForImageClassification.from_pretrained(tiny_models["classifier"]).eval()
    processor = AutoImageProcessor.from_pretrained(tiny_models["classifier"])
    folder_of = {"red fox": "Red_Fox", "tench, Tinca tinca": "tench", "goldfish": "GOLDFISH"}
    images = tiny.random_images(6, seed=3)
    with torch.inference_mode():
        predicted = model(**processor(images=images, return_tensors="pt")).logits.argmax(-1).tolist()
    for index, (image, guess) in enumerate(zip(images, predicted, strict=True)):
        label = model.config.id2label[guess if index < 4 else (guess + 1) % 3]
        target = tmp_path / "data" / folder_of[label]
        target.mkdir(parents=True, exist_ok=True)
        image.save(target / f"{index}.png")
    (tmp_path / "data" / "zebra").mkdir()
    images[0].save(tmp_path / "data" / "zebra" / "z.png")

    result = run_classification_probe("tiny", str(tiny_models["classifier"]), tmp_path / "data", device="cpu")
    assert result.status == "ok" and result.examples == 6
    assert result.top1 == pytest.approx(4 / 6)
    assert result.scores["unmatched_folders"] == ["zebra"] and "zebra" in result.reason
    assert result.dataset == "data"


def test_quality_probes_without_weights_are_skipped_with_the_reason(tmp_path):
    no_weights = run_classification_probe("m", None, tmp_path, device="cpu")
    assert no_weights.status == "skipped" and "no weights" in no_weights.reason
    not_cached = run_classification_probe("m", "google/vit-base-patch16-224", tmp_path, device="cpu")
    assert not_cached.status == "skipped" and "not available locally" in not_cached.reason
    no_scorer = run_prompt_adherence_probe("m", "some/pipeline", None, ["a cat"], device="cpu")
    assert no_scorer.status == "skipped" and "no scorer" in no_scorer.reason


def test_prompt_adherence_scores_generated_images(tiny_models, tmp_path):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a red fox in the snow\n# a comment\na blue boat\n")
    run = lambda: run_prompt_adherence_probe(
        "tiny", str(tiny_models["pipeline"]), str(tiny_models["scorer"]), prompts, device="cpu", steps=2, seed=7
    )
    first, second = run(), run()
    assert first.status == "ok", first.reason
    cosines = [p["cosine"] for p in first.scores["per_prompt"]]
    assert [p["prompt"] for p in first.scores["per_prompt"]] == ["a red fox in the snow", "a blue boat"]
    assert all(-1 <= c <= 1 for c in cosines)
    assert first.adherence == pytest.approx(sum(cosines) / 2, abs=1e-6)
    assert second.adherence == pytest.approx(first.adherence, abs=1e-5)  # fixed seeds: reproducible
    assert first.scores["pipeline"] == "StableDiffusionPipeline"


def _without_graph_libraries(module: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Runs ``python -m module args`` with neo4j, pydantic and strawberry made unimportable."""
    code = (
        "import runpy, sys\n"
        "for name in ('neo4j', 'pydantic', 'pydantic_settings', 'strawberry'): sys.modules[name] = None\n"
        f"sys.argv = [{module!r}, *sys.argv[1:]]\n"
        f"runpy.run_module({module!r}, run_name='__main__')\n"
    )
    env = {**os.environ, **OFFLINE, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_measure_runs_without_the_graph_libraries(tmp_path):
    spec = tiny.tiny_vit_spec("tiny-vit")
    spec_file = tmp_path / "tiny.json"
    spec_file.write_text(
        json.dumps(
            {
                "slug": "tiny-vit",
                "library": "transformers",
                "model_class": spec.model_class,
                "config": spec.config,
                "task": spec.task,
                "inputs": spec.inputs,
            }
        )
    )
    out = tmp_path / "out.json"
    run = _without_graph_libraries(
        "benchmarks.probe_bench",
        "--artifacts",
        "tiny-vit,stable-diffusion-3-5-medium",
        "--spec",
        str(spec_file),
        "--device",
        "cpu",
        "--batch-sizes",
        "1,2",
        "--repeats",
        "1",
        "--json",
        str(out),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = read_results(out)
    assert [r.artifact_slug for r in results] == ["tiny-vit", "stable-diffusion-3-5-medium"]
    assert results[0].batch_sizes == [1, 2] and results[0].spec_source == str(spec_file)
    assert results[1].param_count > 2e9 and results[1].batch_sizes == []
    bad = _without_graph_libraries("benchmarks.probe_bench", "--artifact", "nope", "--json", str(out))
    assert bad.returncode == 2 and "no probe spec for artifact 'nope'" in bad.stderr


def test_gpu_report_fails_fast_without_cuda_and_smoke_runs_on_cpu(tmp_path):
    import torch

    if not torch.cuda.is_available():
        refused = _without_graph_libraries("benchmarks.gpu_report", "--out", str(tmp_path / "gpu"), timeout=120)
        assert refused.returncode == 2 and "needs a CUDA GPU" in refused.stderr
        assert not (tmp_path / "gpu").exists()
    smoke = _without_graph_libraries(
        "benchmarks.gpu_report", "--out", str(tmp_path / "smoke"), "--cpu-smoke", "--budget-s", "600"
    )
    assert smoke.returncode == 0, smoke.stderr[-2000:]
    report = json.loads((tmp_path / "smoke" / "report.json").read_text())
    sweep = report["vitSweep"]
    # FlopCounterMode on the real (tiny) model agrees with the analytic matmul count
    assert sweep["flopsPerImage"] == pytest.approx(sweep["analyticFlopsPerImage"], rel=0.01)
    assert sweep["runs"]["eager"]["rows"] and sweep["best"]["images_per_s"] > 0
    assert report["device"]["matmul"]["tflops"] > 0 and not report["errors"]
    markdown = (tmp_path / "smoke" / "report.md").read_text()
    assert "| eager | 1 |" in markdown and "CPU smoke run" in markdown
    assert read_results(tmp_path / "smoke" / "probes.json")[0].artifact_slug == "tiny-vit"


def test_the_job_table_keeps_the_latest_jobs(monkeypatch):
    monkeypatch.setattr(job_queue, "KEEP_JOBS", 3)
    release = threading.Event()

    def work(request, progress):
        release.wait(30)
        return [f"probe-of-{request.slug}"]

    jobs = job_queue.ProbeJobs(work)
    try:
        first = jobs.submit(ProbeRequest(slug="first"))
        deadline = time.monotonic() + 30
        while jobs.get(first.id).status != "running" and time.monotonic() < deadline:
            time.sleep(0.01)
        later = [jobs.submit(ProbeRequest(slug=f"later-{i}")) for i in range(4)]
        # Five jobs, room for three: the two touched least recently are forgotten.
        assert jobs.get(first.id) is None and jobs.get(later[0].id) is None
        assert all(jobs.get(job.id) is not None for job in later[1:])
        release.set()
        while jobs.get(later[-1].id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert jobs.get(later[-1].id).probe_ids == ("probe-of-later-3",)
    finally:
        release.set()
        jobs.close()
