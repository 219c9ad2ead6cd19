"""Cypher round trips per page stay the same from 100 to 10,000 artifacts."""

from __future__ import annotations

import json

import pytest
from conftest import clear_graph
from starlette.testclient import TestClient
from test_api_queries import ARTIFACT_PAGE, ARTIFACTS_PAGE, COMPARE_PAGE, gql

from graph_service.app import create_app

# Artifacts with three capabilities each; each capability names the next artifact as an
# alternative; consecutive pairs are compared on a published page that shows their capabilities.
ARTIFACTS = """
UNWIND range(0, $n - 1) AS i
CALL (i) {
  CREATE (:Artifact {slug: 'art-' + i, name: 'Art ' + i, aliasKey: 'art-' + i, rank: i % 100, type: 'Model',
                     pricing: 'Free', timesMatched: i % 7, mentionedOnly: false, capabilityCount: 3})
} IN TRANSACTIONS OF 2000 ROWS
"""
CAPABILITIES = """
UNWIND range(0, $n - 1) AS i
CALL (i) {
  MATCH (a:Artifact {slug: 'art-' + i}), (next:Artifact {slug: 'art-' + ((i + 1) % $n)})
  UNWIND range(0, 2) AS j
  CREATE (a)-[:HAS_CAPABILITY]->(:Capability {id: 'cap-' + i + '-' + j, name: 'Capability ' + j,
          description: 'Does thing ' + j + ' for art ' + i, unique: 'u', vsAlternatives: 'v',
          uri: 'capability://class-' + j})-[:NAMES_ALTERNATIVE {relation: 'faster than'}]->(next)
} IN TRANSACTIONS OF 1000 ROWS
"""
PAGES = """
UNWIND range(0, $n - 2, 2) AS i
CALL (i) {
  MATCH (a:Artifact {slug: 'art-' + i}), (b:Artifact {slug: 'art-' + (i + 1)})
  CREATE (c:Comparison {id: 'cmp-' + i, title: a.name + ' vs ' + b.name, aSlug: a.slug, bSlug: b.slug,
          features: $features, rankA: a.rank, rankB: b.rank, moreA: 0, moreB: 0, partial: false,
          sequence: i, warnings: []})
  CREATE (c)-[:COMPARES {side: 'a', rank: a.rank}]->(a), (c)-[:COMPARES {side: 'b', rank: b.rank}]->(b)
  WITH c, a, b
  MATCH (a)-[:HAS_CAPABILITY]->(k)
  WITH c, b, k ORDER BY k.id
  WITH c, b, collect(k) AS left
  CALL (c, left) { UNWIND range(0, size(left) - 1) AS p WITH c, p, left[p] AS k
                   CREATE (c)-[:SHOWS {side: 'a', position: p}]->(k) }
  WITH c, b
  MATCH (b)-[:HAS_CAPABILITY]->(k)
  WITH c, k ORDER BY k.id
  WITH c, collect(k) AS right
  CALL (c, right) { UNWIND range(0, size(right) - 1) AS p WITH c, p, right[p] AS k
                    CREATE (c)-[:SHOWS {side: 'b', position: p}]->(k) }
} IN TRANSACTIONS OF 500 ROWS
"""


def build(driver, n: int) -> None:
    clear_graph(driver)
    features = json.dumps([["Type", "Model", "Model"], ["UnfragileRank", "1/100", "2/100"]])
    with driver.session() as session:
        for statement in (ARTIFACTS, CAPABILITIES, PAGES):
            session.run(statement, n=n, features=features).consume()


def trips(client, query, **variables) -> int:
    graph = client.app.state.matchgraph.graph
    before = graph.round_trips
    gql(client, query, **variables)
    return graph.round_trips - before


def measure(client) -> dict[str, int]:
    return {
        "artifact page": trips(client, ARTIFACT_PAGE, slug="art-0"),
        "compare page": trips(client, COMPARE_PAGE, a="art-1", b="art-0"),
        "artifacts(first: 50)": trips(client, ARTIFACTS_PAGE, first=50),
    }


@pytest.mark.slow
def test_round_trips_do_not_grow_with_the_graph(neo4j_driver, settings):
    counts = {}
    with TestClient(create_app(settings.model_copy(update={"rate_limit_anonymous": 0}))) as client:
        for size in (100, 10_000):
            build(neo4j_driver, size)
            counts[size] = measure(client)
    clear_graph(neo4j_driver)
    assert counts[100] == counts[10_000], counts
    assert counts[100]["compare page"] == 1
    assert counts[100]["artifacts(first: 50)"] == 3
