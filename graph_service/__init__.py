"""matchgraph's application: configuration, Neo4j access, the API, the CLI."""

__version__ = "0.1.0"
