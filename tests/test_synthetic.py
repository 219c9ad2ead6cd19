"""benchmarks/synthetic.py: deterministic, realistic, parseable synthetic comparison documents."""

from __future__ import annotations

import hashlib
import re
import statistics
import unicodedata
from collections import Counter

import pytest

from benchmarks.synthetic import DISORDER_KINDS, Pool, generate, generate_with_truth, main
from ingest import parser, reading


def _norm(text):
    return None if text is None else re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _digest(docs) -> str:
    h = hashlib.sha256()
    for name, text in docs:
        h.update(name.encode() + b"\0" + text.encode("utf-8") + b"\0")
    return h.hexdigest()


def test_same_seed_same_bytes():
    assert _digest(generate(60, 40, seed=7)) == _digest(generate(60, 40, seed=7))
    assert _digest(generate(60, 40, seed=7)) != _digest(generate(60, 40, seed=8))


def test_prefix_stable():
    """Document i does not depend on how many documents are asked for."""
    assert list(generate(10, 30, seed=3)) == list(generate(25, 30, seed=3))[:10]


def test_counts_and_names():
    docs = list(generate_with_truth(300, 50, seed=1))
    assert len(docs) == 300
    assert len({name for name, _, _ in docs}) == 300
    assert all(name.endswith(".txt") for name, _, _ in docs)
    pool = {a.name for a in Pool(50, seed=1).artifacts}
    assert len(pool) == 50
    used = {t.a for _, _, t in docs} | {t.b for _, _, t in docs}
    assert used <= pool and len(used) > 25
    assert all(t.a != t.b for _, _, t in docs)
    for _, text, t in docs:
        assert text.splitlines()[0] == f"{t.a} vs {t.b}" == t.title
        assert t.shown_a == min(t.shown_a, 8) and t.shown_b <= 8
        assert (f"+{t.more_b} more capabilities" in text) == (t.more_b > 0)


def test_size_like_real_documents():
    sizes = [len(text.encode("utf-8")) for _, text in generate(400, 120, seed=0)]
    assert 13_500 <= statistics.mean(sizes) <= 16_500, statistics.mean(sizes)
    assert min(sizes) >= 8_000 and max(sizes) <= 22_000


def test_capability_text_recurs_and_names_alternatives():
    docs = list(generate_with_truth(300, 60, seed=2))
    shown = Counter(d for _, _, t in docs for d in t.capabilities_a + t.capabilities_b)
    assert sum(shown.values()) > 3 * len(shown), "capability texts should recur across documents"
    assert sum(1 for c in shown.values() if c >= 3) > len(shown) // 3
    names = {a.name for a in Pool(60, seed=2).artifacts}
    vs_lines = [ln for _, text, _ in docs for ln in text.splitlines() if ln.startswith("vs alternatives: ")]
    naming = [ln for ln in vs_lines if any(f" {n} (" in ln for n in names)]
    assert len(naming) > len(vs_lines) // 2
    assert all(re.search(r"\d", ln) for ln in naming)


def test_ranks_vary_per_artifact():
    ranks: dict[str, set[int]] = {}
    for _, _, t in generate_with_truth(300, 40, seed=4):
        ranks.setdefault(t.a, set()).add(t.rank_a)
        ranks.setdefault(t.b, set()).add(t.rank_b)
    assert sum(1 for r in ranks.values() if len(r) > 1) > len(ranks) // 2


def test_disorder_fraction_is_controllable():
    clean = list(generate_with_truth(200, 40, seed=5, disorder=0.0))
    assert not any(t.disorder for _, _, t in clean)
    assert not any("\r" in text for _, text, _ in clean)
    messy = list(generate_with_truth(400, 40, seed=5, disorder=1.0))
    assert all(t.disorder for _, _, t in messy)
    kinds = Counter(k for _, _, t in messy for k in t.disorder)
    assert set(kinds) == set(DISORDER_KINDS)
    half = sum(1 for _, _, t in generate_with_truth(1000, 40, seed=5, disorder=0.3) if t.disorder)
    assert 230 <= half <= 370
    for _, text, t in messy:
        assert ("\r\n" in text) == ("crlf" in t.disorder)
        assert (f"{t.a} Capabilities" in text) == (
            "no-side-headers" not in t.disorder and "no-header-a" not in t.disorder
        )
    with pytest.raises(ValueError):
        list(generate(1, 10, disorder=1.5))


def test_no_seed_text_in_generated_documents():
    from test_sample_corpus import find_seed_text, seed_windows

    windows = seed_windows()
    for name, text in generate(150, 80, seed=0, disorder=0.5):
        assert find_seed_text(text, windows) is None, name


def test_generated_documents_parse_as_expected(tmp_path):
    failures = []
    for name, text, t in generate_with_truth(200, 80, seed=11, disorder=0.6):
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8"))
        rec = parser.parse(reading.read_path(path))
        got = (
            _norm(rec.title),
            _norm(rec.a.name),
            _norm(rec.b.name),
            len(rec.a.capabilities),
            len(rec.b.capabilities),
            rec.a.more,
            rec.b.more,
            rec.cell("UnfragileRank", "a"),
            rec.cell("UnfragileRank", "b"),
            _norm(rec.verdict.winner) if rec.verdict else None,
            rec.partial,
            tuple(_norm(c.description) for c in rec.a.capabilities),
            tuple(_norm(c.description) for c in rec.b.capabilities),
        )
        want = (
            t.title,
            t.a,
            t.b,
            t.shown_a,
            t.shown_b,
            0,
            t.more_b,
            f"{t.rank_a}/100",
            f"{t.rank_b}/100",
            t.winner,
            False,
            t.capabilities_a,
            t.capabilities_b,
        )
        if got != want:
            failures.append((name, t.disorder, [i for i, (g, w) in enumerate(zip(got, want)) if g != w]))
    assert not failures, failures[:10]


def test_cli_writes_files(tmp_path, capsys):
    out = tmp_path / "docs"
    assert main(["--documents", "25", "--artifacts", "12", "--out", str(out), "--seed", "3"]) == 0
    files = sorted(out.iterdir())
    assert len(files) == 25
    expected = dict(generate(25, 12, seed=3))
    for f in files:
        assert f.read_bytes() == expected[f.name].encode("utf-8")
    captured = capsys.readouterr()
    assert "generated 25/25 documents" in captured.err
    assert "25 documents" in captured.out
