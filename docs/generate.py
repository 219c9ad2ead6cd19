"""The generated parts of the docs: configuration and CLI reference from the code, benchmark tables
from `benchmarks/results/*.json`.

The pages hold cog blocks (https://nedbatchelder.com/code/cog/) that call the functions here, so a
page is hand-written prose around tables that cannot drift from the code. Regenerate every page with

    python -m docs.generate            # rewrites the cog blocks in place
    python -m docs.generate --check    # exit 1 (with a diff) when a page is out of date

from the repository root. `tests/test_docs.py` runs the check. Nothing here touches the network or
Neo4j: the configuration comes from the pydantic fields of `graphdb.config.Settings`, the CLI from
the click commands of `graph_service.cli.main`, the figures from the JSON files.
"""

from __future__ import annotations

import inspect
import io
import json
import re
import sys
import types
import typing
from collections.abc import Iterable
from pathlib import Path

import click
import graphql
from cogapp import Cog
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from embed import search
from graph_service.cli import main as cli_main
from graph_service.metrics import Metrics
from graphdb import vocabulary
from graphdb.config import Settings

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"

# Every page with cog blocks, relative to the repository root.
PAGES = (
    "docs/configuration.md",
    "docs/cli.md",
    "docs/graph-model.md",
    "docs/search.md",
    "docs/rank.md",
    "docs/api.md",
    "docs/operations.md",
    "benchmarks/README.md",
)


# -- configuration ---------------------------------------------------------------------------------

# What each environment variable means, keyed by the variable (not the Python field, whose name may
# change). A Settings field missing here fails the docs test, so no variable goes undocumented.
DESCRIPTIONS: dict[str, str] = {
    "NEO4J_URI": "A Neo4j server to use (`bolt://`, `neo4j://` and their `+s` / `+ssc` variants). "
    "Unset: matchgraph runs its own local Neo4j ([operations](operations.md#the-local-neo4j)).",
    "NEO4J_USER": "User for `NEO4J_URI`.",
    "NEO4J_PASSWORD": "Password for `NEO4J_URI`; required when it is set.",
    "NEO4J_DATABASE": "Database name.",
    "MATCHGRAPH_DATA_DIR": "State: the local Neo4j's data and password, the vector indexes, stored images.",
    "MATCHGRAPH_CACHE_DIR": "Downloads and builds: the Neo4j jars, the venvs, the ONNX text model.",
    "MATCHGRAPH_NEO4J_BOLT_PORT": "Bolt port of the local Neo4j (bound to 127.0.0.1).",
    "MATCHGRAPH_NEO4J_HTTP_PORT": "HTTP port of the local Neo4j (Neo4j Browser; bound to 127.0.0.1).",
    "MATCHGRAPH_NEO4J_HEAP": "Heap of the local Neo4j (`512m`, `2g`, …).",
    "MATCHGRAPH_NEO4J_PAGECACHE": "Page cache of the local Neo4j.",
    "MATCHGRAPH_NEO4J_START_TIMEOUT": "Seconds to wait for the local Neo4j to answer on Bolt.",
    "MATCHGRAPH_HOST": "Address the API listens on.",
    "MATCHGRAPH_PORT": "Port the API listens on.",
    "MATCHGRAPH_API_KEYS": "Comma-separated keys that may call mutations; none = mutations disabled.",
    "MATCHGRAPH_LOG_LEVEL": "`critical`, `error`, `warning`, `info`, `debug` or `trace`.",
    "MATCHGRAPH_RATE_LIMIT_ANONYMOUS": "Requests per minute on `/graphql` per client address without a key (0 = unlimited).",
    "MATCHGRAPH_RATE_LIMIT_KEYED": "Requests per minute on `/graphql` per API key (0 = unlimited).",
    "MATCHGRAPH_TRUST_FORWARDED_FOR": "Key anonymous clients by the first `X-Forwarded-For` hop (behind a proxy).",
    "MATCHGRAPH_CORS_ORIGINS": "Comma-separated origins allowed to call the API from a browser.",
    "MATCHGRAPH_MAX_BODY_BYTES": "Largest request body (HTTP 413 above).",
    "MATCHGRAPH_MAX_QUERY_DEPTH": "Deepest nesting of a GraphQL query.",
    "MATCHGRAPH_MAX_QUERY_ALIASES": "Most aliases in one GraphQL query.",
    "MATCHGRAPH_MAX_QUERY_TOKENS": "Most tokens in one GraphQL document.",
    "MATCHGRAPH_MAX_QUERY_COST": "Largest estimated answer of a GraphQL query ([api](api.md#limits)).",
    "MATCHGRAPH_TAXONOMY_THRESHOLD": "A capability whose cosine to its nearest taxonomy class is lower is "
    "`capability://unclassified` ([embeddings](embeddings.md#taxonomy)).",
    "MATCHGRAPH_ANN_THRESHOLD": "Vector count from which an index is HNSW instead of exact.",
    "MATCHGRAPH_INDEX_CHECK_INTERVAL": "Seconds between a server's background checks of the graph for new vectors "
    "and search-catalog changes.",
    "MATCHGRAPH_FAISS_THREADS": "OpenMP threads of FAISS. Searches are single queries, which more threads slow down "
    "on a busy machine; raise it for faster index builds on many cores.",
    "MATCHGRAPH_IMAGE_MAX_BYTES": "Largest image `image add` and `attachImage` accept.",
    "MATCHGRAPH_SEARCH_RECORD": "Write every search to the graph ([search](search.md#every-search-feeds-the-graph)).",
    "MATCHGRAPH_SEARCH_RECORD_QUEUE": "Searches the API's recorder may hold before it drops (and counts) new ones.",
    "MATCHGRAPH_PROBE_DEVICE": "Where probes run: `auto` (CUDA when there is one), `cpu`, `cuda`.",
    "MATCHGRAPH_PROBE_BATCH_SIZES": "Architecture probes' batch sizes, like `1,8,32`; empty = the device's defaults "
    "(CPU 1,8; CUDA 1,8,32).",
    "MATCHGRAPH_PROBE_REPEATS": "Timed repeats per batch size; 0 = the device's default (CPU 3, CUDA 10).",
    "MATCHGRAPH_PROBE_SPECS": "Comma-separated extra probe spec files (JSON or YAML) for the API's probe jobs.",
    "MATCHGRAPH_PROBE_FILES_DIR": "The only folder whose weights, data and prompt files `queueProbe` may name.",
    "MATCHGRAPH_RANK_WEIGHTS": "Rank weights as `signal=weight,…` over the defaults, normalised to sum to 1 "
    "([rank](rank.md#weights)).",
    "MATCHGRAPH_HEAD_TO_HEAD_RESAMPLES": "Bootstrap resamples for head-to-head confidence intervals.",
    "MATCHGRAPH_HEAD_TO_HEAD_SEED": "Seed of the head-to-head bootstrap.",
    "MATCHGRAPH_EMBED_BACKEND": "Text embedder: `auto` (the checked ONNX int8 fast path on CPU, torch fp16 on CUDA), "
    "`onnx` or `torch` ([embeddings](embeddings.md#text)).",
    "MATCHGRAPH_DEVICE": "Where the embedders' torch models run: `auto` (CUDA when there is one), `cpu`, `cuda`.",
    "MATCHGRAPH_VIT_MODEL": "ViT for image embeddings: a local folder as `save_pretrained` writes it, or a hub id "
    "already in the local Hugging Face cache. Unset: no image search.",
    "MATCHGRAPH_CATALOG_FULL_CHECK_INTERVAL": "Seconds between a server's full checks of its search catalog against "
    "the graph, for edits made outside matchgraph; 0 = never "
    "([search](search.md#edits-made-outside-matchgraph)).",
}

