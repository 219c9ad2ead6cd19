"""The Starlette app in-process against the real test Neo4j: health, metrics, GraphQL over HTTP."""

import pytest
from starlette.testclient import TestClient

from graph_service.app import create_app
from graphdb.neo4j_local import free_port


@pytest.fixture
def client(settings, graph):
    with TestClient(create_app(settings)) as client:
        yield client


def test_healthz_reports_the_graph(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["neo4j"] == "ok" and body["schema"] >= 1


def test_typename_over_post_and_get(client):
    response = client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}
    response = client.get("/graphql", params={"query": "{ __typename }"})
    assert response.status_code == 200 and response.json()["data"]["__typename"] == "Query"


def test_graphiql_for_browsers(client):
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_metrics_are_prometheus_text_with_operations(client):
    client.post("/graphql", json={"query": "query Versions { version }", "operationName": "Versions"})
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'matchgraph_graphql_operations_total{operation="Versions",outcome="ok",type="query"} 1.0' in text
    assert 'matchgraph_http_requests_total{method="GET",path="/healthz",status="200"} 1.0' in text
    assert "matchgraph_graphql_operation_duration_seconds_bucket" in text
    assert "matchgraph_cypher_round_trips_total" in text
    assert "matchgraph_neo4j_up 1.0" in text


def test_unknown_paths_share_one_metrics_label(client):
    for path in ("/a", "/b", "/c"):
        assert client.get(path).status_code == 404
    assert 'path="other",status="404"} 3.0' in client.get("/metrics").text


def test_healthz_is_503_when_neo4j_is_unreachable(settings):
    # A Bolt address where nothing listens: the app must start and say the graph is unavailable.
    unreachable = settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{free_port()}"})
    with TestClient(create_app(unreachable)) as client:
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["neo4j"] == "unavailable"
        # The rest of the app keeps answering.
        assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
        assert "matchgraph_neo4j_up 0.0" in client.get("/metrics").text


def test_operation_names_are_bounded(settings):
    from graph_service.metrics import MAX_OPERATION_NAMES, Metrics

    metrics = Metrics()
    labels = {metrics.operation_label(f"Op{i}") for i in range(MAX_OPERATION_NAMES + 50)}
    assert len(labels) == MAX_OPERATION_NAMES + 1 and "other" in labels
    assert metrics.operation_label("drop table; --") == "invalid"
    assert metrics.operation_label(None) == "anonymous"
