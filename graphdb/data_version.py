"""The graph's data version: one counter that every matchgraph write of what search reads bumps.

    (:DataVersion {name: 'matchgraph', generation, version, contentVersion})
    (:Capability {contentVersion})      the content version of the last write that changed it

- `version` grows by one with every such write: what the search catalog (embed/catalog.py) reads
  changed, content or signals.
- `contentVersion` grows only with writes of the catalog's content (artifacts, capabilities, images:
  ingest, the embedding stage's classification, images attached); a write of signals only (the
  rank job, head-to-head, recorded searches) leaves it, so a catalog reloads only its signals.
  Each capability such a write changed gets the new value, so "what changed since content version
  N" is exactly `k.contentVersion > N` (a range index, schema/009_data_version.cypher).
- `generation` is a random id, new when the node is created (an emptied graph starts over) and
  when `matchgraph index refresh` declares edits made outside matchgraph (Neo4j Browser): a reader
  that sees another generation loads everything again instead of following the counters.

The bump is the LAST statement of the writer's transaction, so it commits or rolls back with the
write. The node's write lock serialises the bumps: a transaction that took version N committed
before another could take N + 1, so a reader that saw N has seen every write up to N (no margin,
no timestamps). Taking that lock last means it is held only for the commit, and a writer holding it
never waits for another lock (the capabilities it stamps are already its own), so it adds no
deadlock. Writers whose data search does not read (probes and claim verdicts, name and image
embeddings, taxonomy classes) do not bump it.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphdb.driver import SyncGraph

NAME = "matchgraph"
CONTENT = "content"  # a write of artifacts, capabilities or images (the catalog's content)
SIGNALS = "signals"  # a write of rank, head-to-head or search counters only

# `SET v.version = v.version + 1` reads the property it writes, so Cypher takes the write lock
# before reading it: concurrent bumps never lose an increment.
BUMP = """
MERGE (v:DataVersion {name: $name})
ON CREATE SET v.generation = randomUUID(), v.version = 0, v.contentVersion = 0
SET v.version = v.version + 1
SET v.contentVersion = v.contentVersion + CASE WHEN $content THEN 1 ELSE 0 END
WITH v
CALL (v) {
  UNWIND $capabilities AS id
  MATCH (k:Capability {id: id})
  SET k.contentVersion = v.contentVersion
}
RETURN v.version AS version
"""

# `matchgraph index refresh`: the graph was edited outside matchgraph; every reader loads it whole.
NEW_GENERATION = """
MERGE (v:DataVersion {name: $name})
ON CREATE SET v.version = 0, v.contentVersion = 0
SET v.version = v.version + 1
SET v.contentVersion = v.contentVersion + 1, v.generation = randomUUID(), v.refreshedAt = datetime()
RETURN v.generation AS generation, v.version AS version, v.contentVersion AS contentVersion
"""


def bump(tx, change: str, capabilities: Iterable[str] = ()) -> int:
    """Bumps the data version in ``tx`` (a managed write transaction), as its last statement; ``change``
    is CONTENT or SIGNALS; ``capabilities``: ids of the capabilities the transaction changed (CONTENT).
    Returns the new version."""
    if change not in (CONTENT, SIGNALS):
        raise ValueError(f"change must be {CONTENT!r} or {SIGNALS!r} (got {change!r})")
    record = tx.run(BUMP, name=NAME, content=change == CONTENT, capabilities=list(dict.fromkeys(capabilities))).single()
    return record["version"]


def write_and_bump(
    graph: SyncGraph, query: str, change: str, capabilities: Iterable[str] = (), **parameters
) -> list[dict]:
    """Runs one parameterised write query and, when it changed anything, the bump, in one transaction;
    the query's records as dicts."""
    changed = list(capabilities)  # the driver may run `work` again (a transient error): not a generator

    def work(tx) -> list[dict]:
        result = tx.run(query, parameters)
        records = [dict(record.items()) for record in result]
        if result.consume().counters.contains_updates:
            bump(tx, change, changed)
        return records

    return graph.transaction(work)


def new_generation(graph: SyncGraph) -> dict:
    """Starts a new generation (and bumps both counters): {generation, version, contentVersion}."""
    return graph.write(NEW_GENERATION, name=NAME)[0]
