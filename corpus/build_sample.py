"""Build matchgraph's sample corpus: corpus/sample/*.txt, MANIFEST.json, corpus/rejects/, README.md.

The documents are assembled from the per-artifact capability texts in ``capabilities.txt`` (original
text written for matchgraph), so an artifact shows the same capability blocks, verbatim and in the
same order, in every document it appears in. Each document spec below says which disorder the page
carries; the manifest records what a correct parser must recover from it. Everything is
deterministic: running the script twice gives byte-identical files.

    python corpus/build_sample.py            # rewrite corpus/sample, corpus/rejects, README
    python corpus/build_sample.py --out DIR  # write the whole tree under DIR instead (tests)
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "capabilities.txt"
PAGE_LIMIT = 8  # capability blocks a page shows per side

FEATURES = ("Adoption", "Quality", "Ecosystem", "Match Graph")
COPYRIGHT = "© 2026 matchgraph sample corpus. Original text for testing."
NBSP = "\u00a0"
BOM = "\ufeff"

RANK_SUBTITLE_TAILS = (
    "Scores are sample values written for the matchgraph demo corpus.",
    "The table and the capability notes below belong to matchgraph's sample data.",
    "Both columns were compiled for matchgraph's test corpus, not from live traffic.",
)
GENERIC_SUBTITLES = (
    "A side-by-side look at what each one does well.",
    "Compare the two before you commit to either.",
    "Capabilities, pricing and standing, laid out in one place.",
    "Two artifacts, one table, and the trade-offs between them.",
)

# Seed artifacts (../shared/seeds) appear here only as the B side with all their capabilities
# hidden behind "+N more capabilities": the corpus never restates their capability text.
SEED_ARTIFACTS = {
    "mobilevit-small": ("Model", "Free", 5),
    "vit-base-patch16-224": ("Model", "Free", 6),
    "Stable Diffusion 3.5 Large": ("Model", "Free", 14),
}


# --------------------------------------------------------------------------------------- data ---


@dataclass(frozen=True)
class Block:
    description: str
    unique: str
    vs: str


@dataclass(frozen=True)
class Artifact:
    name: str
    type: str
    pricing: str
    decomposed: int
    blocks: tuple[Block, ...]


def load_artifacts(path: Path = DATA) -> dict[str, Artifact]:
    """Parse capabilities.txt (format described at its top)."""
    artifacts: dict[str, Artifact] = {}
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    chunks = "\n".join(lines).split("\n@ ")
    for chunk in chunks:
        chunk = chunk.strip()
        if not chunk:
            continue
        head, _, body = chunk.lstrip("@ ").partition("\n")
        name, typ, pricing, decomposed = (p.strip() for p in head.split("|"))
        blocks = []
        for para in re.split(r"\n\s*\n", body.strip()):
            rows = para.strip().split("\n")
            if len(rows) != 3 or not rows[1].startswith("Unique: ") or not rows[2].startswith("vs alternatives: "):
                raise ValueError(f"{name}: a block must be description, Unique:, vs alternatives: {rows[:1]}")
            blocks.append(Block(rows[0], rows[1][len("Unique: ") :], rows[2][len("vs alternatives: ") :]))
        if len(blocks) != min(int(decomposed), PAGE_LIMIT):
            raise ValueError(f"{name}: {len(blocks)} blocks for {decomposed} decomposed")
        artifacts[name] = Artifact(name, typ, pricing, int(decomposed), tuple(blocks))
    for name, (typ, pricing, decomposed) in SEED_ARTIFACTS.items():
        artifacts[name] = Artifact(name, typ, pricing, decomposed, ())
    return artifacts


# ------------------------------------------------------------------------------ document specs ---


@dataclass(frozen=True)
class Spec:
    n: int
    a: str
    b: str
    ranks: tuple[int, int]
    flags: str  # "ab ab ab ab": Adoption, Quality, Ecosystem, Match Graph cells (0/1) for A and B
    matched: tuple[int, int]
    subtitle: str = "generic"  # "rank" | "generic"
    headers: str = "both"  # "both" | "none" | "no-a" | "no-b"
    broken: tuple[str, int] | None = None  # (feature, 2 or 3 lines)
    mid: tuple[str, int] | None = None  # verdict + footer after the Unique line of (side, block)
    verdict: str = "sentence"  # "sentence" | "none" (footer only)
    verdict_header: bool | None = None  # default: present at the end, absent mid-block
    verdict_override: tuple[str, int, int] | None = None  # (winner side, its score, loser score)
    footer: str = "separate"  # "separate" | "glued" | "none" (no copyright line)
    final_newline: bool = True
    encodings: tuple[str, ...] = ()  # "crlf", "bom", "nbsp"
    truncate: tuple[str, int, str] | None = None  # (side, block, "after-unique" | "mid-unique")


@dataclass(frozen=True)
class Dup:
    n: int
    source: int
    mode: str  # "exact" | "crlf" | "bom-crlf"


SPECS = (
    Spec(1, "ResNet-50", "EfficientNet-B0", (52, 49), "11 01 10 00", (4, 2)),
    Spec(
        2,
        "EfficientNet-B0",
        "MobileNetV3-Large",
        (49, 47),
        "11 10 01 00",
        (1, 3),
        headers="none",
        broken=("Quality", 2),
    ),
    Spec(
        3,
        "MobileNetV3-Large",
        "mobilevit-small",
        (46, 50),
        "10 01 11 00",
        (0, 0),
        subtitle="rank",
        verdict_header=False,
    ),
    Spec(
        4,
        "ConvNeXt-Tiny",
        "ResNet-50",
        (57, 55),
        "01 11 01 10",
        (2, 5),
        subtitle="rank",
        footer="none",
        final_newline=False,
    ),
    Spec(
        5,
        "DINOv2",
        "CLIP ViT-B/32",
        (63, 60),
        "11 10 01 01",
        (6, 4),
        broken=("Ecosystem", 3),
        mid=("b", 1),
        verdict_header=True,
        footer="glued",
    ),
    Spec(6, "CLIP ViT-B/32", "vit-base-patch16-224", (57, 53), "11 10 01 00", (3, 1), headers="no-b"),
    Spec(7, "ResNet-50", "DINOv2", (50, 62), "10 01 01 00", (5, 7), subtitle="rank"),
    Spec(8, "YOLOv8n", "MobileNetV3-Large", (59, 44), "11 10 10 01", (8, 2), headers="no-a"),
    Spec(
        9, "ConvNeXt-Tiny", "DINOv2", (54, 61), "01 11 10 00", (1, 6), subtitle="rank", verdict_override=("a", 64, 58)
    ),
    Spec(10, "Llama 3 8B", "Mistral 7B", (66, 61), "11 11 10 01", (12, 9), subtitle="rank"),
    Spec(
        11,
        "Mistral 7B",
        "Qwen2.5-7B",
        (60, 64),
        "10 01 11 00",
        (9, 11),
        headers="none",
        broken=("Adoption", 2),
        mid=("b", 1),
        footer="glued",
        final_newline=False,
    ),
    Spec(12, "Phi-3-mini", "Llama 3 8B", (55, 67), "01 10 11 01", (2, 12), encodings=("crlf",)),
    Spec(13, "Qwen2.5-7B", "GPT-4o", (63, 74), "11 01 10 01", (11, 20), subtitle="rank", encodings=("bom",)),
    Spec(14, "Llama 3 8B", "GPT-4o", (65, 73), "11 01 10 00", (12, 20), headers="no-b"),
    Spec(15, "Phi-3-mini", "llama.cpp", (56, 69), "10 01 01 01", (2, 14), encodings=("nbsp",)),
    Spec(16, "Llama 3 8B", "vLLM", (68, 71), "11 10 01 11", (13, 15), subtitle="rank", mid=("a", 1)),
    Spec(17, "Mistral 7B", "Hugging Face PEFT", (62, 57), "11 10 01 00", (9, 4), verdict_header=False),
    Spec(18, "Stable Diffusion 1.5", "SDXL", (61, 66), "11 01 10 01", (10, 13), subtitle="rank"),
    Spec(19, "FLUX.1-schnell", "SDXL", (70, 64), "01 11 01 10", (7, 13), headers="no-b", broken=("Quality", 2)),
    Spec(20, "SDXL", "DALL-E 3 API", (67, 69), "11 01 10 00", (13, 8), subtitle="rank", encodings=("nbsp",)),
    Spec(21, "DALL-E 3 API", "Midjourney", (70, 68), "11 10 01 00", (8, 10), verdict_override=("b", 72, 65)),
    Spec(
        22,
        "AUTOMATIC1111 WebUI",
        "ComfyUI",
        (64, 72),
        "11 01 10 01",
        (6, 18),
        headers="none",
        broken=("Ecosystem", 3),
        mid=("b", 1),
        footer="glued",
        final_newline=False,
    ),
    Spec(23, "ControlNet", "ComfyUI", (60, 71), "10 01 11 00", (5, 18), subtitle="rank", headers="no-a"),
    # No verdict sentence here: any verdict with this B side would repeat a seed sentence's wording.
    Spec(
        24,
        "ComfyUI",
        "Stable Diffusion 3.5 Large",
        (73, 61),
        "11 10 11 01",
        (18, 0),
        subtitle="rank",
        verdict="none",
        encodings=("nbsp",),
    ),
    Spec(25, "FLUX.1-schnell", "Midjourney", (69, 66), "01 11 00 10", (7, 10), footer="glued"),
    Spec(
        26, "Stable Diffusion 1.5", "ControlNet", (60, 58), "11 01 10 00", (5, 5), subtitle="rank", encodings=("crlf",)
    ),
    Spec(27, "ONNX Runtime", "TensorFlow Lite", (65, 59), "11 10 10 01", (6, 6), headers="no-a", encodings=("bom",)),
    Spec(
        28, "PyTorch", "ONNX Runtime", (78, 66), "11 11 10 01", (25, 6), subtitle="rank", verdict_override=("b", 70, 68)
    ),
    Spec(
        29,
        "llama.cpp",
        "vLLM",
        (70, 72),
        "11 01 10 10",
        (14, 15),
        headers="none",
        broken=("Match Graph", 3),
        mid=("b", 2),
        footer="glued",
        final_newline=False,
    ),
    Spec(30, "TensorFlow Lite", "PyTorch", (58, 77), "01 11 01 10", (6, 25), verdict_header=False),
    Spec(
        31,
        "ONNX Runtime",
        "llama.cpp",
        (64, 68),
        "11 01 10 00",
        (6, 14),
        subtitle="rank",
        truncate=("b", 2, "after-unique"),
    ),
    Spec(
        32,
        "MobileNetV3-Large",
        "TensorFlow Lite",
        (45, 60),
        "10 01 11 01",
        (2, 6),
        subtitle="rank",
        footer="none",
        final_newline=False,
    ),
    Spec(33, "Hugging Face PEFT", "Llama 3 8B", (58, 66), "01 10 11 00", (4, 12), verdict_header=False, footer="glued"),
    Spec(34, "YOLOv8n", "ONNX Runtime", (61, 65), "11 10 01 00", (8, 6), truncate=("a", 2, "mid-unique")),
)

DUPS = (
    Dup(35, 1, "exact"),
    Dup(36, 22, "exact"),
    Dup(37, 10, "crlf"),
    Dup(38, 18, "bom-crlf"),
)

# Disorder kinds the corpus must cover at least twice each (checked by the build and the tests).
REQUIRED_KINDS = (
    "broken-row-2",
    "broken-row-3",
    "no-side-headers",
    "no-header-a",
    "no-header-b",
    "mid-block-verdict",
    "verdict-rank-mismatch",
    "crlf",
    "bom",
    "nbsp",
    "truncated",
    "duplicate",
    "reencoded-duplicate",
    "no-verdict-header",
    "more-line",
    "no-more-line",
    "glued-footer",
)


# ---------------------------------------------------------------------------------- rendering ---


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def file_name(n: int, a: str, b: str, suffix: str = "") -> str:
    return f"s{n:02d}_{slugify(a)}-vs-{slugify(b)}{suffix}.txt"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def verdict_lists(flags: str) -> tuple[list[str], list[str]]:
    """What the verdict says each side leads on, derived from the table's 0/1 cells."""
    pairs = [(int(p[0]), int(p[1])) for p in flags.split()]
    names = [f.lower() for f in FEATURES]
    a_lead = [n for n, (x, y) in zip(names, pairs) if x > y]
    b_lead = [n for n, (x, y) in zip(names, pairs) if y > x]
    ties = [n for n, (x, y) in zip(names, pairs) if x == y == 1]
    if not a_lead and ties:
        a_lead.append(ties.pop(0))
    if not b_lead and ties:
        b_lead.append(ties.pop(0))
    if not a_lead or not b_lead:
        raise ValueError(f"flags {flags!r} give a side nothing to lead on")
    return a_lead, b_lead


