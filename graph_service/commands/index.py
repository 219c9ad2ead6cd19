"""`matchgraph index rebuild|status|refresh` and `matchgraph image add`, and the embedding stage as
the CLI runs it after `ingest` and in `demo` (with a progress bar on a terminal).

    matchgraph index status [--json]             each index: kind, count, model, fresh or why not
    matchgraph index rebuild [--name N]          embed what is pending (images too), rebuild from the graph
    matchgraph index refresh [--json]            after edits outside matchgraph: every search catalog reloads
    matchgraph image add ARTIFACT FILE… [--kind logo|sample|probe] [--json]
"""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from embed.catalog import SearchCatalog
from embed.image_store import ImageError, attach_images, check_image
from embed.stage import EmbeddingStage
from embed.vectors import INDEX_NAMES, VectorService
from graph_service.commands import common
from graphdb.vocabulary import IMAGE_KINDS


def _progress_bar(console, enabled: bool):
    """A rich progress bar and a `progress(phase, done, total)` callback feeding it (None when off)."""
    if not enabled:
        return nullcontext(), None
    bar = Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def progress(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(f"embedding {phase}", total=total)
        bar.update(tasks[phase], completed=done, total=total)

    return bar, progress


def run_embedding(settings, quiet: bool = False, embed_images: bool = False, driver=None):
    """The embedding stage on the configured graph (progress bar on a terminal unless quiet).

    Never raises for a failure of the stage itself: the report carries it (the documents are in).
    """
    bar, progress = _progress_bar(common.err, common.err.is_terminal and not quiet)
    with nullcontext(driver) if driver is not None else common.open_graph(settings) as graph, bar:
        return EmbeddingStage(settings, graph, progress=progress, embed_images=embed_images).run()


def print_embedding_summary(report) -> None:
    if report.error:
        common.err.print(f"[bold red]embedding failed:[/] {report.error}", highlight=False, soft_wrap=True)
        common.err.print(
            "The documents are ingested; run `matchgraph index rebuild` (or the same ingest again) "
            "to finish embedding them.",
            highlight=False,
        )
    else:
        common.out.print(report.summary(), highlight=False, soft_wrap=True)


# -- matchgraph index ---------------------------------------------------------------------------------
@click.group("index")
def index() -> None:
    """The vector indexes (capabilities, artifact names, images) under MATCHGRAPH_DATA_DIR/indexes."""


@index.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def index_status(ctx: click.Context, as_json: bool) -> None:
    """Each index: kind, vectors, model, whether it matches the graph (exit 1 when one does not)."""
    common.friendly_errors(_status)(ctx, as_json)


def _status(ctx: click.Context, as_json: bool) -> None:
    settings = common.settings_from(ctx)
    common.ensure_graph(settings)
    with common.open_graph(settings) as driver:
        status = VectorService(settings, driver).status()
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False))
    else:
        for name in INDEX_NAMES:
            entry = status[name]
            fresh = "[green]fresh[/]" if entry["fresh"] else "[yellow]stale[/]"
            if entry["state"] == "ok":
                common.out.print(
                    f"{name:<13} {fresh}  {entry['kind']}, {entry['count']} vectors, "
                    f"{entry['dimension']}-d, {entry['model']}",
                    highlight=False,
                    soft_wrap=True,
                )
            else:
                common.out.print(
                    f"{name:<13} {fresh}  {entry['state']}: {entry['reason']}", highlight=False, soft_wrap=True
                )
        common.out.print(f"images: {status['images']['imageSearch']}", highlight=False, soft_wrap=True)
        common.out.print(f"files in {Path(status['capabilities']['path']).parent}", highlight=False)
    sys.exit(0 if all(status[name]["fresh"] for name in INDEX_NAMES) else 1)


