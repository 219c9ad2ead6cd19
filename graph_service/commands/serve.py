"""`matchgraph serve` and `matchgraph demo`: the API on the graph (demo: prepared from the sample corpus first)."""

from __future__ import annotations

import click
import uvicorn

from graph_service.app import create_app
from graph_service.commands.common import SAMPLE_CORPUS, ensure_graph, friendly_errors, out, settings_from
from graph_service.commands.index import print_embedding_summary, run_embedding
from graph_service.commands.ingest import print_ingest_summary, run_ingest
from graphdb.config import Settings
from graphdb.neo4j_local import ServerStatus


def run_server(settings: Settings, host: str, port: int, neo4j_status: ServerStatus | None) -> None:
    base = f"http://{host}:{port}"
    out.print(f"\n[bold]matchgraph[/] is serving on {base}", highlight=False)
    out.print(f"  GraphQL / GraphiQL:  {base}/graphql", highlight=False)
    out.print(f"  Health:              {base}/healthz", highlight=False)
    out.print(f"  Metrics:             {base}/metrics", highlight=False)
    if neo4j_status is not None:
        out.print(f"  Neo4j Browser:       {neo4j_status.browser_url}", highlight=False)
        out.print(
            f"    connect to {neo4j_status.bolt_uri} as {neo4j_status.user} / {neo4j_status.password}", highlight=False
        )
    out.print("Press Ctrl+C to stop.\n")
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level)


@click.command()
@click.option("--host", default=None, help="Interface to bind (default MATCHGRAPH_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default MATCHGRAPH_PORT or 8000).")
@click.pass_context
@friendly_errors
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the API (GraphQL, health, metrics) on the existing graph."""
    settings = settings_from(ctx)
    run_server(settings, host or settings.host, port or settings.port, ensure_graph(settings))


@click.command()
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
    out.print("Building the search indexes …")
    print_embedding_summary(run_embedding(settings))
    if no_serve:
        return
    run_server(settings, host or settings.host, port or settings.port, status)
