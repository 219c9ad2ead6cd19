"""A canonical, comparable dump of the whole graph, for idempotence and crash-recovery tests.

Nodes are named by their label and key, relationships by their ends, type and properties; only
the wall-clock properties (when something was ingested, the ingest sequence) and the graph's data
version (graphdb/data_version.py: it counts transactions, and a capability carries the count of the
last one that wrote it) are left out, since two correct runs differ in those alone.
"""

from __future__ import annotations

import json

VOLATILE = frozenset(
    {"ingestedAt", "sequence", "appliedAt", "embeddedAt", "nameEmbeddedAt", "classifiedAt", "contentVersion"}
)
KEYS = ("slug", "id", "uri", "name")

NODES = "MATCH (n) WHERE NOT n:SchemaVersion AND NOT n:DataVersion RETURN labels(n) AS labels, properties(n) AS props"
RELATIONSHIPS = """
MATCH (s)-[r]->(e)
RETURN labels(s) AS sl, properties(s) AS sp, type(r) AS type, properties(r) AS rp, labels(e) AS el, properties(e) AS ep
"""


def _key(labels, props) -> str:
    for key in KEYS:
        if key in props:
            return f"{':'.join(sorted(labels))}[{props[key]}]"
    return f"{':'.join(sorted(labels))}{_stable(props)}"


def _stable(props: dict) -> str:
    return json.dumps({k: v for k, v in props.items() if k not in VOLATILE}, sort_keys=True, default=str)


def dump_graph(driver) -> dict:
    nodes, _, _ = driver.execute_query(NODES)
    relationships, _, _ = driver.execute_query(RELATIONSHIPS)
    return {
        "nodes": sorted(f"{_key(r['labels'], r['props'])} {_stable(r['props'])}" for r in nodes),
        "relationships": sorted(
            f"{_key(r['sl'], r['sp'])} -[{r['type']} {_stable(r['rp'])}]-> {_key(r['el'], r['ep'])}"
            for r in relationships
        ),
    }


def count_nodes(driver) -> int:
    records, _, _ = driver.execute_query("MATCH (n) WHERE NOT n:SchemaVersion RETURN count(n) AS n")
    return records[0]["n"]
