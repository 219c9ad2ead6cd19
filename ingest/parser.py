"""Parser: one comparison document -> ``ComparisonRecord`` (docs/document-format.md), or ``RejectedDocument``.

Pages arrive disordered, so lines are classified by what they *look like*, not by where they
stand, and the record is put together in passes:

1. head: the ``A vs B`` title and the subtitle, above the first table line;
2. table: every ``|`` line, wherever it stands, mended into ``| Feature | A | B |`` rows;
3. body: every other line classified (description, ``Unique:``, ``vs alternatives:``, side header,
   ``+N more``, verdict, footer, ...), then capability blocks assembled from them. Verdict and footer
   lines do not close a block: that is how a block split by them is joined up again. Where the look
   is ambiguous (a description may start like a copyright line or a verdict, a verdict may say
   anything), the neighbouring lines settle it: a description is followed by its ``Unique:`` line;
4. truncation: judged from signals that do not depend on sides; a truncated page's last line may
   be cut mid-way, so it is not used;
5. sides: from the side headers when present, otherwise from the table's ``N decomposed`` counts,
   the ``+N more`` line and ``known_owners`` (see ``_split_point``);
6. the verdict and the subtitle are checked against the table's UnfragileRank row.

Everything the parser repaired, guessed or found inconsistent is reported in
``ComparisonRecord.warnings`` as ``"<kind>: <details>"``; line numbers there count lines of the
normalised text (``Document.text``), from 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingest.reading import document_from_text
from ingest.records import (
    KNOWN_FEATURES,
    CapabilityBlock,
    ComparisonRecord,
    Document,
    RejectedDocument,
    Side,
    TableRow,
    Verdict,
    content_id,
    slugify,
)

# How many capabilities a page shows per side; the rest are summed up in "+N more capabilities".
PAGE_LIMIT = 8

_VERDICT_FIRST_SENTENCE_ONLY = re.compile(r"^.*\bscores? higher at \d+/100 vs .+ at \d+/100\.\s*$")
_TITLE_SPLIT = re.compile(r"\s+(?:vs\.?|versus)\s+", re.IGNORECASE)
# Only a leading Markdown heading marker ("# ", "## "): a '#' inside a name ("C#") is part of it.
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s+")
# The lines known by how they start, in one pattern so a description line costs one failed match.
# The group that matched names the line's kind. Some starts are only candidates, settled later:
# a "footer" start may open a description ("Copyright detection for ..."), see ``_footer_kind``;
# a "verdict_label" ("Verdict: <text>") is in the verdict's place, see ``_settle_verdict_places``.
_MARKED = re.compile(
    r"(?P<unique>unique\s*:\s*)"
    r"|(?P<vs>vs\.?\s+alternatives?\s*:\s*)"
    r"|\+\s*(?P<more>\d+)\s+more\s+capabilit(?:y|ies)\.?$"
    r"|(?P<verdict_header>verdict\s*:?$)"
    r"|(?P<verdict_label>verdict\s*:\s*)"
    r"|(?P<footer>need something different\?|search the match graph\b|©|\(c\)|copyright\b)",
    re.IGNORECASE,
)
_VERDICT_HEADER = re.compile(r"verdict\s*:?\s*", re.IGNORECASE)
# A footer line is made of these phrases only (the seeds glue a copyright line onto the last one).
_FOOTER_PHRASE = re.compile(r"(?:need something different\?|search the match graph\b\s*→?)\s*", re.IGNORECASE)
_COPYRIGHT_MARK = re.compile(r"©|\(c\)|copyright\b", re.IGNORECASE)
# What makes a copyright line a notice: a year or "all rights reserved" after the mark.
_COPYRIGHT_NOTICE = re.compile(r"(?:©|\(c\)|copyright\b).*?(?:\b(?:19|20)\d\d\b|all rights reserved)", re.IGNORECASE)
_COPYRIGHT_MAX_CHARS = 120  # a copyright line is short; a longer line is a description
_SCORES = r"(?P<winner>.+?)\s+{verb}\s+higher\s+at\s+(?P<ws>\d+)\s*/\s*100\s+vs\.?\s+(?P<loser>.+?)\s+at\s+(?P<ls>\d+)\s*/\s*100\b"
_VERDICT = re.compile(_SCORES.format(verb="scores"))
_RANKS_HIGHER = re.compile(_SCORES.format(verb="ranks"))
_GENERIC_SUBTITLE = re.compile(r"side-by-side comparison\b", re.IGNORECASE)
_SIDE_HEADER = re.compile(r"(?P<name>.+?)\s+capabilities\s*:?$", re.IGNORECASE)
# Header-shaped (short, no full stop, ends in "Capabilities") but naming neither side.
_OTHER_HEADER = re.compile(r"[^.]{1,100}\sCapabilities$")
_SEPARATOR_CELL = re.compile(r":?-+:?$")
# What the start of a "+N more capabilities" line looks like when a truncation cuts it.
_CUT_MORE = re.compile(r"\+\d*(?:\s+m(?:o(?:r(?:e(?:\s+c[a-z]*)?)?)?)?)?$", re.IGNORECASE)
_FIXED_MARKERS = ("verdict", "need something different?", "search the match graph →", "unique:", "vs alternatives:")

_FEATURE_NAMES = frozenset(f.lower() for f in KNOWN_FEATURES) | {"feature"}

# Line kinds of the body.
DESCRIPTION, UNIQUE, VS, SIDE_HEADER, MORE, VERDICT_HEADER, VERDICT, FOOTER = (
    "description",
    "unique",
    "vs",
    "side-header",
    "more",
    "verdict_header",
    "verdict",
    "footer",
)
# Kinds that only the lines around them settle (``_settle_by_structure``); none survives it.
COPYRIGHT, VERDICT_LABEL = "copyright", "verdict_label"
MISPLACED_SUBTITLE, TITLE_REPEAT, OTHER_HEADER, CUT = "subtitle", "title", "other-header", "cut"
_OUT_OF_PLACE = {
    MISPLACED_SUBTITLE: "a subtitle",
    TITLE_REPEAT: "the title again",
    OTHER_HEADER: "a capabilities header naming neither side",
}
_CLOSING_KINDS = frozenset({VERDICT_HEADER, VERDICT, FOOTER})


def parse(doc: Document | str, known_owners: Mapping[str, str] | None = None) -> ComparisonRecord:
    """Recover the facts of one "A vs B" comparison document.

    ``doc`` is a ``Document`` from ``ingest.reading`` or plain text (normalised here the same way).
    ``known_owners`` maps a capability id (``CapabilityBlock.id``) to the slug of the artifact that
    already owns it in the graph; it helps assign capabilities to sides when side headers are missing.

    Raises ``RejectedDocument`` with code ``empty``, ``binary``, ``html`` or ``json`` (plain text only),
    ``no-title``, ``no-table``, ``name-mismatch`` (title and table name different artifacts) or
    ``same-sides`` (an artifact compared with itself).
    """
    if isinstance(doc, str):
        doc = document_from_text(doc)
    return _Parse(doc, known_owners or {}).record()


@dataclass(slots=True)
class _Line:
    number: int  # 1-based, in the normalised text
    text: str
    kind: str = DESCRIPTION
    # The text after a label, a side ('a'/'b') or a count: its type follows `kind`, which a tagged
    # union would spell out at the cost of a class per kind; readers check `kind` first.
    value: Any = None


@dataclass(slots=True)
class _Block:
    description: str
    line: int
    header_side: str | None  # the side header in force when the block started, if any
    unique: str | None = None
    unique_line: int | None = None
    vs: str | None = None
    vs_line: int | None = None

    @property
    def complete(self) -> bool:
        return self.unique is not None and self.vs is not None

    def frozen(self) -> CapabilityBlock:
        return CapabilityBlock(self.description, self.unique, self.vs)


@dataclass(slots=True)
class _MoreLine:
    count: int
    position: int  # how many blocks had started before it
    header_side: str | None
    side: str | None = None


class _Parse:
    """One parse: holds the page's lines and what has been recovered so far, and the warnings."""

    def __init__(self, doc: Document, known_owners: Mapping[str, str]):
        self.lines = doc.text.split("\n")
        self.known_owners = known_owners
        self.warnings: list[str] = list(doc.warnings)
        self.last_index = _last_non_blank(self.lines)

    def warn(self, kind: str, details: str) -> None:
        self.warnings.append(f"{kind}: {details}")

    # -- the whole parse ---------------------------------------------------------------------------

    def record(self) -> ComparisonRecord:
        title_index, table_start = self._find_title_and_table()
        self._read_head(title_index, table_start)
        self._read_table(table_start)
        body = self._classified_body(table_start)
        self._assemble_blocks(body)
        self._drop_duplicate_blocks()
        self.partial = partial = self._judge_truncation(body)
        if partial:
            self._distrust_last_line()
        self._assign_more_lines()
        a_blocks, b_blocks = self._assign_sides()
        self._warn_incomplete_blocks()
        if not partial:
            self._check_shown_counts(len(a_blocks), len(b_blocks))
        verdict = self._read_verdict()
        self._check_subtitle()
        return ComparisonRecord(
            title=self.title,
            a=self._side("a", a_blocks),
            b=self._side("b", b_blocks),
            subtitle=self.subtitle,
            table=tuple(self.rows),
            verdict=verdict,
            partial=partial,
            warnings=tuple(self.warnings),
        )

    # -- 1. head -----------------------------------------------------------------------------------

    def _find_title_and_table(self) -> tuple[int, int]:
        table_start = next((i for i, line in enumerate(self.lines) if line.lstrip().startswith("|")), None)
        region = self.lines[:table_start] if table_start is not None else self.lines[:10]
        title_index = next((i for i, line in enumerate(region) if _looks_like_title(line)), None)
        if title_index is None:
            raise RejectedDocument("no 'A vs B' title line found: this is not a comparison document", "no-title")
        if table_start is None:
            raise RejectedDocument(
                f"the document has a title ({_clip(self.lines[title_index])!r}) but no '| Feature | A | B |' table",
                "no-table",
            )
        return title_index, table_start

    def _read_head(self, title_index: int, table_start: int) -> None:
        if any(self.lines[:title_index]):
            self.warn("ignored-lines", f"lines 1-{title_index} come before the title; ignored")
        self.title = _strip_heading_marker(self.lines[title_index].strip())
        between = [
            (i, line) for i, line in enumerate(self.lines[title_index + 1 : table_start], title_index + 2) if line
        ]
        self.subtitle = between[0][1] if between else None
        for number, line in between[1:]:
            self.warn(
                "unexpected-line", f"line {number} ({_clip(line)!r}) stands between the subtitle and the table; ignored"
            )

    # -- 2. table ----------------------------------------------------------------------------------

    def _read_table(self, table_start: int) -> None:
        pipe_lines = []
        for index in range(table_start, len(self.lines)):
            line = self.lines[index].strip()
            if not line.startswith("|"):
                continue
            if index == self.last_index and not line.endswith("|") and len(line) > 1:
                self.warn(
                    "truncated-line",
                    f"line {index + 1} (a table row without its closing '|') is the last line and looks cut off; ignored",
                )
                continue
            cells = _cells(line)
            if not all(_SEPARATOR_CELL.match(cell) for cell in cells):
                pipe_lines.append((index + 1, cells))
        raw_rows = self._mend_rows(pipe_lines)
        if not raw_rows:
            raise RejectedDocument("the document's table has no complete line (cut off or only separators)", "no-table")
        header = raw_rows.pop(0) if raw_rows and raw_rows[0][1][0].lower() == "feature" else None
        self._set_names(header)
        self.rows = self._table_rows(raw_rows)
        # A record holding only the table, for its cell/rank/decomposed look-ups.
        self.table_view = ComparisonRecord(self.title, Side(self.name_a), Side(self.name_b), table=tuple(self.rows))

    def _mend_rows(self, pipe_lines: list[tuple[int, list[str]]]) -> list[tuple[int, list[str], int]]:
        """Join rows broken over several lines: (first line, cells, how many lines it spanned).

        A line continues the row before it when that row has fewer than three cells, the line does
        not itself start a row (a known feature name, or three cells) and its cells fit.
        """
        rows: list[tuple[int, list[str], int]] = []
        for number, cells in pipe_lines:
            starts_row = len(cells) >= 3 or cells[0].lower() in _FEATURE_NAMES
            if rows and not starts_row and len(rows[-1][1]) + len(cells) <= 3:
                first, pending, spanned = rows[-1]
                rows[-1] = (first, pending + cells, spanned + 1)
            else:
                rows.append((number, cells, 1))
        return rows

    def _set_names(self, header: tuple[int, list[str], int] | None) -> None:
        """Side names from the title, checked against the table's header row."""
        names = self._title_names(header[1][1:3] if header else [])
        self.name_a, self.name_b = names
        self.slug_a, self.slug_b = slugify(self.name_a), slugify(self.name_b)
        self.score_prefixes = (self.name_a.lower() + " score", self.name_b.lower() + " score")
        if not self.slug_a or not self.slug_b:
            raise RejectedDocument(f"the title {_clip(self.title)!r} does not name two artifacts", "no-title")
        if self.slug_a == self.slug_b:
            raise RejectedDocument(f"the title compares {self.name_a!r} with itself", "same-sides")
        self.columns_swapped = False
        if header is None:
            self.warn(
                "table-header-missing",
                "the table has no '| Feature | A | B |' header row; columns taken in title order",
            )
            return
        column_slugs = [slugify(cell) for cell in header[1][1:3]]
        if len(column_slugs) < 2:
            self.warn(
                "table-header-incomplete",
                f"the table header (line {header[0]}) names {len(column_slugs)} of 2 artifacts",
            )
        elif column_slugs == [self.slug_b, self.slug_a]:
            self.columns_swapped = True
            self.warn("columns-swapped", f"the table lists {self.name_b!r} first; cells re-ordered to follow the title")
        elif column_slugs != [self.slug_a, self.slug_b]:
            raise RejectedDocument(
                f"the title compares {self.name_a!r} and {self.name_b!r} but the table's columns are "
                f"{header[1][1]!r} and {header[1][2]!r}",
                "name-mismatch",
            )

    def _title_names(self, columns: list[str]) -> tuple[str, str]:
        """Split the title at the ' vs ' whose halves are the table's columns.

        Names may contain 'vs', even as their first or last word ('Orchid vs' vs 'Orchid'), and one
        title may split into the columns both ways ('Orchid vs Orchid' vs 'Orchid'): the split giving
        them in column order wins, then the one giving them swapped, then the first.
        """
        splits = _title_splits(self.title)
        if not splits:
            raise RejectedDocument(f"the title {_clip(self.title)!r} does not name two artifacts", "no-title")
        wanted = [slugify(c) for c in columns]
        for order in (wanted, wanted[::-1]):
            for a, b in splits:
                if [slugify(a), slugify(b)] == order:
                    return a, b
        return splits[0]

    def _table_rows(self, raw_rows: list[tuple[int, list[str], int]]) -> list[TableRow]:
        rows: dict[str, TableRow] = {}
        for number, cells, spanned in raw_rows:
            feature = cells[0]
            if feature.lower() == "feature":
                self.warn("duplicate-row", f"the header row appears again at line {number}; ignored")
                continue
            if len(cells) < 3 and feature.lower() not in _FEATURE_NAMES:
                self.warn("table-fragment", f"line {number} ({' | '.join(cells)!r}) belongs to no table row; ignored")
                continue
            if spanned > 1:
                self.warn(
                    "table-row-mended", f"row {feature!r} was broken over {spanned} lines (from line {number}); joined"
                )
            if len(cells) > 3:
                self.warn(
                    "table-extra-cells", f"row {feature!r} (line {number}) has {len(cells) - 1} cells; kept the first 2"
                )
            a, b = (cells[1:3] + [""] * 2)[:2]
            if self.columns_swapped:
                a, b = b, a
            if not a or not b:
                missing = " and ".join(n for n, c in ((self.name_a, a), (self.name_b, b)) if not c)
                self.warn("table-cell-missing", f"row {feature!r} (line {number}) has no cell for {missing}")
            row = TableRow(feature, a or None, b or None)
            if feature in rows:
                kind = "duplicate-row" if rows[feature] == row else "conflicting-row"
                self.warn(kind, f"row {feature!r} appears again at line {number}; kept the first")
                continue
            rows[feature] = row
        return list(rows.values())

    # -- 3. body -----------------------------------------------------------------------------------

    def _classified_body(self, table_start: int) -> list[_Line]:
        """Every non-table line after the table starts, classified; consecutive repeats dropped."""
        body: list[_Line] = []
        previous = None
        for index in range(table_start + 1, len(self.lines)):
            text = self.lines[index].strip()
            if not text or text.startswith("|"):
                continue
            if text == previous:
                self.warn("duplicate-line", f"line {index + 1} repeats the line before it; dropped")
                continue
            previous = text
            body.append(self._classify(_Line(index + 1, text), is_last=index == self.last_index))
        self._settle_by_structure(body)
        return body

    def _classify(self, line: _Line, is_last: bool) -> _Line:
        """Set the line's kind from its look. Description lines (most of a page) are long, so patterns
        that would scan a whole line run only behind a cheap substring test (speed: design goal of
        thousands of pages a second)."""
        text = line.text
        match = _MARKED.match(text)
        kind = match.lastgroup if match else None
        if kind == FOOTER:
            kind = _footer_kind(text)  # None: a description starting with footer words
        copyright_like = kind == COPYRIGHT
        if copyright_like:
            # Classified on: it may be a verdict or side header naming a "Copyright ..." side. If it
            # comes out a description, the lines around it settle whether it is the footer's.
            kind = None
        if kind is not None and match is not None:
            line.kind = kind
            if kind in (UNIQUE, VS, VERDICT_LABEL):
                line.value = text[match.end() :]
            elif kind == MORE:
                line.value = int(match.group(MORE))
            if kind == VERDICT_LABEL and _VERDICT.match(line.value):
                line.kind = VERDICT
        elif ("score" in text or "SCORE" in text) and (verdict := _verdict_text(text)):
            line.kind, line.value = VERDICT, verdict
        elif is_last and text[: len(self.name_a) + len(self.name_b) + 8].lower().startswith(self.score_prefixes):
            # "<side> score..." without the verdict's shape, as the last line: most likely the verdict
            # cut short (a description cut there would be distrusted anyway, the page being truncated).
            line.kind = CUT
        elif "capabilities" in text[-14:].lower():
            side = self._header_side(text)
            if side is not None:
                line.kind, line.value = SIDE_HEADER, side
            elif _OTHER_HEADER.match(text):
                line.kind = OTHER_HEADER
        elif ("ranks" in text and _RANKS_HIGHER.match(text)) or _GENERIC_SUBTITLE.match(text):
            line.kind = MISPLACED_SUBTITLE
        elif text == self.title:
            line.kind = TITLE_REPEAT
        if copyright_like and line.kind == DESCRIPTION:
            line.kind = COPYRIGHT
        if is_last and line.kind == DESCRIPTION and self._is_cut_marker(text):
            line.kind = CUT
        return line

    def _settle_by_structure(self, body: list[_Line]) -> None:
        """Settle the lines whose look is ambiguous by the lines around them.

        Descriptions may start like a copyright line or a verdict ("Copyright detection for ...",
        "GPT-4o scores 88.7% on ..."), and a verdict may say anything. What tells them apart is that
        a capability description is followed by its ``Unique:`` line, and a footer or verdict is not.
        """
        self._settle_look_alikes(body)
        self._settle_verdict_places(body)

    def _settle_look_alikes(self, body: list[_Line]) -> None:
        """Copyright-like lines, and verdict-shaped lines that may be descriptions."""
        previous = None
        for index, line in enumerate(body):
            if line.kind == COPYRIGHT:
                line.kind = _copyright_kind(line.text, previous, _kind_after(body, index))
            elif line.kind == VERDICT and _kind_after(body, index) == UNIQUE and not self._names_both_sides(line.value):
                line.kind = DESCRIPTION  # "X scores higher at 9/100 vs Y at 3/100 on ...", about others
            previous = line.kind

    def _settle_verdict_places(self, body: list[_Line]) -> None:
        """The lines right after a ``Verdict`` header, or glued to one. Their place decides only on a
        page with no verdict-shaped line: disordered pages put descriptions after the header too."""
        shaped_verdict = any(line.kind == VERDICT for line in body)
        previous = None
        for index, line in enumerate(body):
            if line.kind == VERDICT_LABEL or (previous == VERDICT_HEADER and line.kind == DESCRIPTION):
                self._settle_verdict_place(line, _kind_after(body, index), shaped_verdict)
            previous = line.kind

    def _settle_verdict_place(self, line: _Line, following: str | None, shaped_verdict: bool) -> None:
        """A line right after a ``Verdict`` header (or glued to one) is the verdict, kept as text even
        when it does not say who scores higher; as the page's last line without a closing full stop,
        a verdict cut short. Unless a ``Unique:`` line follows, or the page has a verdict-shaped line:
        then it is a description standing after a misplaced header."""
        if following == UNIQUE or shaped_verdict:
            line.kind = DESCRIPTION
            return
        if line.kind == DESCRIPTION:
            line.value = line.text
        cut = line.number == self.last_index + 1 and not line.value.endswith((".", "!", "?"))
        line.kind = CUT if cut else VERDICT

    def _names_both_sides(self, verdict: str) -> bool:
        """Whether a verdict-shaped sentence says who of *this page's* two sides scores higher."""
        match = _VERDICT.match(verdict)
        if match is None:
            return False
        return {slugify(match["winner"]), slugify(match["loser"])} == {self.slug_a, self.slug_b}

    def _header_side(self, text: str) -> str | None:
        match = _SIDE_HEADER.match(text)
        if not match:
            return None
        slug = slugify(match.group("name"))
        return "a" if slug == self.slug_a else "b" if slug == self.slug_b else None

    def _is_cut_marker(self, text: str) -> bool:
        """Whether ``text`` is the start of a marker line (footer, label, header...) cut short."""
        lowered = text.lower()
        markers = _FIXED_MARKERS + tuple(
            f"{name.lower()} {suffix}"
            for name in (self.name_a, self.name_b)
            for suffix in ("capabilities", "scores higher at")
        )
        return any(marker.startswith(lowered) for marker in markers) or bool(_CUT_MORE.match(text))

    def _assemble_blocks(self, body: list[_Line]) -> None:
        """Capability blocks from the classified lines; also collects side headers, "+N more", verdicts."""
        self.blocks: list[_Block] = []
        self.more_lines: list[_MoreLine] = []
        self.verdict_lines: list[_Line] = []
        self.headers_seen: set[str] = set()
        self.footer_seen = False
        header_side: str | None = None
        block: _Block | None = None
        first_closing: int | None = None  # first verdict/footer line
        split_block: _Block | None = None  # the block that was open (incomplete) when it came
        blocks_before_closing = 0
        for line in body:
            kind = line.kind
            if kind == DESCRIPTION:
                block = _Block(line.text, line.number, header_side)
                self.blocks.append(block)
            elif kind == UNIQUE:
                if block and block.unique is None:
                    block.unique, block.unique_line = line.value, line.number
                else:
                    self._orphan(line, block is not None and block.unique == line.value, "Unique:")
            elif kind == VS:
                if block and block.vs is None:
                    block.vs, block.vs_line = line.value, line.number
                else:
                    self._orphan(line, block is not None and block.vs == line.value, "vs alternatives:")
            elif kind == SIDE_HEADER:
                header_side, block = line.value, None
                self.headers_seen.add(line.value)
            elif kind == MORE:
                self.more_lines.append(_MoreLine(line.value, len(self.blocks), header_side))
            elif kind in _CLOSING_KINDS:
                if first_closing is None:
                    first_closing = line.number
                    split_block = block if block and not block.complete else None
                    blocks_before_closing = len(self.blocks)
                self.footer_seen |= kind == FOOTER
                if kind == VERDICT:
                    self.verdict_lines.append(line)
            elif kind == CUT:
                self.warn(
                    "truncated-line",
                    f"line {line.number} ({_clip(line.text)!r}) is the last line and looks cut off; ignored",
                )
            else:
                self.warn(
                    "unexpected-line",
                    f"line {line.number} ({_clip(line.text)!r}) is {_OUT_OF_PLACE[kind]} out of place; ignored",
                )
        if first_closing is not None:
            self._warn_misplaced_verdict(first_closing, split_block, blocks_before_closing)

    def _orphan(self, line: _Line, repeats_open_block: bool, label: str) -> None:
        if repeats_open_block:
            self.warn("duplicate-line", f"line {line.number} repeats the capability's {label!r} line; dropped")
        else:
            self.warn(
                "orphan-line",
                f"line {line.number} ({label!r}) follows no capability description that lacks one; ignored",
            )

    def _warn_misplaced_verdict(self, first_closing: int, split_block: _Block | None, blocks_before: int) -> None:
        if split_block and max(split_block.unique_line or 0, split_block.vs_line or 0) > first_closing:
            self.warn(
                "verdict-misplaced",
                f"the verdict/footer from line {first_closing} splits the capability at line {split_block.line}; "
                "its lines after them were joined back to it",
            )
        elif len(self.blocks) > blocks_before:
            self.warn(
                "verdict-misplaced", f"the verdict/footer from line {first_closing} stands between capability blocks"
            )

    def _drop_duplicate_blocks(self) -> None:
        """A capability shown twice (same description) is one capability; keep the first, completed."""
        kept: dict[str, _Block] = {}
        for block in self.blocks:
            key = block.description  # repeats on a page are exact copies; reading already normalised spaces
            first = kept.get(key)
            if first is None:
                kept[key] = block
                continue
            self.warn(
                "duplicate-capability",
                f"the capability at line {block.line} repeats the one at line {first.line}; dropped",
            )
            if first.unique is None and block.unique is not None:
                first.unique, first.unique_line = block.unique, block.unique_line
            if first.vs is None and block.vs is not None:
                first.vs, first.vs_line = block.vs, block.vs_line
        if len(kept) != len(self.blocks):
            dropped = {id(b) for b in self.blocks} - {id(b) for b in kept.values()}
            for more in self.more_lines:  # a "+N more" line's position counts blocks before it
                more.position -= sum(1 for b in self.blocks[: more.position] if id(b) in dropped)
            self.blocks = [b for b in self.blocks if id(b) not in dropped]

    # -- 4. truncation -----------------------------------------------------------------------------

    def _judge_truncation(self, body: list[_Line]) -> bool:
        """Whether the page lost its end; every reason found becomes part of one 'truncated' warning."""
        reasons = []
        meaningful = [line for line in body if line.kind != CUT]
        if not meaningful:
            reasons.append("nothing follows the table")
        elif not self.verdict_lines and not self.footer_seen:
            reasons.append("no verdict and no footer")
        if (
            meaningful
            and self.blocks
            and not self.blocks[-1].complete
            and meaningful[-1].kind in (DESCRIPTION, UNIQUE, VS)
        ):
            reasons.append(f"the last capability (line {self.blocks[-1].line}) is incomplete")
        last_verdict = self.verdict_lines[-1] if self.verdict_lines else None
        if last_verdict and last_verdict.number == self.last_index + 1:
            if not last_verdict.value.endswith((".", "!", "?")):
                reasons.append(f"the verdict (line {last_verdict.number}) is cut off")
            elif not self.footer_seen and _VERDICT_FIRST_SENTENCE_ONLY.match(last_verdict.value):
                # The page ends on the score sentence with neither the "leads on …" sentence nor the footer.
                reasons.append(f"the verdict (line {last_verdict.number}) stops after its first sentence")
        expected = self._expected_shown()
        if expected is not None and len(self.blocks) < expected:
            reasons.append(f"{len(self.blocks)} capabilities shown where the table's counts promise {expected}")
        decomposed_b = self._decomposed("b")
        if decomposed_b is not None and decomposed_b > PAGE_LIMIT and not self.more_lines:
            reasons.append(f"no '+N more capabilities' line although {self.name_b!r} has {decomposed_b} decomposed")
        missing = [f for f in KNOWN_FEATURES if f not in {row.feature for row in self.rows}]
        if missing and not meaningful:
            reasons.append(f"the table lacks rows {', '.join(missing)}")
        if reasons:
            self.warn("truncated", "; ".join(reasons))
        return bool(reasons)

    def _expected_shown(self) -> int | None:
        """How many capabilities both sides together should show, from the table (None if unknown)."""
        decomposed_a, decomposed_b = self._decomposed("a"), self._decomposed("b")
        if decomposed_a is None or decomposed_b is None:
            return None
        more_total = sum(m.count for m in self.more_lines)  # sides not known yet: all of them
        limit_a = min(decomposed_a, PAGE_LIMIT)
        b_shown = decomposed_b - more_total if self.more_lines else min(decomposed_b, PAGE_LIMIT)
        return limit_a + max(b_shown, 0)

    def _distrust_last_line(self) -> None:
        """On a truncated page the last line may stop mid-sentence: drop it from its capability."""
        last = self.last_index + 1
        for block in self.blocks:
            if block.line == last:
                self.blocks.remove(block)
            elif block.unique_line == last:
                block.unique = block.unique_line = None
            elif block.vs_line == last:
                block.vs = block.vs_line = None
            else:
                continue
            self.warn("truncated-line", f"line {last}, the last of a truncated page, may be cut off; not used")
            return

    # -- 5. sides ----------------------------------------------------------------------------------

    def _assign_more_lines(self) -> None:
        """Decide which side each "+N more" line belongs to; sets ``self.more`` (side -> count or None).

        Under side headers, the side whose section it stands in. Without them, the page puts it after
        B's blocks, so it is B's, unless it stands right after A's share (min(decomposed, limit)
        blocks) with a count that matches A's; with two such lines the first is A's.
        """
        if "b" in self.headers_seen:
            for more in self.more_lines:
                more.side = more.header_side or "a"
        elif len(self.more_lines) >= 2:
            for more in self.more_lines:
                more.side = "b"
            self.more_lines[0].side = "a"
        elif self.more_lines:
            only = self.more_lines[0]
            only.side = "a" if self._is_a_more_line(only) else "b"
        self.more: dict[str, int | None] = {}
        for side in ("a", "b"):
            counts = [m.count for m in self.more_lines if m.side == side]
            if len(set(counts)) > 1:
                self.warn(
                    "conflicting-more",
                    f"{len(counts)} different '+N more' counts for {self._name(side)!r}; kept the first",
                )
            self.more[side] = counts[0] if counts else None

    def _is_a_more_line(self, more: _MoreLine) -> bool:
        decomposed_a = self._decomposed("a")
        return (
            decomposed_a is not None
            and 0 < more.position < len(self.blocks)
            and more.position == min(decomposed_a, PAGE_LIMIT)
            and decomposed_a - more.position == more.count
        )

    def _name(self, side: str) -> str:
        return self.name_a if side == "a" else self.name_b

    def _assign_sides(self) -> tuple[list[_Block], list[_Block]]:
        if "b" in self.headers_seen:
            sides = self._sides_from_headers()
        else:
            k = self._split_point()
            sides = ["a"] * k + ["b"] * (len(self.blocks) - k)
        self._check_owners(sides)
        a = [blk for blk, side in zip(self.blocks, sides) if side == "a"]
        b = [blk for blk, side in zip(self.blocks, sides) if side == "b"]
        return a, b

    def _sides_from_headers(self) -> list[str]:
        """Each block goes to the side header above it; blocks above every header are A's."""
        if "a" not in self.headers_seen:
            self.warn(
                "side-header-missing",
                f"no {self.name_a + ' Capabilities'!r} header; the capabilities before B's header are A's",
            )
        sides = [blk.header_side or "a" for blk in self.blocks]
        if (
            self.blocks
            and self.blocks[0].header_side is None
            and "a" in self.headers_seen
            and self._first_header() == "a"
        ):
            self.warn("sides-uncertain", "capabilities stand above the first side header; assigned to A")
        return sides

    def _first_header(self) -> str | None:
        return next((blk.header_side for blk in self.blocks if blk.header_side), None)

    def _split_point(self) -> int:
        """Without a B header: A gets the first k blocks, B the rest. Returns k.

        Evidence: A shows min(decomposed, page limit) blocks (kA); B shows decomposed - more (so
        kB = n - that); a capability known to belong to A must fall before k, one of B's at or after
        it. kA is taken when owners allow it and kB agrees, is unknown, or cannot be trusted (a
        truncated page). Otherwise owners that pin k decide; else kA or kB, whichever owners allow;
        else the end of A's known capabilities, the start of B's, or the page limit, in that order.
        The last two steps are guesses, said in a 'sides-uncertain' warning.
        """
        n = len(self.blocks)
        if not n:
            return 0
        lo, hi = self._owner_bounds()
        k_a = self._count_split_a(n)
        k_b = self._count_split_b(n)
        evidence = self._split_evidence(k_a, k_b)
        feasible = [k for k in (k_a, k_b) if k is not None and lo <= k <= hi]
        # kB only contradicts kA on a complete page: truncation shortens B's share, not A's.
        if k_a is not None and lo <= k_a <= hi and (k_b in (None, k_a) or self.partial):
            k, sure = k_a, True
        elif lo == hi:
            k, sure = lo, True
        elif feasible:
            k, sure = feasible[0], False
        else:  # no usable counts: A's known capabilities end A's share, or B's known ones start B's
            k, sure = (lo if lo > 0 else hi if hi < n else min(n, PAGE_LIMIT)), False
        self.warn("sides-inferred", f"no side headers; A gets the first {k} of {n} capabilities ({evidence})")
        if not sure:
            self.warn(
                "sides-uncertain", f"the evidence does not settle which capabilities are A's; split after {k} of {n}"
            )
        return k

    def _count_split_a(self, n: int) -> int | None:
        decomposed = self._decomposed("a")
        if decomposed is None:
            return None
        more = self.more["a"]
        return min(decomposed - more if more is not None else min(decomposed, PAGE_LIMIT), n)

    def _count_split_b(self, n: int) -> int | None:
        decomposed = self._decomposed("b")
        if decomposed is None:
            return None
        more = self.more["b"]
        k = n - (decomposed - more if more is not None else min(decomposed, PAGE_LIMIT))
        return k if 0 <= k <= n else None

    def _split_evidence(self, k_a: int | None, k_b: int | None) -> str:
        parts = []
        if k_a is not None:
            parts.append(f"A: {self._decomposed('a')} decomposed")
        if k_b is not None:
            more = self.more["b"]
            parts.append(f"B: {self._decomposed('b')} decomposed" + (f" minus {more} more" if more is not None else ""))
        if self.known_owners and any(self.known_owners.get(self._block_id(b)) for b in self.blocks):
            parts.append("known owners")
        return "; ".join(parts) or "no evidence"

    def _owner_bounds(self) -> tuple[int, int]:
        """The range of split points that known owners allow: A-owned blocks before, B-owned after."""
        n = len(self.blocks)
        if not self.known_owners:
            return 0, n
        lo, hi = 0, n
        for index, block in enumerate(self.blocks):
            owner = self.known_owners.get(self._block_id(block))
            if owner == self.slug_a:
                lo = max(lo, index + 1)
            elif owner == self.slug_b:
                hi = min(hi, index)
        if lo > hi:
            self.warn("owner-conflict", "known owners put some of B's capabilities before A's; owners ignored")
            return 0, n
        return lo, hi

    def _check_owners(self, sides: list[str]) -> None:
        if not self.known_owners:
            return
        for block, side in zip(self.blocks, sides):
            owner = self.known_owners.get(self._block_id(block))
            other = self.slug_b if side == "a" else self.slug_a
            if owner is not None and owner == other:
                self.warn(
                    "owner-conflict",
                    f"the capability at line {block.line} is known as {owner!r}'s but the page lists it under {side.upper()}",
                )

    @staticmethod
    def _block_id(block: _Block) -> str:
        return content_id(block.description)

    def _check_shown_counts(self, shown_a: int, shown_b: int) -> None:
        """On a complete page, each side should show what its table counts promise."""
        for side, shown in (("a", shown_a), ("b", shown_b)):
            decomposed, more = self._decomposed(side), self.more[side]
            if decomposed is None:
                continue
            expected = decomposed - more if more is not None else min(decomposed, PAGE_LIMIT)
            if shown != expected:
                self.warn(
                    "count-mismatch",
                    f"{self._name(side)!r} shows {shown} capabilities; its table counts promise {expected}",
                )

    def _side(self, side: str, blocks: list[_Block]) -> Side:
        more = self.more[side]
        return Side(
            name=self._name(side),
            capabilities=tuple(b.frozen() for b in blocks),
            more=more or 0,
            header_present=side in self.headers_seen,
        )

    def _warn_incomplete_blocks(self) -> None:
        for block in self.blocks:
            missing = [
                label
                for label, value in (("'Unique:'", block.unique), ("'vs alternatives:'", block.vs))
                if value is None
            ]
            if missing:
                self.warn(
                    "incomplete-capability", f"the capability at line {block.line} has no {' or '.join(missing)} line"
                )

    # -- 6. verdict and subtitle -------------------------------------------------------------------

    def _read_verdict(self) -> Verdict | None:
        if not self.verdict_lines:
            return None
        first, *others = self.verdict_lines
        for other in others:
            if other.value != first.value:
                self.warn(
                    "conflicting-verdict",
                    f"another verdict at line {other.number} differs from the one at line {first.number}; kept the first",
                )
        text = first.value
        match = _VERDICT.match(text)
        if not match:
            self.warn(
                "verdict-unreadable",
                f"the verdict at line {first.number} does not say who scores higher at what; kept as text",
            )
            return Verdict(text)
        winner, winner_score, loser, loser_score = match["winner"], int(match["ws"]), match["loser"], int(match["ls"])
        self._check_scores("verdict", winner, winner_score, loser, loser_score)
        return Verdict(text, winner, winner_score, loser, loser_score)

    def _check_subtitle(self) -> None:
        match = _RANKS_HIGHER.match(self.subtitle or "")
        if match:
            self._check_scores("subtitle", match["winner"], int(match["ws"]), match["loser"], int(match["ls"]))

    def _check_scores(self, what: str, winner: str, winner_score: int, loser: str, loser_score: int) -> None:
        """The sentence's names and scores against the table's UnfragileRank row."""
        by_slug = {self.slug_a: "a", self.slug_b: "b"}
        winner_side, loser_side = by_slug.get(slugify(winner)), by_slug.get(slugify(loser))
        if winner_side is None or loser_side is None or winner_side == loser_side:
            self.warn(
                f"{what}-names",
                f"the {what} compares {winner!r} and {loser!r}, not {self.name_a!r} and {self.name_b!r}",
            )
            return
        ranks = {side: self.table_view.rank(side) for side in ("a", "b")}
        if winner_score < loser_score:
            self.warn(
                f"{what}-inconsistent",
                f"the {what} says {winner!r} scores higher, at {winner_score}/100, than {loser!r} at {loser_score}/100",
            )
        if None in ranks.values():
            return
        if ranks[winner_side] != winner_score or ranks[loser_side] != loser_score:
            self.warn(
                f"{what}-table-mismatch",
                f"the {what} gives {winner!r} {winner_score}/100 and {loser!r} {loser_score}/100; "
                f"the table's UnfragileRank gives {ranks[winner_side]}/100 and {ranks[loser_side]}/100",
            )

    def _decomposed(self, side: str) -> int | None:
        return self.table_view.decomposed(side)


