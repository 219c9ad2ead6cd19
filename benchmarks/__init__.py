"""Benchmarks and their data generators."""

from __future__ import annotations

import json
from pathlib import Path


def write_results(path: Path, result: dict) -> None:
    """Writes a benchmark's result as indented JSON (folders made as needed) and says where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {path}")
