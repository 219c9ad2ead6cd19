"""Where the seed documents are, for tests, and ways to point into them without copying them.

The seeds (design §1) are someone else's text: the repository must not contain their sentences.
Tests therefore name expected texts by *line number* in a seed file and read them at run time.

The folder is ``$MATCHGRAPH_SEEDS_DIR`` if set, else ``<repo>/../shared/seeds``. When it is absent,
tests that need it are skipped with a reason saying so.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest

SEEDS_ENV = "MATCHGRAPH_SEEDS_DIR"
REPO_ROOT = Path(__file__).resolve().parent.parent
_LABEL = re.compile(r"^(?:Unique|vs alternatives):\s*")


def seeds_dir() -> Path | None:
    """The seeds folder, or None when it does not exist."""
    configured = os.environ.get(SEEDS_ENV)
    folder = Path(configured) if configured else REPO_ROOT.parent / "shared" / "seeds"
    return folder if folder.is_dir() else None


def require_seeds_dir() -> Path:
    folder = seeds_dir()
    if folder is None:
        pytest.skip(f"seed documents not found: set {SEEDS_ENV} or put them in {REPO_ROOT.parent / 'shared' / 'seeds'}")
    return folder


def seed_path(prefix: str) -> Path:
    """The seed whose file name starts with ``prefix`` (e.g. "001")."""
    matches = sorted(require_seeds_dir().glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix}_*.txt not found in {require_seeds_dir()}")
    return matches[0]


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


def seed_bytes(prefix: str) -> bytes:
    return _read(seed_path(prefix))


def seed_text(prefix: str) -> str:
    return seed_bytes(prefix).decode("utf-8")


def seed_line(prefix: str, number: int) -> str:
    """Line ``number`` (1-based) of a seed, as published."""
    return seed_text(prefix).split("\n")[number - 1]


def seed_label_text(prefix: str, number: int) -> str:
    """Line ``number`` of a seed without its ``Unique:`` / ``vs alternatives:`` label."""
    return _LABEL.sub("", seed_line(prefix, number), count=1)
