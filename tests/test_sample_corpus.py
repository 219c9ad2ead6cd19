"""The sample corpus (corpus/sample, corpus/rejects) against its MANIFEST.json.

The parser tests import ``ingest.parser`` / ``ingest.reading`` inside the tests, so that this file
collects (and the parser-independent checks run) before those modules exist.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ingest.parser import parse
from ingest.reading import read_path
from ingest.records import RejectedDocument

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SAMPLE = CORPUS / "sample"
MANIFEST = json.loads((SAMPLE.parent / "MANIFEST.json").read_text(encoding="utf-8"))
DOCS = MANIFEST["documents"]
REJECTS = MANIFEST["rejects"]
WINDOW = 48


def _norm(text: str | None) -> str | None:
    if text is None:
        return None
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _parse(path: Path):
    return parse(read_path(path))


# ------------------------------------------------------------------ corpus shape (no parser) ---


def test_manifest_lists_every_file():
    on_disk = {p.name for p in SAMPLE.glob("*.txt")}
    assert on_disk == {d["file"] for d in DOCS}
    assert len(DOCS) >= 30
    rejects = {p.name for p in (CORPUS / "rejects").iterdir()}
    assert rejects == {Path(r["path"]).name for r in REJECTS}


def test_disorder_coverage():
    counts = Counter(k for d in DOCS for k in d["disorder"])
    thin = {k: counts[k] for k in MANIFEST["required_disorder"] if counts[k] < 2}
    assert not thin, f"disorder kinds covered fewer than twice: {thin}"


def test_artifacts_recur_with_varying_ranks():
    docs_per_artifact: dict[str, set[str]] = defaultdict(set)
    ranks: dict[str, set[int]] = defaultdict(set)
    for d in DOCS:
        if d["duplicate_of"]:
            continue
        for side in "ab":
            docs_per_artifact[d[side]].add(d["file"])
            ranks[d[side]].add(d["rank"][side])
    assert max(len(v) for v in docs_per_artifact.values()) >= 3
    assert sum(1 for v in docs_per_artifact.values() if len(v) >= 3) >= 5
    assert sum(1 for v in ranks.values() if len(v) > 1) >= 5


def test_capability_text_repeats_verbatim():
    """A recurring artifact's shown blocks are the same lines in every document."""
    blocks: dict[str, dict[int, str]] = defaultdict(dict)
    repeated = 0
    for d in DOCS:
        if d["partial"]:
            continue
        text = _norm((SAMPLE / d["file"]).read_text(encoding="utf-8-sig"))
        for side in "ab":
            for i, prefix in enumerate(d["capabilities"][side]):
                assert _norm(prefix) in text, (d["file"], prefix)
                seen = blocks[d[side]].setdefault(i, prefix)
                assert seen == prefix, f"{d[side]} block {i} differs in {d['file']}"
                repeated += 1
    assert repeated > sum(len(v) for v in blocks.values())


def test_encodings_as_declared():
    for d in DOCS:
        raw = (SAMPLE / d["file"]).read_bytes()
        kinds = set(d["disorder"])
        assert raw.startswith(b"\xef\xbb\xbf") == ("bom" in kinds), d["file"]
        assert (b"\r\n" in raw) == ("crlf" in kinds), d["file"]
        assert ("\u00a0" in raw.decode("utf-8")) == ("nbsp" in kinds), d["file"]
        if d["duplicate_of"] and "duplicate" in kinds:
            assert raw == (SAMPLE / d["duplicate_of"]).read_bytes()


def test_build_is_reproducible(tmp_path):
    """The committed files are exactly what corpus/build_sample.py writes."""
    spec = importlib.util.spec_from_file_location("build_sample", CORPUS / "build_sample.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    try:
        spec.loader.exec_module(mod)
    finally:
        del sys.modules[spec.name]
    mod.build(tmp_path)
    for rel in [
        "README.md",
        *(f"sample/{p.name}" for p in SAMPLE.iterdir()),
        *(f"rejects/{p.name}" for p in (CORPUS / "rejects").iterdir()),
    ]:
        assert (tmp_path / rel).read_bytes() == (CORPUS / rel).read_bytes(), (
            f"{rel} is stale: rerun corpus/build_sample.py"
        )


def _seed_dir() -> Path | None:
    env = os.environ.get("MATCHGRAPH_SEEDS_DIR")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "seeds"]:
        if cand.is_dir() and any(cand.glob("*.txt")):
            return cand
    return None


