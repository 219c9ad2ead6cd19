"""`matchgraph probe`: measure artifacts, record the probes in the graph, check their claims.

    matchgraph probe --artifact SLUG [--kind architecture|classification_top1|prompt_adherence]
                     [--device auto|cpu|cuda] [--batch-sizes 1,8,32] [--repeats N] [--spec FILE]
                     [--data FOLDER] [--weights PATH] [--json]
    matchgraph probe --all                       every artifact in the graph that has a spec
    matchgraph probe import RESULTS.json…        record results measured elsewhere (benchmarks.probe_bench,
                                                 benchmarks.gpu_report: probes measured on a bare GPU box)
    matchgraph probe list [--json]               specs, what the graph knows of them, claim counts

Exit status: 0 when every probe ran (ok or skipped), 1 when one failed or an imported record names
an artifact the graph lacks, 2 on a usage, configuration or connection error.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from graph_service.commands import common
from graphdb.vocabulary import DEVICE_CHOICES, check_batch_sizes
from probes.devices import DeviceUnavailable
from probes.records import KINDS, ProbeResult, read_results, summary_line
from probes.runner import ProbeRequest, run_probe
from probes.specs import SpecError, SpecRegistry
from probes.verify import human
from services.probe_runs import ProbeRecorder


def _friendly(command):
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return common.friendly_errors(command)(*args, **kwargs)

    return wrapper


def _batch_sizes(ctx, param, value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        sizes = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers like 1,8,32 (got {value!r})") from None
    try:
        return check_batch_sizes(sizes)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def probe_options(command):
    options = [
        click.option("--artifact", "artifacts", multiple=True, metavar="SLUG", help="Artifact slug (repeatable)."),
        click.option("--all", "all_artifacts", is_flag=True, help="Every artifact in the graph that has a spec."),
        click.option("--kind", type=click.Choice(KINDS), default="architecture", show_default=True),
        click.option(
            "--device",
            type=click.Choice(DEVICE_CHOICES),
            default=None,
            help="Where to run (default MATCHGRAPH_PROBE_DEVICE, auto: CUDA when there is one).",
        ),
        click.option(
            "--batch-sizes",
            callback=_batch_sizes,
            metavar="LIST",
            help="Architecture probes: e.g. 1,8,32 (default: CPU 1,8; CUDA 1,8,32).",
        ),
        click.option(
            "--repeats",
            type=click.IntRange(1, 1000),
            default=None,
            help="Timed forwards per batch size (default: CPU 3, CUDA 10).",
        ),
        click.option(
            "--image-size",
            type=click.IntRange(8, 4096),
            default=None,
            help="Architecture probes: time a smaller input (recorded as scaled down).",
        ),
        click.option(
            "--spec",
            "spec_files",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A JSON or YAML spec file (repeatable); replaces built-in specs of the same slug.",
        ),
        click.option("--weights", help="Quality probes: real weights, a local folder or cached hub id."),
        click.option(
            "--data",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="classification_top1: a labelled folder (one sub-folder per label).",
        ),
        click.option("--dataset", help="classification_top1: the data set's name (default: the folder's name)."),
        click.option("--scorer", help="prompt_adherence: a CLIP model folder or cached hub id."),
        click.option(
            "--prompts",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="prompt_adherence: one prompt per line, or a JSON list.",
        ),
        click.option(
            "--steps",
            type=click.IntRange(1, 1000),
            default=20,
            show_default=True,
            help="prompt_adherence: sampling steps.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group("probe", invoke_without_command=True)
@probe_options
@click.pass_context
@_friendly
def probe(ctx: click.Context, **options) -> None:
    """Measure artifacts with probes, record them in the graph and check their claims.

    Runs probes with `--artifact SLUG` (repeatable) or `--all`: `matchgraph probe --artifact
    mobilevit-small`. The verbs `import` and `list` take their own options.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not options["artifacts"] and not options["all_artifacts"]:
        raise common.CliError("give --artifact SLUG or --all (or a verb: import, list; see --help)")
    _run(ctx, **options)


def _registry(spec_files):
    try:
        return SpecRegistry.load(list(spec_files))
    except SpecError as error:
        raise common.CliError(str(error)) from None


