"""The typed read side: repositories answer records, closed sets are GraphQL enums (a value outside
its set never fails a query), times are DateTime and stored JSON blobs are JSON."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from graph_service.app import create_app
from graphdb.driver import Graph, connection_info
from graphdb.repository import ArtifactRepository, ComparisonRepository
from graphdb.repository.artifacts import AlternativeRecord
from graphdb.repository.comparisons import ComparisonPage
from graphdb.repository.probes import ClaimCounts, ProbeRecord, ProbeRepository
from graphdb.repository.records import ArtifactRecord, CapabilityRecord, ClaimRecord
from graphdb.repository.vectors import ImageRecord, ImageRepository
from graphdb.vocabulary import ArtifactType, ClaimStatus, Pricing

# Three artifacts: one as the documents publish them, one with cells no document so far used, one
# with none. Each has a claim, a probe and an image, the odd ones with values outside their sets (as
# a hand edit in Neo4j Browser could leave them); `plain` and `odd` are compared on a page.
GRAPH = """
CREATE (plain:Artifact {slug: 'plain', name: 'Plain', type: 'Model', pricing: 'Open source', rank: 40,
                        timesMatched: 2, mentionedOnly: false, computedRank: 55.5, rankedAt: datetime(),
                        rankSignals: $signals})
CREATE (odd:Artifact {slug: 'odd', name: 'Odd', type: 'Dataset', pricing: ' open  SOURCE ', timesMatched: 1})
CREATE (:Artifact {slug: 'bare', name: 'Bare'})
CREATE (plain)-[:HAS_CAPABILITY]->(k1:Capability {id: 'k1', description: 'Classifies images', uri: 'capability://vision/classify', name: 'Classify'})
CREATE (odd)-[:HAS_CAPABILITY]->(k2:Capability {id: 'k2', description: 'Sorts pictures', uri: 'capability://vision/classify', name: 'Classify'})
CREATE (k1)-[:NAMES_ALTERNATIVE {relation: 'faster than'}]->(odd)
CREATE (:Claim {id: 'c1', metric: 'param_count', value: 5.6e6, unit: 'params', sentence: 'Has 5.6M parameters.',
                subjectSlug: 'plain', status: 'verified', checkedAt: datetime('2026-01-02T03:04:05Z')})-[:ABOUT]->(plain)
CREATE (:Claim {id: 'c2', metric: 'top1', value: 0.8, unit: '', sentence: 'Top-1 is 80%.', subjectSlug: 'odd',
                status: 'disputed'})-[:ABOUT]->(odd)
CREATE (:Probe {id: 'p1', kind: 'architecture', artifactSlug: 'plain', task: 'image-classification', device: 'cpu',
                status: 'ok', versions: '{"python": "3.11.7"}', samplesJson: '{"1": [10.5, 11.0]}',
                startedAt: '2026-01-02T03:04:05.123+00:00', finishedAt: '2026-01-02T03:05:00.000+00:00',
                batchSizes: [1], throughput: [10.7]})-[:MEASURED]->(plain)
CREATE (:Probe {id: 'p2', kind: 'vibes', artifactSlug: 'odd', task: 't', device: 'tpu', status: 'ok',
                startedAt: 'not a time', configJson: 'not json'})-[:MEASURED]->(odd)
CREATE (:Image {id: 'i1', kind: 'logo', sha256: 'aa', path: 'images/aa.png', mediaType: 'image/png',
                width: 8, height: 8, addedAt: datetime()})-[:DEPICTS]->(plain)
CREATE (:Image {id: 'i2', kind: 'poster', sha256: 'bb', path: 'images/bb.png', mediaType: 'image/png',
                width: 8, height: 8, addedAt: datetime()})-[:DEPICTS]->(odd)
CREATE (page:Comparison {id: 'cmp', title: 'Plain vs Odd', aSlug: 'plain', bSlug: 'odd', sequence: 1,
                         features: $features, rankA: 40, moreA: 2, partial: false, warnings: [],
                         verdict: 'Plain wins.', winnerSlug: 'plain'})
