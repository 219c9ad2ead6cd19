"""matchgraph's service, the top layer: the HTTP app (`app`), the GraphQL API (`api/`) and the CLI
(`cli`, `commands/`). It uses every layer below it: services/, ingest/, embed/, probes/, graphdb/.
"""

from graphdb import __version__

__all__ = ["__version__"]
