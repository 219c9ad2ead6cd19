"""`matchgraph`: one command with clear verbs (docs/cli.md).

    matchgraph demo                      start local Neo4j, ingest the sample corpus, serve
    matchgraph serve [--host H] [--port P]
    matchgraph ingest PATH… [--json]     comparison documents into the graph
    matchgraph neo4j start|stop|status

Exit status: 0 success, 1 the work found problems (e.g. rejected documents), 2 a usage,
configuration or connection error. Errors are one readable message, never a traceback.
"""

from __future__ import annotations

import click

from graph_service.commands.index import image, index
from graph_service.commands.ingest import ingest
from graph_service.commands.neo4j import neo4j
from graph_service.commands.probe import probe
from graph_service.commands.rank import rank
from graph_service.commands.search import search
from graph_service.commands.serve import demo, serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="matchgraph")
def main() -> None:
    """matchgraph: a self-hostable match graph for AI artifacts.

    Configuration comes from environment variables and an optional .env file
    (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE, MATCHGRAPH_DATA_DIR, …);
    with NEO4J_URI unset, matchgraph runs its own local Neo4j.
    """


for _command in (demo, serve, ingest, search, index, image, neo4j, probe, rank):
    main.add_command(_command)

if __name__ == "__main__":  # python -m graph_service.cli
    main()