# Defaults the field cannot show by itself: computed ones, and None standing for a derived value.
DEFAULT_TEXT: dict[str, str] = {
    "MATCHGRAPH_DATA_DIR": "`$XDG_DATA_HOME/matchgraph` (`~/.local/share/matchgraph`)",
    "MATCHGRAPH_CACHE_DIR": "`$XDG_CACHE_HOME/matchgraph` (`~/.cache/matchgraph`)",
    "MATCHGRAPH_PROBE_FILES_DIR": "`$MATCHGRAPH_DATA_DIR/probe-files`",
}


class UndocumentedSetting(Exception):
    """A Settings field has no entry in DESCRIPTIONS (or an entry names no field)."""


def variable_name(name: str, field: FieldInfo) -> str:
    """The environment variable a field reads (its first alias, else the upper-cased field name)."""
    alias = field.validation_alias or field.alias
    if alias is None:
        return name.upper()
    if isinstance(alias, str):
        return alias
    choices = getattr(alias, "choices", None)  # AliasChoices
    if choices:
        first = choices[0]
        return first if isinstance(first, str) else ".".join(str(p) for p in getattr(first, "path", first))
    return str(alias)


def type_text(annotation) -> str:
    """A short, readable name of a field's type (`int`, `path`, `str or unset`, `list of int`)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return type_text(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        parts = [a for a in typing.get_args(annotation) if a is not type(None)]
        text = " or ".join(type_text(p) for p in parts)
        return f"{text} or unset" if len(parts) < len(typing.get_args(annotation)) else text
    if origin is typing.Literal:
        return " \\| ".join(f"`{v}`" for v in typing.get_args(annotation))
    if origin in (list, tuple, set, frozenset):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return f"list of {type_text(args[0])}" if args else "list"
    if origin is dict:
        return "`key=value,…` pairs"
    if isinstance(annotation, type):
        if issubclass(annotation, Path):
            return "path"
        names = {"str": "text", "bool": "`true` / `false`", "SecretStr": "secret text"}
        return names.get(annotation.__name__, annotation.__name__)
    return str(annotation).replace("typing.", "")


def bounds_text(field: FieldInfo) -> str:
    words = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    found = []
    for item in field.metadata:
        for key, symbol in words.items():
            value = getattr(item, key, None)
            if value is not None:
                found.append(f"{symbol} {value:,}" if isinstance(value, int) else f"{symbol} {value}")
    return ", ".join(found)


def default_text(variable: str, field: FieldInfo) -> str:
    if variable in DEFAULT_TEXT:
        return DEFAULT_TEXT[variable]
    if field.default_factory is not None:
        try:
            value = field.default_factory()  # type: ignore[call-arg]
        except TypeError:  # a factory that needs the other fields
            value = None
        if value is None or isinstance(value, Path):  # derived from other settings or from $HOME
            raise UndocumentedSetting(f"{variable}: its default is computed; say what it is in DEFAULT_TEXT")
    else:
        value = field.default
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str | bytes) and not value:
        return "empty"
    if isinstance(value, list | tuple | set | frozenset | dict) and not value:
        return "empty"
    if isinstance(value, dict):
        return "`" + ",".join(f"{k}={v}" for k, v in value.items()) + "`"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return "`" + ",".join(str(v) for v in items) + "`"
    if isinstance(value, int):
        return f"`{value}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    return f"`{value}`"


def settings_rows() -> list[tuple[str, str, str, str]]:
    """(variable, default, type, meaning) per Settings field, in the class's order."""
    fields = Settings.model_fields
    variables = {variable_name(name, field): field for name, field in fields.items()}
    missing = sorted(set(variables) - set(DESCRIPTIONS))
    stale = sorted(set(DESCRIPTIONS) - set(variables))
    if missing or stale:
        raise UndocumentedSetting(
            "docs/generate.py DESCRIPTIONS is out of step with graphdb.config.Settings: "
            + "; ".join(
                part
                for part in (
                    f"no description for {', '.join(missing)}" if missing else "",
                    f"no setting for {', '.join(stale)}" if stale else "",
                )
                if part
            )
        )
    rows = []
    for variable, field in variables.items():
        kind = type_text(field.annotation)
        bounds = bounds_text(field)
        rows.append(
            (variable, default_text(variable, field), f"{kind}, {bounds}" if bounds else kind, DESCRIPTIONS[variable])
        )
    return rows