@dataclass
class Rendered:
    text: str  # before encoding (LF, no BOM, no NBSP)
    manifest: dict = field(default_factory=dict)


def render(spec: Spec, arts: dict[str, Artifact]) -> Rendered:
    A, B = arts[spec.a], arts[spec.b]
    ra, rb = spec.ranks
    if ra == rb:
        raise ValueError("ranks must differ")
    pairs = [(p[0], p[1]) for p in spec.flags.split()]

    # Who shows what: A min(decomposed, limit); B decomposed - more (seed artifacts: all hidden).
    shown_a = min(A.decomposed, PAGE_LIMIT)
    if not B.blocks:
        shown_b, more_b = 0, B.decomposed
    else:
        shown_b = min(B.decomposed, PAGE_LIMIT)
        more_b = B.decomposed - shown_b

    title = f"{A.name} vs {B.name}"
    if spec.subtitle == "rank":
        (hi, hs), (lo, ls) = sorted(((A.name, ra), (B.name, rb)), key=lambda t: -t[1])
        subtitle = f"{hi} ranks higher at {hs}/100 vs {lo} at {ls}/100. {RANK_SUBTITLE_TAILS[spec.n % 3]}"
    else:
        subtitle = GENERIC_SUBTITLES[spec.n % 4]

    table = [
        ("Type", A.type, B.type),
        ("UnfragileRank", f"{ra}/100", f"{rb}/100"),
        *[(f, x, y) for f, (x, y) in zip(FEATURES, pairs)],
        ("Pricing", A.pricing, B.pricing),
        ("Capabilities", f"{A.decomposed} decomposed", f"{B.decomposed} decomposed"),
        ("Times Matched", str(spec.matched[0]), str(spec.matched[1])),
    ]
    # lines are (tag, text); tags locate capability lines for mid-block verdicts and truncation
    lines: list[tuple[tuple, str]] = [(("title",), title), (("subtitle",), subtitle)]
    lines += [(("table",), f"| Feature | {A.name} | {B.name} |"), (("table",), "|---|---|---|")]
    for feat, x, y in table:
        if spec.broken and spec.broken[0] == feat:
            rows = [f"| {feat} | {x} |", f"| {y} |"] if spec.broken[1] == 2 else [f"| {feat} |", f"| {x} |", f"| {y} |"]
        else:
            rows = [f"| {feat} | {x} | {y} |"]
        lines += [(("table",), r) for r in rows]

    header = {"a": spec.headers in ("both", "no-b"), "b": spec.headers in ("both", "no-a")}
    for side, art, count in (("a", A, shown_a), ("b", B, shown_b)):
        if header[side]:
            lines.append(((side, "header"), f"{art.name} Capabilities"))
        for i, blk in enumerate(art.blocks[:count]):
            lines.append(((side, i, "description"), blk.description))
            lines.append(((side, i, "unique"), "Unique: " + blk.unique))
            lines.append(((side, i, "vs"), "vs alternatives: " + blk.vs))
    if more_b:
        lines.append((("more",), f"+{more_b} more capabilities"))

    # verdict and footer
    a_lead, b_lead = verdict_lists(spec.flags)
    if spec.verdict_override:
        wside, ws, ls = spec.verdict_override
    else:
        wside, ws, ls = ("a", ra, rb) if ra > rb else ("b", rb, ra)
    winner, loser = (A.name, B.name) if wside == "a" else (B.name, A.name)
    verdict = (
        f"{winner} scores higher at {ws}/100 vs {loser} at {ls}/100. "
        f"{A.name} leads on {_join(a_lead)}, while {B.name} is stronger on {_join(b_lead)}."
    )
    vheader = (
        spec.verdict_header if spec.verdict_header is not None else spec.mid is None
    ) and spec.verdict == "sentence"
    tail = (["Verdict"] if vheader else []) + ([verdict] if spec.verdict == "sentence" else [])
    tail.append("Need something different?")
    if spec.footer == "glued":
        tail.append("Search the match graph →" + COPYRIGHT)
    elif spec.footer == "separate":
        tail += ["Search the match graph →", COPYRIGHT]
    else:
        tail.append("Search the match graph →")
    if spec.mid:
        at = next(i for i, (tag, _) in enumerate(lines) if tag == (spec.mid[0], spec.mid[1], "unique"))
        lines[at + 1 : at + 1] = [(("verdict",), t) for t in tail]
    else:
        lines += [(("verdict",), t) for t in tail]

    texts = [t for _, t in lines]
    incomplete = {"a": [], "b": []}
    partial = False
    if spec.truncate:
        tside, tblock, how = spec.truncate
        at = next(i for i, (tag, _) in enumerate(lines) if tag == (tside, tblock, "unique"))
        incomplete[tside].append(tblock)
        partial = True
        if how == "after-unique":
            texts = texts[: at + 1]
            text = "\n".join(texts) + "\n"
        else:
            cut = texts[at]
            cut = cut[: cut.rindex(" ", 0, int(len(cut) * 0.6))]
            text = "\n".join(texts[:at] + [cut])
        kept = {tag for tag, _ in lines[: at + 1]}
    else:
        text = "\n".join(texts) + ("\n" if spec.final_newline else "")
        kept = {tag for tag, _ in lines}

    def visible(side: str, art: Artifact, count: int) -> list[str]:
        return [art.blocks[i].description[:60] for i in range(count) if (side, i, "description") in kept]

    caps = {"a": visible("a", A, shown_a), "b": visible("b", B, shown_b)}
    has_verdict = ("verdict",) in kept and spec.verdict == "sentence"
    has_footer = ("verdict",) in kept

    kinds: list[str] = []
    if spec.broken:
        kinds.append(f"broken-row-{spec.broken[1]}")
    kinds += {"none": ["no-side-headers"], "no-a": ["no-header-a"], "no-b": ["no-header-b"]}.get(spec.headers, [])
    if spec.mid:
        kinds.append("mid-block-verdict")
    if spec.verdict_override:
        kinds.append("verdict-rank-mismatch")
    if has_verdict and not vheader:
        kinds.append("no-verdict-header")
    if has_footer and spec.verdict == "none":
        kinds.append("no-verdict")
    if has_footer and spec.footer == "glued":
        kinds.append("glued-footer")
    if has_footer and spec.footer == "none":
        kinds.append("no-copyright")
    if ("more",) in kept:
        kinds.append("more-line")
    elif not partial:
        kinds.append("no-more-line")
    if A.decomposed > PAGE_LIMIT:
        kinds.append("a-over-page-limit")
    if not B.blocks:
        kinds.append("seed-artifact-hidden")
    if partial:
        kinds.append("truncated")
    elif not text.endswith("\n"):
        kinds.append("no-final-newline")
    kinds += list(spec.encodings)

    manifest = {
        "file": file_name(spec.n, A.name, B.name),
        "title": title,
        "a": A.name,
        "b": B.name,
        "subtitle": subtitle,
        "table": [[f, x, y] for f, x, y in table],
        "rank": {"a": ra, "b": rb},
        "decomposed": {"a": A.decomposed, "b": B.decomposed},
        "shown": {"a": len(caps["a"]), "b": len(caps["b"])},
        "more": {"a": 0, "b": more_b if ("more",) in kept else 0},
        "headers": {s: header[s] and (s, "header") in kept for s in "ab"},
        "capabilities": caps,
        "incomplete": incomplete,
        "verdict": {"winner": winner, "winner_score": ws, "loser": loser, "loser_score": ls, "text": verdict}
        if has_verdict
        else None,
        "verdict_matches_table": spec.verdict_override is None if has_verdict else None,
        "partial": partial,
        "duplicate_of": None,
        "disorder": kinds,
    }
    return Rendered(text, manifest)


