"""The CLI's verbs, one module each (graph_service/cli.py puts them together under `matchgraph`).

`common` holds what they share: consoles, friendly errors, settings and the graph connection.
"""