@index.command("rebuild")
@click.option(
    "--name",
    "names",
    multiple=True,
    type=click.Choice(INDEX_NAMES),
    help="Rebuild only this index (repeatable); default all.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.pass_context
def index_rebuild(ctx: click.Context, names: tuple[str, ...], as_json: bool) -> None:
    """Embed whatever is pending (capabilities, names, classes, images when MATCHGRAPH_VIT_MODEL is set),
    then rebuild the indexes from the vectors in the graph."""
    common.friendly_errors(_rebuild)(ctx, list(names), as_json)


def _rebuild(ctx: click.Context, names: list[str], as_json: bool) -> None:
    settings = common.settings_from(ctx)
    common.ensure_graph(settings)
    with common.open_graph(settings) as driver:
        vectors = VectorService(settings, driver)
        bar, progress = _progress_bar(common.err, common.err.is_terminal and not as_json)
        with bar:
            report = EmbeddingStage(
                settings,
                driver,
                vectors=vectors,
                progress=progress,
                update_indexes=False,
                embed_images=bool(settings.vit_model),
            ).run()
        if report.error:
            if as_json:
                click.echo(json.dumps({"embedded": report.as_json(), "rebuilt": []}))
            raise common.CliError(f"embedding failed: {report.error}")
        rebuilt = vectors.rebuild(names or None)
        status = vectors.status()
    if as_json:
        click.echo(json.dumps({"embedded": report.as_json(), "rebuilt": rebuilt, "status": status}, ensure_ascii=False))
    else:
        print_embedding_summary(report)
        for line in vectors.events:
            common.out.print(line, highlight=False, soft_wrap=True)
        common.out.print(f"images: {status['images']['imageSearch']}", highlight=False, soft_wrap=True)
    sys.exit(0)


@index.command("refresh")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.pass_context
def index_refresh(ctx: click.Context, as_json: bool) -> None:
    """Make search see edits made outside matchgraph (plain Cypher, Neo4j Browser).

    matchgraph's own writes reach every server's search catalog at its next check (they bump the
    graph's data version); other edits do not. This starts a new generation of that version, so
    every running server loads its catalog whole at its next check (a few seconds after a search),
    and loads it here once to report what search now sees. Servers also find such edits by
    themselves every MATCHGRAPH_CATALOG_FULL_CHECK_INTERVAL seconds."""
    common.friendly_errors(_refresh)(ctx, as_json)


def _refresh(ctx: click.Context, as_json: bool) -> None:
    settings = common.settings_from(ctx)
    common.ensure_graph(settings)
    with common.open_graph(settings) as driver:
        catalog = SearchCatalog(driver, settings.neo4j_database)
        version = catalog.repository.new_generation()
        catalog.refresh()
        stats = catalog.stats()
    report = {
        "generation": version.generation,
        "version": version.version,
        "artifacts": stats["artifacts"],
        "capabilities": stats["capabilities"],
        "images": stats["images"],
    }
    if as_json:
        click.echo(json.dumps(report))
        return
    common.out.print(
        f"search catalog reloaded from the graph: {report['artifacts']} artifacts, "
        f"{report['capabilities']} capabilities, {report['images']} images; data version {report['version']}, "
        "new generation: running servers load it whole at their next check",
        highlight=False,
        soft_wrap=True,
    )


# -- matchgraph image -----------------------------------------------------------------------------------
@click.group("image")
def image() -> None:
    """Images of artifacts (logos, samples, probe outputs), stored under MATCHGRAPH_DATA_DIR/images."""


@image.command("add")
@click.argument("artifact")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind", default="sample", show_default=True, type=click.Choice(IMAGE_KINDS), help="What the image shows."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.pass_context
def image_add(ctx: click.Context, artifact: str, files: tuple[Path, ...], kind: str, as_json: bool) -> None:
    """Attach image FILEs to ARTIFACT (slug or exact name) and embed them for image search.

    Without ViT weights (MATCHGRAPH_VIT_MODEL) the images are stored but not searchable until
    `matchgraph index rebuild` embeds them.
    """
    common.friendly_errors(_image_add)(ctx, artifact, list(files), kind, as_json)


def _image_add(ctx: click.Context, artifact: str, files: list[Path], kind: str, as_json: bool) -> None:
    settings = common.settings_from(ctx)
    # Every file is checked before anything is written: one bad file stops the command cleanly.
    checked = []
    for path in files:
        try:
            checked.append(check_image(path.read_bytes(), settings.image_max_bytes, name=str(path)))
        except ImageError as error:
            raise common.CliError(str(error)) from None
    common.ensure_graph(settings)
    with common.open_graph(settings) as driver:
        vectors = VectorService(settings, driver)
        try:
            attached = attach_images(vectors, artifact, checked, kind)
        except ImageError as error:
            raise common.CliError(str(error)) from None
    if as_json:
        click.echo(json.dumps({"attached": [a.as_json() for a in attached]}, ensure_ascii=False))
        return
    for path, result in zip(files, attached):
        where = f"{result.width}×{result.height} {result.media_type}"
        state = "searchable" if result.searchable else f"stored, not searchable: {result.reason}"
        common.out.print(
            f"{path} -> {result.artifact} as {kind} (image {result.id}, {where}): {state}",
            highlight=False,
            soft_wrap=True,
        )
