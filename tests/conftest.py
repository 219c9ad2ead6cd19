"""Shared fixtures: a real Neo4j for the whole run, and a clean graph for each test.

The test server is the same local Neo4j the demo runs (graphdb.neo4j_local), with its own
temporary data folder and free ports, so it never touches the demo's graph. It starts once per
test run and stops at the end. When it cannot start, the tests that need it fail loudly: graph
code is never tested against a mock.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphdb.config import Settings
from graphdb.driver import ConnectionInfo, sync_driver
from graphdb.neo4j_local import LocalNeo4j, free_port
from graphdb.schema import apply_schema

REPO = Path(__file__).resolve().parents[1]


def _cache_dir() -> Path:
    return Settings(_env_file=None).cache_dir  # the same default and variable as the app


def cli_env(settings: Settings | None = None, **variables: str) -> dict[str, str]:
    """An environment for running `matchgraph` as a subprocess: the caller's NEO4J_*/MATCHGRAPH_*
    variables removed (the cache folder kept), pointed at ``settings``' Neo4j when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "MATCHGRAPH_"))}
    env["MATCHGRAPH_CACHE_DIR"] = str(_cache_dir())
    if settings is not None:
        env.update(
            {
                "NEO4J_URI": settings.neo4j_uri,
                "NEO4J_USER": settings.neo4j_user,
                "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
                "MATCHGRAPH_DATA_DIR": str(settings.data_dir),
            }
        )
    env.update(variables)
    return env


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory) -> LocalNeo4j:
    server = LocalNeo4j(
        home=tmp_path_factory.mktemp("neo4j-test"),
        cache_dir=_cache_dir(),
        bolt_port=free_port(),
        http_port=free_port(),
        heap="1g",
        pagecache="256m",
    )
    server.start(timeout=240, log=lambda message: print(f"[neo4j] {message}"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def neo4j_info(neo4j_server) -> ConnectionInfo:
    return ConnectionInfo(neo4j_server.bolt_uri, "neo4j", neo4j_server.password(), "neo4j", local=False)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_info):
    with sync_driver(neo4j_info) as driver:
        apply_schema(driver)
        yield driver


def clear_graph(driver) -> None:
    """Deletes every node but the schema record, in batches (constraints and indexes stay)."""
    with driver.session() as session:
        session.run(
            "MATCH (n) WHERE NOT n:SchemaVersion CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
        ).consume()


@pytest.fixture
def graph(neo4j_driver):
    """A sync driver on an empty graph (schema applied)."""
    clear_graph(neo4j_driver)
    yield neo4j_driver


@pytest.fixture
def settings(tmp_path, neo4j_server) -> Settings:
    """Settings pointing at the test server, with a private data folder."""
    return Settings(
        neo4j_uri=neo4j_server.bolt_uri,
        neo4j_user="neo4j",
        neo4j_password=neo4j_server.password(),
        data_dir=tmp_path / "data",
        cache_dir=_cache_dir(),
        _env_file=None,
    )
