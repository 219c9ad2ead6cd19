"""`matchgraph rank`: recompute head-to-head edges from probe results, then every artifact's rank.

    matchgraph rank [--top N] [--json] [--skip-head-to-head] [--artifact SLUG [--explain]]

The formula is in services/rank_model.py (and docs/rank.md); the Cypher and the
read-compute-write sequence (`recompute`) in graphdb/repository/rank.py; Bradley–Terry in
probes/headtohead.py.
"""

from __future__ import annotations

import json
from contextlib import nullcontext

import click
from rich.console import JustifyMethod
from rich.table import Table

from graph_service.commands import common
from graphdb.repository.rank import RankStore
from ingest.records import slugify
from services.rank import RankRun, recompute


def _report(run: RankRun, top: int, explained) -> dict:
    report = {
        "ranked": len(run.results),
        "headToHead": {
            "skipped": run.head_to_head_skipped,
            "probes": run.probes,
            "groups": [{"task": g.task, "device": g.device, "metric": g.metric} for g in run.head_to_head_groups],
            "edges": run.head_to_head_edges,
        },
        "roundTrips": run.round_trips,
        "seconds": run.seconds,
        "top": [
            {"slug": r.slug, "name": r.name, "computedRank": r.rank, "rank": r.published_rank}
            for r in run.results[:top]
        ],
    }
    if explained is not None:
        report["artifact"] = explained.as_json()
    return report


def _print_table(out, run: RankRun, top: int) -> None:
    table = Table(title=f"Top {min(top, len(run.results))} of {len(run.results)} by computed rank")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("#", "right"),
        ("artifact", "left"),
        ("computed", "right"),
        ("published", "right"),
        ("change", "right"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)
    for position, result in enumerate(run.results[:top], start=1):
        published = "–" if result.published_rank is None else str(result.published_rank)
        change = "" if result.published_rank is None else f"{result.rank - result.published_rank:+.2f}"
        table.add_row(str(position), result.name, f"{result.rank:.2f}", published, change)
    out.print(table)


def _print_explanation(out, result, explain: bool) -> None:
    published = "none" if result.published_rank is None else f"{result.published_rank}/100"
    out.print(
        f"[bold]{result.name}[/] ({result.slug}): computed rank [bold]{result.rank:.2f}[/], published {published}",
        highlight=False,
    )
    if not explain:
        return
    table = Table(title="Contributions (they sum to the computed rank)")
    explanation_columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("signal", "left"),
        ("value", "right"),
        ("weight", "right"),
        ("points", "right"),
        ("detail", "left"),
    )
    for column, justify in explanation_columns:
        table.add_column(column, justify=justify)
    for c in result.contributions:
        value = "missing" if c.value is None else f"{c.value:.4f}"
        table.add_row(c.signal, value, f"{c.weight:.4f}", f"{c.contribution:.2f}", c.detail)
    table.add_row("total", "", f"{sum(c.weight for c in result.contributions):.4f}", f"{result.rank:.2f}", "")
    out.print(table)


@click.command("rank")
@click.option(
    "--top",
    default=20,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="How many artifacts to list, best first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.option(
    "--artifact",
    "artifact_key",
    default=None,
    metavar="SLUG",
    help="Also show this artifact's rank (slug or exact name).",
)
@click.option("--explain", is_flag=True, help="With --artifact: every signal's value, weight and contribution.")
@click.option(
    "--skip-head-to-head",
    is_flag=True,
    help="Keep the current HEAD_TO_HEAD edges instead of refitting them from probe results first.",
)
@click.pass_context
def rank(
    ctx: click.Context, top: int, as_json: bool, artifact_key: str | None, explain: bool, skip_head_to_head: bool
) -> None:
    """Recompute head-to-head edges and every described artifact's computed rank (0..100).

    Prints the top artifacts by computed rank with the published rank beside it; the formula is in
    docs/rank.md.
    """
    common.friendly_errors(_rank)(ctx, top, as_json, artifact_key, explain, skip_head_to_head)


def _rank(
    ctx: click.Context, top: int, as_json: bool, artifact_key: str | None, explain: bool, skip_head_to_head: bool
) -> None:
    CliError, err, out = common.CliError, common.err, common.out

    if explain and not artifact_key:
        raise CliError("--explain needs --artifact SLUG")
    slug = slugify(artifact_key) if artifact_key else None
    if artifact_key is not None and not slug:
        raise CliError(f"--artifact {artifact_key!r} is not a name or slug")
    settings = common.settings_from(ctx)
    common.ensure_graph(settings)
    with common.open_graph(settings) as driver:
        if slug is not None:
            status = RankStore(driver, settings.neo4j_database).artifact_status(slug)
            if status is None:
                raise CliError(f"no artifact {artifact_key!r} in the graph")
            if status["mentionedOnly"]:
                raise CliError(
                    f"{status['name']!r} is only mentioned by other pages: it has no computed rank "
                    "until a page describes it"
                )
        showing = not as_json and err.is_terminal
        with err.status("ranking…", spinner="dots") if showing else nullcontext() as spinner:

            def stage(name: str) -> None:
                if spinner is not None:
                    spinner.update(name + "…")

            run = recompute(
                driver,
                settings.neo4j_database,
                weights=settings.rank_weights,
                resamples=settings.head_to_head_resamples,
                seed=settings.head_to_head_seed,
                head_to_head=not skip_head_to_head,
                stage=stage,
            )
    explained = run.result_for(slug) if slug else None
    if as_json:
        click.echo(json.dumps(_report(run, top, explained), ensure_ascii=False))
        return
    if run.head_to_head_skipped:
        err.print("head-to-head: skipped (kept the existing edges)")
    else:
        err.print(
            f"head-to-head: {run.probes} probe result(s), {len(run.head_to_head_groups)} group(s), "
            f"{run.head_to_head_edges} edge(s)",
            highlight=False,
        )
    total = sum(run.seconds.values())
    err.print(
        f"ranked {len(run.results)} artifact(s) in {total:.2f}s ({run.round_trips} Cypher round trips)", highlight=False
    )
    if top:
        _print_table(out, run, top)
    if explained is not None:
        _print_explanation(out, explained, explain)
