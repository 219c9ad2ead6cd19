"""The docs stay true to the code: generated parts up to date, a short README, no dead links.

docs/generate.py renders the configuration and CLI references, the schema, GraphQL, metrics,
fusion and rank tables from the code, and the benchmark tables from benchmarks/results/*.json,
into cog blocks of the Markdown pages. These tests fail when a page no longer matches what the
generator produces (run `python -m docs.generate`), when a setting has no description, when the
README grows past 200 lines, or when a relative link points at nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import Field

from docs import generate
from graphdb.config import Settings

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "benchmarks" / "README.md"]

_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def test_generated_docs_are_up_to_date():
    status, output = generate.run_cog(check=True)
    assert status == 0, f"docs are out of date: run `python -m docs.generate`\n{output}"


def test_every_setting_has_a_row_in_the_configuration_reference():
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for variable, default, _, meaning in generate.settings_rows():
        assert f"| `{variable}` | {default} |" in text
        assert meaning


def test_a_setting_without_a_description_fails_the_generator(monkeypatch):
    class WithNewSetting(Settings):
        brand_new: int = Field(default=3, validation_alias="MATCHGRAPH_BRAND_NEW")

    monkeypatch.setattr(generate, "Settings", WithNewSetting)
    with pytest.raises(generate.UndocumentedSetting, match="MATCHGRAPH_BRAND_NEW"):
        generate.configuration_table()


def test_every_cli_command_is_in_the_cli_reference():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    root = generate.click.Context(generate.cli_main, info_name="matchgraph")
    paths = [ctx.command_path for _, ctx in generate._commands(generate.cli_main, root)]
    assert "matchgraph ingest" in paths and "matchgraph neo4j start" in paths
    for path in paths:
        assert f"\n### {path}\n" in text


def test_readme_is_at_most_200_lines_and_keeps_the_quick_start():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for command in ("make demo", "make test"):
        assert f"\n{command}  " in readme or f"\n{command} " in readme
        assert re.search(rf"^{command.split()[1]}:", makefile, re.MULTILINE)


def github_anchor(heading: str) -> str:
    """The fragment GitHub gives a Markdown heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        anchor, n = github_anchor(heading), 1
        while anchor in found:  # GitHub numbers repeated headings
            anchor = f"{github_anchor(heading)}-{n}"
            n += 1
        found.add(anchor)
    return found


def dead_links(page: Path) -> list[str]:
    dead = []
    text = _CODE_SPAN.sub("", _FENCE.sub("", page.read_text(encoding="utf-8")))
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            dead.append(f"{target} (no such file)")
        elif fragment and destination.suffix == ".md" and fragment not in anchors(destination):
            dead.append(f"{target} (no such heading)")
    return dead


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_point_at_files_and_headings_that_exist(page):
    assert dead_links(page) == []


def test_the_link_check_finds_a_dead_link(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# Here it is\n", encoding="utf-8")
    page.write_text("[a](there.md#here-it-is) [b](gone.md) [c](there.md#nowhere) `[d](x.md)`\n", encoding="utf-8")
    assert dead_links(page) == ["gone.md (no such file)", "there.md#nowhere (no such heading)"]


def test_every_benchmark_table_names_its_results_file():
    text = (REPO / "benchmarks" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"\]\]\] -->\n(.*?)<!-- \[\[\[end\]\]\] -->", text, re.DOTALL)
    assert len(blocks) >= 9
    for block in blocks:
        sources = re.findall(r"\(results/([\w.\-]+\.json)\)", block)
        assert sources, f"a generated benchmark block names no results file:\n{block[:200]}"
        for name in sources:
            assert (REPO / "benchmarks" / "results" / name).is_file()


def test_docs_hold_no_history():
    history = re.compile(r"this session|a session ago|at the start of this work|this work took", re.IGNORECASE)
    for page in PAGES:
        assert not history.findall(page.read_text(encoding="utf-8")), page
