"""Probes through GraphQL: queueProbe + probeJob polling, claim statuses, claimCounts and probes
per artifact in a bounded number of Cypher round trips."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient
from test_probe_graph import ingest_seeds

from graph_service.app import create_app

KEY = {"X-API-Key": "probe-key"}
QUEUE = """
mutation ($artifact: String!, $kind: ProbeKind, $device: Device, $data: String) {
  queueProbe(artifact: $artifact, kind: $kind, device: $device, data: $data) { id artifact kind device status progress }
}
"""
JOB = (
    "query ($id: ID!) { probeJob(id: $id) { id status progress message probes { id kind status paramCount device } } }"
)
ARTIFACT = """
query ($slug: String!) {
  artifact(slug: $slug) {
    claimCounts { verified refuted unverified }
    probes { id kind device paramCount storedCount batchSizes samplesJson versions reason scaledDown }
    claims { metric value status measured tolerance statusReason checkedAt }
  }
}
"""
COUNTS_PAGE = (
    "{ artifacts(first: 50) { edges { node { slug claimCounts { verified refuted unverified } probes { id } } } } }"
)
PLAIN_PAGE = "{ artifacts(first: 50) { edges { node { slug } } } }"


@pytest.fixture
def client(settings, graph, tmp_path):
    (tmp_path / "probe-files" / "data").mkdir(parents=True)
    keyed = settings.model_copy(
        update={
            "api_keys": frozenset({SecretStr("probe-key")}),
            "rate_limit_anonymous": 0,
            "rate_limit_keyed": 0,
            "probe_files_dir": tmp_path / "probe-files",
            "probe_device": "cpu",
        }
    )
    with TestClient(create_app(keyed)) as client:
        yield client


def post(client, query, headers=None, **variables) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def test_queue_a_probe_and_poll_it_to_done(client, graph):
    ingest_seeds(graph)
    queued = post(client, QUEUE, KEY, artifact="Stable Diffusion 3.5 Large")
    assert "errors" not in queued, queued
    job = queued["data"]["queueProbe"]
    assert job["artifact"] == "stable-diffusion-3-5-large" and job["kind"] == "ARCHITECTURE" and job["device"] == "CPU"
    assert job["status"] in ("queued", "running")

    deadline = time.monotonic() + 300
    while True:
        polled = post(client, JOB, id=job["id"])["data"]["probeJob"]
        assert polled["status"] != "failed", polled["message"]
        if polled["status"] == "done" or time.monotonic() > deadline:
            break
        assert 0.0 <= polled["progress"] <= 1.0
        time.sleep(0.5)
    assert polled["status"] == "done" and polled["progress"] == 1.0 and "1 verified" in polled["message"]
    [probe] = polled["probes"]
    assert probe["kind"] == "ARCHITECTURE" and probe["paramCount"] > 8e9 and probe["device"] == "CPU"

    artifact = post(client, ARTIFACT, slug="stable-diffusion-3-5-large")["data"]["artifact"]
    stored = artifact["probes"][0]
    assert stored["id"] == probe["id"] and "timing skipped" in stored["reason"]
    assert stored["versions"]["python"] and isinstance(stored["samplesJson"], dict)  # JSON, decoded
    [params] = [c for c in artifact["claims"] if c["metric"] == "param_count"]
    assert params["status"] == "VERIFIED" and params["measured"] == probe["paramCount"]
    assert params["tolerance"].startswith("±5%") and params["statusReason"]
    assert datetime.fromisoformat(params["checkedAt"]).tzinfo is not None  # DateTime: ISO 8601 with its zone
    counts = artifact["claimCounts"]
    assert counts["verified"] >= 1 and sum(counts.values()) == len(artifact["claims"])
    assert all(c["statusReason"] for c in artifact["claims"])
    assert post(client, JOB, id="no-such-job")["data"]["probeJob"] is None


def test_claim_counts_for_every_page_artifact_in_one_round_trip(client, graph):
    ingest_seeds(graph)
    graph_state = client.app.state.matchgraph.graph
    post(client, PLAIN_PAGE)  # warm up (schema applied, caches)
    before = graph_state.round_trips
    post(client, PLAIN_PAGE)
    plain = graph_state.round_trips - before
    before = graph_state.round_trips
    page = post(client, COUNTS_PAGE)
    with_counts = graph_state.round_trips - before
    assert with_counts == plain + 2  # one for every artifact's claim counts, one for every artifact's probes
    nodes = {edge["node"]["slug"]: edge["node"] for edge in page["data"]["artifacts"]["edges"]}
    for slug in (
        "mobilevit-small",
        "stable-diffusion-3-5-large",
        "vit-base-patch16-224",
        "rorshark-vit-base",
        "dreambooth-stable-diffusion",
        "sdnext",
    ):
        counts = nodes[slug]["claimCounts"]
        assert counts["verified"] == counts["refuted"] == 0  # nothing probed yet
    records, _, _ = graph.execute_query(
        "MATCH (c:Claim)-[:ABOUT]->(:Artifact {slug: 'mobilevit-small'}) RETURN count(c) AS n"
    )
    assert nodes["mobilevit-small"]["claimCounts"]["unverified"] == records[0]["n"] > 5  # every claim, unprobed


def test_queue_probe_checks_its_input(client, graph):
    ingest_seeds(graph)
    anonymous = post(client, QUEUE, artifact="mobilevit-small")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for variables, message in [
        ({"artifact": "no-such-model"}, "no artifact 'no-such-model'"),
        ({"artifact": "sdnext"}, "no probe spec for artifact 'sdnext'"),
        (
            {"artifact": "mobilevit-small", "kind": "CLASSIFICATION_TOP1", "data": "../../etc"},
            "not a file or folder under the server's probe files folder",
        ),
    ]:
        body = post(client, QUEUE, KEY, **variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert message in body["errors"][0]["message"]
    # A kind outside the set is refused before anything runs (the ProbeKind enum).
    body = post(client, QUEUE, KEY, artifact="mobilevit-small", kind="vibes")
    assert "data" not in body and "ProbeKind" in body["errors"][0]["message"]
    import torch

    if not torch.cuda.is_available():
        body = post(client, QUEUE, KEY, artifact="mobilevit-small", device="CUDA")
        assert "no CUDA device" in body["errors"][0]["message"]
