"""Graph access, the bottom layer of matchgraph.

Everything above (ingest, embed, probes, services, the API and the CLI) reaches Neo4j through this
package: `config` (settings from the environment), `neo4j_local` (the local server), `driver` (one
sync and one async wrapper of the official driver), `schema` (constraints and indexes applied at
start-up), `repository` (every read-side Cypher query, and the writes of the search log, vectors,
probes and rank) and `vocabulary` (the closed sets and constants every layer shares). It imports
nothing from the layers above it (tests/test_layers.py).
"""

__version__ = "0.1.0"