def encode(text: str, encodings: tuple[str, ...] | list[str]) -> bytes:
    if "nbsp" in encodings:
        out = []
        for i, line in enumerate(text.split("\n")):
            if i == 0:  # title: "A vs B" with non-breaking spaces around "vs"
                line = line.replace(" vs ", f"{NBSP}vs{NBSP}", 1)
            elif line.startswith(("| Pricing ", "| Times Matched ")):
                line = line.replace("| ", f"|{NBSP}")
            elif not line.startswith(("|", "Unique: ", "vs alternatives: ")):
                line = line.replace(". ", f".{NBSP}")
            out.append(line)
        text = "\n".join(out)
    if "crlf" in encodings:
        text = text.replace("\n", "\r\n")
    if "bom" in encodings:
        text = BOM + text
    return text.encode("utf-8")


# ------------------------------------------------------------------------------------ rejects ---

REJECTS = {
    "saved-page.html": (
        "html",
        ["html"],
        """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>ResNet-50 vs EfficientNet-B0 | matchgraph</title>
</head>
<body>
  <main>
    <h1>ResNet-50 vs EfficientNet-B0</h1>
    <p>This is a browser's "save page" copy of a comparison page, not the text export.</p>
    <table>
      <tr><th>Feature</th><th>ResNet-50</th><th>EfficientNet-B0</th></tr>
      <tr><td>Type</td><td>Model</td><td>Model</td></tr>
    </table>
  </main>
</body>
</html>
""",
    ),
    "export.json": (
        "json",
        ["json"],
        json.dumps(
            {
                "title": "Mistral 7B vs Qwen2.5-7B",
                "a": {"name": "Mistral 7B", "rank": 60, "capabilities": 4},
                "b": {"name": "Qwen2.5-7B", "rank": 64, "capabilities": 4},
                "note": "An API export of a comparison, not the published text.",
            },
            indent=2,
        )
        + "\n",
    ),
    "empty.txt": ("empty", ["empty"], ""),
    "meeting-notes.txt": (
        "no-title",
        ["no-title", "no-table"],
        """Notes from the Tuesday benchmark sync

- Re-run the batch-size sweep on the new GPU nodes before Friday.
- The image-search index rebuild took 41 minutes; try building shards in parallel.
- Nobody owns the flaky probe test yet. Pick it up at the next sync.
- Next sync: Tuesday, same time.
""",
    ),
}


