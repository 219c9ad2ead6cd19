"""The first start of the local Neo4j cannot get stuck: the generated password is never read as an
option, and the password step leaves no half-done state (issue: one fresh install in 64 got a
password starting with '-', which Neo4j's admin tool took for an option, and every later start
failed the same way until the data folder was deleted by hand)."""

from __future__ import annotations

import conftest
import pytest
from neo4j import GraphDatabase

from graphdb.neo4j_local import LocalNeo4j, Neo4jSetupError, ensure_jars, free_port
from graphdb.neo4j_local.server import new_password


def local_server(tmp_path) -> LocalNeo4j:
    return LocalNeo4j(
        tmp_path / "neo4j",
        conftest._cache_dir(),
        bolt_port=free_port(),
        http_port=free_port(),
        heap="512m",
        pagecache="64m",
    )


def answers(server: LocalNeo4j, password: str) -> bool:
    with GraphDatabase.driver(server.bolt_uri, auth=("neo4j", password)) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
    return records[0]["one"] == 1


def test_generated_passwords_never_look_like_an_option():
    drawn = {new_password() for _ in range(2000)}
    assert len(drawn) == 2000
    assert all(len(p) >= 24 and p.isalnum() for p in drawn)


def test_a_password_beginning_with_a_dash_is_set_and_the_broken_state_of_old_versions_heals(tmp_path):
    # What an older matchgraph left behind: the password file written, the admin tool refused it.
    server = local_server(tmp_path)
    server.home.mkdir(parents=True)
    server.password_file.write_text("-Qx3_leading-dash-password\n")
    try:
        status = server.start(timeout=180, log=lambda message: None)
        assert status.running and status.password == "-Qx3_leading-dash-password"
        assert answers(server, "-Qx3_leading-dash-password")
    finally:
        server.stop()


def test_a_failed_password_step_changes_nothing_and_the_next_start_completes_it(tmp_path):
    server = local_server(tmp_path)
    server.home.mkdir(parents=True)
    jars = ensure_jars(server.cache_dir, server.version, log=lambda message: None)
    with pytest.raises(Neo4jSetupError, match="nothing was changed"):
        server._set_initial_password("false", jars)  # an admin tool that fails
    assert server.password() is None, "no password file before Neo4j has accepted the password"
    pending = server.pending_password_file.read_text().strip()
    try:
        status = server.start(timeout=180, log=lambda message: None)
        assert status.password == pending and not server.pending_password_file.exists()
        assert answers(server, pending)
    finally:
        server.stop()