def _run(
    ctx,
    artifacts,
    all_artifacts,
    kind,
    device,
    batch_sizes,
    repeats,
    image_size,
    spec_files,
    weights,
    data,
    dataset,
    scorer,
    prompts,
    steps,
    as_json,
) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    settings = common.settings_from(ctx)
    device = device or settings.probe_device
    batch_sizes = batch_sizes or settings.probe_batch_sizes or None
    repeats = repeats or settings.probe_repeats or None  # 0: the device's default
    registry = _registry(spec_files)
    if all_artifacts and artifacts:
        raise common.CliError("give --artifact or --all, not both")
    common.ensure_graph(settings)
    with common.open_graph(settings) as driver:
        store = ProbeRecorder(driver, settings.neo4j_database)
        if all_artifacts:
            slugs = sorted(store.existing_artifacts(registry.slugs()))
            if not slugs:
                raise common.CliError("no artifact in the graph has a probe spec (ingest the documents first)")
        else:
            slugs = list(dict.fromkeys(artifacts))
            known = store.existing_artifacts(slugs)
            missing = [slug for slug in slugs if slug not in known]
            if missing:
                raise common.CliError(
                    f"not in the graph: {', '.join(missing)} (artifact slugs, e.g. stable-diffusion-3-5-large)"
                )
        if kind == "architecture":
            for slug in slugs:
                try:
                    registry.require(slug)
                except SpecError as error:
                    raise common.CliError(str(error)) from None
        results: list[ProbeResult] = []
        verdicts: dict = {}
        try:
            with _progress(enabled=not as_json) as progress:
                for slug in slugs:
                    task = progress.add_task(f"{slug} ({kind})", total=1.0)
                    update = lambda fraction, message, task=task: progress.update(
                        task, completed=fraction, detail=message[:60]
                    )
                    request = ProbeRequest(
                        slug=slug,
                        kind=kind,
                        device=device,
                        batch_sizes=batch_sizes,
                        repeats=repeats,
                        image_size=image_size,
                        weights=weights,
                        data=data,
                        dataset=dataset,
                        scorer=scorer,
                        prompts=prompts,
                        steps=steps,
                    )
                    result = run_probe(request, registry, on_progress=update)
                    progress.update(task, completed=1.0, detail=result.status)
                    results.append(result)
                    verdicts.update(store.record_and_verify([result]))
        except (SpecError, DeviceUnavailable) as error:
            raise common.CliError(str(error)) from None
        claims = {slug: store.claims_about(slug) for slug in verdicts}
    _report(results, claims, as_json)
    if any(r.status == "failed" for r in results):
        ctx.exit(common.EXIT_PROBLEMS)


class _NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_task(self, *args, **kwargs):
        return 0

    def update(self, *args, **kwargs):
        pass


def _progress(enabled: bool):
    if not enabled:
        return _NoProgress()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
    )
    return _ProgressWithDetail(*columns, console=common.err, transient=not common.err.is_terminal)


class _ProgressWithDetail:
    """rich Progress whose tasks always carry a `detail` field (the probe's current step)."""

    def __init__(self, *columns, **kwargs):
        self._progress = Progress(*columns, **kwargs)

    def __enter__(self):
        self._progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self._progress.__exit__(*exc)

    def add_task(self, description, total):
        return self._progress.add_task(description, total=total, detail="")

    def update(self, task, **fields):
        self._progress.update(task, **fields)


def _claim_json(claim: dict) -> dict:
    return {
        "id": claim["id"],
        "metric": claim["metric"],
        "value": claim["value"],
        "valueMax": claim.get("valueMax"),
        "unit": claim.get("unit"),
        "qualifier": claim.get("qualifier"),
        "status": claim.get("status"),
        "measured": claim.get("measured"),
        "tolerance": claim.get("tolerance"),
        "reason": claim.get("statusReason"),
    }


def _counts(claims: list[dict]) -> dict[str, int]:
    return {
        status: sum(1 for c in claims if (c.get("status") or "unverified") == status)
        for status in ("verified", "refuted", "unverified")
    }


def _report(results: list[ProbeResult], claims: dict[str, list[dict]], as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "probes": [r.to_json() for r in results],
                    "claims": {slug: [_claim_json(c) for c in found] for slug, found in claims.items()},
                    "counts": {slug: _counts(found) for slug, found in claims.items()},
                },
                ensure_ascii=False,
            )
        )
        return
    for result in results:
        common.out.print(summary_line(result), highlight=False, soft_wrap=True)
    for slug, found in claims.items():
        counts = _counts(found)
        table = Table(
            title=f"{slug}: {counts['verified']} verified, {counts['refuted']} refuted, "
            f"{counts['unverified']} unverified",
            title_justify="left",
        )
        for column in ("metric", "claimed", "status", "measured", "why"):
            table.add_column(column, overflow="fold")
        for claim in found:
            claimed = _claimed(claim)
            status = claim.get("status") or "unverified"
            colour = {"verified": "green", "refuted": "red"}.get(status, "yellow")
            measured = "" if claim.get("measured") is None else f"{claim['measured']:.6g}"
            table.add_row(claim["metric"], claimed, f"[{colour}]{status}[/]", measured, claim.get("statusReason") or "")
        common.out.print(table)