def configuration_table() -> str:
    lines = ["| variable | default | type | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{v}` | {d} | {t} | {m} |" for v, d, t, m in settings_rows()]
    return "\n".join(lines)


# -- CLI -------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _help_paragraphs(command: click.Command) -> str:
    """The command's help as Markdown paragraphs (click's `\\b` and `\\f` markers honoured)."""
    text = inspect.cleandoc(command.help or "").split("\f", 1)[0]
    paragraphs = []
    for block in text.split("\n\n"):
        if block.startswith("\b\n"):  # click: keep these lines as they are
            paragraphs.append("```\n" + block[2:] + "\n```")
        elif block.strip():
            paragraphs.append(" ".join(block.split()))
    return "\n\n".join(paragraphs)


def _commands(group: click.Group, ctx: click.Context) -> Iterable[tuple[click.Command, click.Context]]:
    """Every command under `group`, depth first, in the order they were added."""
    for name, command in group.commands.items():
        if command.hidden:
            continue
        sub = click.Context(command, info_name=name, parent=ctx)
        yield command, sub
        if isinstance(command, click.Group):
            yield from _commands(command, sub)


def _options_table(command: click.Command, ctx: click.Context) -> str:
    rows = []
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option) or param.hidden or "--help" in param.opts:
            continue
        record = param.get_help_record(ctx)
        if record:
            rows.append(f"| `{_cell(record[0])}` | {_cell(record[1])} |")
    if not rows:
        return ""
    return "\n".join(["| option | meaning |", "| --- | --- |", *rows])


def cli_reference() -> str:
    main = cli_main
    root = click.Context(main, info_name="matchgraph")
    out = ["| command | what it does |", "| --- | --- |"]
    entries = list(_commands(main, root))
    for command, ctx in entries:
        anchor = ctx.command_path.replace(" ", "-")
        out.append(f"| [`{ctx.command_path}`](#{anchor}) | {_cell(command.get_short_help_str(limit=120))} |")
    for command, ctx in [(main, root), *entries]:
        usage = " ".join([ctx.command_path, *command.collect_usage_pieces(ctx)])
        out += ["", f"### {ctx.command_path}", "", "```", usage, "```", "", _help_paragraphs(command)]
        table = _options_table(command, ctx)
        if table:
            out += ["", table]
    return "\n".join(out)


# -- search fusion and rank weights ----------------------------------------------------------------

