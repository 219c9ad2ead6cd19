"""`matchgraph ingest PATH…`: comparison documents into the graph, then the embedding stage."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from graph_service.commands.common import (
    EXIT_PROBLEMS,
    ensure_graph,
    err,
    friendly_errors,
    open_graph,
    out,
    settings_from,
)
from graph_service.commands.index import print_embedding_summary, run_embedding
from graphdb.config import Settings
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.writer import GraphWriter


def run_ingest(settings: Settings, paths, batch_size: int, as_json: bool, quiet: bool = False):
    """Ingests ``paths`` with a progress bar on a terminal, one line per file otherwise."""
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
                err.print(
                    f"  {outcome.status:<9} {outcome.source}{detail}", highlight=False, markup=False, soft_wrap=True
                )

            report = ingester.ingest(read_inputs(files), on_outcome=line)
    return report


def print_ingest_summary(report) -> None:
    rate = report.read / report.seconds if report.seconds else 0.0
    out.print(
        f"read {report.read}, ingested {report.ingested}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)} ({report.seconds:.1f}s, {rate:.0f} documents/s)"
    )
    if report.partial:
        out.print(
            f"{len(report.partial)} ingested as partial (truncated): " + ", ".join(report.partial),
            highlight=False,
            soft_wrap=True,
        )
    for rejection in report.rejected:
        out.print(f"[red]rejected[/] {rejection.path}: {rejection.reason}", highlight=False, soft_wrap=True)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.option(
    "--batch-size",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Documents per transaction (a failing batch is retried one document at a time).",
)
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
    embedded = None if no_embed else run_embedding(settings, quiet=as_json)
    if as_json:
        click.echo(
            json.dumps({**report.as_json(), "embedded": embedded.as_json() if embedded else None}, ensure_ascii=False)
        )
    elif embedded is not None:
        print_embedding_summary(embedded)
    sys.exit(EXIT_PROBLEMS if report.rejected or (embedded is not None and embedded.error) else 0)
