"""The local Neo4j and `matchgraph serve` as a user runs them: real processes, real ports.

One dedicated server (its own data folder and ports, apart from the suite's shared one) goes
through start, status, a Cypher query, the Browser, an outage under a running API, and stop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import conftest
import httpx
import pytest
from neo4j import GraphDatabase

from graphdb.neo4j_local import free_port

MATCHGRAPH = [sys.executable, "-m", "graph_service.cli"]


@pytest.fixture
def cli_env(tmp_path):
    env = conftest.cli_env(
        MATCHGRAPH_DATA_DIR=str(tmp_path / "data"),
        MATCHGRAPH_NEO4J_BOLT_PORT=str(free_port()),
        MATCHGRAPH_NEO4J_HTTP_PORT=str(free_port()),
        MATCHGRAPH_NEO4J_HEAP="512m",
        MATCHGRAPH_NEO4J_PAGECACHE="64m",
    )
    yield env
    subprocess.run([*MATCHGRAPH, "neo4j", "stop"], env=env, capture_output=True, timeout=120)


def matchgraph(env, *args, check=True, timeout=300):
    result = subprocess.run([*MATCHGRAPH, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"matchgraph {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def wait_for_health(url: str, status: int, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(url, timeout=5)
            if last.status_code == status:
                return last
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered {status} (last: {last and last.status_code})")


def process_alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]


def test_start_status_query_browser_outage_and_stop(cli_env):
    stopped = matchgraph(cli_env, "neo4j", "status", "--json", check=False)
    assert stopped.returncode == 1 and json.loads(stopped.stdout)["running"] is False

    matchgraph(cli_env, "neo4j", "start")
    status = json.loads(matchgraph(cli_env, "neo4j", "status", "--json").stdout)
    assert status["running"] is True and status["version"].startswith("5.26.")
    pid = status["pid"]

    # A second start is harmless: same process.
    again = json.loads(matchgraph(cli_env, "neo4j", "start", "--json").stdout)
    assert again["pid"] == pid and "already running" in again["message"]

    # The official driver with the printed credentials.
    with GraphDatabase.driver(status["bolt_uri"], auth=(status["user"], status["password"])) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1
    # The Browser answers, and the discovery document points it at our Bolt port.
    browser = httpx.get(status["browser_url"], timeout=10)
    assert browser.status_code == 200 and "Neo4j Browser" in browser.text
    discovery = httpx.get(status["browser_url"].replace("/browser/", "/"), timeout=10).json()
    assert discovery["bolt_direct"] == status["bolt_uri"]

    # The API process survives an outage of the graph.
    port = free_port()
    serve = subprocess.Popen(
        [*MATCHGRAPH, "serve", "--port", str(port)],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = f"http://127.0.0.1:{port}/healthz"
        assert wait_for_health(health, 200).json()["neo4j"] == "ok"
        typename = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}, timeout=10)
        assert typename.json() == {"data": {"__typename": "Query"}}
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert metrics.status_code == 200 and "# TYPE matchgraph_http_requests_total counter" in metrics.text

        matchgraph(cli_env, "neo4j", "stop")
        assert wait_for_health(health, 503).json()["neo4j"] == "unavailable"
        matchgraph(cli_env, "neo4j", "start")
        assert wait_for_health(health, 200).json()["neo4j"] == "ok"
        assert serve.poll() is None, "the API process must be the same one"
    finally:
        serve.terminate()
        output = serve.communicate(timeout=30)[0]
    assert "Neo4j Browser" in output and "/graphql" in output

    restarted_pid = json.loads(matchgraph(cli_env, "neo4j", "status", "--json").stdout)["pid"]
    assert "stopped" in matchgraph(cli_env, "neo4j", "stop").stdout
    assert not process_alive(restarted_pid) and not process_alive(pid)
    assert "not running" in matchgraph(cli_env, "neo4j", "stop").stdout


def test_stale_pid_file_is_handled(cli_env, tmp_path):
    home = Path(cli_env["MATCHGRAPH_DATA_DIR"]) / "neo4j"
    home.mkdir(parents=True)
    # A pid that is certainly not our server: this test process's own parent shell is alive but unrelated.
    (home / "matchgraph.pid").write_text(str(os.getpid()))
    status = json.loads(matchgraph(cli_env, "neo4j", "status", "--json", check=False).stdout)
    assert status["running"] is False
    assert not (home / "matchgraph.pid").exists()


def test_busy_port_is_a_clear_error(cli_env):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        cli_env["MATCHGRAPH_NEO4J_BOLT_PORT"] = str(taken.getsockname()[1])
        result = matchgraph(cli_env, "neo4j", "start", check=False)
    assert result.returncode == 2
    assert "already in use" in result.stderr and "MATCHGRAPH_NEO4J_BOLT_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_remote_uri_means_no_local_server(cli_env):
    cli_env.update({"NEO4J_URI": "bolt://db.example:7687", "NEO4J_PASSWORD": "whatever-pass"})
    result = matchgraph(cli_env, "neo4j", "start", check=False)
    assert result.returncode == 2 and "NEO4J_URI is set" in result.stderr


def test_bad_configuration_exits_2_with_the_variable_named(cli_env):
    cli_env["MATCHGRAPH_NEO4J_HEAP"] = "huge"
    result = matchgraph(cli_env, "neo4j", "status", check=False)
    assert result.returncode == 2 and "MATCHGRAPH_NEO4J_HEAP" in result.stderr and "Traceback" not in result.stderr
