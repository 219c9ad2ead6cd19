"""Taxonomy quality: where every capability of the sample corpus and the seeds lands, without Neo4j.

    python -m benchmarks.taxonomy_report                 # all capabilities
    python -m benchmarks.taxonomy_report --wrong         # only labelled ones that miss
    python -m benchmarks.taxonomy_report --backend torch --json /tmp/report.json

Run from a checkout (the hand labels in tests/data are not installed with matchgraph).

Capabilities are read with the project's parser (ingest/parser.py), one per distinct description
as the graph keeps them (the first `Unique:` line seen wins, as in ingest/writer.py), and embedded
like the embedding stage does (`description + " " + unique`, embed/stage.py) with the text embedder
the settings pick (MATCHGRAPH_EMBED_BACKEND, "auto" by default: what production uses). Classes are
embedded from `TaxonomyClass.text` and assigned with `embed.taxonomy.Assigner` at
MATCHGRAPH_TAXONOMY_THRESHOLD, so the answers are the ones the graph would get.

Per capability it prints the nearest class and its cosine, the runner-up and its cosine, and marks
those below the threshold (`below`). With hand labels (tests/data/sample_taxonomy_labels.json:
sample capabilities by the first 60 characters of their description, seed capabilities by seed
file prefix and line number, never by their text) each labelled capability is marked `ok` or
`WRONG`, and the summary gives the share whose nearest class is acceptable. The labels file's `offTopic` sentences
(ours, describing no capability) check the threshold: each should score below it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from corpus import sample_folder
from embed.stage import BATCH
from embed.taxonomy import TAXONOMY_PATH, UNCLASSIFIED_URI, Assigner, load_taxonomy
from embed.text_embedder import shared_text_embedder
from graphdb.config import Settings
from ingest.parser import parse
from ingest.reading import read_path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = sample_folder()
LABELS = REPO / "tests" / "data" / "sample_taxonomy_labels.json"
KEY_LENGTH = 60  # sample capabilities are labelled by this many leading characters of the description


def default_seeds_dir() -> Path:
    configured = os.environ.get("MATCHGRAPH_SEEDS_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "seeds"


@dataclass
class Capability:
    source: str  # "sample" or "seeds"
    file: str  # file name
    owner: str  # the artifact whose capability list shows it first
    line: int  # 1-based line of the description in its file
    description: str
    unique: str | None

    @property
    def text(self) -> str:
        """What the embedding stage embeds (embed/stage.py `_capability_text`)."""
        unique = (self.unique or "").strip()
        return f"{self.description} {unique}" if unique else self.description

    @property
    def key(self) -> str:
        """The label key: the description's first characters (sample) or `prefix:line` (seeds)."""
        return self.description[:KEY_LENGTH] if self.source == "sample" else f"{self.file[:3]}:{self.line}"


def read_capabilities(folder: Path, source: str) -> list[Capability]:
    """Distinct capabilities of every document in ``folder``, in file and page order."""
    found: dict[str, Capability] = {}
    for path in sorted(folder.glob("*.txt")):
        record = parse(read_path(path))
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
        for side in (record.a, record.b):
            for block in side.capabilities:
                known = found.get(block.id)
                if known is not None:
                    if known.unique is None and block.unique:
                        known.unique = block.unique
                    continue
                line = next((i + 1 for i, text in enumerate(lines) if text == block.description.strip()), 0)
                found[block.id] = Capability(source, path.name, side.slug, line, block.description, block.unique)
    return list(found.values())


def load_labels(path: Path) -> dict:
    """{"sample": {description prefix: [uris]}, "seeds": {"000:15": [uris]}, "offTopic": [sentences]}."""
    if not path.is_file():
        return {"sample": {}, "seeds": {}, "offTopic": []}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"sample": data.get("sample", {}), "seeds": data.get("seeds", {}), "offTopic": data.get("offTopic", [])}


def off_topic_scores(sentences: list[str], embedder, assigner: Assigner) -> list[tuple[str, str, float]]:
    """(sentence, nearest class, cosine) for sentences that describe no capability: all should be unclassified."""
    if not sentences:
        return []
    scores = assigner.scores(embedder.encode(sentences, batch_size=BATCH))
    return [
        (text, assigner.uris[int(row.argmax())], round(float(row.max()), 4))
        for text, row in zip(sentences, scores, strict=True)
    ]


@dataclass
class Row:
    source: str
    file: str
    owner: str
    line: int
    key: str
    description: str
    nearest: str
    score: float
    runner_up: str
    runner_up_score: float
    assigned: str  # the nearest class, or unclassified below the threshold
    acceptable: list[str] | None  # hand labels, None when unlabelled

    @property
    def verdict(self) -> str:
        if self.acceptable is None:
            return "-"
        return "ok" if self.nearest in self.acceptable else "WRONG"


def class_assigner(embedder, taxonomy_path: Path, threshold: float) -> Assigner:
    """Embeds the classes as `sync_classes` does (every class, unclassified included, in stage-sized batches)."""
    taxonomy = load_taxonomy(taxonomy_path)
    vectors = embedder.encode([c.text for c in taxonomy.classes], batch_size=BATCH)
    return Assigner([c.uri for c in taxonomy.classes], vectors, threshold)


