"""What every CLI verb shares: the consoles, friendly errors, settings and the graph connection.

Errors users can fix (configuration, Neo4j set-up, connection) are printed as one message with
exit status 2, never a traceback (`friendly_errors`).
"""

from __future__ import annotations

import functools

import click
from neo4j.exceptions import AuthError, ServiceUnavailable
from rich.console import Console

import corpus
from graphdb.config import ConfigError, Settings, load_settings
from graphdb.driver import connection_info, sync_driver
from graphdb.neo4j_local import LocalNeo4j, Neo4jSetupError, ServerStatus
from graphdb.schema import apply_schema

out = Console()
err = Console(stderr=True)

EXIT_USAGE = 2
EXIT_PROBLEMS = 1
SAMPLE_CORPUS = corpus.sample_folder()  # package data: found the same from a checkout or an installed wheel


class CliError(click.ClickException):
    """A friendly error: printed as one message, exit status 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        err.print(f"[bold red]error:[/] {self.message}", highlight=False)


def friendly_errors(command):
    """Turns the errors users can fix (configuration, Neo4j set-up, connection) into CliError."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (ConfigError, Neo4jSetupError) as error:
            raise CliError(str(error)) from None
        except ServiceUnavailable as error:
            raise CliError(f"cannot reach Neo4j: {error}. Is it running? (`matchgraph neo4j status`)") from None
        except AuthError as error:
            raise CliError(
                f"Neo4j refused the credentials: {error.message}. Check NEO4J_USER / NEO4J_PASSWORD."
            ) from None

    return wrapper


def settings_from(ctx: click.Context) -> Settings:
    if ctx.obj is None:
        try:
            ctx.obj = load_settings()
        except ConfigError as error:
            raise CliError(str(error)) from None
    return ctx.obj


def ensure_graph(settings: Settings) -> ServerStatus | None:
    """Starts the local Neo4j when it is the one in use; returns its status (None when remote)."""
    if not settings.uses_local_neo4j:
        return None
    server = LocalNeo4j.from_settings(settings)
    return server.start(timeout=settings.local_start_timeout, log=lambda m: err.print(m, highlight=False))


def open_graph(settings: Settings):
    """A sync driver on the configured graph, with the schema applied."""
    driver = sync_driver(connection_info(settings))
    try:
        apply_schema(driver, settings.neo4j_database)
    except Exception:
        driver.close()
        raise
    return driver