# -- small helpers ---------------------------------------------------------------------------------


def _looks_like_title(line: str) -> bool:
    """An 'A vs B' line that is not a subtitle or verdict sentence (those contain ' vs ' too)."""
    line = line.strip()
    return (
        0 < len(line) <= 300
        and _TITLE_SPLIT.search(line) is not None
        and not _RANKS_HIGHER.match(line)
        and not _VERDICT.match(line)
    )


def _strip_heading_marker(line: str) -> str:
    """The line without a leading Markdown heading marker ('# ', '## ', ...)."""
    match = _MARKDOWN_HEADING.match(line)
    return line[match.end() :] if match else line


def _title_splits(title: str) -> list[tuple[str, str]]:
    """Every (A, B) the title can be split into at a ' vs ', overlapping separators included
    ('Orchid vs vs Orchid' splits after the first 'vs' too, which ``finditer`` would skip)."""
    splits: list[tuple[str, str]] = []
    match = _TITLE_SPLIT.search(title)
    while match:
        split = (title[: match.start()].strip(), title[match.end() :].strip())
        if all(split) and split not in splits:
            splits.append(split)
        match = _TITLE_SPLIT.search(title, match.start() + 1)
    return splits


def _footer_kind(text: str) -> str | None:
    """FOOTER for a line that is the footer; COPYRIGHT for a short copyright line that may be the
    footer's (see ``_copyright_kind``); None for a description that merely starts with footer words."""
    rest, phrases = text, 0
    while match := _FOOTER_PHRASE.match(rest):
        rest, phrases = rest[match.end() :], phrases + 1
    if not rest:
        return FOOTER
    if len(rest) > _COPYRIGHT_MAX_CHARS or not _COPYRIGHT_MARK.match(rest):
        return None
    # Footer phrases with a copyright notice glued on (as on the seeds) are the footer wherever they
    # stand; with less than a notice after them, they are settled like a bare copyright line.
    return FOOTER if phrases and _COPYRIGHT_NOTICE.match(rest) else COPYRIGHT


