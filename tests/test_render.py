"""Round trip: ``parse(render_markdown(record))`` gives back the record's facts.

- every seed (read at run time, never copied) and every sample-corpus page: parse, render, parse
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

from ingest.parser import parse
from ingest.reading import read_path
from ingest.records import KNOWN_FEATURES, CapabilityBlock, ComparisonRecord, Side, TableRow, Verdict, slugify
from ingest.render import FOOTER, render_markdown

try:
    from tests.seeds import SEEDS_ENV, seeds_dir
except ImportError:  # run with tests/ on sys.path
    from seeds import SEEDS_ENV, seeds_dir

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("MATCHGRAPH_PROPERTY_EXAMPLES", "200"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# Warning kinds that mean the parser had to repair or guess: a rendered page must need none.
REPAIRS = (
    "ignored-lines", "unexpected-line", "table-row-mended", "table-fragment", "table-header-missing",
    "table-extra-cells", "columns-swapped", "duplicate-", "orphan-line", "verdict-misplaced",
    "sides-inferred", "sides-uncertain", "side-header-missing", "truncated-line", "conflicting-",
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
    params = [pytest.param(p, id=p.name) for p in sorted((REPO / "corpus" / "sample").glob("*.txt"))]
    folder = seeds_dir()
    if folder is None:
        reason = f"seed documents not found: set {SEEDS_ENV} or put them in {REPO.parent / 'shared' / 'seeds'}"
        return params + [pytest.param(None, id="seeds", marks=pytest.mark.skip(reason=reason))]
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
        verdict=Verdict("Orchid XL scores higher at 61/100 vs quill.v3 at 48/100. Orchid XL leads on speed.", "Orchid XL", 61, "quill.v3", 48),
    )
    return dataclasses.replace(record, **changes)


def test_clean_page_shape():
    page = render_markdown(_record())
    lines = page.splitlines()
    assert lines[:4] == ["Orchid XL vs quill.v3", "How Orchid XL and quill.v3 compare, side by side.",
                         "| Feature | Orchid XL | quill.v3 |", "|---|---|---|"]
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
    record = _record(a=dataclasses.replace(_record().a, capabilities=cut), b=Side("quill.v3"), verdict=None, partial=True)
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
# Texts come from a safe vocabulary. The parser classifies every line by its look, not its place, so
# some texts cannot round-trip; the generator avoids them, and these are the gaps (parser issues
# reported, not fixed here — ingest/parser.py is owned elsewhere):
#  1. a '#' anywhere in the title is stripped (``_MARKDOWN_HEADING.sub`` is not anchored to the start):
#     names "C# Toolkit" / "Java Toolkit" -> RejectedDocument(name-mismatch); "C#" vs "F#" -> IndexError.
#     So names never contain '#'.
#  2. a description starting "Copyright", "©", "(c) 2024", "Need something different?" or "Search the
#     match graph" is read as the footer: the block is lost and its Unique/vs lines become orphans.
#  3. a description starting "<side name> score" (e.g. "GPT-4o scores 88.7% on MMLU.") is read as the
#     verdict: the block is lost and, coming first, it replaces the real verdict. A verdict naming a
#     side that starts with "Copyright"/"©" is read as the footer and lost.
#  4. a verdict text that neither reads "X scores higher at N/100 vs Y at M/100" nor starts
#     "<side name> score" is read as a capability description of B, although it follows "Verdict".
#  5. a name that starts or ends with the word "vs": title "Orchid vs vs Orchid" (A "Orchid vs", B
#     "Orchid") -> RejectedDocument(name-mismatch): ``_TITLE_SPLIT.finditer`` matches do not overlap,
#     so the split between the two "vs" is never tried.
# 5b. a title where some ' vs ' split gives the two names in swapped order, e.g. A "Orchid vs Orchid",
#     B "Orchid": title "Orchid vs Orchid vs Orchid" parses as A "Orchid", B "Orchid vs Orchid" with a
#     'columns-swapped' warning: ``_title_names`` compares the halves with the columns as a *set* and
#     takes the first split, instead of preferring the split that matches the columns in order.
#  6. inherent to the format (no escaping): a '|' in a cell, a text starting with '|', "Unique:",
#     "vs alternatives:", "+N more capabilities", a description equal to "Verdict" or to the title, a
#     description ending "Capabilities" without a full stop, or one starting "Side-by-side comparison"
#     or "<A> ranks higher at N/100 vs <B>", a table row named "Feature" or all dashes.
# Hence: descriptions start with a verb and end with '.', names and cells come from safe tokens, the
# verdict uses one of the two recognised forms. Tricky words (vs, score, capabilities, unique, more,
# verdict) still appear inside texts, and names may contain "vs" inside.

WORDS = (
    "lattice quartz ember harbor signal prism orbit cobalt tensor glyph vector lantern pixel beacon "
    "vs versus score scores capabilities Capabilities unique: more +3 verdict 58/100 5.6M 78.3% (INT8) "
    "3-4x batch, GPU; © # | copyright"
).split()
VERBS = "Runs Adds Serves Exports Classifies Quantizes Detects Streams".split()
NAME_TOKENS = "Orchid XL quill.v3 Nimbus Base ferro_model Lumen 7B kestrel Tiny-Falcon 2 vs Capabilities".split()
FEATURES = KNOWN_FEATURES + ("License", "Context Window", "Release")


def _words(draw, low: int = 1, high: int = 12) -> str:
    return " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=low, max_size=high)))


def _maybe_words(draw, low: int = 1) -> str | None:
    return None if draw(st.integers(0, 4)) == 0 else _words(draw, low)


@st.composite
def names(draw) -> tuple[str, str]:
    a, b = (" ".join(draw(st.lists(st.sampled_from(NAME_TOKENS), min_size=1, max_size=3))) for _ in range(2))
    edges = [a.split()[0], a.split()[-1], b.split()[0], b.split()[-1]]
    assume(slugify(a) and slugify(b) and slugify(a) != slugify(b) and "vs" not in edges)
    words = f"{a} vs {b}".split()  # gap 5b: no split of the title gives the names swapped
    halves = {(slugify(" ".join(words[:i])), slugify(" ".join(words[i + 1:]))) for i, w in enumerate(words) if w == "vs"}
    assume((slugify(b), slugify(a)) not in halves)
    return a, b


@st.composite
def capability(draw, index: int) -> CapabilityBlock:
    # The index makes descriptions distinct: a page never shows one capability twice.
    description = f"{draw(st.sampled_from(VERBS))} {index} {_words(draw)}."
    unique, vs = (_maybe_words(draw, 0) for _ in range(2))  # None: incomplete; "": a bare label
    return CapabilityBlock(description, unique, vs)


@st.composite
def records(draw) -> ComparisonRecord:
    a, b = draw(names())
    features = draw(st.lists(st.sampled_from(FEATURES), unique=True, max_size=len(FEATURES)))
    cell = st.none() | st.sampled_from(["Model", "Free", "0", "1", "52/100", "5 decomposed", "12", "Paid API"])
    table = tuple(TableRow(f, draw(cell), draw(cell)) for f in features)
    n_a, n_b = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    blocks = [draw(capability(i)) for i in range(n_a + n_b)]
    subtitle, verdict = _maybe_words(draw), None
    if draw(st.booleans()):
        (w, ws), (l, ls) = draw(st.permutations([(a, draw(st.integers(0, 100))), (b, draw(st.integers(0, 100)))]))
        if draw(st.booleans()):
            verdict = Verdict(f"{w} scores higher at {ws}/100 vs {l} at {ls}/100. {_words(draw)}.", w, ws, l, ls)
        else:
            verdict = Verdict(f"{w} scores {_words(draw)}.")
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
