"""Neo4j access: where the graph is, and the one driver per process that talks to it.

`connection_info(settings)` answers "which server, which credentials": the configured remote one,
or the local server's. Two thin wrappers run every repository's Cypher: `Graph` over the async
driver the API uses, and `SyncGraph` over a sync driver (`sync_driver()`: the CLI, the ingester,
the embedding stage, background threads). Both count Cypher round trips (the API's cost is bounded
in them, and /metrics reports them).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from neo4j import AsyncGraphDatabase, GraphDatabase, RoutingControl
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from graphdb.config import Settings
from graphdb.neo4j_local import LocalNeo4j, Neo4jSetupError

log = logging.getLogger("matchgraph.db")

# Errors that mean "the graph is not reachable right now", as opposed to a bad query.
UNAVAILABLE = (ServiceUnavailable, SessionExpired, ConnectionError, OSError, asyncio.TimeoutError)

# How long an API read retries an unreachable graph before failing. The driver's default (30 s,
# with back-off: a query took a minute) held a client that is better told "try again" at once
# (the API answers GRAPH_UNAVAILABLE with a retry hint); a Neo4j restart's blip still fits in it.
API_READ_RETRY_SECONDS = 2.0


@dataclass(frozen=True)
class ConnectionInfo:
    uri: str
    user: str
    password: str
    database: str
    local: bool


def connection_info(settings: Settings) -> ConnectionInfo:
    """The Neo4j to use: NEO4J_URI when set, else the local server (which must have been set up)."""
    if settings.neo4j_uri is not None:  # not settings.uses_local_neo4j
        secret = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        return ConnectionInfo(settings.neo4j_uri, settings.neo4j_user, secret, settings.neo4j_database, local=False)
    server = LocalNeo4j.from_settings(settings)
    password = server.password()
    if password is None:
        raise Neo4jSetupError(
            f"the local Neo4j in {server.home} has never been started: run `matchgraph neo4j start` "
            "(or set NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD to use another server)."
        )
    running = server.connection()
    uri = running["bolt_uri"] if running else server.bolt_uri
    return ConnectionInfo(uri, "neo4j", password, settings.neo4j_database, local=True)


def sync_driver(info: ConnectionInfo, **options):
    """A sync driver on ``info``'s server; ``options`` override the driver's settings (e.g. a short
    ``max_transaction_retry_time`` for writes not worth a 30 s retry loop)."""
    settings = dict(
        connection_timeout=5,
        connection_acquisition_timeout=10,
        max_connection_lifetime=3600,
        notifications_min_severity="OFF",
    )
    return GraphDatabase.driver(info.uri, auth=(info.user, info.password), **{**settings, **options})


class SyncGraph:
    """A sync driver and its database: one `read`, `write` and `transaction` for every repository."""

    def __init__(self, driver, database: str = "neo4j"):
        self.driver = driver
        self.database = database
        self.round_trips = 0

    def read(self, query: str, **parameters) -> list[dict]:
        """Runs one parameterised read query (one round trip, routed to a reader); the records as dicts."""
        self.round_trips += 1
        records, _, _ = self.driver.execute_query(
            query, parameters_=parameters, database_=self.database, routing_=RoutingControl.READ
        )
        return [dict(record.items()) for record in records]

    def write(self, query: str, **parameters) -> list[dict]:
        """Runs one parameterised write query in its own transaction; the records as dicts."""
        self.round_trips += 1
        records, _, _ = self.driver.execute_query(query, parameters_=parameters, database_=self.database)
        return [dict(record.items()) for record in records]

    def transaction(self, work):
        """Runs ``work(tx)`` in one managed write transaction (retried on transient errors)."""
        self.round_trips += 1
        with self.driver.session(database=self.database) as session:
            return session.execute_write(work)


class Graph:
    """The async driver, created once per process; every API query goes through `read`/`write`."""

    def __init__(self, info: ConnectionInfo):
        self.info = info
        self.database = info.database
        self.driver = AsyncGraphDatabase.driver(
            info.uri,
            auth=(info.user, info.password),
            connection_timeout=5,
            connection_acquisition_timeout=10,
            # Check a pooled connection that sat idle before reusing it: after a Neo4j restart the
            # old sockets are dead, and this turns them into a reconnect instead of an error.
            liveness_check_timeout=5,
            max_connection_pool_size=64,
            max_transaction_retry_time=API_READ_RETRY_SECONDS,
            # Planner hints ("this label does not exist yet") are noise on an empty graph.
            notifications_min_severity="OFF",
        )
        self.round_trips = 0

    async def close(self) -> None:
        await self.driver.close()

    async def read(self, query: str, **parameters) -> list[dict]:
        """Runs one parameterised read query (one round trip); returns the records as dicts.

        The repositories' queries return maps (projections such as `a {.*}`), lists and scalars,
        never nodes, relationships or paths, so the records need no deep conversion: the driver's
        `record.data()` walks every nested value and cost a compare page more CPU than the GraphQL
        execution of it (benchmarks/api_bench.py, profile).
        """
        self.round_trips += 1
        records, _, _ = await self.driver.execute_query(
            query, parameters_=parameters, database_=self.database, routing_=RoutingControl.READ
        )
        return [dict(record.items()) for record in records]

    async def ping(self, timeout: float = 3.0) -> None:
        """Raises when the graph does not answer `RETURN 1` within ``timeout`` seconds.

        A plain session (not execute_query) so that an outage fails fast instead of being retried
        for the driver's 30 s transaction-retry budget.
        """

        async def probe() -> None:
            async with self.driver.session(database=self.database) as session:
                result = await session.run("RETURN 1 AS ok")
                await result.consume()

        await asyncio.wait_for(probe(), timeout)


def is_unavailable(error: BaseException) -> bool:
    """True when ``error`` means Neo4j is unreachable (not that a query was wrong)."""
    if isinstance(error, UNAVAILABLE):
        return True
    return (
        isinstance(error, Neo4jError)
        and error.code is not None
        and "TransientError" in error.code
        and "Unavailable" in error.code
    )
