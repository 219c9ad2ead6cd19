"""The Cypher schema in schema/*.cypher: complete for design §2, idempotent, versioned."""

import pytest
from neo4j.exceptions import ConstraintError

from graphdb.schema import SCHEMA_DIR, apply_schema, load_schema


def describe_schema(driver):
    constraints, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties RETURN name, type, labelsOrTypes, properties ORDER BY name"
    )
    indexes, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state "
        "RETURN name, type, labelsOrTypes, properties, state ORDER BY name"
    )
    return [r.data() for r in constraints], [r.data() for r in indexes]


def test_schema_is_idempotent(graph):
    apply_schema(graph)
    first = describe_schema(graph)
    apply_schema(graph)
    second = describe_schema(graph)
    assert first == second
    constraints, indexes = first
    assert len(constraints) >= 9 and len(indexes) > len(constraints)


def test_every_node_key_of_the_design_is_unique(graph):
    apply_schema(graph)
    constraints, _ = describe_schema(graph)
    unique = {(c["labelsOrTypes"][0], c["properties"][0]) for c in constraints if c["type"] == "UNIQUENESS"}
    for key in [
        ("Artifact", "slug"),
        ("Capability", "id"),
        ("Document", "id"),
        ("Comparison", "id"),
        ("Claim", "id"),
        ("Probe", "id"),
        ("Query", "id"),
        ("CapabilityClass", "uri"),
    ]:
        assert key in unique, key


def test_schema_version_is_recorded(graph):
    script = load_schema()
    apply_schema(graph, script=script)
    records, _, _ = graph.execute_query(
        "MATCH (s:SchemaVersion {name: 'matchgraph'}) RETURN s.version AS v, s.checksum AS c"
    )
    assert [(r["v"], r["c"]) for r in records] == [(script.version, script.checksum)]
    assert script.version == max(int(p.name.split("_")[0]) for p in SCHEMA_DIR.glob("*.cypher"))


def test_uniqueness_is_enforced(graph):
    graph.execute_query("CREATE (:Artifact {slug: $slug})", slug="resnet-50")
    with pytest.raises(ConstraintError):
        graph.execute_query("CREATE (:Artifact {slug: $slug})", slug="resnet-50")
