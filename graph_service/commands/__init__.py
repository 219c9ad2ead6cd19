"""CLI verbs that live in modules of their own (search, index, image, probe, rank).

Each module defines click commands and imports the shared helpers (CliError, friendly_errors,
settings_from, consoles) from `graph_service.cli`, which registers them at its end.
"""

from __future__ import annotations


def registered_commands() -> list:
    """The click commands to add to `matchgraph`; one import line per module."""
    commands: list = []
    # Each verb module appends its commands here, e.g.:
    #   from .search import search; commands.append(search)
    from .rank import rank; commands.append(rank)  # noqa: E702
    from .search import search; commands.append(search)  # noqa: E702
    from .probe import probe; commands.append(probe)  # noqa: E702
    from .index import image, index; commands += [index, image]  # noqa: E702
    return commands