def _copyright_kind(text: str, previous: str | None, following: str | None) -> str:
    """A short copyright line (perhaps after footer phrases): the footer's, or a description.

    A description is followed by its ``Unique:`` line; the copyright line closes the page, right
    after the verdict or the other footer lines, or reads as a notice (a year, "all rights
    reserved"). A notice before a ``Unique:`` line is still footer when it comes right after the
    closing lines or after a description (waiting for that ``Unique:`` line): it split that block.
    A line right after a bare ``Verdict`` header that is not a notice is left to be the verdict.
    """
    notice = _COPYRIGHT_NOTICE.match(text) is not None
    if notice and (previous in _CLOSING_KINDS or previous == DESCRIPTION):
        return FOOTER
    if following == UNIQUE:
        return DESCRIPTION
    return FOOTER if notice or previous in (VERDICT, FOOTER) else DESCRIPTION


def _kind_after(body: list[_Line], index: int) -> str | None:
    return body[index + 1].kind if index + 1 < len(body) else None


def _verdict_text(text: str) -> str | None:
    """The verdict sentence, if ``text`` has its shape (a leading 'Verdict' label glued on is dropped)."""
    if match := _VERDICT_HEADER.match(text):
        text = text[match.end() :]
    return text if _VERDICT.match(text) else None


def _cells(line: str) -> list[str]:
    """The trimmed cells of a `| x | y |` line (outer pipes optional on the right)."""
    inner = line[1:-1] if line.endswith("|") and len(line) > 1 else line[1:]
    return [cell.strip() for cell in inner.split("|")]


def _last_non_blank(lines: list[str]) -> int:
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip():
            return index
    return -1


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
