"""`ingestDocuments`: the CLI's ingester behind an API key, with the CLI's report."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import clear_graph, cli_env
from graph_dump import dump_graph
from pydantic import SecretStr
from starlette.testclient import TestClient

from corpus import rejects_folder, sample_folder
from graph_service.app import create_app

INGEST = """
mutation ($docs: [DocumentInput!]!) {
  ingestDocuments(documents: $docs) { read ingested unchanged rejected { path reason } partial }
}
"""
SAMPLE = sorted(sample_folder().glob("s0*.txt")) + sorted(rejects_folder().glob("*"))


@pytest.fixture
def client(settings, graph):
    keyed = settings.model_copy(update={"api_keys": frozenset({SecretStr("test-key-1")}), "rate_limit_anonymous": 0})
    with TestClient(create_app(keyed)) as client:
        yield client


def without_paths(dump: dict) -> dict:
    """Document.source is the caller's name via the API and the file path via the CLI."""
    strip = lambda line: re.sub(r'"source": "[^"]*/([^"/]+)"', r'"source": "\1"', line)
    return {kind: sorted(map(strip, lines)) for kind, lines in dump.items()}


def documents():
    return [{"name": p.name, "content": p.read_bytes().decode("utf-8", errors="replace")} for p in SAMPLE]


def test_mutation_ingests_like_the_cli(client, graph, settings, tmp_path):
    response = client.post(
        "/graphql", json={"query": INGEST, "variables": {"docs": documents()}}, headers={"X-API-Key": "test-key-1"}
    )
    assert response.status_code == 200, response.text
    report = response.json()["data"]["ingestDocuments"]
    via_api = without_paths(dump_graph(graph))

    clear_graph(graph)
    env = cli_env(settings, MATCHGRAPH_DATA_DIR=str(tmp_path))
    cli = subprocess.run(
        [sys.executable, "-m", "graph_service.cli", "ingest", "--json", *map(str, SAMPLE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    cli_report = json.loads(cli.stdout)
    assert cli.returncode == 1  # the rejects are rejected
    assert {k: report[k] for k in ("read", "ingested", "unchanged")} == {
        k: cli_report[k] for k in ("read", "ingested", "unchanged")
    }
    by_name = lambda rejected: sorted((r["path"].rsplit("/", 1)[-1], r["reason"]) for r in rejected)
    assert by_name(report["rejected"]) == by_name(cli_report["rejected"])
    assert len(report["rejected"]) == 4 and report["ingested"] == 9
    assert without_paths(dump_graph(graph)) == via_api


def test_mutation_again_is_unchanged(client):
    headers = {"Authorization": "Bearer test-key-1"}
    first = client.post("/graphql", json={"query": INGEST, "variables": {"docs": documents()[:3]}}, headers=headers)
    again = client.post("/graphql", json={"query": INGEST, "variables": {"docs": documents()[:3]}}, headers=headers)
    assert first.json()["data"]["ingestDocuments"]["ingested"] == 3
    assert again.json()["data"]["ingestDocuments"]["unchanged"] == 3


def test_mutation_argument_limits(client):
    headers = {"X-API-Key": "test-key-1"}
    empty = client.post("/graphql", json={"query": INGEST, "variables": {"docs": []}}, headers=headers).json()
    assert empty["errors"][0]["message"] == "`documents` is empty"
    many = [{"name": f"d{i}", "content": "x"} for i in range(101)]
    too_many = client.post("/graphql", json={"query": INGEST, "variables": {"docs": many}}, headers=headers).json()
    assert "at most 100 documents" in too_many["errors"][0]["message"]