def _claimed(claim: dict) -> str:
    value = human(claim["value"])
    if claim.get("valueMax") is not None:
        value += f"–{human(claim['valueMax'])}"
    comparator = claim.get("comparator") or "="
    text = f"{'' if comparator == '=' else comparator}{value} {claim.get('unit') or ''}".strip()
    return text + (f" ({claim['qualifier']})" if claim.get("qualifier") else "")


@probe.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report on stdout.")
@click.pass_context
@_friendly
def probe_import(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Record results measured elsewhere (`python -m benchmarks.probe_bench --json FILE`) and check claims.

    Records are keyed by their id: importing a file twice records nothing new.
    """
    results: list[ProbeResult] = []
    for path in files:
        try:
            results += read_results(path)
        except ValueError as error:
            raise common.CliError(str(error)) from None
    settings = common.settings_from(ctx)
    common.ensure_graph(settings)
    with common.open_graph(settings) as driver:
        store = ProbeRecorder(driver, settings.neo4j_database)
        known = store.existing_artifacts([r.artifact_slug for r in results])
        recorded = [r for r in results if r.artifact_slug in known]
        missing = sorted({r.artifact_slug for r in results} - known)
        verdicts = store.record_and_verify(recorded)
        claims = {slug: store.claims_about(slug) for slug in verdicts}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "read": len(results),
                    "recorded": len(recorded),
                    "notInGraph": missing,
                    "counts": {slug: _counts(found) for slug, found in claims.items()},
                    "claims": {slug: [_claim_json(c) for c in found] for slug, found in claims.items()},
                },
                ensure_ascii=False,
            )
        )
    else:
        common.out.print(f"read {len(results)} probe record(s), recorded {len(recorded)}")
        for slug, found in claims.items():
            counts = _counts(found)
            common.out.print(
                f"  {slug}: {counts['verified']} verified, {counts['refuted']} refuted, "
                f"{counts['unverified']} unverified claims",
                highlight=False,
            )
        for slug in missing:
            common.err.print(
                f"[red]not recorded[/] {slug}: not in the graph (ingest a page that names it)", highlight=False
            )
    if missing:
        ctx.exit(common.EXIT_PROBLEMS)


@probe.command("list")
@click.option(
    "--spec",
    "spec_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra spec files (JSON or YAML).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.pass_context
@_friendly
def probe_list(ctx: click.Context, spec_files: tuple[Path, ...], as_json: bool) -> None:
    """The probe specs, whether the graph has each artifact, its latest probe and claim counts."""
    registry = _registry(spec_files)
    settings = common.settings_from(ctx)
    common.ensure_graph(settings)
    rows = []
    with common.open_graph(settings) as driver:
        store = ProbeRecorder(driver, settings.neo4j_database)
        known = store.existing_artifacts(registry.slugs())
        for slug in registry.slugs():
            spec = registry.get(slug)
            latest = store.probes_of(slug)[:1] if slug in known else []
            claims = store.claims_about(slug) if slug in known else []
            rows.append(
                {
                    "slug": slug,
                    "library": spec.library,
                    "modelClass": spec.model_class,
                    "task": spec.task,
                    "spec": spec.origin,
                    "inGraph": slug in known,
                    "counts": _counts(claims),
                    "latestProbe": (
                        {
                            "kind": latest[0].kind,
                            "device": latest[0].device,
                            "status": latest[0].status,
                            "startedAt": latest[0].started_at,
                        }
                        if latest
                        else None
                    ),
                }
            )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table()
    for column in ("artifact", "model", "task", "in graph", "latest probe", "claims (✓ / ✗ / ?)"):
        table.add_column(column)
    for row in rows:
        latest = row["latestProbe"]
        table.add_row(
            row["slug"],
            f"{row['library']}.{row['modelClass']}",
            row["task"],
            "yes" if row["inGraph"] else "no",
            f"{latest['kind']} on {latest['device']}: {latest['status']}" if latest else "",
            "{verified} / {refuted} / {unverified}".format(**row["counts"]) if row["inGraph"] else "",
        )
    common.out.print(table)
