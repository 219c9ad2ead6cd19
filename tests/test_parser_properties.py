"""Property tests: pages generated from our own words, then damaged at random.

- a generated page parses back to exactly what it was built from, whatever the side headers;
- re-encodings (BOMs, UTF-16, CRLF, NBSP) do not change the parse;
- truncated pages keep a prefix of each side and say ``partial`` whenever a fact is missing;
- random damage (deleted, repeated, swapped lines; cuts; byte noise) never raises anything but
  ``RejectedDocument``, and parsing is deterministic.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.parser import PAGE_LIMIT, parse
from ingest.reading import read_document
from ingest.records import ComparisonRecord, RejectedDocument

# Sized to keep this file near 20 s; raise MATCHGRAPH_PROPERTY_EXAMPLES for a deeper run. No example
# database: nothing is written into the work tree.
EXAMPLES = int(os.environ.get("MATCHGRAPH_PROPERTY_EXAMPLES", "120"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = ["Tiny Falcon 2", "bramble-net", "Orchid XL", "quill.v3", "Nimbus Base", "ferro_model", "Lumen 7B", "kestrel"]
WORDS = [
    "lattice",
    "quartz",
    "ember",
    "harbor",
    "signal",
    "meadow",
    "prism",
    "orbit",
    "cobalt",
    "willow",
    "tensor",
    "glyph",
    "sparrow",
    "dune",
    "vector",
    "marble",
    "lantern",
    "thistle",
    "copper",
    "fjord",
    "pixel",
    "beacon",
    "sable",
    "cinder",
]


@dataclass(frozen=True)
class Block:
    description: str
    unique: str
    vs: str


@dataclass(frozen=True)
class Page:
    text: str
    name_a: str
    name_b: str
    blocks_a: tuple[Block, ...]
    blocks_b: tuple[Block, ...]
    more_b: int
    rank_a: int
    rank_b: int
    has_verdict: bool


def _sentence(draw, tag: str, end: str = ".") -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=4, max_size=14))
    return f"{tag.capitalize()} " + " ".join(words) + end


@st.composite
def blocks(draw, count: int, side: str) -> tuple[Block, ...]:
    # The tag makes each description distinct: a page never shows one capability twice.
    return tuple(
        Block(
            _sentence(draw, f"{side}{i}"),
            _sentence(draw, "only", end=draw(st.sampled_from(["", "."]))),
            _sentence(draw, "beats"),
        )
        for i in range(count)
    )


@st.composite
def pages(draw) -> Page:
    name_a, name_b = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=2, unique=True))
    decomposed_a = draw(st.integers(0, 11))
    decomposed_b = draw(st.integers(0, 15))
    shown_a, shown_b = min(decomposed_a, PAGE_LIMIT), min(decomposed_b, PAGE_LIMIT)
    more_b = decomposed_b - shown_b
    rank_a, rank_b = draw(st.lists(st.integers(0, 100), min_size=2, max_size=2, unique=True))
    blocks_a, blocks_b = draw(blocks(shown_a, "a")), draw(blocks(shown_b, "b"))
    header_a, header_b, has_verdict, generic_subtitle = (draw(st.booleans()) for _ in range(4))

    (hi_name, hi), (lo_name, lo) = sorted([(name_a, rank_a), (name_b, rank_b)], key=lambda p: -p[1])
    lines = [f"{name_a} vs {name_b}"]
    lines.append(
        "A comparison written for property tests."
        if generic_subtitle
        else f"{hi_name} ranks higher at {hi}/100 vs {lo_name} at {lo}/100."
    )
    lines += [
        f"| Feature | {name_a} | {name_b} |",
        "|---|---|---|",
        "| Type | Model | Repository |",
        f"| UnfragileRank | {rank_a}/100 | {rank_b}/100 |",
        "| Quality | 1 | 0 |",
        "| Pricing | Free | Paid |",
        f"| Capabilities | {decomposed_a} decomposed | {decomposed_b} decomposed |",
    ]
    for name, header, shown in ((name_a, header_a, blocks_a), (name_b, header_b, blocks_b)):
        if header:
            lines.append(f"{name} Capabilities")
        for block in shown:
            lines += [block.description, f"Unique: {block.unique}", f"vs alternatives: {block.vs}"]
    if more_b:
        lines.append(f"+{more_b} more capabilities")
    if has_verdict:
        lines += [
            "Verdict",
            f"{hi_name} scores higher at {hi}/100 vs {lo_name} at {lo}/100. {hi_name} leads on speed, while {lo_name} is stronger on cost.",
        ]
    lines += ["Need something different?", "Search the match graph →© 2030 Nobody."]
    return Page("\n".join(lines), name_a, name_b, blocks_a, blocks_b, more_b, rank_a, rank_b, has_verdict)


def _tuples(blocks) -> list[tuple]:
    return [(b.description, b.unique, b.vs_alternatives) for b in blocks]


def _expected(blocks: tuple[Block, ...]) -> list[tuple]:
    return [(b.description, b.unique, b.vs) for b in blocks]


def _facts(record: ComparisonRecord) -> tuple:
    """What a page proves, without warnings and header flags."""
    return (
        record.title,
        record.subtitle,
        record.table,
        record.verdict,
        _tuples(record.a.capabilities),
        record.a.more,
        _tuples(record.b.capabilities),
        record.b.more,
    )


@SETTINGS
@given(pages())
def test_generated_pages_parse_back_to_what_they_were_built_from(page):
    record = parse(page.text)
    assert (record.a.name, record.b.name) == (page.name_a, page.name_b)
    assert _tuples(record.a.capabilities) == _expected(page.blocks_a)
    assert _tuples(record.b.capabilities) == _expected(page.blocks_b)
    assert (record.a.more, record.b.more) == (0, page.more_b)
    assert (record.rank("a"), record.rank("b")) == (page.rank_a, page.rank_b)
    assert (record.verdict is not None) == page.has_verdict
    if page.has_verdict:
        assert record.verdict.winner == (page.name_a if page.rank_a > page.rank_b else page.name_b)
    assert not record.partial
    assert not [w for w in record.warnings if w.startswith(("sides-uncertain", "truncated", "verdict-", "subtitle-"))]


ENCODINGS = {
    "utf-8-sig": lambda t: t.encode("utf-8-sig"),
    "utf-16": lambda t: t.encode("utf-16"),
    "utf-16-be-bom": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    "crlf": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    "nbsp": lambda t: t.replace(" ", "\u00a0", 7).encode("utf-8"),
    "trailing": lambda t: t.replace("\n", "  \n").encode("utf-8") + b"\n",
}


@SETTINGS
@given(pages(), st.sampled_from(sorted(ENCODINGS)))
def test_reencoding_does_not_change_the_parse(page, encoding):
    original = read_document(page.text.encode("utf-8"), "x")
    copy = read_document(ENCODINGS[encoding](page.text), "x")
    assert copy.sha256 == original.sha256
    assert parse(copy) == parse(original)


@SETTINGS
@given(pages(), st.floats(0, 1))
def test_truncated_pages_keep_a_prefix_and_say_partial(page, fraction):
    full = parse(page.text)
    cut = int(len(page.text) * fraction)
    try:
        record = parse(page.text[:cut])
    except RejectedDocument as error:
        assert error.code in ("empty", "no-title", "no-table")
        return
    for got, want in ((record.a.capabilities, full.a.capabilities), (record.b.capabilities, full.b.capabilities)):
        assert len(got) <= len(want)
        for g, w in zip(got, want):
            assert g.description == w.description
            assert g.unique in (None, w.unique) and g.vs_alternatives in (None, w.vs_alternatives)
    if not record.partial:
        assert _facts(record) == _facts(full)


# -- random damage ----------------------------------------------------------------------------------


def _lines_op(function):
    def apply(data: bytes, draw) -> bytes:
        lines = data.split(b"\n")
        return b"\n".join(function(lines, draw))

    return apply


def _delete(lines, draw):
    i = draw(st.integers(0, len(lines) - 1))
    return lines[:i] + lines[i + 1 :]


def _duplicate(lines, draw):
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines)))
    return lines[:j] + [lines[i]] + lines[j:]


def _swap(lines, draw):
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines = list(lines)
    lines[i], lines[j] = lines[j], lines[i]
    return lines


def _truncate(data: bytes, draw) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _noise(data: bytes, draw) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]


def _reencode(data: bytes, draw) -> bytes:
    text = data.decode("utf-8", errors="replace")
    encoding = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "utf-8-sig", "cp1252", "latin-1"]))
    return text.encode(encoding, errors="replace")


MUTATIONS = [_lines_op(_delete), _lines_op(_duplicate), _lines_op(_swap), _truncate, _noise, _reencode]


@settings(SETTINGS, max_examples=EXAMPLES * 2)
@given(pages(), st.data())
def test_random_damage_only_ever_rejects_and_parses_deterministically(page, data):
    damaged = page.text.encode("utf-8")
    for _ in range(data.draw(st.integers(1, 4))):
        damaged = data.draw(st.sampled_from(MUTATIONS))(damaged, data.draw)
    try:
        document = read_document(damaged, "damaged")
        record = parse(document)
    except RejectedDocument as error:
        assert error.code and error.reason
        return
    assert isinstance(record, ComparisonRecord)
    assert parse(document) == record
    assert dataclasses.asdict(record)  # plain data all the way down


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_only_ever_rejects(text):
    with contextlib.suppress(RejectedDocument):
        parse(text)
