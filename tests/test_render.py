"""Round trip: ``parse(render_markdown(record))`` gives back the record's facts.

- every seed (read at run time, never copied), test fixture and sample-corpus page: parse, render, parse
  again; the facts match, the rendered page needs no repair, and rendering is idempotent;
- a partial record renders what it holds (no invented lines) and its blocks survive;
- random valid records (hypothesis) survive the round trip.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from seeds import FIXTURES_DIR, SKIP_REASON, seeds_dir

from corpus import sample_folder
from ingest.parser import parse
from ingest.reading import read_path
from ingest.records import KNOWN_FEATURES, CapabilityBlock, ComparisonRecord, Side, TableRow, Verdict, slugify
from ingest.render import FOOTER, render_markdown

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("MATCHGRAPH_PROPERTY_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# Warning kinds that mean the parser had to repair or guess: a rendered page must need none.
REPAIRS = (
    "ignored-lines",
    "unexpected-line",
    "table-row-mended",
    "table-fragment",
    "table-header-missing",
    "table-extra-cells",
    "columns-swapped",
    "duplicate-",
    "orphan-line",
    "verdict-misplaced",
    "sides-inferred",
    "sides-uncertain",
    "side-header-missing",
    "truncated-line",
    "conflicting-",
)


def facts(record: ComparisonRecord) -> dict:
    """What a page proves: everything but warnings, the header flags, the subtitle and ``partial``."""
    return {
        "title": record.title,
        "names": (record.a.name, record.b.name),
        "table": record.table,
        "a": (record.a.capabilities, record.a.more),
        "b": (record.b.capabilities, record.b.more),
        "verdict": record.verdict,  # text, winner, scores
    }


def round_trip(record: ComparisonRecord) -> ComparisonRecord:
    page = render_markdown(record)
    again = parse(page)
    assert not [w for w in again.warnings if w.startswith(REPAIRS)], page
    assert render_markdown(again) == page  # idempotent
    return again


# -- real pages ---------------------------------------------------------------------------------------


def _pages() -> list:
    params = [pytest.param(p, id=p.name) for p in sorted(sample_folder().glob("*.txt"))]
    params += [pytest.param(p, id=f"fixture-{p.name[:3]}") for p in sorted(FIXTURES_DIR.glob("*.txt"))]
    folder = seeds_dir()
    if folder is None:
        return [*params, pytest.param(None, id="seeds", marks=pytest.mark.skip(reason=SKIP_REASON))]
    return params + [pytest.param(p, id=f"seed-{p.name[:3]}") for p in sorted(folder.glob("*.txt"))]


@pytest.mark.parametrize("path", _pages())
def test_page_round_trips(path):
    record = parse(read_path(path))
    again = round_trip(record)
    assert facts(again) == facts(record)
    if record.subtitle is not None:
        assert again.subtitle == record.subtitle
    # The rendered page shows each side under its own header, whatever the original did.
    assert again.a.header_present and again.b.header_present
    if record.partial:  # its complete blocks survive, on their side, in order
        for got, want in ((again.a, record.a), (again.b, record.b)):
            assert [c for c in got.capabilities if c.complete] == [c for c in want.capabilities if c.complete]


# -- chosen cases -------------------------------------------------------------------------------------

TABLE = (
    TableRow("Type", "Model", "Repository"),
    TableRow("UnfragileRank", "61/100", "48/100"),
    TableRow("Quality", "1", None),  # a missing cell
    TableRow("Capabilities", "3 decomposed", "11 decomposed"),
)


def _block(tag: str, unique: str | None = "only this one", vs: str | None = "beats the rest") -> CapabilityBlock:
    return CapabilityBlock(f"Runs the {tag} step on a single core.", unique, vs)


def _record(**changes) -> ComparisonRecord:
    record = ComparisonRecord(
        title="Orchid XL vs quill.v3",
        a=Side("Orchid XL", (_block("first"), _block("second"), _block("third"))),
        b=Side("quill.v3", tuple(_block(f"b{i}") for i in range(8)), more=3),
        table=TABLE,
        verdict=Verdict(
            "Orchid XL scores higher at 61/100 vs quill.v3 at 48/100. Orchid XL leads on speed.",
            "Orchid XL",
            61,
            "quill.v3",
            48,
        ),
    )
    return dataclasses.replace(record, **changes)


def test_clean_page_shape():
    page = render_markdown(_record())
    lines = page.splitlines()
    assert lines[:4] == [
        "Orchid XL vs quill.v3",
        "How Orchid XL and quill.v3 compare, side by side.",
        "| Feature | Orchid XL | quill.v3 |",
        "|---|---|---|",
    ]
    assert "| Quality | 1 |  |" in lines
    assert lines.index("quill.v3 Capabilities") < lines.index("+3 more capabilities") < lines.index("Verdict")
    assert tuple(lines[-2:]) == FOOTER
    assert "" not in lines
    again = parse(page)
    assert again.cell("Quality", "b") is None and not again.partial and facts(again) == facts(_record())


def test_more_of_side_a_stands_in_a_section():
    record = _record(a=dataclasses.replace(_record().a, more=4), b=dataclasses.replace(_record().b, more=0))
    lines = render_markdown(record).splitlines()
    assert lines.index("+4 more capabilities") < lines.index("quill.v3 Capabilities")
    again = round_trip(record)
    assert (again.a.more, again.b.more) == (4, 0)


def test_partial_record_renders_what_it_holds():
    """A partial record (page cut inside A's last block, so no B, verdict or footer) renders as a clean
    page of what it holds: missing lines are not invented, the footer is written. It parses back with
    the same blocks and, since the table still promises more capabilities than shown, as partial."""
    cut = _record().a.capabilities[:2] + (_block("third", unique="only this one", vs=None),)
    record = _record(
        a=dataclasses.replace(_record().a, capabilities=cut), b=Side("quill.v3"), verdict=None, partial=True
    )
    page = render_markdown(record)
    assert page.count("vs alternatives:") == 2 and "Verdict" not in page and page.endswith(FOOTER[-1] + "\n")
    again = parse(page)
    assert facts(again) == facts(record)
    assert again.partial


def test_subtitle_kept_or_generated():
    assert parse(render_markdown(_record(subtitle="Two tools, one table."))).subtitle == "Two tools, one table."
    assert parse(render_markdown(_record(subtitle=None))).subtitle


# -- random records -----------------------------------------------------------------------------------
#
# Texts come from a vocabulary with tricky words (vs, score, capabilities, unique, more, verdict, ©, #).
# The parser classifies lines by their look, and where a look is ambiguous by the lines around it (a
# description is followed by its Unique: line; the line after "Verdict" is the verdict), so these
# are generated too: names with '#' ("C#") or with "vs" at either end or repeated ("Orchid vs Orchid"),
# names starting "Copyright"/"©"; descriptions starting like the footer ("Copyright", "©", "(c) 2024",
# "Need something different?", "Search the match graph") or "<side name> scores"; free-form verdicts.
# What cannot round-trip, and the generator avoids:
#  - inherent to the format (no escaping): a '|' in a cell, a text starting with '|', "Unique:",
#    "vs alternatives:", "+N more capabilities", a description equal to "Verdict" or to the title, a
#    description ending "Capabilities" without a full stop, or one starting "Side-by-side comparison"
#    or "<A> ranks higher at N/100 vs <B>", a table row named "Feature" or all dashes, a name starting
#    with a Markdown heading marker ("# ");
#  - a description that reads as a whole copyright notice ("(c) 2024 ...": a mark and a year, short)
#    is the footer's unless a Unique: line follows it, and even then when it comes right after a
#    description still waiting for its own Unique: line (the footer split that block);
#  - a description in the verdict's own shape ("X scores higher at N/100 vs Y at M/100") naming the
#    two sides is the verdict; so descriptions never say "higher at", and free-form verdicts neither.
# Hence: descriptions start with a verb, a FOOTER_LIKE opener, NOTICE_LIKE (with a Unique: line) or
# "<side name> scores", then an index, and end with '.'; names and cells come from safe tokens.

WORDS = [
    "lattice",
    "quartz",
    "ember",
    "harbor",
    "signal",
    "prism",
    "orbit",
    "cobalt",
    "tensor",
    "glyph",
    "vector",
    "lantern",
    "pixel",
    "beacon",
    "vs",
    "versus",
    "score",
    "scores",
    "capabilities",
    "Capabilities",
    "unique:",
    "more",
    "+3",
    "verdict",
    "58/100",
    "5.6M",
    "78.3%",
    "(INT8)",
    "3-4x",
    "batch,",
    "GPU;",
    "©",
    "#",
    "|",
    "copyright",
]
VERBS = ["Runs", "Adds", "Serves", "Exports", "Classifies", "Quantizes", "Detects", "Streams"]
# Openers that start like a footer line; the index after them keeps them from being a whole notice.
FOOTER_LIKE = [
    "Copyright",
    "©",
    "(c)",
    "Need something different?",
    "Search the match graph",
    "Search the match graph →",
]
NOTICE_LIKE = "(c) 2024"  # with the index, a whole copyright notice: needs its Unique: line
NAME_TOKENS = [
    "Orchid",
    "XL",
    "quill.v3",
    "Nimbus",
    "Base",
    "ferro_model",
    "Lumen",
    "7B",
    "kestrel",
    "Tiny-Falcon",
    "2",
    "vs",
    "Capabilities",
    "C#",
    "F#",
    "Copyright",
    "©",
]
FEATURES = KNOWN_FEATURES + ("License", "Context Window", "Release")


def _words(draw, low: int = 1, high: int = 12) -> str:
    return " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=low, max_size=high)))


def _maybe_words(draw, low: int = 1) -> str | None:
    return None if draw(st.integers(0, 4)) == 0 else _words(draw, low)


@st.composite
def names(draw) -> tuple[str, str]:
    a, b = (" ".join(draw(st.lists(st.sampled_from(NAME_TOKENS), min_size=1, max_size=3))) for _ in range(2))
    assume(slugify(a) and slugify(b) and slugify(a) != slugify(b))
    return a, b


@st.composite
def capability(draw, index: int, sides: tuple[str, str]) -> CapabilityBlock:
    # The index makes descriptions distinct: a page never shows one capability twice.
    opener = draw(st.sampled_from(VERBS + FOOTER_LIKE + [NOTICE_LIKE] + [f"{side} scores" for side in sides]))
    description = f"{opener} {index} {_words(draw)}."
    unique, vs = (_maybe_words(draw, 0) for _ in range(2))  # None: incomplete; "": a bare label
    if opener == NOTICE_LIKE and unique is None:
        unique = _words(draw)
    return CapabilityBlock(description, unique, vs)


def _split_by_a_notice(previous: CapabilityBlock, block: CapabilityBlock) -> bool:
    """A notice-like description right after a bare description reads as the footer splitting it."""
    return block.description.startswith(NOTICE_LIKE) and previous.unique is None and previous.vs_alternatives is None


@st.composite
def records(draw) -> ComparisonRecord:
    a, b = draw(names())
    features = draw(st.lists(st.sampled_from(FEATURES), unique=True, max_size=len(FEATURES)))
    cell = st.none() | st.sampled_from(["Model", "Free", "0", "1", "52/100", "5 decomposed", "12", "Paid API"])
    table = tuple(TableRow(f, draw(cell), draw(cell)) for f in features)
    n_a, n_b = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    blocks = [draw(capability(i, (a, b))) for i in range(n_a + n_b)]
    # Each side's first block follows its side header, not the block before.
    assume(not any(_split_by_a_notice(blocks[i - 1], blocks[i]) for i in range(1, len(blocks)) if i != n_a))
    subtitle, verdict = _maybe_words(draw), None
    if draw(st.booleans()):
        (w, ws), (loser, ls) = draw(st.permutations([(a, draw(st.integers(0, 100))), (b, draw(st.integers(0, 100)))]))
        form = draw(st.sampled_from(["shaped", "side", "free"]))
        if form == "shaped":
            verdict = Verdict(
                f"{w} scores higher at {ws}/100 vs {loser} at {ls}/100. {_words(draw)}.", w, ws, loser, ls
            )
        elif form == "side":
            verdict = Verdict(f"{w} scores {_words(draw)}.")
        else:  # whatever follows the "Verdict" header is the verdict
            verdict = Verdict(f"{draw(st.sampled_from(VERBS + FOOTER_LIKE))} {_words(draw)}.")
    return ComparisonRecord(
        title=f"{a} vs {b}",
        a=Side(a, tuple(blocks[:n_a]), more=draw(st.integers(0, 20))),
        b=Side(b, tuple(blocks[n_a:]), more=draw(st.integers(0, 20))),
        subtitle=(subtitle or "").lstrip("| ") or None,  # a line starting with '|' is a table line
        table=table,
        verdict=verdict,
    )


@SETTINGS
@given(records())
def test_random_records_round_trip(record):
    again = round_trip(record)
    assert facts(again) == facts(record)
    if record.subtitle is not None:
        assert again.subtitle == record.subtitle