def seed_windows() -> set[str]:
    """Every 48-character substring of every seed line longer than 90 characters (normalised)."""
    seeds = _seed_dir()
    if seeds is None:
        pytest.skip("seed documents not found: set MATCHGRAPH_SEEDS_DIR or provide ../shared/seeds")
    windows: set[str] = set()
    for path in sorted(seeds.glob("*.txt")):
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            line = _norm(line)
            if len(line) > 90:
                windows.update(line[i : i + WINDOW] for i in range(len(line) - WINDOW + 1))
    return windows


def find_seed_text(text: str, windows: set[str]) -> str | None:
    text = _norm(text)
    for i in range(len(text) - WINDOW + 1):
        if text[i : i + WINDOW] in windows:
            return text[i : i + WINDOW]
    return None


def test_no_seed_text_in_corpus_benchmarks_or_test_fixtures():
    windows = seed_windows()
    files = [p for p in CORPUS.rglob("*") if p.is_file()]
    files += [p for p in (REPO / "benchmarks").rglob("*.py") if p.is_file()]
    files += [p for p in (REPO / "tests" / "data").rglob("*") if p.is_file()]  # the test fixtures too
    hits = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            continue
        hit = find_seed_text(text, windows)
        if hit:
            hits[str(path.relative_to(REPO))] = hit
    assert not hits, f"seed sentences copied into the project: {hits}"


# ----------------------------------------------------------------------- the parser (lazily) ---


@pytest.mark.parametrize("doc", DOCS, ids=[d["file"] for d in DOCS])
def test_parse_matches_manifest(doc):
    rec = _parse(SAMPLE / doc["file"])
    assert _norm(rec.title) == doc["title"]
    assert _norm(rec.a.name) == doc["a"] and _norm(rec.b.name) == doc["b"]
    table = {_norm(r.feature): (_norm(r.a), _norm(r.b)) for r in rec.table}
    for feature, a, b in doc["table"]:
        assert table.get(feature) == (a, b), f"row {feature}"
    for side in "ab":
        got = getattr(rec, side)
        expected = doc["capabilities"][side]
        assert len(got.capabilities) == doc["shown"][side], f"side {side} shown"
        assert got.more == doc["more"][side], f"side {side} more"
        assert got.header_present == doc["headers"][side], f"side {side} header"
        for i, (blk, prefix) in enumerate(zip(got.capabilities, expected)):
            assert _norm(blk.description).startswith(_norm(prefix)), f"side {side} block {i}"
            if i in doc["incomplete"][side]:
                # cut before its vs line; the page's last line (here its Unique line) may be cut
                # mid-way, so a parser may keep or drop it
                assert blk.vs_alternatives is None
            else:
                assert blk.unique, f"side {side} block {i} lost its Unique line"
                assert blk.vs_alternatives, f"side {side} block {i} lost its vs alternatives line"
                assert "Need something different" not in blk.vs_alternatives
                assert "Search the match graph" not in blk.vs_alternatives
    assert rec.partial == doc["partial"]
    if doc["verdict"] is None:
        assert rec.verdict is None
    else:
        v = doc["verdict"]
        assert rec.verdict is not None
        assert _norm(rec.verdict.text) == v["text"]
        assert _norm(rec.verdict.winner) == v["winner"] and rec.verdict.winner_score == v["winner_score"]
        assert _norm(rec.verdict.loser) == v["loser"] and rec.verdict.loser_score == v["loser_score"]
        if not doc["verdict_matches_table"]:
            assert rec.warnings, "a verdict that disagrees with the table should be flagged"


@pytest.mark.parametrize("rej", REJECTS, ids=[r["path"] for r in REJECTS])
def test_rejects_are_rejected(rej):
    with pytest.raises(RejectedDocument) as info:
        parse(read_path(SAMPLE / rej["path"]))
    assert info.value.code in rej["accept"], info.value.reason
    assert info.value.reason


def test_duplicates_hash_like_their_original():
    for d in DOCS:
        if d["duplicate_of"]:
            assert read_path(SAMPLE / d["file"]).sha256 == read_path(SAMPLE / d["duplicate_of"]).sha256, d["file"]


def test_same_capability_same_id_across_documents():
    """A recurring artifact's k-th shown block parses to the same Capability id everywhere."""
    ids: dict[tuple[str, int], set[str]] = defaultdict(set)
    for d in DOCS:
        rec = _parse(SAMPLE / d["file"])
        for side in "ab":
            for i, blk in enumerate(getattr(rec, side).capabilities):
                ids[(d[side], i)].add(blk.id)
    assert all(len(v) == 1 for v in ids.values()), {k: v for k, v in ids.items() if len(v) > 1}
