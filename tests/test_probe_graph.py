"""Probes in the graph (real Neo4j): the pages' claims checked end to end (the project's fixtures,
and the seed documents too when present), results imported from another machine, and
`matchgraph probe` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, cli_env
from seeds import CORPORA, documents_dir

from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.writer import GraphWriter
from probes.architecture import run_architecture_probe
from probes.records import ProbeResult, write_results
from probes.specs import SpecRegistry
from services.probe_runs import ProbeRecorder

MATCHGRAPH = Path(sys.executable).parent / "matchgraph"


def ingest_seeds(driver, kind: str = "fixtures") -> None:
    """The five pages of ``kind`` (the fixtures unless told otherwise), ingested."""
    Ingester(GraphWriter(driver)).ingest(read_inputs(expand_paths([documents_dir(kind)])))


def claims_of(driver, slug: str) -> list[dict]:
    records, _, _ = driver.execute_query(
        "MATCH (c:Claim)-[:ABOUT]->(:Artifact {slug: $slug}) RETURN c {.*} AS claim ORDER BY c.metric, c.value",
        slug=slug,
    )
    return [r["claim"] for r in records]


def only(claims: list[dict], metric: str, **where) -> list[dict]:
    return [c for c in claims if c["metric"] == metric and all(c.get(k) == v for k, v in where.items())]


@pytest.fixture(scope="module")
def seed_probes() -> list[ProbeResult]:
    """CPU architecture probes of the pages' models, measured once for the module (no graph needed)."""
    registry = SpecRegistry.load()
    probe = lambda slug, **options: run_architecture_probe(registry.require(slug), slug=slug, device="cpu", **options)
    return [
        probe("mobilevit-small", batch_sizes=(1, 8), repeats=2, warmup=1),
        probe("vit-base-patch16-224", batch_sizes=(1, 8), repeats=1, warmup=0),
        probe("vit-base", batch_sizes=(1,), repeats=1, warmup=0, image_size=32),  # its claims are counts only
        probe("stable-diffusion-3-5-large"),  # counted on meta; too big to time on this CPU
        probe("stable-diffusion-3-5-medium"),
    ]


@pytest.mark.parametrize("kind", CORPORA)
def test_claims_are_checked_end_to_end(graph, seed_probes, kind):
    ingest_seeds(graph, kind)
    store = ProbeRecorder(graph)
    statuses = store.record_and_verify(seed_probes)
    assert set(statuses) == {
        "mobilevit-small",
        "vit-base-patch16-224",
        "vit-base",
        "stable-diffusion-3-5-large",
        "stable-diffusion-3-5-medium",
    }

    # The acceptance claims: 5.6M (MobileViT-S), 86M (ViT-Base, named in mobilevit's text), 8.1B (SD3.5 Large).
    for slug, value in (
        ("mobilevit-small", 5.6e6),
        ("vit-base", 86e6),
        ("stable-diffusion-3-5-large", 8.1e9),
        ("stable-diffusion-3-5-medium", 2.5e9),
    ):
        counts = only(claims_of(graph, slug), "param_count", value=value)
        assert counts, f"no {value:g} param_count claim about {slug}"
        for claim in counts:
            assert claim["status"] == "verified", claim
            assert claim["measured"] and "±5%" in claim["tolerance"] and claim["statusReason"]

    # Every claim about a probed artifact has a status and a reason; nothing is dropped.
    for slug in statuses:
        for claim in claims_of(graph, slug):
            assert claim["status"] in ("verified", "refuted", "unverified") and claim["statusReason"], claim
            assert claim["checkedAt"] is not None

    # Batching claims: "2-4x at batch 8" is judged by throughput(8)/throughput(1) on this CPU;
    # "3-4x per GPU" and ViT-Base's GPU claims wait for a GPU.
    mobilevit = claims_of(graph, "mobilevit-small")
    [batch8] = only(mobilevit, "throughput_speedup", value=2.0)
    assert (
        batch8["status"] in ("verified", "refuted")
        and "throughput(batch 8) / throughput(batch 1)" in batch8["statusReason"]
    )
    probe = seed_probes[0]
    assert batch8["measured"] == pytest.approx(probe.throughput_at(8) / probe.throughput_at(1), rel=1e-3)
    [per_gpu] = only(mobilevit, "throughput_speedup", value=3.0)
    assert per_gpu["status"] == "unverified" and "GPU" in per_gpu["statusReason"]
    for claim in only(claims_of(graph, "vit-base-patch16-224"), "throughput_speedup"):
        assert claim["status"] == "unverified" and "GPU" in claim["statusReason"]
    [accuracy] = only(mobilevit, "top1_accuracy", value=78.3)
    assert accuracy["status"] == "unverified" and "real weights" in accuracy["statusReason"]

    # The Probe nodes keep the graph contract's fields; CHECKED edges carry each verdict.
    records, _, _ = graph.execute_query(
        "MATCH (p:Probe)-[:MEASURED]->(a:Artifact) RETURN a.slug AS slug, p {.*} AS p ORDER BY slug"
    )
    probes = {r["slug"]: r["p"] for r in records}
    for slug in ("mobilevit-small", "vit-base-patch16-224"):
        node = probes[slug]
        assert node["batchSizes"] == [1, 8] and len(node["latencyMs"]) == 2 and len(node["throughput"]) == 2
        assert node["device"] == "cpu" and node["dtype"] == "float32" and node["status"] == "ok"
        assert set(json.loads(node["samplesJson"])) == {"1", "8"} and json.loads(node["versions"])["torch"]
    assert probes["stable-diffusion-3-5-large"]["paramCount"] == seed_probes[3].param_count
    records, _, _ = graph.execute_query(
        "MATCH (p:Probe)-[r:CHECKED]->(c:Claim {metric: 'param_count'})-[:ABOUT]->(:Artifact {slug: 'vit-base'}) "
        "RETURN r {.*} AS r"
    )
    assert records and all(r["r"]["verdict"] == "verified" and r["r"]["measured"] == 86_567_656 for r in records)

    # Re-verifying changes nothing (idempotent); claims of artifacts nobody probed keep no reason.
    store.verify("mobilevit-small")
    again = {c["id"]: c["status"] for c in claims_of(graph, "mobilevit-small")}
    assert again == {c["id"]: c["status"] for c in mobilevit}
    records, _, _ = graph.execute_query(
        "MATCH ()-[r:CHECKED]->(c:Claim) RETURN count(r) AS n, count(DISTINCT c) AS claims"
    )
    assert records[0]["n"] >= records[0]["claims"] > 0
    assert all(c.get("statusReason") is None for c in claims_of(graph, "dreambooth-stable-diffusion"))