# What each fused list ranks artifacts by, keyed by the list's name in embed.search.WEIGHTS.
FUSION_LISTS: dict[str, str] = {
    "capability": "best capability cosine + {} × the 2nd + {} × the 3rd".format(*search.FURTHER_CAPABILITY_BONUS),
    "keyword": "best BM25 score on capability texts + 0.1 per further match; a match on the name counts "
    f"{search.NAME_KEYWORD_FACTOR:g}×",
    "name": f"name-embedding cosine, only from {search.NAME_MIN_COSINE} (names are short: lower cosines are noise)",
    "image": "cosine of the nearest stored images, per depicted artifact",
    "graph": "a prior, over the artifacts already in another list: {rank} × (computedRank, else rank) / 100 + "
    "{timesMatched} × log(1 + timesMatched) / log({scale}) + {headToHead} × (wins + 1) / (games + 2)".format(
        scale=search.TIMES_MATCHED_SCALE + 1, **search.PRIOR_WEIGHTS
    ),
}

# How each rank signal's value (0..1) is computed, and what it is without data; keyed by signal.
RANK_SIGNAL_TEXT: dict[str, tuple[str, str]] = {
    "publishedRank": (
        "latest published UnfragileRank / 100",
        "left out; its weight is spread over the present signals",
    ),
    "adoption": ("the published table's cell, clipped to 0..1", "left out, as above"),
    "quality": ("the published table's cell, clipped to 0..1", "left out, as above"),
    "ecosystem": ("the published table's cell, clipped to 0..1", "left out, as above"),
    "matchGraph": ("the published table's cell, clipped to 0..1", "left out, as above"),
    "headToHead": (
        "over the artifact's head-to-head groups, weighted by games: P(beating the reference player of strength 0)",
        "neutral prior 0.5",
    ),
    "coMatchCentrality": (
        "weighted PageRank over the co-match graph (CO_MATCHED, undirected, weight = count, damping 0.85) "
        "/ the highest PageRank in the graph",
        "0",
    ),
    "searchDemand": ("s / (s + 10), s = searchMatches (10 search matches give 0.5)", "0"),
    "claims": (
        "(verified + 1) / (verified + refuted + 2) over the claims about the artifact",
        "0.5 (no checked claim)",
    ),
}


def _check_keys(kind: str, documented: dict, actual) -> None:
    missing, stale = sorted(set(actual) - set(documented)), sorted(set(documented) - set(actual))
    if missing or stale:
        raise UndocumentedSetting(f"docs/generate.py {kind}: undocumented {missing}, no longer in the code {stale}")


def fusion_table() -> str:
    _check_keys("FUSION_LISTS", FUSION_LISTS, search.WEIGHTS)
    rows = [[f"`{name}`", FUSION_LISTS[name], f"{weight:g}"] for name, weight in search.WEIGHTS.items()]
    formula = f"`score = Σ over lists L of weight_L / ({search.RRF_K} + rank_L)` (`RRF_K` = {search.RRF_K})"
    return "\n".join([formula, "", table(["list", "ranks artifacts by", "weight"], rows, "llr")])


def rank_signals_table() -> str:
    _check_keys("RANK_SIGNAL_TEXT", RANK_SIGNAL_TEXT, vocabulary.RANK_SIGNALS)
    rows = []
    for name, kind in vocabulary.RANK_SIGNALS.items():
        value, missing = RANK_SIGNAL_TEXT[name]
        rows.append([f"`{name}`", kind, f"{vocabulary.DEFAULT_RANK_WEIGHTS.get(name, 0.0):g}", value, missing])
    return table(["signal", "kind", "default weight", "value (0..1)", "without data"], rows, "llrll")


# -- GraphQL ---------------------------------------------------------------------------------------


def graphql_fields_table(type_name: str) -> str:
    """The fields of one GraphQL type of schema/schema.graphql (the SDL exported from the code)."""
    schema = graphql.build_schema((REPO / "schema" / "schema.graphql").read_text(encoding="utf-8"))
    kind = schema.get_type(type_name)
    if kind is None:
        raise ValueError(f"schema/schema.graphql has no type {type_name}")
    rows = []
    for name, field in kind.fields.items():
        arguments = ", ".join(f"{arg_name}: {arg.type}{_graphql_default(arg)}" for arg_name, arg in field.args.items())
        signature = f"{name}({arguments}): {field.type}" if arguments else f"{name}: {field.type}"
        rows.append([f"`{_cell(signature)}`", _cell(field.description or "")])
    return table(["field", "what it returns"], rows, "ll")


def _graphql_default(argument: graphql.GraphQLArgument) -> str:
    """` = 20` for an argument with a non-null default in the SDL, else ''."""
    node = argument.ast_node.default_value if argument.ast_node else None
    if node is None or isinstance(node, graphql.NullValueNode):
        return ""
    return f" = {graphql.print_ast(node)}"


# -- metrics ---------------------------------------------------------------------------------------


