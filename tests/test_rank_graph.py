"""`matchgraph rank` on a real Neo4j: head-to-head edges from probes, the rank reacting to new probe
results and co-matches, explanations that add up through GraphQL, and the CLI end to end.

Graphs are built by hand with Cypher in the shape of the graph contract (design §2 and the
issue-6 additions: Probe -[:MEASURED]-> Artifact, CO_MATCHED, Claim.status).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env
from starlette.testclient import TestClient

from graph_service.app import create_app
from graphdb.config import Settings
from probes.records import ProbeResult
from services.probe_runs import ProbeRecorder
from services.rank import recompute

VISION = "capability://image-classification"
TEXT = "capability://text-generation"

ARTIFACTS = """
UNWIND $rows AS row
CREATE (a:Artifact {slug: row.slug, name: row.name, aliasKey: row.slug, rank: row.rank, adoption: 1, quality: 0,
                    ecosystem: 1, matchGraph: 0, mentionedOnly: row.mentionedOnly, searchMatches: 0,
                    publishedTimesMatched: 0, timesMatched: 0, type: 'Model', pricing: 'Free'})
WITH a, row
UNWIND row.classes AS uri
CREATE (a)-[:HAS_CAPABILITY]->(:Capability {id: row.slug + '|' + uri, uri: uri, name: uri, description: 'Does ' + uri})
"""

PROBES = """
UNWIND $rows AS row
MATCH (a:Artifact {slug: row.slug})
CREATE (:Probe {id: row.id, kind: 'architecture', artifactSlug: row.slug, task: 'image-classification',
                device: row.device, deviceName: 'test', dtype: 'float32', status: row.status, scaledDown: false,
                batchSizes: row.batchSizes, throughput: row.medians, samplesJson: row.samples, repeats: 3})
       -[:MEASURED]->(a)
"""

CLAIM = """
MATCH (a:Artifact {slug: $slug})
CREATE (:Claim {id: $id, metric: 'params', value: 5.0, unit: 'M', sentence: 'x', subjectSlug: $slug,
                status: $status})-[:ABOUT]->(a)
"""

CO_MATCH = """
MATCH (a:Artifact {slug: $a}), (b:Artifact {slug: $b})
MERGE (a)-[m:CO_MATCHED]->(b) SET m.count = $count, m.lastAt = datetime()
WITH a, b
SET a.searchMatches = a.searchMatches + $count, b.searchMatches = b.searchMatches + $count,
    a.timesMatched = a.publishedTimesMatched + a.searchMatches, b.timesMatched = b.publishedTimesMatched + b.searchMatches
