"""`matchgraph`: one command with clear verbs (design §3).

    matchgraph demo                      start local Neo4j, ingest the sample corpus, serve
    matchgraph serve [--host H] [--port P]
    matchgraph ingest PATH… [--json]     comparison documents into the graph
    matchgraph neo4j start|stop|status

Exit status: 0 success, 1 the work found problems (e.g. rejected documents), 2 a usage,
configuration or connection error. Errors are one readable message, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
from rich.console import Console

from .config import ConfigError, Settings, load_settings
from .neo4j_local import LocalNeo4j, Neo4jSetupError, ServerStatus

out = Console()
err = Console(stderr=True)

EXIT_USAGE = 2
EXIT_PROBLEMS = 1
REPO = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = REPO / "corpus" / "sample"


class CliError(click.ClickException):
    """A friendly error: printed as one message, exit status 2."""

    exit_code = EXIT_USAGE

    def show(self, file=None) -> None:
        err.print(f"[bold red]error:[/] {self.message}", highlight=False)


def friendly_errors(command):
    """Turns the errors users can fix (configuration, Neo4j set-up, connection) into CliError."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from neo4j.exceptions import AuthError, ServiceUnavailable

        try:
            return command(*args, **kwargs)
        except (ConfigError, Neo4jSetupError) as error:
            raise CliError(str(error)) from None
        except ServiceUnavailable as error:
            raise CliError(f"cannot reach Neo4j: {error}. Is it running? (`matchgraph neo4j status`)") from None
        except AuthError as error:
            raise CliError(f"Neo4j refused the credentials: {error.message}. Check NEO4J_USER / NEO4J_PASSWORD.") from None

    return wrapper


def settings_from(ctx: click.Context) -> Settings:
    if ctx.obj is None:
        try:
            ctx.obj = load_settings()
        except ConfigError as error:
            raise CliError(str(error)) from None
    return ctx.obj


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="matchgraph")
def main() -> None:
    """matchgraph: a self-hostable match graph for AI artifacts.

    Configuration comes from environment variables and an optional .env file
    (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE, MATCHGRAPH_DATA_DIR, …);
    with NEO4J_URI unset, matchgraph runs its own local Neo4j.
    """


# -- neo4j ------------------------------------------------------------------------------------
@main.group()
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


# -- shared by the verbs that need the graph -------------------------------------------------------
def ensure_graph(settings: Settings) -> ServerStatus | None:
    """Starts the local Neo4j when it is the one in use; returns its status (None when remote)."""
    if not settings.uses_local_neo4j:
        return None
    server = LocalNeo4j.from_settings(settings)
    return server.start(timeout=settings.local_start_timeout, log=lambda m: err.print(m, highlight=False))


def run_server(settings: Settings, host: str, port: int, neo4j_status: ServerStatus | None) -> None:
    import uvicorn

    from .app import create_app

    base = f"http://{host}:{port}"
    out.print(f"\n[bold]matchgraph[/] is serving on {base}", highlight=False)
    out.print(f"  GraphQL / GraphiQL:  {base}/graphql", highlight=False)
    out.print(f"  Health:              {base}/healthz", highlight=False)
    out.print(f"  Metrics:             {base}/metrics", highlight=False)
    if neo4j_status is not None:
        out.print(f"  Neo4j Browser:       {neo4j_status.browser_url}", highlight=False)
        out.print(f"    connect to {neo4j_status.bolt_uri} as {neo4j_status.user} / {neo4j_status.password}", highlight=False)
    out.print("Press Ctrl+C to stop.\n")
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level)


