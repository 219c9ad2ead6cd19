"""matchgraph's schema files, shipped as package data (found through `importlib.resources`).

    directory()          this folder
    cypher_files()       the `NNN_*.cypher` files (constraints, indexes), in the order they are applied
    sdl_file()           `schema.graphql`: the GraphQL SDL exported from graph_service/api
    page_document(name)  `pages/<name>.graphql`: a query a front end's page sends (artifact, artifacts, compare)

This package only locates the files; graphdb/schema.py applies the Cypher, graph_service/api/sdl.py
writes and checks the SDL.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def directory() -> Path:
    here = files(__name__)
    if not isinstance(here, Path):  # a zip import: not how matchgraph is installed
        raise RuntimeError(f"the schema package is not on the file system ({here}); install matchgraph unpacked")
    return here


def cypher_files() -> list[Path]:
    """The Cypher files in application order (their names start with the schema version)."""
    return sorted(directory().glob("*.cypher"))


def sdl_file() -> Path:
    return directory() / "schema.graphql"


def page_document(name: str) -> str:
    return (directory() / "pages" / f"{name}.graphql").read_text(encoding="utf-8")
