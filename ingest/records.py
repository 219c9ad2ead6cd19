"""Typed records: what the parser recovers from one comparison document.

Data flows one way: document text -> ``ingest.parser`` -> these records -> ``ingest.writer`` ->
Neo4j. Everything here is plain, immutable data; the parser fills it, the writer only reads it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

# The published table's rows, in the order the documents use. Rows outside this list are kept too.
KNOWN_FEATURES = (
    "Type",
    "UnfragileRank",
    "Adoption",
    "Quality",
    "Ecosystem",
    "Match Graph",
    "Pricing",
    "Capabilities",
    "Times Matched",
)

_SLUG_RUN = re.compile(r"[^a-z0-9]+")
_SPACE_RUN = re.compile(r"\s+")


def slugify(name: str) -> str:
    """The artifact key (docs/graph-model.md): lower-case, each run of non-alphanumerics one '-', trimmed.

    >>> slugify("Stable Diffusion 3.5 Large")
    'stable-diffusion-3-5-large'
    """
    return _SLUG_RUN.sub("-", unicodedata.normalize("NFKC", name).lower()).strip("-")


def normalise_text(text: str) -> str:
    """Text as compared and hashed: NFKC (folds non-breaking spaces), whitespace runs collapsed."""
    return _SPACE_RUN.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def content_id(*parts: str) -> str:
    """A stable id for a piece of content: the first 16 hex digits of SHA-256 of its normalised text."""
    joined = "\x1f".join(normalise_text(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class TableRow:
    """One row of the published `| Feature | A | B |` table, cells trimmed, broken rows mended."""

    feature: str
    a: str | None
    b: str | None


@dataclass(frozen=True)
class CapabilityBlock:
    """One capability as shown on a page: a description, then `Unique:` and `vs alternatives:`.

    The labels are stripped: ``unique`` and ``vs_alternatives`` hold only the text after them, and
    are None when the page does not show that line (a truncated document, say).
    """

    description: str
    unique: str | None = None
    vs_alternatives: str | None = None

    @cached_property  # hashing the normalised description is costly; ids are read many times
    def id(self) -> str:
        # Keyed by the description alone, so a block shown without its `vs alternatives:` line on a
        # truncated page is still the same Capability as the complete block on another page.
        return content_id(self.description)

    @property
    def complete(self) -> bool:
        return self.unique is not None and self.vs_alternatives is not None


@dataclass(frozen=True)
class Side:
    """One side of the comparison (A is the left column / first name in the title)."""

    name: str
    capabilities: tuple[CapabilityBlock, ...] = ()  # as shown, in page order
    more: int = 0  # the "+N more capabilities" count for this side, 0 when absent
    header_present: bool = False  # whether the page had a `<name> Capabilities` header

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class Verdict:
    """The verdict sentence as published, and what it says."""

    text: str
    winner: str | None = None  # artifact name the verdict says scores higher
    winner_score: int | None = None
    loser: str | None = None
    loser_score: int | None = None


@dataclass(frozen=True)
class ComparisonRecord:
    """Everything one "A vs B" document proves."""

    title: str
    a: Side
    b: Side
    subtitle: str | None = None
    table: tuple[TableRow, ...] = ()
    verdict: Verdict | None = None
    partial: bool = False  # truncated: some facts the format promises are missing
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def cell(self, feature: str, side: str) -> str | None:
        """The published cell for ``feature`` on side 'a' or 'b', or None."""
        for row in self.table:
            if row.feature == feature:
                return row.a if side == "a" else row.b
        return None

    def rank(self, side: str) -> int | None:
        """The published UnfragileRank (the N of `N/100`) on side 'a' or 'b', or None."""
        return _leading_int(self.cell("UnfragileRank", side))

    def decomposed(self, side: str) -> int | None:
        """The published capability count (the N of `N decomposed`) on side 'a' or 'b', or None."""
        return _leading_int(self.cell("Capabilities", side))


_LEADING_INT = re.compile(r"\s*(\d+)")


def _leading_int(cell: str | None) -> int | None:
    match = _LEADING_INT.match(cell) if cell else None
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Document:
    """A document as read from disk or the API, before parsing."""

    source: str  # a path or a caller-given name
    text: str  # decoded, normalised text (BOM stripped, CRLF -> LF)
    sha256: str  # hash of ``text``: re-encoded duplicates of one page hash the same
    warnings: tuple[str, ...] = ()  # what reading had to guess or repair (encoding); the parser passes them on


class RejectedDocument(Exception):
    """The input is not a comparison document; ``reason`` says why, in words for the user."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code  # short machine-readable kind: empty, binary, html, json, too-large, no-title, no-table, ...