def classify(
    capabilities: list[Capability], embedder, assigner: Assigner, labels: dict[str, dict[str, list[str]]]
) -> list[Row]:
    vectors = embedder.encode([c.text for c in capabilities], batch_size=BATCH)
    scores = assigner.scores(vectors)
    assigned = assigner.assign(vectors)
    rows = []
    for capability, row_scores, (uri, _) in zip(capabilities, scores, assigned, strict=True):
        order = row_scores.argsort()[::-1]
        first, second = int(order[0]), int(order[1])
        rows.append(
            Row(
                capability.source,
                capability.file,
                capability.owner,
                capability.line,
                capability.key,
                capability.description,
                assigner.uris[first],
                round(float(row_scores[first]), 4),
                assigner.uris[second],
                round(float(row_scores[second]), 4),
                uri,
                labels[capability.source].get(capability.key),
            )
        )
    return rows


def _short(uri: str) -> str:
    return uri.removeprefix("capability://")


def summary(rows: list[Row], source: str) -> dict:
    mine = [r for r in rows if r.source == source]
    labelled = [r for r in mine if r.acceptable is not None]
    right = sum(r.verdict == "ok" for r in labelled)
    unclassified = sum(r.assigned == UNCLASSIFIED_URI for r in mine)
    right_above = sum(r.verdict == "ok" and r.assigned != UNCLASSIFIED_URI for r in labelled)
    return {
        "capabilities": len(mine),
        "labelled": len(labelled),
        "nearestRight": right,
        "rightAndAssigned": right_above,
        "unclassified": unclassified,
        "unclassifiedShare": round(unclassified / len(mine), 4) if mine else 0.0,
    }


def print_report(rows: list[Row], threshold: float, only_wrong: bool) -> None:
    console = Console(width=200)
    for source in ("sample", "seeds"):
        mine = [r for r in rows if r.source == source and (not only_wrong or r.verdict == "WRONG")]
        if not mine:
            continue
        table = Table(title=f"{source}: nearest class per capability (threshold {threshold:g})")
        for column in ("where", "capability", "nearest", "cos", "runner-up", "cos ", "", "label"):
            table.add_column(column, overflow="fold")
        for r in mine:
            where = f"{r.file[:3]}:{r.line}"
            flag = "below" if r.assigned == UNCLASSIFIED_URI else ""
            style = "red" if r.verdict == "WRONG" else None
            table.add_row(
                where,
                r.description[:70],
                _short(r.nearest),
                f"{r.score:.3f}",
                _short(r.runner_up),
                f"{r.runner_up_score:.3f}",
                flag,
                r.verdict if r.verdict != "WRONG" else f"WRONG ({', '.join(map(_short, r.acceptable))})",
                style=style,
            )
        console.print(table)
    for source in ("sample", "seeds"):
        s = summary(rows, source)
        if not s["capabilities"]:
            continue
        console.print(
            f"{source}: {s['capabilities']} capabilities; nearest class right for {s['nearestRight']} of "
            f"{s['labelled']} labelled; unclassified {s['unclassified']} "
            f"({s['unclassifiedShare']:.1%})"
        )
    labelled = [r for r in rows if r.acceptable is not None]
    for low, high in ((0.0, 0.35), (0.35, threshold), (threshold, 0.40), (0.40, 1.01)):
        band = [r for r in labelled if low <= r.score < high]
        if band:
            console.print(
                f"  cosine {low:.2f}-{min(high, 1):.2f}: {sum(r.verdict == 'ok' for r in band)} of {len(band)} right"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.taxonomy_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--taxonomy", type=Path, default=TAXONOMY_PATH)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--seeds", type=Path, default=default_seeds_dir())
    parser.add_argument("--backend", help="text embedder backend (default: MATCHGRAPH_EMBED_BACKEND / auto)")
    parser.add_argument("--threshold", type=float, help="default: MATCHGRAPH_TAXONOMY_THRESHOLD")
    parser.add_argument("--wrong", action="store_true", help="list only labelled capabilities whose class is wrong")
    parser.add_argument("--json", type=Path, help="also write every row and the summary here")
    args = parser.parse_args(argv)
    # Only the cached embedding models, never a download (the answers must be the graph's own).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    settings = Settings()
    threshold = settings.taxonomy_threshold if args.threshold is None else args.threshold
    embedder = shared_text_embedder(args.backend or settings.embed_backend, settings.device, settings.cache_dir)
    capabilities = read_capabilities(SAMPLE, "sample")
    if args.seeds.is_dir():
        capabilities += read_capabilities(args.seeds, "seeds")
    else:
        print(f"seeds not found at {args.seeds}: sample corpus only", file=sys.stderr)
    labels = load_labels(args.labels)
    assigner = class_assigner(embedder, args.taxonomy, threshold)
    rows = classify(capabilities, embedder, assigner, labels)
    off_topic = off_topic_scores(labels["offTopic"], embedder, assigner)
    stale = sorted(set(labels["sample"]) - {r.key for r in rows if r.source == "sample"})
    if stale:
        print(f"labels matching no sample capability: {stale}", file=sys.stderr)
    print_report(rows, threshold, args.wrong)
    if off_topic:
        above = [(text, uri, score) for text, uri, score in off_topic if score >= threshold]
        print(
            f"off-topic sentences: {len(off_topic)}, highest cosine {max(s for _, _, s in off_topic):.3f}, "
            f"{len(above)} at or above the threshold"
        )
        for text, uri, score in above:
            print(f"  {score:.3f} {_short(uri)}: {text}")
    print(f"embedder: {embedder!r}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "embedder": repr(embedder),
                    "threshold": threshold,
                    "summary": {source: summary(rows, source) for source in ("sample", "seeds")},
                    "rows": [asdict(r) for r in rows],
                    "offTopic": [{"text": text, "nearest": uri, "score": score} for text, uri, score in off_topic],
                },
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
