"""The comparison pages the tests read: the project's own fixtures, and the seed documents as an extra.

Fixtures (tests/data/fixtures/pages/*.txt) are five pages written for matchgraph, with the shape and
the disorder of design §1's documents; tests/data/fixtures/manifest.json lists what each one proves
and tests/data/fixtures/build_fixtures.py rebuilds both. They are always there, so a plain clone
runs every test that needs comparison pages.

The seeds (design §1) are someone else's text: the repository must not contain their sentences.
Tests name their expected texts by *line number* and read them at run time, from
``$MATCHGRAPH_SEEDS_DIR`` if set, else ``<repo>/../shared/seeds``. When that folder is absent, the
seed tests are skipped with a reason saying so (one skip per test, see ``seed_params``).

A page is named by an id: ``"000"``..``"004"`` are the seeds (their file-name prefix), ``"f000"``..
``"f004"`` the fixtures. Every helper below takes either.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

import pytest

SEEDS_ENV = "MATCHGRAPH_SEEDS_DIR"
REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "tests" / "data" / "fixtures" / "pages"
FIXTURE_PREFIX = "f"
_LABEL = re.compile(r"^(?:Unique|vs alternatives):\s*")


def seeds_dir() -> Path | None:
    """The seeds folder, or None when it does not exist."""
    configured = os.environ.get(SEEDS_ENV)
    folder = Path(configured) if configured else REPO_ROOT.parent / "shared" / "seeds"
    return folder if folder.is_dir() else None


SKIP_REASON = f"seed documents not found: set {SEEDS_ENV} or put them in {REPO_ROOT.parent / 'shared' / 'seeds'}"


def require_seeds_dir() -> Path:
    folder = seeds_dir()
    if folder is None:
        pytest.skip(SKIP_REASON)
    return folder


def seed_params(*values, ids=None) -> list:
    """Parameters for a seed-only test: the values when the seeds are there, else one skipped
    parameter saying why (so a clone without the seeds shows one skip per test, not one per line)."""
    if seeds_dir() is None:
        return [pytest.param(None, id="seeds-absent", marks=pytest.mark.skip(reason=SKIP_REASON))]
    return [pytest.param(v, id=i) for v, i in zip(values, ids, strict=True)] if ids else list(values)


def is_fixture(doc: str) -> bool:
    return doc.startswith(FIXTURE_PREFIX)


@cache
def fixture_manifest() -> dict[str, dict]:
    """manifest.json keyed by fixture id ("f000"...): what each fixture page proves."""
    text = (FIXTURES_DIR.parent / "manifest.json").read_text(encoding="utf-8")
    return {FIXTURE_PREFIX + name[:3]: entry for name, entry in json.loads(text).items()}


FIXTURE_IDS = tuple(sorted(FIXTURE_PREFIX + p.name[:3] for p in FIXTURES_DIR.glob("*.txt")))
SEED_IDS = ("000", "001", "002", "003", "004")


def seed_path(doc: str) -> Path:
    """The page named ``doc``: a fixture ("f000") or the seed whose file name starts with it ("000")."""
    if is_fixture(doc):
        matches = sorted(FIXTURES_DIR.glob(f"{doc[len(FIXTURE_PREFIX) :]}_*.txt"))
        assert matches, f"fixture {doc} not found in {FIXTURES_DIR}"
        return matches[0]
    matches = sorted(require_seeds_dir().glob(f"{doc}_*.txt"))
    if not matches:
        pytest.skip(f"seed {doc}_*.txt not found in {require_seeds_dir()}")
    return matches[0]


def documents_dir(kind: str) -> Path:
    """The folder of the five pages: "fixtures" or "seeds" (skips when the seeds are absent)."""
    return FIXTURES_DIR if kind == "fixtures" else require_seeds_dir()


# The sets of pages a test runs on: the fixtures, and the seeds too when they are there. A test
# parametrised with these runs once on the seeds where they exist and not at all on them elsewhere;
# seed-only tests (which skip, saying so, in a clone) check that the seeds still match the fixtures.
CORPORA = ["fixtures", *(["seeds"] if seeds_dir() is not None else [])]
PRESENT_SEED_IDS = SEED_IDS if seeds_dir() is not None else ()


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


def seed_bytes(doc: str) -> bytes:
    return _read(seed_path(doc))


def seed_text(doc: str) -> str:
    return seed_bytes(doc).decode("utf-8")


def seed_line(doc: str, number: int) -> str:
    """Line ``number`` (1-based) of a page, as published."""
    return seed_text(doc).split("\n")[number - 1]


def seed_label_text(doc: str, number: int) -> str:
    """Line ``number`` of a page without its ``Unique:`` / ``vs alternatives:`` label."""
    return _LABEL.sub("", seed_line(doc, number), count=1)