CREATE (page)-[:COMPARES {side: 'a'}]->(plain), (page)-[:COMPARES {side: 'b'}]->(odd)
CREATE (page)-[:SHOWS {side: 'a', position: 0}]->(k1), (page)-[:SHOWS {side: 'b', position: 0}]->(k2)
"""
SIGNALS = [{"signal": "publishedRank", "value": 0.4, "weight": 1.0, "contribution": 55.5, "detail": "40/100"}]
FEATURES = [["Type", "Model", "Dataset"], ["Pricing", "Open source", None]]

ARTIFACTS = """
{ artifacts(first: 10, orderBy: NAME) { edges { node {
    slug type typeKind pricing pricingKind
    rankExplanation { rank rankedAt }
    claims { id status checkedAt }
    claimCounts { verified refuted unverified }
    probes { id kind device versions samplesJson configJson startedAt finishedAt }
    images { id kind }
} } } }
"""


@pytest.fixture
def typed_graph(graph):
    graph.execute_query(GRAPH, signals=json.dumps(SIGNALS), features=json.dumps(FEATURES))
    return graph


@pytest.fixture
def client(typed_graph, settings):
    with TestClient(create_app(settings.model_copy(update={"rate_limit_anonymous": 0}))) as client:
        yield client


def test_closed_sets_read_as_enums_and_odd_values_do_not_fail_the_query(client):
    body = client.post("/graphql", json={"query": ARTIFACTS}).json()
    assert "errors" not in body, body
    nodes = {edge["node"]["slug"]: edge["node"] for edge in body["data"]["artifacts"]["edges"]}
    plain, odd, bare = nodes["plain"], nodes["odd"], nodes["bare"]

    # The contract's strings stay as published; the enums beside them read them, OTHER for new text.
    assert (plain["type"], plain["typeKind"], plain["pricing"], plain["pricingKind"]) == (
        "Model",
        "MODEL",
        "Open source",
        "OPEN_SOURCE",
    )
    assert (odd["type"], odd["typeKind"], odd["pricingKind"]) == ("Dataset", "OTHER", "OPEN_SOURCE")
    assert (bare["type"], bare["typeKind"], bare["pricing"], bare["pricingKind"]) == (None, None, None, None)

    # A status outside the set reads (and counts) as unverified.
    assert plain["claims"] == [{"id": "c1", "status": "VERIFIED", "checkedAt": "2026-01-02T03:04:05+00:00"}]
    assert odd["claims"] == [{"id": "c2", "status": "UNVERIFIED", "checkedAt": None}]
    assert odd["claimCounts"] == {"verified": 0, "refuted": 0, "unverified": 1}
    assert bare["claims"] == [] and bare["claimCounts"] == {"verified": 0, "refuted": 0, "unverified": 0}

    # Probes: enums, JSON decoded, times as DateTime; what cannot be read is null.
    [probe] = plain["probes"]
    assert (probe["kind"], probe["device"]) == ("ARCHITECTURE", "CPU")
    assert probe["versions"] == {"python": "3.11.7"} and probe["samplesJson"] == {"1": [10.5, 11.0]}
    assert probe["configJson"] is None
    assert datetime.fromisoformat(probe["startedAt"]) < datetime.fromisoformat(probe["finishedAt"])
    [odd_probe] = odd["probes"]
    assert (odd_probe["kind"], odd_probe["device"], odd_probe["startedAt"], odd_probe["configJson"]) == (
        None,
        None,
        None,
        None,
    )
    assert odd_probe["versions"] == {} and odd_probe["samplesJson"] == {}

    assert plain["images"] == [{"id": "i1", "kind": "LOGO"}] and odd["images"] == [{"id": "i2", "kind": None}]

    explanation = plain["rankExplanation"]
    assert explanation["rank"] == 55.5 and datetime.fromisoformat(explanation["rankedAt"]).tzinfo is not None
    assert odd["rankExplanation"] is None


def test_enum_values_come_from_the_vocabulary(client):
    query = '{ __type(name: "%s") { enumValues { name } } }'
    for name, members in (("ArtifactType", ArtifactType), ("Pricing", Pricing), ("ClaimStatus", ClaimStatus)):
        body = client.post("/graphql", json={"query": query % name}).json()
        assert [v["name"] for v in body["data"]["__type"]["enumValues"]] == [m.name for m in members]
    assert ArtifactType.of("repository") is ArtifactType.REPOSITORY and Pricing.of("Free") is Pricing.FREE
    assert ArtifactType.of("Dataset") is ArtifactType.OTHER and Pricing.of(None) is None


def test_repositories_answer_records(typed_graph, settings):
    async def read():
        graph = Graph(connection_info(settings))
        try:
            artifacts, comparisons = ArtifactRepository(graph), ComparisonRepository(graph)
            probes, images = ProbeRepository(graph), ImageRepository(graph)
            return (
                await artifacts.by_slugs(["plain", "missing"]),
                await artifacts.capabilities(["plain"]),
                await artifacts.alternatives(["plain"]),
                await artifacts.claims(["odd"]),
                await comparisons.best_for_pair("odd", "plain"),
                await probes.probes_by_artifact(["plain"]),
                await probes.claim_counts(["odd"]),
                await images.of_artifacts(["odd"]),
            )
        finally:
            await graph.close()

    found, capabilities, alternatives, claims, page, probes, counts, images = asyncio.run(read())
    assert list(found) == ["plain"] and isinstance(found["plain"], ArtifactRecord)
    assert found["plain"].times_matched == 2 and found["plain"].ranked_at is not None
    [capability] = capabilities["plain"]
    assert isinstance(capability, CapabilityRecord) and capability.hydrated_alternatives is None
    assert isinstance(alternatives["plain"][0], AlternativeRecord) and alternatives["plain"][0].slug == "odd"
    assert isinstance(claims["odd"][0], ClaimRecord) and claims["odd"][0].status is ClaimStatus.UNVERIFIED
    assert isinstance(page, ComparisonPage) and page.features == (
        ("Type", "Model", "Dataset"),
        ("Pricing", "Open source", None),
    )
    assert page.winner is not None and page.winner.slug == "plain" and page.more_a == 2 and page.more_b == 0
    # Shown capabilities come with the artifacts their text names, already records.
    assert [a.slug for a in page.shown_a[0].hydrated_alternatives or ()] == ["odd"]
    assert isinstance(probes["plain"][0], ProbeRecord) and probes["plain"][0].samples == {"1": [10.5, 11.0]}
    assert counts == {"odd": ClaimCounts(unverified=1)}
    assert isinstance(images["odd"][0], ImageRecord) and images["odd"][0].kind == "poster"


def test_compare_page_reads_records_and_turns_sides(client):
    query = """query ($a: String!, $b: String!) { compare(a: $a, b: $b) {
        title swapped a { slug typeKind } features { feature a b } moreA moreB winner { slug }
        capabilitiesA { id alternatives { slug } } sharedCapabilities { id } } }"""
    body = client.post("/graphql", json={"query": query, "variables": {"a": "odd", "b": "plain"}}).json()
    compare = body["data"]["compare"]
    assert compare["title"] == "Odd vs Plain" and compare["swapped"] is True
    assert compare["a"] == {"slug": "odd", "typeKind": "OTHER"} and compare["winner"] == {"slug": "plain"}
    assert compare["features"][0] == {"feature": "Type", "a": "Dataset", "b": "Model"}
    assert (compare["moreA"], compare["moreB"]) == (0, 2)
    assert compare["capabilitiesA"] == [{"id": "k2", "alternatives": []}]
    as_published = client.post("/graphql", json={"query": query, "variables": {"a": "plain", "b": "odd"}}).json()
    assert as_published["data"]["compare"]["sharedCapabilities"] == [{"id": "k1"}]  # the same taxonomy class


def test_every_artifact_and_capability_field_is_an_attribute_of_its_record():
    # Artifact and Capability are served straight from their records (no copy): a plain field the
    # record lacks would fail every query that selects it.
    from graph_service.api.types import Artifact, Capability

    for kind, record in ((Artifact, ArtifactRecord), (Capability, CapabilityRecord)):
        definition = kind.__strawberry_definition__
        plain_fields = [f.python_name for f in definition.fields if f.base_resolver is None]
        assert plain_fields and set(plain_fields) <= set(record.__slots__), kind
