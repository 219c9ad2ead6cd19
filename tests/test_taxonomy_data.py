"""Structural checks for the hand-written search data in ``embed/``.

``embed/taxonomy.json`` is the capability taxonomy of design §2 (the ``uri`` of every Capability
node comes from it) and ``embed/queries.json`` is the evaluation set for search. Both are data:
these tests need no Neo4j and no models and run with ``--noconftest``.

Artifact slugs in the query set are checked against what the project's own parser extracts from
``corpus/sample`` and from the test fixtures (tests/data/fixtures, pages of our own about the seed
documents' artifacts). The seeds (``$MATCHGRAPH_SEEDS_DIR`` or ``<repo>/../shared/seeds``) are
someone else's text, so the last tests make sure neither data file quotes them; those, and the
check that the fixtures compare the seeds' artifacts, skip with a reason when the seeds are absent.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from seeds import FIXTURES_DIR

from corpus import sample_folder
from embed.taxonomy import TAXONOMY_PATH
from ingest.parser import parse
from ingest.reading import read_path
from ingest.records import slugify

REPO_ROOT = Path(__file__).resolve().parent.parent
EMBED_DIR = REPO_ROOT / "embed"
QUERIES_PATH = EMBED_DIR / "queries.json"
CORPUS_DIR = sample_folder()
SEEDS_ENV = "MATCHGRAPH_SEEDS_DIR"

AREAS = ("vision", "generation", "language", "training", "deployment", "tooling", "audio", "multimodal", "data")
UNCLASSIFIED = "capability://unclassified"
URI_PATTERN = re.compile(r"^capability://[a-z0-9-]+(/[a-z0-9-]+)*$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MIN_CLASSES = 40
MIN_QUERIES = 50
MIN_SEED_QUERIES = 15
WINDOW = 48  # the repository hook's substring length
LONG_LINE = 90  # seed lines longer than this are checked window by window


# --- loading -----------------------------------------------------------------------------------


@cache
def taxonomy() -> dict:
    return json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))


def classes() -> list[dict]:
    return taxonomy()["classes"]


def classified() -> list[dict]:
    return [c for c in classes() if c.get("uri") != UNCLASSIFIED]


@cache
def queries() -> list[dict]:
    return json.loads(QUERIES_PATH.read_text(encoding="utf-8"))


def seeds_dir() -> Path | None:
    configured = os.environ.get(SEEDS_ENV)
    folder = Path(configured) if configured else REPO_ROOT.parent / "shared" / "seeds"
    return folder if folder.is_dir() and any(folder.glob("*.txt")) else None


def _slugs_of(paths: list[Path]) -> frozenset[str]:
    """The artifact slugs of both sides of every document in ``paths``, as the parser reads them."""
    slugs: set[str] = set()
    for path in paths:
        record = parse(read_path(path))
        slugs.update((slugify(record.a.name), slugify(record.b.name)))
    return frozenset(slugs)


@cache
def corpus_slugs() -> frozenset[str]:
    paths = sorted(CORPUS_DIR.glob("*.txt"))
    assert paths, f"no sample corpus under {CORPUS_DIR}"
    return _slugs_of(paths)


@cache
def seed_slugs() -> frozenset[str] | None:
    folder = seeds_dir()
    if folder is None:
        return None
    return _slugs_of(sorted(folder.glob("*.txt")))


@cache
def fixture_slugs() -> frozenset[str]:
    """The artifacts of the test fixtures (tests/data/fixtures): the seeds' artifacts, in our own pages."""
    return _slugs_of(sorted(FIXTURES_DIR.glob("*.txt")))


# --- taxonomy ----------------------------------------------------------------------------------


def test_taxonomy_top_level_shape():
    data = taxonomy()
    assert isinstance(data, dict)
    assert isinstance(data.get("classes"), list)
    assert tuple(data.get("areas", ())) == AREAS


def test_taxonomy_entries_have_the_schema():
    for entry in classes():
        assert set(entry) == {"uri", "name", "area", "description", "examples"}, entry.get("uri")
        assert all(isinstance(entry[key], str) for key in ("uri", "name", "area", "description")), entry["uri"]
        assert isinstance(entry["examples"], list), entry["uri"]


def test_taxonomy_has_enough_classes_and_an_unclassified_entry():
    uris = [c["uri"] for c in classes()]
    assert uris.count(UNCLASSIFIED) == 1
    assert len(classified()) >= MIN_CLASSES


def test_taxonomy_uris_are_unique_and_well_formed():
    uris = [c["uri"] for c in classes()]
    duplicates = [u for u, n in Counter(uris).items() if n > 1]
    assert not duplicates, duplicates
    bad = [u for u in uris if not URI_PATTERN.fullmatch(u)]
    assert not bad, bad


def test_taxonomy_uri_path_starts_with_the_area():
    for entry in classified():
        assert entry["area"] in AREAS, entry["uri"]
        path = entry["uri"].removeprefix("capability://").split("/")
        assert len(path) == 2, entry["uri"]
        assert path[0] == entry["area"], entry["uri"]
    unclassified = next(c for c in classes() if c["uri"] == UNCLASSIFIED)
    assert unclassified["area"] in AREAS


def test_taxonomy_uses_every_area():
    used = Counter(c["area"] for c in classified())
    missing = [area for area in AREAS if not used[area]]
    assert not missing, missing


def test_taxonomy_names_are_short_and_unique():
    names = [c["name"] for c in classes()]
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert name == name.strip() and 2 <= len(name.split()) <= 5, name


