"""Applying `schema/*.cypher` (constraints and indexes) idempotently, and recording its version.

The files are package data of the top-level `schema` package (schema.cypher_files()), so an installed
matchgraph applies the same statements as a checkout.

Each file is a list of `;`-terminated statements, every one of them `IF NOT EXISTS`, applied in
file-name order. The version recorded in the graph is the highest file number with a checksum of
all statements, on the node `(:SchemaVersion {name: 'matchgraph'})`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import schema

SCHEMA_DIR = schema.directory()
_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)

RECORD_VERSION = """
MERGE (s:SchemaVersion {name: 'matchgraph'})
SET s.version = $version, s.checksum = $checksum, s.appliedAt = datetime()
"""


@dataclass(frozen=True)
class SchemaScript:
    version: int
    checksum: str
    statements: tuple[str, ...]


def load_schema(folder: Path | None = None) -> SchemaScript:
    """The statements of `folder`'s *.cypher files (default: the installed schema package)."""
    files = sorted(folder.glob("*.cypher")) if folder is not None else schema.cypher_files()
    if not files:
        raise FileNotFoundError(f"no schema files in {folder or SCHEMA_DIR}")
    statements: list[str] = []
    for path in files:
        text = _COMMENT.sub("", path.read_text(encoding="utf-8"))
        statements += [s.strip() for s in text.split(";") if s.strip()]
    version = max(int(path.name.split("_", 1)[0]) for path in files)
    checksum = hashlib.sha256("\n".join(statements).encode()).hexdigest()[:16]
    return SchemaScript(version, checksum, tuple(statements))


def apply_schema(driver, database: str = "neo4j", script: SchemaScript | None = None) -> SchemaScript:
    """Applies every statement (schema commands run one per transaction) and records the version."""
    script = script or load_schema()
    with driver.session(database=database) as session:
        for statement in script.statements:
            session.run(statement).consume()
        session.run(RECORD_VERSION, version=script.version, checksum=script.checksum).consume()
    return script


async def apply_schema_async(driver, database: str = "neo4j", script: SchemaScript | None = None) -> SchemaScript:
    """`apply_schema` for the async driver the API server holds."""
    script = script or load_schema()
    async with driver.session(database=database) as session:
        for statement in script.statements:
            await (await session.run(statement)).consume()
        await (await session.run(RECORD_VERSION, version=script.version, checksum=script.checksum)).consume()
    return script