def run_cli(settings, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(MATCHGRAPH), *args],
        env=cli_env(settings, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def test_import_records_results_measured_elsewhere(graph, settings, tmp_path, seed_probes):
    ingest_seeds(graph)
    large = ProbeResult.from_json(seed_probes[3].to_json())
    stray = ProbeResult.from_json({**seed_probes[4].to_json(), "id": "stray", "artifact_slug": "not-in-the-graph"})
    results = tmp_path / "results.json"
    write_results(results, [large, stray])

    first = run_cli(settings, "probe", "import", str(results), "--json")
    assert first.returncode == 1, first.stderr  # the stray record names an artifact the graph lacks
    report = json.loads(first.stdout)
    assert report["read"] == 2 and report["recorded"] == 1 and report["notInGraph"] == ["not-in-the-graph"]
    assert report["counts"]["stable-diffusion-3-5-large"]["verified"] >= 1
    [eight_b] = only(claims_of(graph, "stable-diffusion-3-5-large"), "param_count")
    assert eight_b["status"] == "verified" and eight_b["checkedBy"] == large.id

    again = run_cli(settings, "probe", "import", str(results))
    assert again.returncode == 1 and "not recorded" in again.stderr
    records, _, _ = graph.execute_query("MATCH (p:Probe) RETURN count(p) AS n")
    assert records[0]["n"] == 1  # keyed by id: importing twice records nothing new

    results.write_text('{"format": "something else"}')
    wrong = run_cli(settings, "probe", "import", str(results))
    assert wrong.returncode == 2 and "not a probe results file" in wrong.stderr


def test_probe_cli_runs_records_and_reports(graph, settings):
    ingest_seeds(graph)
    run = run_cli(settings, "probe", "--artifact", "stable-diffusion-3-5-medium", "--device", "cpu", "--json")
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    [probe] = report["probes"]
    assert probe["artifact_slug"] == "stable-diffusion-3-5-medium" and probe["param_count"] > 2e9
    assert report["counts"]["stable-diffusion-3-5-medium"]["verified"] >= 1
    assert all(c["status"] and c["reason"] for c in report["claims"]["stable-diffusion-3-5-medium"])

    # A quality probe without weights is recorded as skipped, with the reason.
    skipped = run_cli(settings, "probe", "--artifact", "mobilevit-small", "--kind", "classification_top1", "--json")
    assert skipped.returncode == 0, skipped.stderr[-2000:]
    [record] = json.loads(skipped.stdout)["probes"]
    assert record["status"] == "skipped" and "no labelled data set" in record["reason"]
    records, _, _ = graph.execute_query(
        "MATCH (p:Probe {kind: 'classification_top1'})-[:MEASURED]->(:Artifact {slug: 'mobilevit-small'}) "
        "RETURN p.status AS status, p.reason AS reason"
    )
    assert records[0]["status"] == "skipped" and records[0]["reason"] == record["reason"]

    listing = run_cli(settings, "probe", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    rows = {row["slug"]: row for row in json.loads(listing.stdout)}
    assert (
        rows["stable-diffusion-3-5-medium"]["inGraph"]
        and rows["stable-diffusion-3-5-medium"]["latestProbe"]["kind"] == "architecture"
    )
    assert rows["mobilevit-small"]["latestProbe"]["status"] == "skipped"

    for args, message in [
        ((), "give --artifact SLUG or --all"),
        (("--artifact", "no-such-model"), "not in the graph: no-such-model"),
        (("--artifact", "sdnext"), "no probe spec for artifact 'sdnext'"),
        (("--artifact", "mobilevit-small", "--batch-sizes", "1,x"), "comma-separated integers"),
    ]:
        failed = run_cli(settings, "probe", *args)
        assert failed.returncode == 2, (args, failed.stderr)
        assert message in failed.stderr and "Traceback" not in failed.stderr
