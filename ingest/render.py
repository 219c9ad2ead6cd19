"""Rendering: a ``ComparisonRecord`` -> a clean comparison page in the documents' own format (docs/document-format.md).

The page is the tidy form of what the parser reads: title, subtitle, the ``| Feature | A | B |``
table, each side's ``<name> Capabilities`` header and blocks, ``+N more capabilities``, the
verdict and the footer, one fact per line, no blank lines. ``parse(render_markdown(r))`` gives back
r's facts (tests/test_render.py checks it). Decisions:

- both side headers are always written, so the parser takes sides from them, not from counts;
- a side's ``+N more capabilities`` line closes that side's section: A's stands after A's blocks,
  under A's header (the parser gives a "+N more" line to the header it stands under), B's after B's;
- a missing table cell (None) is written as an empty cell, which the parser reads back as None;
- a partial record renders what it holds: incomplete blocks keep the lines they have (a missing
  ``Unique:`` / ``vs alternatives:`` line is left out, never invented), the verdict only when known,
  and the footer always. The page itself is clean; whether it parses back as ``partial`` depends
  only on its table counts (e.g. fewer blocks than ``N decomposed`` promises).

Texts are written as they are; a newline inside one becomes a space (each fact is one line). The
format has no escaping, so a ``|`` inside a table cell cannot be written faithfully.
"""

from __future__ import annotations

from ingest.records import CapabilityBlock, ComparisonRecord, Side

FOOTER = ("Need something different?", "Search the match graph →")


def render_markdown(record: ComparisonRecord) -> str:
    """The page for ``record``, one line per fact, ending with a newline."""
    a, b = record.a, record.b
    lines = [f"{a.name} vs {b.name}", record.subtitle or f"How {a.name} and {b.name} compare, side by side."]
    lines.append(_row("Feature", a.name, b.name))
    lines.append("|---|---|---|")
    lines.extend(_row(row.feature, row.a, row.b) for row in record.table)
    lines.extend(_side(a))
    lines.extend(_side(b))
    if record.verdict is not None:
        lines += ["Verdict", record.verdict.text]
    lines.extend(FOOTER)
    return "\n".join(_one_line(line) for line in lines) + "\n"


def _row(*cells: str | None) -> str:
    return "| " + " | ".join(cell or "" for cell in cells) + " |"


def _side(side: Side) -> list[str]:
    lines = [f"{side.name} Capabilities"]
    for block in side.capabilities:
        lines.extend(_block(block))
    if side.more > 0:
        lines.append(f"+{side.more} more capabilities")
    return lines


def _block(block: CapabilityBlock) -> list[str]:
    lines = [block.description]
    if block.unique is not None:
        lines.append(f"Unique: {block.unique}")
    if block.vs_alternatives is not None:
        lines.append(f"vs alternatives: {block.vs_alternatives}")
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())