def metrics_table() -> str:
    """Every Prometheus metric the app exports: name as scraped, type, labels, help."""
    metrics = Metrics()
    metrics.count_round_trips(lambda: 0)
    labels_by_name = {
        collector._name: getattr(collector, "_labelnames", ())  # the label names are not public API
        for collector in vars(metrics).values()
        if hasattr(collector, "_name")
    }
    rows = []
    for family in metrics.registry.collect():
        scraped = f"{family.name}_total" if family.type == "counter" else family.name
        if family.name in labels_by_name:
            labels = labels_by_name[family.name]
        else:
            labels = sorted({key for sample in family.samples for key in sample.labels} - {"le", "quantile"})
        rows.append(
            [f"`{scraped}`", family.type, ", ".join(f"`{label}`" for label in labels), _cell(family.documentation)]
        )
    return table(["metric", "type", "labels", "meaning"], rows, "llll")


# -- Cypher schema ---------------------------------------------------------------------------------

_SCHEMA_STATEMENT = re.compile(
    r"CREATE\s+(?P<what>CONSTRAINT|(?:FULLTEXT\s+|RANGE\s+|VECTOR\s+|TEXT\s+|POINT\s+)?INDEX)\s+(?P<name>\w+)"
    r".*?FOR\s+(?:\((?P<var>\w+):(?P<label>\w+)\)|\(\)-\[(?P<rvar>\w+):(?P<rtype>\w+)\]-\(\))"
    r"\s+(?:REQUIRE|ON(?:\s+EACH)?)\s+(?P<on>\[[^\]]*\]|\([^)]*\)|[\w.]+)",
    re.IGNORECASE | re.DOTALL,
)


def schema_rows() -> list[tuple[str, str, str]]:
    """(file, kind and name, what it covers) for every constraint and index in schema/*.cypher."""
    rows = []
    for path in sorted((REPO / "schema").glob("*.cypher")):
        text = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("//")
        )
        matches = list(_SCHEMA_STATEMENT.finditer(text))
        if len(matches) != len(re.findall(r"\bCREATE\b", text, re.IGNORECASE)):
            raise ValueError(
                f"{path.name}: a CREATE statement the docs generator cannot read; extend _SCHEMA_STATEMENT"
            )
        for match in matches:
            what = " ".join(match["what"].lower().split())
            variable = match["var"] or match["rvar"]
            owner = f"(:{match['label']})" if match["label"] else f"[:{match['rtype']}]"
            on = match["on"].strip("[]()").replace(f"{variable}.", "").replace(" ", "")
            rows.append((path.name, f"{what} `{match['name']}`", f"`{owner}` {on.replace(',', ', ')}"))
    return rows


def schema_table() -> str:
    lines = ["| file | constraint or index | on |", "| --- | --- | --- |"]
    lines += [f"| [`{f}`](../schema/{f}) | {w} | {o} |" for f, w, o in schema_rows()]
    return "\n".join(lines)


# -- benchmarks ------------------------------------------------------------------------------------


def load_result(name: str) -> dict:
    return json.loads((RESULTS / name).read_text(encoding="utf-8"))


def source(name: str) -> str:
    """The line under every generated figure: which results file it comes from (a relative link)."""
    return f"Source: [`results/{name}`](results/{name})"