"""


def add_artifacts(graph, *specs) -> None:
    rows = [
        {"slug": slug, "name": slug.replace("-", " ").title(), "rank": rank, "classes": classes, "mentionedOnly": False}
        for slug, rank, classes in specs
    ]
    graph.execute_query(ARTIFACTS, rows=rows)


def add_probe(graph, slug: str, samples: dict, device: str = "cpu", status: str = "ok") -> None:
    batches = sorted(samples)
    graph.execute_query(
        PROBES,
        rows=[
            {
                "id": f"probe-{slug}-{device}-{len(samples)}-{status}",
                "slug": slug,
                "device": device,
                "status": status,
                "batchSizes": batches,
                "medians": [sorted(samples[b])[len(samples[b]) // 2] for b in batches],
                "samples": json.dumps({str(b): samples[b] for b in batches}),
            }
        ],
    )


def ranks(graph) -> dict[str, float]:
    records, _, _ = graph.execute_query("MATCH (a:Artifact) RETURN a.slug AS slug, a.computedRank AS rank")
    return {r["slug"]: r["rank"] for r in records}


def head_to_head_edges(graph) -> list[dict]:
    records, _, _ = graph.execute_query(
        "MATCH (a)-[h:HEAD_TO_HEAD]->(b) RETURN a.slug AS source, b.slug AS target, h {.*} AS h "
        "ORDER BY source, target, h.device"
    )
    return [{"source": r["source"], "target": r["target"], **r["h"]} for r in records]


FAST = {1: [100.0, 102.0, 104.0], 8: [600.0, 610.0, 620.0]}
SLOW = {1: [50.0, 51.0, 52.0], 8: [300.0, 305.0, 310.0]}


# -- head-to-head ------------------------------------------------------------------------------
def test_probe_results_become_head_to_head_edges_between_artifacts_of_a_class(graph):
    add_artifacts(graph, ("fast-net", 50, [VISION]), ("slow-net", 50, [VISION]), ("chatty", 50, [TEXT]))
    add_probe(graph, "fast-net", FAST)
    add_probe(graph, "slow-net", SLOW)
    add_probe(graph, "chatty", {1: [500.0, 501.0, 502.0]})  # no shared class: plays nobody
    add_probe(graph, "slow-net", {1: [9999.0]}, status="failed")  # failed probes are not results

    run = recompute(graph, resamples=50)
    edges = head_to_head_edges(graph)
    assert [(e["source"], e["target"]) for e in edges] == [("fast-net", "slow-net"), ("slow-net", "fast-net")]
    fast, slow = edges
    assert (fast["task"], fast["device"], fast["metric"]) == ("image-classification", "cpu", "throughput")
    assert (fast["games"], fast["wins"], slow["wins"]) == (18.0, 18.0, 0.0)
    assert fast["probability"] > 0.95 and fast["probability"] + slow["probability"] == pytest.approx(1.0)
    assert fast["ciLow"] <= fast["probability"] <= fast["ciHigh"]
    assert fast["strength"] > 0 > slow["strength"] and fast["computedAt"] is not None
    assert run.head_to_head_edges == 2 and run.probes == 3  # the failed probe is not read
    assert [(g.task, g.device, g.metric) for g in run.head_to_head_groups] == [
        ("image-classification", "cpu", "throughput")
    ]


def test_recomputing_head_to_head_replaces_the_edges(graph):
    add_artifacts(graph, ("fast-net", 50, [VISION]), ("slow-net", 50, [VISION]), ("other", 50, [VISION]))
    add_probe(graph, "fast-net", FAST)
    add_probe(graph, "slow-net", SLOW)
    # an edge left from an earlier run, for a pair that no longer has results
    graph.execute_query(
        "MATCH (a:Artifact {slug: 'other'}), (b:Artifact {slug: 'fast-net'}) "
        "CREATE (a)-[:HEAD_TO_HEAD {task: 'old', device: 'cpu', metric: 'throughput'}]->(b)"
    )
    recompute(graph, resamples=30)
    first = head_to_head_edges(graph)
    recompute(graph, resamples=30)
    assert head_to_head_edges(graph) == [
        {**e, "computedAt": f["computedAt"]} for e, f in zip(first, head_to_head_edges(graph))
    ]
    assert len(first) == 2 and all(e["task"] == "image-classification" for e in first)

    graph.execute_query("MATCH (p:Probe)-[:MEASURED]->(:Artifact {slug: 'slow-net'}) DETACH DELETE p")
    recompute(graph, resamples=30)
    assert head_to_head_edges(graph) == []


def test_skipping_head_to_head_keeps_the_edges(graph):
    add_artifacts(graph, ("fast-net", 50, [VISION]), ("slow-net", 50, [VISION]))
    add_probe(graph, "fast-net", FAST)
    add_probe(graph, "slow-net", SLOW)
    recompute(graph, resamples=20)
    graph.execute_query("MATCH (p:Probe) DETACH DELETE p")
    run = recompute(graph, head_to_head=False)
    assert run.head_to_head_skipped and len(head_to_head_edges(graph)) == 2


# -- the rank reacts to new evidence -----------------------------------------------------------
def test_new_probe_results_change_the_rank(graph):
    add_artifacts(graph, ("fast-net", 55, [VISION]), ("slow-net", 55, [VISION]), ("bystander", 55, [TEXT]))
    recompute(graph, resamples=30)
    before = ranks(graph)
    assert before["fast-net"] == before["slow-net"] == before["bystander"]

    add_probe(graph, "fast-net", FAST)
    add_probe(graph, "slow-net", SLOW)
    recompute(graph, resamples=30)
    after = ranks(graph)
    assert after["fast-net"] > before["fast-net"]
    assert after["slow-net"] < before["slow-net"]
    assert after["bystander"] == before["bystander"]


def test_probe_results_recorded_by_the_probe_store_feed_the_rank(graph):
    # The same acceptance, through the probes' own writer (probes/records.py, repository/probes.py).
    add_artifacts(graph, ("fast-net", 55, [VISION]), ("slow-net", 55, [VISION]))
    recompute(graph, resamples=20)
    before = ranks(graph)
    store = ProbeRecorder(graph)
    for slug, samples in (("fast-net", FAST), ("slow-net", SLOW)):
        batches = sorted(samples)
        store.record(
            ProbeResult(
                kind="architecture",
                artifact_slug=slug,
                task="image-classification",
                device="cpu",
                versions={},
                batch_sizes=batches,
                throughput=[sorted(samples[b])[1] for b in batches],
                repeats=3,
                samples={str(b): samples[b] for b in batches},
            ).finish()
        )
    run = recompute(graph, resamples=20)
    after = ranks(graph)
    assert run.head_to_head_edges == 2
    assert after["fast-net"] > before["fast-net"] and after["slow-net"] < before["slow-net"]


def test_search_co_matches_change_the_rank(graph):
    add_artifacts(graph, ("popular", 40, [VISION]), ("partner", 40, [VISION]), ("quiet", 40, [VISION]))
    recompute(graph)
    before = ranks(graph)
    graph.execute_query(CO_MATCH, a="partner", b="popular", count=3)
    recompute(graph)
    after = ranks(graph)
    assert after["popular"] > before["popular"] and after["partner"] > before["partner"]
    assert after["quiet"] == before["quiet"]


def test_a_refuted_claim_ranks_lower_and_a_verified_one_higher(graph):
    add_artifacts(graph, ("honest", 50, [VISION]), ("plain", 50, [VISION]), ("boastful", 50, [VISION]))
    graph.execute_query(CLAIM, slug="boastful", id="c1", status="refuted")
    graph.execute_query(CLAIM, slug="plain", id="c2", status="unverified")
    graph.execute_query(CLAIM, slug="honest", id="c3", status="verified")
    recompute(graph)
    found = ranks(graph)
    assert found["boastful"] < found["plain"] < found["honest"]


def test_mentioned_only_artifacts_are_not_ranked(graph):
    add_artifacts(graph, ("described", 50, [VISION]))
    graph.execute_query(
        "CREATE (:Artifact {slug: 'named-only', name: 'Named Only', mentionedOnly: true, "
        "computedRank: 99.0, rankSignals: '[]'})"
    )
    run = recompute(graph)
    found = ranks(graph)
    assert found["named-only"] is None and found["described"] is not None
    assert [r.slug for r in run.results] == ["described"]


def test_the_rank_costs_a_fixed_number_of_round_trips(graph):
    def build(n: int) -> None:
        graph.execute_query("MATCH (n) WHERE NOT n:SchemaVersion DETACH DELETE n")
        add_artifacts(graph, *[(f"net-{i}", i % 100, [VISION if i % 2 else TEXT]) for i in range(n)])
        for i in range(min(n, 6)):
            add_probe(graph, f"net-{i}", {1: [10.0 + i, 11.0 + i]})
        for i in range(0, n - 1, 2):
            graph.execute_query(CO_MATCH, a=f"net-{i}", b=f"net-{i + 1}", count=1 + i % 3)
        for i in range(0, n, 3):
            graph.execute_query(CLAIM, slug=f"net-{i}", id=f"claim-{i}", status="refuted" if i % 2 else "verified")

    build(8)
    small = recompute(graph, resamples=10)
    build(300)
    large = recompute(graph, resamples=10)
    assert len(small.results) == 8 and len(large.results) == 300
    assert small.round_trips == large.round_trips == 8  # head-to-head: 2 reads + 1 write; rank: 4 reads + 1 write


# -- GraphQL ----------------------------------------------------------------------------------
EXPLAINED = """
query ($slug: String!) {
  artifact(slug: $slug) {
    slug rank computedRank
    rankExplanation { rank rankedAt contributions { signal value weight contribution detail } }
  }
}
"""

BY_COMPUTED_RANK = """
{ artifacts(first: 10, orderBy: COMPUTED_RANK) { edges { node { slug rank computedRank } } } }
"""


@pytest.fixture
def api(settings):
    with TestClient(create_app(settings.model_copy(update={"rate_limit_anonymous": 0}))) as client:
        yield client


def gql(client, query: str, **variables) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_rank_explanation_sums_to_the_rank_through_graphql(graph, api):
    add_artifacts(graph, ("fast-net", 61, [VISION]), ("slow-net", 47, [VISION]), ("unranked", 30, [TEXT]))
    add_probe(graph, "fast-net", FAST)
    add_probe(graph, "slow-net", SLOW)
    graph.execute_query(CLAIM, slug="slow-net", id="c1", status="refuted")
    graph.execute_query(CO_MATCH, a="fast-net", b="slow-net", count=2)
    recompute(graph, resamples=30)
    graph.execute_query("MATCH (a:Artifact {slug: 'unranked'}) REMOVE a.computedRank, a.rankSignals, a.rankedAt")

    for slug, published in (("fast-net", 61), ("slow-net", 47)):
        artifact = gql(api, EXPLAINED, slug=slug)["artifact"]
        explanation = artifact["rankExplanation"]
        assert artifact["rank"] == published  # the published rank stays beside the computed one
        assert explanation["rank"] == artifact["computedRank"]
        contributions = explanation["contributions"]
        assert sum(round(c["contribution"] * 100) for c in contributions) == round(artifact["computedRank"] * 100)
        assert round(sum(c["contribution"] for c in contributions), 2) == artifact["computedRank"]
        assert sum(c["weight"] for c in contributions) == pytest.approx(1.0, abs=1e-3)
        assert {c["signal"] for c in contributions} == {
            "publishedRank",
            "adoption",
            "quality",
            "ecosystem",
            "matchGraph",
            "headToHead",
            "coMatchCentrality",
            "searchDemand",
            "claims",
        }
        assert explanation["rankedAt"] and explanation["rankedAt"][:2] == "20"
        by_signal = {c["signal"]: c for c in contributions}
        assert by_signal["publishedRank"]["value"] == published / 100
        assert by_signal["coMatchCentrality"]["value"] == 1.0
    slow = {
        c["signal"]: c for c in gql(api, EXPLAINED, slug="slow-net")["artifact"]["rankExplanation"]["contributions"]
    }
    assert "1 refuted" in slow["claims"]["detail"] and slow["headToHead"]["value"] < 0.5

    unranked = gql(api, EXPLAINED, slug="unranked")["artifact"]
    assert unranked["computedRank"] is None and unranked["rankExplanation"] is None

    # The explanation comes with the artifact's node: no extra Cypher round trip.
    state = api.app.state.matchgraph.graph
    before = state.round_trips
    gql(api, EXPLAINED, slug="fast-net")
    assert state.round_trips - before == 1

    ordered = [e["node"] for e in gql(api, BY_COMPUTED_RANK)["artifacts"]["edges"]]
    assert [n["slug"] for n in ordered] == ["fast-net", "slow-net", "unranked"]
    assert ordered[0]["computedRank"] > ordered[1]["computedRank"]


# -- the CLI ----------------------------------------------------------------------------------
def matchgraph(settings: Settings, *arguments: str) -> subprocess.CompletedProcess:
    # The installed console script, as users run it.
    command = Path(sys.executable).with_name("matchgraph")
    return subprocess.run(
        [str(command), *arguments], env=cli_env(settings), capture_output=True, text=True, timeout=300
    )


def test_cli_ranks_and_explains(graph, settings):
    add_artifacts(graph, ("fast-net", 52, [VISION]), ("slow-net", 58, [VISION]))
    graph.execute_query("CREATE (:Artifact {slug: 'named-only', name: 'Named Only', mentionedOnly: true})")
    add_probe(graph, "fast-net", FAST)
    add_probe(graph, "slow-net", SLOW)

    done = matchgraph(settings, "rank", "--json", "--artifact", "Fast Net")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ranked"] == 2 and report["headToHead"]["edges"] == 2 and report["roundTrips"] == 8
    assert [a["slug"] for a in report["top"]] == [
        r["slug"] for r in sorted(report["top"], key=lambda r: -r["computedRank"])
    ]
    assert {a["slug"]: a["rank"] for a in report["top"]} == {"fast-net": 52, "slow-net": 58}
    explained = report["artifact"]
    assert explained["slug"] == "fast-net" and explained["computedRank"] == ranks(graph)["fast-net"]
    assert sum(round(c["contribution"] * 100) for c in explained["contributions"]) == round(
        explained["computedRank"] * 100
    )

    table = matchgraph(settings, "rank", "--skip-head-to-head", "--artifact", "fast-net", "--explain", "--top", "5")
    assert table.returncode == 0, table.stderr
    assert "Top 2 of 2 by computed rank" in table.stdout
    assert "headToHead" in table.stdout and "total" in table.stdout
    assert "skipped" in table.stderr

    for arguments, message in (
        (("--explain",), "--explain needs --artifact"),
        (("--artifact", "nothing-here"), "no artifact 'nothing-here'"),
        (("--artifact", "named-only"), "only mentioned"),
    ):
        refused = matchgraph(settings, "rank", *arguments)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