@main.command()
@click.option("--host", default=None, help="Interface to bind (default MATCHGRAPH_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default MATCHGRAPH_PORT or 8000).")
@click.pass_context
@friendly_errors
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the API (GraphQL, health, metrics) on the existing graph."""
    settings = settings_from(ctx)
    run_server(settings, host or settings.host, port or settings.port, ensure_graph(settings))


# -- ingest ---------------------------------------------------------------------------------------
def open_graph(settings: Settings):
    """A sync driver on the configured graph, with the schema applied."""
    from .db import connection_info, sync_driver
    from .schema import apply_schema

    driver = sync_driver(connection_info(settings))
    try:
        apply_schema(driver, settings.neo4j_database)
    except Exception:
        driver.close()
        raise
    return driver


def run_ingest(settings: Settings, paths, batch_size: int, as_json: bool, quiet: bool = False):
    """Ingests ``paths`` with a progress bar on a terminal, one line per file otherwise."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ingest.pipeline import Ingester, expand_paths, read_inputs
    from ingest.writer import GraphWriter

    files = expand_paths(paths)
    with open_graph(settings) as driver:
        ingester = Ingester(GraphWriter(driver, settings.neo4j_database), batch_size=batch_size)
        if err.is_terminal and not quiet and len(files) > 20:
            columns = (TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=err, transient=True) as progress:
                task = progress.add_task("ingest", total=len(files))
                report = ingester.ingest(read_inputs(files), on_outcome=lambda outcome: progress.advance(task))
        else:
            def line(outcome) -> None:
                if quiet or as_json:
                    return
                detail = f": {outcome.reason}" if outcome.reason else ""
                err.print(f"  {outcome.status:<9} {outcome.source}{detail}", highlight=False, markup=False, soft_wrap=True)

            report = ingester.ingest(read_inputs(files), on_outcome=line)
    return report


def print_ingest_summary(report) -> None:
    rate = report.read / report.seconds if report.seconds else 0.0
    out.print(f"read {report.read}, ingested {report.ingested}, unchanged {report.unchanged}, "
              f"rejected {len(report.rejected)} ({report.seconds:.1f}s, {rate:.0f} documents/s)")
    if report.partial:
        out.print(f"{len(report.partial)} ingested as partial (truncated): " + ", ".join(report.partial),
                  highlight=False, soft_wrap=True)
    for rejection in report.rejected:
        out.print(f"[red]rejected[/] {rejection.path}: {rejection.reason}", highlight=False, soft_wrap=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 10_000),
              help="Documents per transaction (a failing batch is retried one document at a time).")
@click.option("--no-embed", is_flag=True, help="Skip the embedding stage (vectors, taxonomy classes, search indexes).")
@click.pass_context
@friendly_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], as_json: bool, batch_size: int, no_embed: bool) -> None:
    """Ingest comparison documents (files or folders) into the graph.

    Exit status 0 when nothing was rejected, 1 when something was, 2 on a usage or connection error.
    """
    settings = settings_from(ctx)
    ensure_graph(settings)
    report = run_ingest(settings, paths, batch_size, as_json)
    if not as_json:
        print_ingest_summary(report)
    # The embedding stage runs after the writer, on committed documents: its failure loses nothing.
    from .commands.index import print_embedding_summary, run_embedding

    embedded = None if no_embed else run_embedding(settings, quiet=as_json)
    if as_json:
        click.echo(json.dumps({**report.as_json(), "embedded": embedded.as_json() if embedded else None},
                              ensure_ascii=False))
    elif embedded is not None:
        print_embedding_summary(embedded)
    sys.exit(EXIT_PROBLEMS if report.rejected or (embedded is not None and embedded.error) else 0)


# -- serve and demo -------------------------------------------------------------------------------
@main.command()
@click.option("--host", default=None, help="Interface to bind (default MATCHGRAPH_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default MATCHGRAPH_PORT or 8000).")
@click.option("--no-serve", is_flag=True, help="Prepare the graph, then exit instead of serving.")
@click.pass_context
@friendly_errors
def demo(ctx: click.Context, host: str | None, port: int | None, no_serve: bool) -> None:
    """The whole thing on a fresh machine: local Neo4j, the sample corpus, the API."""
    settings = settings_from(ctx)
    status = ensure_graph(settings)
    out.print(f"Ingesting the sample corpus from {SAMPLE_CORPUS} …", highlight=False)
    report = run_ingest(settings, [SAMPLE_CORPUS, SAMPLE_CORPUS.parent / "rejects"], 100, as_json=False, quiet=True)
    print_ingest_summary(report)
    from .commands.index import print_embedding_summary, run_embedding

    out.print("Building the search indexes …")
    print_embedding_summary(run_embedding(settings))
    if no_serve:
        return
    run_server(settings, host or settings.host, port or settings.port, status)


# -- verbs in their own modules (graph_service/commands/): registered last, as they import the helpers above
if __name__ == "__main__":
    # `python -m graph_service.cli`: run the package module, whose verbs import `graph_service.cli`
    # (registering them on this `__main__` copy would import this file twice, in a loop).
    from graph_service.cli import main as package_main

    package_main()
else:
    from .commands import registered_commands

    for _command in registered_commands():
        main.add_command(_command)