# ------------------------------------------------------------------------------------- README ---

README_HEAD = """# matchgraph sample corpus

`corpus/sample/` holds the comparison documents that `matchgraph demo` ingests, and
`corpus/rejects/` holds inputs that are *not* comparison documents, which the ingester must refuse
with a reason. All of it is **original text written for matchgraph**: the capability paragraphs
describe real, public AI artifacts (ResNet-50, Llama 3 8B, SDXL, ComfyUI, vLLM, ...) in our own
words, and the ranks, 0/1 table cells and match counts are sample values, not measurements.

The documents follow the format of docs/document-format.md: a title `A vs B`, a subtitle, the `| Feature | A | B |`
table, per side an optional `<name> Capabilities` header and capability blocks (description,
`Unique: ...`, `vs alternatives: ...`), an optional `+N more capabilities` line, an optional `Verdict`
header, the verdict sentence and the footer. A page shows at most 8 blocks per side: A shows
min(decomposed, 8); B shows decomposed minus the `+N more` count.

How it is made: `capabilities.txt` holds every artifact's capability blocks once;
`build_sample.py` assembles the pages from it (so an artifact's blocks repeat verbatim in each
document that shows it), applies each page's disorder and writes `corpus/MANIFEST.json`, the
rejects and this README. Edit the data or the specs there and rerun
`python corpus/build_sample.py`; never edit the generated files by hand.
`tests/test_sample_corpus.py` checks the parser against the manifest and checks that the build is
reproducible.

The seeds' own artifacts (mobilevit-small, vit-base-patch16-224, Stable Diffusion 3.5 Large)
appear only as the B side of three pages, with every capability behind `+N more capabilities`:
the corpus links to them by name and never restates their capability text. They are also named
in some `vs alternatives:` lines, as mentioned-only artifacts.

## MANIFEST.json

`documents[]`, one entry per file: `file`, `title`, `a`, `b`, `table` (rows as published, broken
rows mended), `rank`, `decomposed`, `shown` (blocks visible per side, a truncated block counted),
`more` (the `+N more` count per side, 0 when absent), `headers` (whether each side header is on
the page), `capabilities` (the first 60 characters of each shown description, in page order),
`incomplete` (indexes of blocks cut before their `vs alternatives:` line), `verdict` (winner,
scores and text as the verdict sentence states them, or null), `verdict_matches_table`,
`partial`, `duplicate_of` and `disorder`. `rejects[]`: `path` (relative to `sample/`), the
expected rejection `kind` and the codes a parser may `accept`. Folder ingestion should read the
corpus/sample/ holds documents only (`MANIFEST.json` lives beside it).

## Disorder kinds

| kind | meaning |
|---|---|
| broken-row-2 | a table row split over two lines: `\\| Quality \\| 0 \\|` then `\\| 1 \\|` |
| broken-row-3 | a table row split over three lines: `\\| Ecosystem \\|`, `\\| 1 \\|`, `\\| 0 \\|` |
| no-side-headers | neither `<name> Capabilities` header is present |
| no-header-a / no-header-b | only one side's header is missing |
| mid-block-verdict | verdict and footer sit between a block's `Unique:` and `vs alternatives:` lines |
| verdict-rank-mismatch | the verdict's scores or winner disagree with the table's UnfragileRank |
| no-verdict-header | a verdict sentence without the `Verdict` header |
| no-verdict | no verdict sentence at all; the footer is there (winner unknown, not a truncation) |
| glued-footer | the copyright line is glued onto `Search the match graph →` |
| no-copyright | the footer ends at `Search the match graph →` |
| more-line / no-more-line | a `+N more capabilities` line is present / absent |
| a-over-page-limit | side A has more than 8 decomposed capabilities and shows 8, with no `+N more` line |
| seed-artifact-hidden | side B is a seed artifact whose capabilities are all behind `+N more` |
| truncated | the file is cut mid-block (partial) |
| no-final-newline | the last line has no line ending |
| crlf / bom / nbsp | CRLF line endings / a UTF-8 byte-order mark / non-breaking spaces in title, table and text |
| duplicate | a byte-for-byte copy of another file under a different name |
| reencoded-duplicate | the same page as another file, re-encoded (CRLF, BOM) |

## Documents

"""


