"""The linters CI relies on, run as tests so that `make test` is the one command: ruff (lint and
format, configured in pyproject.toml) over the whole tree, mypy over the application packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(tool: str, *arguments: str) -> subprocess.CompletedProcess:
    executable = BIN / tool
    if not executable.exists():
        pytest.fail(f"{tool} is not installed in {BIN}: it is a locked dev dependency (pyproject.toml)")
    return subprocess.run([str(executable), *arguments], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_finds_no_lint_errors():
    result = run("ruff", "check", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tree_is_formatted():
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout + result.stderr


def test_mypy_passes_on_the_application_packages():
    # Packages and settings from [tool.mypy] in pyproject.toml; the cache lives outside the clone.
    cache = Path(os.environ.get("MATCHGRAPH_CACHE_DIR") or Path.home() / ".cache" / "matchgraph") / "mypy"
    result = run("mypy", "--cache-dir", str(cache))
    assert result.returncode == 0, result.stdout + result.stderr