def table(header: list[str], rows: list[list], align: str | None = None) -> str:
    """A Markdown table; `align` has one `l` or `r` per column (default: first left, others right)."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def num(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def embed_table() -> str:
    data = load_result("embed.json")
    paths = data["paths"]
    labels = {
        "torch": f"torch, {paths['torch']['threads']} threads",
        "torch_1_thread": "torch, 1 thread",
        "fast": f"fast path ({paths['fast']['backend']}), {paths['fast']['threads']} threads",
    }
    rows = [
        [labels[key], num(p["query_p50_ms"], 2), num(p["query_p99_ms"], 2), num(p["texts_per_s"])]
        for key, p in paths.items()
        if key in labels
    ]
    ratios = data["ratios"]
    rows.append(
        [
            "fast / torch (default threads)",
            f"{ratios['query_p50_speedup']:.1f}× faster",
            f"{ratios['query_p99_speedup']:.1f}× faster",
            f"{ratios['throughput_speedup']:.2f}×",
        ]
    )
    one = ratios.get("vs_torch_1_thread")
    if one:
        rows.append(
            [
                "fast / torch, 1 thread",
                f"{one['query_p50_speedup']:.1f}× faster",
                "",
                f"{one['throughput_speedup']:.2f}×",
            ]
        )
    versions = ", ".join(f"{k} {v}" for k, v in data["versions"].items())
    cosine = data["cosine"]
    machine = data["machine"]
    return "\n".join(
        [
            table(["path", "query p50 ms", "query p99 ms", "texts/s"], rows),
            "",
            f"{data['queries']} single queries × {data['repeats']} calls per path; throughput over {data['texts']} "
            f"capability texts ({data['mean_text_chars']:.0f} characters on average), batch {data['batch_size']}, "
            f"median of {data['runs']} runs. Cosine between the two paths' vectors: min {cosine['min']}, mean "
            f"{cosine['mean']}. Machine: {machine['cpu']}, {machine['cores']} cores, load average "
            f"{data['load_average_before'][0]:.1f} before the run; {versions}.",
            "",
            source("embed.json"),
        ]
    )


def search_tables() -> str:
    data = load_result("search.json")
    e2e, thread = data["end_to_end_ms"], data["end_to_end_in_thread_ms"]
    stages = thread["stages"]
    base = data["baseline_plain_torch_encode_ms"]
    rows = [
        [
            "**end-to-end search, the API's path** (worker thread, no Cypher round trip)",
            f"**{e2e['p50']}**",
            f"**{e2e['p99']}**",
        ],
        ["the same in the calling thread, stages one after the other", thread["p50"], thread["p99"]],
        ["of which query embedding + FAISS", stages["embed_and_faiss"]["p50"], stages["embed_and_faiss"]["p99"]],
        ["of which the catalog (keyword search, candidates)", stages["catalog"]["p50"], stages["catalog"]["p99"]],
        ["of which fusion", stages["fusion"]["p50"], stages["fusion"]["p99"]],
        ["the query embedding alone", data["query_encode_ms"]["p50"], data["query_encode_ms"]["p99"]],
    ]
    for threads, figures in sorted(base.get("by_threads", {}).items()):
        rows.append(
            [f"**baseline: plain torch `encode` of the query**, {threads} thread(s)", figures["p50"], figures["p99"]]
        )
    hnsw = data["faiss_hnsw"]
    vector_rows = [
        ["FAISS `IndexFlatIP` (exact)", "1.000", data["exact_flat_ip_ms"]["p50"], data["exact_flat_ip_ms"]["p99"]]
    ]
    for row in hnsw["sweep"]:
        label = f"FAISS HNSW, efSearch {row['efSearch']}"
        if row["efSearch"] == hnsw["efSearch_in_use"]:
            label = f"**{label} (in use)**"
        vector_rows.append([label, f"{row['recall_at_10']:.4f}", row["p50_ms"], row["p99_ms"]])
    for row in data["neo4j_vector_index"]["sweep"]:
        vector_rows.append(
            [
                f"Neo4j vector index, `queryNodes` k = {row['k']}",
                f"{row['recall_at_10']:.4f}",
                row["p50_ms"],
                row["p99_ms"],
            ]
        )
    catalog = data["catalog"]
    after = catalog.get("after_small_ingest") or {}
    lines = [
        f"{data['vectors']:,} capability vectors over {data['artifacts']:,} artifacts, {data['queries']} queries, "
        f"{e2e['samples']} samples per row, embedder {data['embedder']['backend']} on {data['embedder']['device']}.",
        "",
        table(["", "p50 ms", "p99 ms"], rows),
        "",
        f"End-to-end p99 over the baseline's p50: **{data['end_to_end_p99_over_baseline_p50']}** (target ≤ 1).",
        "",
        table([f"top 10 of {data['vectors']:,}", "recall@10", "p50 ms", "p99 ms"], vector_rows),
        "",
        f"HNSW: M={hnsw['M']}, efConstruction={hnsw['efConstruction']}. The search catalog at this size loaded in "
        f"{catalog['load_s']} s"
        + (
            f"; after a small ingest it was updated in {after['seconds']} s ({after['over_full_load']:.1%} of a full load)."
            if after
            else "."
        ),
        "",
        source("search.json"),
    ]
    return "\n".join(lines)


def search_quality_table() -> str:
    data = load_result("search_quality.json")
    rows = [
        [
            f"recall@{data['k']} (share of a query's expected artifacts in its top {data['k']}, mean)",
            f"**{data['recall_at_5']}**",
        ],
        [f"hit@{data['k']} (queries with an expected artifact in the top {data['k']})", data["hit_at_5"]],
        ["MRR (1 / position of the first expected artifact, top 10)", data["mrr"]],
        ["queries", data["queries"]],
        ["queries missing an expected artifact", len(data.get("misses", []))],
    ]
    return "\n".join([table(["", "value"], rows), "", source("search_quality.json")])


def vector_index_table() -> str:
    data = load_result("vector_index.json")
    result = data["result"]
    sets = result["query_sets"]
    by_ef: dict[int, list[str]] = {}
    for query_set in sets:
        for row in query_set["rows"]:
            by_ef.setdefault(row["efSearch"], []).extend(
                [f"{row['recall_at_10']:.4f}", f"{row['speed_vs_exact']:.1f}×"]
            )
    header = ["efSearch"]
    for query_set in sets:
        header += [f"recall@10, {query_set['queries']}", f"speed vs exact, {query_set['queries']}"]
    rows = []
    for ef, cells in sorted(by_ef.items()):
        label = f"**{ef}** (in use)" if ef == data["configured_ef_search"] else str(ef)
        rows.append([label, *cells])
    return "\n".join(
        [
            f"{result['count']:,} vectors of {result['dimension']} dimensions; exact build {result['exact_build_s']} s, "
            f"HNSW build {result['hnsw_build_s']} s.",
            "",
            table(header, rows),
            "",
            source("vector_index.json"),
        ]
    )


def ingest_table() -> str:
    data = load_result("ingest.json")
    rows = [
        ["parse (read + parse), wall", num(data["parse_docs_per_s"])],
        ["parse + graph rows (alternatives and claims extraction), wall", num(data["parse_and_rows_docs_per_s"])],
        ["baseline: precomputed rows, `UNWIND` per batch", num(data["baseline_docs_per_s"])],
        ["`matchgraph ingest` end to end", num(data["pipeline_docs_per_s"])],
        ["**end to end / baseline**", f"**{data['pipeline_over_baseline']:.1%}**"],
    ]
    nodes, rels = data["graph_nodes_relationships"]["pipeline"]
    same = data["graph_nodes_relationships"]["baseline"] == data["graph_nodes_relationships"]["pipeline"]
    return "\n".join(
        [
            f"{data['documents']:,} synthetic documents ({data['corpus_mb']} MB) over {data['artifacts']:,} artifacts, "
            f"batches of {data['batch_size']}, Neo4j heap {data['neo4j_heap']}. Both runs produce "
            + (
                f"the identical graph ({nodes:,} nodes, {rels:,} relationships)."
                if same
                else "different graphs (check the file)."
            ),
            "",
            table(["", "documents/s"], rows),
            "",
            source("ingest.json"),
        ]
    )


def parse_table() -> str:
    data = load_result("parse.json")
    rows = [
        [name, f"{figures['documents']:,}", num(figures["cpu_docs_per_s"]), num(figures["wall_docs_per_s"])]
        for name, figures in data.items()
    ]
    return "\n".join(
        [table(["documents", "count", "documents/s, CPU time", "documents/s, wall"], rows), "", source("parse.json")]
    )


API_PAGES = {"compare": "compare", "artifact": "artifact", "artifacts50": "`artifacts(first: 50)`"}


def api_tables() -> str:
    data = load_result("api.json")
    rows = []
    for cell in sorted(
        data["cells"], key=lambda c: (list(API_PAGES).index(c["page"]), c["server"] != "matchgraph", c["clients"])
    ):
        rows.append(
            [
                API_PAGES.get(cell["page"], cell["page"]),
                "GraphQL" if cell["server"] == "matchgraph" else "bare Starlette",
                cell["clients"],
                num(cell["throughput_rps"]),
                num(cell["p50_ms"], 2),
                num(cell["p99_ms"], 2),
                num(cell["round_trips_per_request"], 0),
                num(cell["server_cpu_ms_per_request"], 2),
            ]
        )
    acceptance = data["acceptance"]
    ratio = acceptance["compare_throughput_graphql_over_bare"]
    ratios = ", ".join(f"{v:.0%} at {k} client(s)" for k, v in ratio["by_clients"].items())
    tail = acceptance["compare_p99_16_over_p50_1"]
    graph = data["graph"]
    return "\n".join(
        [
            f"Graph: {graph['artifacts']:,} artifacts, {graph['capabilities']:,} capabilities, "
            f"{graph['comparisons']:,} comparisons; {data['machine']['cores']} cores shared by Neo4j, the server and "
            "the load generator.",
            "",
            table(
                ["page", "server", "clients", "req/s", "p50 ms", "p99 ms", "Cypher trips", "server CPU ms/req"],
                rows,
                "llrrrrrr",
            ),
            "",
            f"Compare-page throughput through GraphQL over the bare endpoint: {ratios} (target ≥ {ratio['target_min']:.0%}). "
            f"p99 at 16 clients over the single-client p50: {tail['by_server']['matchgraph']}× "
            f"(bare endpoint: {tail['by_server']['bare']}×; target ≤ {tail['target_max']}×).",
            "",
            source("api.json"),
        ]
    )


def rank_table() -> str:
    data = load_result("rank.json")
    seconds = data["seconds"]
    graph = data["graph"]
    h2h = data["headToHead"]
    rows = [
        [f"baseline: read slugs + write {data['ranked']:,} ranks", num(seconds["baseline"], 2)],
        [
            f"`matchgraph rank --skip-head-to-head` ({data['ranked']:,} ranks, {data['roundTrips']} round trips)",
            f"{num(seconds['rankOnly'], 2)} ({data['rankOnlyOverBaseline']}× the baseline)",
        ],
        [
            f"`matchgraph rank` (plus {h2h['groups']} head-to-head groups, {h2h['edges']:,} edges, {h2h['resamples']} resamples)",
            num(seconds["full"], 2),
        ],
    ]
    return "\n".join(
        [
            f"{graph['described']:,} described artifacts, {graph['capabilities']:,} capabilities, {graph['claims']:,} "
            f"claims, {graph['coMatched']:,} co-match edges, {graph['probes']} probes; medians of "
            f"{len(seconds['all']['full'])} runs.",
            "",
            table(["", "seconds"], rows),
            "",
            source("rank.json"),
        ]
    )


def _probe_rows(records: list[dict]) -> list[list]:
    rows = []
    for record in sorted(records, key=lambda r: (r["param_count"] or 0, r["artifact_slug"])):
        if record.get("kind") != "architecture" or record.get("status") != "ok":
            continue
        params = num(record["param_count"])
        if not record["batch_sizes"]:
            rows.append(
                [record["artifact_slug"], params, record["dtype"], "–", "not timed", "", "", record.get("reason") or ""]
            )
            continue
        for batch, latency, throughput, memory in zip(
            record["batch_sizes"], record["latency_ms"], record["throughput"], record["peak_memory_mb"], strict=False
        ):
            rows.append(
                [
                    record["artifact_slug"],
                    params,
                    record["dtype"],
                    batch,
                    num(latency, 2),
                    num(throughput),
                    num(memory, 0),
                    "",
                ]
            )
    return rows


PROBE_HEADER = ["artifact", "parameters", "dtype", "batch", "latency ms", "items/s", "peak MB", "note"]


def probes_cpu_table() -> str:
    data = load_result("probes_cpu.json")
    records = data["results"]
    device = records[0]["device_name"] if records else "?"
    repeats = records[0].get("repeats") if records else "?"
    return "\n".join(
        [
            f"Device: {device}; median of {repeats} timed forwards per batch size.",
            "",
            table(PROBE_HEADER, _probe_rows(records), "lrlrrrrl"),
            "",
            source("probes_cpu.json"),
        ]
    )


def gpu_report_tables(name: str = "gpu_report_h100.json") -> str:
    data = load_result(name)
    device = data["device"]
    matmul = device.get("matmul") or {}
    versions = ", ".join(f"{k} {v}" for k, v in data["versions"].items())
    out = [
        f"Device: {device['name']}, {device['dtype']}; data-sheet peak {device['specPeakTflops']:g} TFLOP/s, "
        f"measured {matmul.get('size', '?')}³ matmul {matmul.get('tflops', 0):.0f} TFLOP/s; {versions}.",
        "",
        table(PROBE_HEADER, _probe_rows(data["probes"]), "lrlrrrrl"),
    ]
    sweep = data.get("vitSweep")
    if sweep:
        rows = []
        for mode in sweep["modes"]:
            for row in sweep["runs"].get(mode, {}).get("rows", []):
                rows.append(
                    [
                        mode,
                        row["batch"],
                        num(row["images_per_s"], 0),
                        num(row["tflops"], 0),
                        f"{row['mfu_spec']:.1f}%",
                        f"{row['mfu_measured']:.1f}%",
                    ]
                )
        best = sweep["best"]
        out += [
            "",
            f"{sweep['model']}, {sweep['attention']} attention, {sweep['flopsPerImage'] / 1e9:.2f} GFLOP per image.",
            "",
            table(
                ["mode", "batch", "images/s", "TFLOP/s", "% of data-sheet peak", "% of measured matmul"], rows, "lrrrrr"
            ),
            "",
            f"Best: {num(best['images_per_s'], 0)} images/s ({best['mode']}, batch {best['batch']}), "
            f"**{best['mfu_spec']:.1f}%** of the data-sheet peak, {best['mfu_measured']:.1f}% of the measured matmul rate.",
        ]
    out += ["", source(name)]
    return "\n".join(out)


def other_gpu_runs() -> str:
    """One line per further GPU results file: the best ViT sweep row, with its source."""
    lines = []
    for name in ("probes_gpu_h100.json", "probes_gpu_h100_compiled.json"):
        if not (RESULTS / name).exists():
            continue
        data = load_result(name)
        best = data.get("vitSweep", {}).get("best")
        if best:
            lines.append(
                f"- [`results/{name}`](results/{name}) ({data['device']['name']}, budget {data['budgetSeconds']:g} s): "
                f"best {num(best['images_per_s'], 0)} images/s ({best['mode']}, batch {best['batch']}), "
                f"{best['mfu_spec']:.1f}% of the data-sheet peak."
            )
    return "\n".join(lines)


# -- running cog -----------------------------------------------------------------------------------


def run_cog(check: bool, pages: Iterable[str] = PAGES, diff: bool = True) -> tuple[int, str]:
    """Runs cog over the pages (rewriting them, or only checking); returns (status, cog's output)."""
    cog = Cog()
    output = io.StringIO()
    cog.set_output(stdout=output, stderr=output)
    args = ["cog", "--check", *(["--diff"] if diff else [])] if check else ["cog", "-r", "--verbosity=1"]
    status = cog.main([*args, "-I", str(REPO), *(str(REPO / page) for page in pages)])
    return status, output.getvalue()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    status, output = run_cog(check)
    sys.stdout.write(output)
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