def readme(docs: list[dict], rejects: list[dict], coverage: dict[str, int]) -> str:
    out = [README_HEAD]
    out.append("| file | A | B | shown A/B | +more B | ranks A/B | verdict winner | disorder |\n")
    out.append("|---|---|---|---|---|---|---|---|\n")
    for d in docs:
        v = d["verdict"]["winner"] if d["verdict"] else "—"
        out.append(
            f"| `{d['file']}` | {d['a']} | {d['b']} | {d['shown']['a']}/{d['shown']['b']} | "
            f"{d['more']['b']} | {d['rank']['a']}/{d['rank']['b']} | {v} | {', '.join(d['disorder'])} |\n"
        )
    arts = sorted({d["a"] for d in docs} | {d["b"] for d in docs})
    out.append(
        f"\n{len(docs)} documents, {len(arts)} artifacts.\n\n## Rejects\n\n| file | expected kind |\n|---|---|\n"
    )
    for r in rejects:
        out.append(f"| `{r['path'].removeprefix('../')}` | {r['kind']} |\n")
    out.append("\n## Coverage (documents per disorder kind)\n\n| kind | documents |\n|---|---|\n")
    for k, c in sorted(coverage.items()):
        out.append(f"| {k} | {c} |\n")
    return "".join(out)


