"""`matchgraph search`: hybrid search from the command line (docs/search.md).

    matchgraph search "QUERY" [--limit N] [--type T] [--image FILE] [--json]

Loads the vector indexes through the VectorService (rebuilding a missing or stale one, with a log
line), runs the same engine as the API (embed/search.py) and prints a table, or one JSON object
with `--json`. The search is recorded in the graph after the results are printed (unless
MATCHGRAPH_SEARCH_RECORD=false); a failure to record is a warning, never an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from embed.recording import record_search
from embed.search import HybridSearch, ImageSearchUnavailable, SearchInputError, SearchRequest
from embed.vectors import VectorService
from graph_service.commands import common


def load_vectors(settings, driver):
    """The VectorService over the graph, its indexes brought up to date (rebuilt ones are logged)."""
    vectors = VectorService(settings, driver)
    for name in vectors.ensure_fresh(force=True):
        common.err.print(f"search index '{name}' rebuilt from the graph", highlight=False)
    return vectors


def print_table(result) -> None:
    out = common.out
    if not result.hits:
        out.print("no matches")
        return
    table = Table(show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("artifact")
    table.add_column("score", justify="right")
    table.add_column("why")
    for position, hit in enumerate(result.hits, start=1):
        name = hit.artifact.get("name") or hit.slug
        table.add_row(str(position), f"{name}\n[dim]{hit.slug}[/]", f"{hit.score:.3f}", hit.why)
    out.print(table)


@click.command()
@click.argument("query", required=False, default="")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50), help="Number of hits (at most 50).")
@click.option("--type", "type_", default=None, metavar="T", help="Only artifacts of this type (Model, Repository, …).")
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Search by an image (needs ViT weights: MATCHGRAPH_VIT_MODEL); QUERY may then be omitted.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_context
def search(ctx: click.Context, query: str, limit: int, type_: str | None, image: Path | None, as_json: bool) -> None:
    """Search the match graph: artifacts for a description of what you need (or an image)."""
    common.friendly_errors(_search)(ctx, query, limit, type_, image, as_json)


def _search(ctx: click.Context, query: str, limit: int, type_: str | None, image: Path | None, as_json: bool) -> None:
    settings = common.settings_from(ctx)
    request = SearchRequest(text=query, limit=limit, type=type_, image=image.read_bytes() if image else None)
    try:
        request.checked()
    except SearchInputError as error:
        raise common.CliError(str(error).replace("`query`", "QUERY").replace("`image`", "--image")) from None
    with common.open_graph(settings) as driver:
        engine = HybridSearch(load_vectors(settings, driver))
        try:
            result = engine.search_sync(request)
        except (SearchInputError, ImageSearchUnavailable) as error:
            raise common.CliError(str(error)) from None
        if as_json:
            click.echo(json.dumps({"query": query, "hits": [hit.as_json() for hit in result.hits]}, ensure_ascii=False))
        else:
            print_table(result)
        if not settings.search_record:
            return
        try:
            record_search(driver, settings.neo4j_database, result.recorded())
        except Exception as error:
            common.err.print(f"warning: this search was not recorded in the graph ({error})", highlight=False)
