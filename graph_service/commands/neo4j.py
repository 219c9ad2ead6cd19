"""`matchgraph neo4j start|stop|status`: the local Neo4j server (graphdb/neo4j_local/)."""

from __future__ import annotations

import json
import sys

import click

from graph_service.commands.common import CliError, err, friendly_errors, out, settings_from
from graphdb.neo4j_local import LocalNeo4j, ServerStatus


@click.group()
def neo4j() -> None:
    """Start, stop or inspect the local Neo4j server."""


def local_server(ctx: click.Context) -> LocalNeo4j:
    settings = settings_from(ctx)
    if not settings.uses_local_neo4j:
        raise CliError(f"NEO4J_URI is set ({settings.neo4j_uri}): matchgraph is using that server, not a local one.")
    return LocalNeo4j.from_settings(settings)


def print_status(status: ServerStatus, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(status.as_dict(), indent=2))
        return
    state = "[green]running[/]" if status.running else "[yellow]not running[/]"
    out.print(f"Neo4j {status.version}: {state}" + (f" (pid {status.pid})" if status.pid else ""))
    out.print(f"  Bolt:     {status.bolt_uri}", highlight=False)
    out.print(f"  Browser:  {status.browser_url}", highlight=False)
    if status.password:
        out.print(f"  User:     {status.user}   Password: {status.password}", highlight=False)
    out.print(f"  Data:     {status.home}", highlight=False)


@neo4j.command("start")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
@friendly_errors
def neo4j_start(ctx: click.Context, as_json: bool) -> None:
    """Start the local Neo4j (fetching its jars on first use); harmless when it already runs."""
    settings = settings_from(ctx)
    server = local_server(ctx)
    status = server.start(timeout=settings.local_start_timeout, log=lambda m: err.print(m, highlight=False))
    print_status(status, as_json)


@neo4j.command("stop")
@click.pass_context
@friendly_errors
def neo4j_stop(ctx: click.Context) -> None:
    """Stop the local Neo4j cleanly."""
    server = local_server(ctx)
    if server.stop():
        out.print("Neo4j stopped.")
    else:
        out.print("Neo4j was not running.")


@neo4j.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
@friendly_errors
def neo4j_status(ctx: click.Context, as_json: bool) -> None:
    """Say whether the local Neo4j runs, with its URLs, credentials and version (exit 1 when stopped)."""
    status = local_server(ctx).status()
    print_status(status, as_json)
    sys.exit(0 if status.running else 1)