# --------------------------------------------------------------------------------------- main ---


def build(root: Path) -> dict:
    """Write sample/, rejects/ and README.md under ``root``; return the manifest."""
    arts = load_artifacts()
    sample, rej = root / "sample", root / "rejects"
    sample.mkdir(parents=True, exist_ok=True)
    rej.mkdir(parents=True, exist_ok=True)
    for old in sample.glob("*.txt"):
        old.unlink()

    docs: list[dict] = []
    payload: dict[int, tuple[Rendered, Spec, bytes]] = {}
    for spec in SPECS:
        r = render(spec, arts)
        data = encode(r.text, spec.encodings)
        (sample / r.manifest["file"]).write_bytes(data)
        payload[spec.n] = (r, spec, data)
        docs.append(r.manifest)
    for dup in DUPS:
        r, spec, data = payload[dup.source]
        m = json.loads(json.dumps(r.manifest))
        src_file = m["file"]
        m["duplicate_of"] = src_file
        if dup.mode == "exact":
            m["file"] = file_name(dup.n, spec.a, spec.b, "-copy")
            m["disorder"] = m["disorder"] + ["duplicate"]
        else:
            enc = ["crlf"] if dup.mode == "crlf" else ["crlf", "bom"]
            data = encode(r.text, list(spec.encodings) + enc)
            m["file"] = file_name(dup.n, spec.a, spec.b, "-" + dup.mode)
            m["disorder"] = m["disorder"] + [e for e in enc if e not in m["disorder"]] + ["reencoded-duplicate"]
        (sample / m["file"]).write_bytes(data)
        docs.append(m)

    rejects = []
    for name, (kind, accept, text) in REJECTS.items():
        (rej / name).write_bytes(text.encode("utf-8"))
        rejects.append({"path": f"../rejects/{name}", "kind": kind, "accept": accept})

    coverage: dict[str, int] = {}
    for d in docs:
        for k in d["disorder"]:
            coverage[k] = coverage.get(k, 0) + 1
    missing = [k for k in REQUIRED_KINDS if coverage.get(k, 0) < 2]
    if missing:
        raise SystemExit(f"disorder kinds covered fewer than twice: {missing}")

    manifest = {
        "description": "Expected parse results for corpus/sample; generated by corpus/build_sample.py.",
        "page_limit": PAGE_LIMIT,
        "required_disorder": list(REQUIRED_KINDS),
        "documents": docs,
        "rejects": rejects,
    }
    (sample.parent / "MANIFEST.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (root / "README.md").write_text(readme(docs, rejects, coverage), encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="root to write sample/, rejects/, README.md under")
    args = ap.parse_args(argv)
    m = build(args.out)
    print(f"{len(m['documents'])} documents and {len(m['rejects'])} rejects written under {args.out}")


if __name__ == "__main__":
    main()