def test_taxonomy_descriptions_are_not_trivial():
    descriptions = [c["description"] for c in classes()]
    assert len(set(descriptions)) == len(descriptions)
    for entry in classes():
        text = entry["description"]
        assert len(text) >= 80 and len(text.split()) >= 15, entry["uri"]
        assert text[0].isupper() and text.rstrip().endswith("."), entry["uri"]
        assert text.lower() != entry["name"].lower()


def test_taxonomy_examples_are_short_phrases():
    for entry in classes():
        examples = entry["examples"]
        assert 2 <= len(examples) <= 4, entry["uri"]
        assert len(set(examples)) == len(examples), entry["uri"]
        for example in examples:
            assert isinstance(example, str) and 2 <= len(example.split()) <= 12, (entry["uri"], example)


# --- queries -----------------------------------------------------------------------------------


def test_queries_have_the_schema():
    data = queries()
    assert isinstance(data, list)
    for item in data:
        assert set(item) == {"query", "expected", "note"}, item
        assert isinstance(item["query"], str) and item["query"].strip() == item["query"] and item["query"], item
        assert isinstance(item["note"], str) and item["note"].strip(), item
        expected = item["expected"]
        assert isinstance(expected, list) and 1 <= len(expected) <= 4, item["query"]
        assert len(set(expected)) == len(expected), item["query"]
        assert all(isinstance(s, str) and SLUG_PATTERN.fullmatch(s) for s in expected), item["query"]


def test_queries_are_many_and_distinct():
    texts = [q["query"].lower() for q in queries()]
    assert len(texts) >= MIN_QUERIES
    duplicates = [t for t, n in Counter(texts).items() if n > 1]
    assert not duplicates, duplicates


def test_queries_mix_short_keywords_and_several_answers():
    data = queries()
    assert sum(1 for q in data if len(q["query"].split()) <= 3) >= 3
    assert sum(1 for q in data if len(q["expected"]) >= 2) >= 5


def test_expected_slugs_in_the_sample_corpus_or_fixtures():
    """Every expected slug names an artifact the parser finds in the sample corpus or the test fixtures."""
    expected = {s for q in queries() for s in q["expected"]}
    unknown = expected - corpus_slugs() - fixture_slugs()
    assert not unknown, f"expected slugs that no document names: {sorted(unknown)}"


def test_the_fixtures_compare_the_seeds_artifacts():
    """The fixtures stand in for the seeds: the same artifacts on both sides."""
    seeds = seed_slugs()
    if seeds is None:
        pytest.skip(f"seed documents not found: set {SEEDS_ENV} or put them in {REPO_ROOT.parent / 'shared' / 'seeds'}")
    assert fixture_slugs() == seeds


def test_corpus_only_expectations_resolve_without_seeds():
    """Queries whose answers are all corpus artifacts can be checked on any machine."""
    corpus = corpus_slugs()
    corpus_queries = [q for q in queries() if set(q["expected"]) <= corpus]
    assert len(corpus_queries) >= MIN_QUERIES // 2


def test_queries_cover_the_fixture_artifacts():
    """At least 15 queries expect an artifact that a fixture (or seed) page compares, and each is expected."""
    pages = fixture_slugs()
    targeting = [q for q in queries() if pages & set(q["expected"])]
    assert len(targeting) >= MIN_SEED_QUERIES, len(targeting)
    uncovered = pages - {s for q in queries() for s in q["expected"]}
    assert not uncovered, f"page artifacts no query expects: {sorted(uncovered)}"


def test_queries_cover_most_corpus_artifacts():
    expected = {s for q in queries() for s in q["expected"]}
    uncovered = corpus_slugs() - expected
    assert len(uncovered) <= 2, sorted(uncovered)


# --- no seed text --------------------------------------------------------------------------------


@cache
def seed_windows() -> frozenset[str]:
    folder = seeds_dir()
    if folder is None:
        return frozenset()
    windows: set[str] = set()
    for path in sorted(folder.glob("*.txt")):
        text = path.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
        for line in text.splitlines():
            line = line.strip()
            if len(line) > LONG_LINE:
                windows.update(line[i : i + WINDOW].lower() for i in range(len(line) - WINDOW + 1))
    return frozenset(windows)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return []


def _quoted(text: str, windows: frozenset[str]) -> list[str]:
    lowered = text.lower()
    return sorted({lowered[i : i + WINDOW] for i in range(len(lowered) - WINDOW + 1)} & windows)


@pytest.mark.parametrize("path", [TAXONOMY_PATH, QUERIES_PATH], ids=lambda p: p.name)
def test_data_files_quote_no_seed_text(path: Path):
    windows = seed_windows()
    if not windows:
        pytest.skip(f"seed documents not found: set {SEEDS_ENV}")
    raw = path.read_text(encoding="utf-8")
    decoded = "\n".join(_strings(json.loads(raw)))
    hits = _quoted(raw, windows) + _quoted(decoded, windows)
    assert not hits, f"{path.name} contains seed text: {hits[:3]}"


def test_seed_check_catches_a_quotation():
    """The check itself works: a long line taken from a seed is caught."""
    windows = seed_windows()
    if not windows:
        pytest.skip(f"seed documents not found: set {SEEDS_ENV}")
    folder = seeds_dir()
    assert folder is not None
    line = next(
        line.strip()
        for path in sorted(folder.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) > LONG_LINE
    )
    assert _quoted(f"prefix {line[5 : 5 + WINDOW + 3]} suffix", windows)
