"""Shared fixtures: a real Neo4j for the whole run, and a clean graph for each test.

The test server is the same local Neo4j the demo runs (graphdb.neo4j_local), with its own
temporary data folder and free ports, so it never touches the demo's graph. It starts once per
test run and stops at the end. When it cannot start, the tests that need it fail loudly: graph
code is never tested against a mock.
"""

from __future__ import annotations

import os
import time
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


# -- the suite's wall-clock budget ---------------------------------------------------------------
# `make test` must stay under TEST_BUDGET_SECONDS on the 2-core CI machine (docs/development.md).
# A whole-suite run that takes longer fails, naming the slowest tests; a run of some tests (paths,
# -k or -m) is not judged. MATCHGRAPH_TEST_BUDGET_SECONDS changes the budget (0 turns it off).
TEST_BUDGET_SECONDS = 600
_session_started = 0.0
_durations: dict[str, float] = {}


def pytest_sessionstart(session) -> None:
    global _session_started
    _session_started = time.monotonic()


def pytest_runtest_logreport(report) -> None:
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def _whole_suite(config) -> bool:
    chosen = [Path(a).resolve() for a in config.args]
    return (
        not config.option.keyword
        and not config.option.markexpr
        and all(path == Path(__file__).resolve().parent or path == REPO for path in chosen)
    )


def pytest_sessionfinish(session, exitstatus) -> None:
    budget = float(os.environ.get("MATCHGRAPH_TEST_BUDGET_SECONDS", TEST_BUDGET_SECONDS))
    elapsed = time.monotonic() - _session_started
    if budget <= 0 or not _whole_suite(session.config) or elapsed <= budget:
        return
    slowest = sorted(_durations.items(), key=lambda item: item[1], reverse=True)[:10]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"the whole suite took {elapsed:.0f} s, over its budget of {budget:.0f} s "
            "(MATCHGRAPH_TEST_BUDGET_SECONDS); slowest tests:",
            red=True,
        )
        for nodeid, seconds in slowest:
            reporter.write_line(f"  {seconds:6.1f} s  {nodeid}")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
