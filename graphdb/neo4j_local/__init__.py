"""The local Neo4j Community server that the demo and the test suite run (docs/operations.md)."""

from graphdb.neo4j_local.jars import BROWSER_VERSION, NEO4J_VERSION, Neo4jSetupError, ensure_jars
from graphdb.neo4j_local.server import LocalNeo4j, ServerStatus, free_port, port_is_free

__all__ = [
    "BROWSER_VERSION",
    "NEO4J_VERSION",
    "LocalNeo4j",
    "Neo4jSetupError",
    "ServerStatus",
    "ensure_jars",
    "free_port",
    "port_is_free",
]
