"""docker-compose.yml: valid YAML, with the services wired the way the README says.

(The Dockerfile is checked by building it, not by reading its text.)"""

import re
from pathlib import Path

import yaml

from graphdb.config import Settings

REPO = Path(__file__).resolve().parents[1]


def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_neo4j_service_is_526_with_volume_and_healthcheck():
    neo4j = compose()["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5\.26[\w.-]*-community|neo4j:5\.26[\w.-]*", neo4j["image"])
    assert any(v.endswith(":/data") for v in neo4j["volumes"])
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert "${NEO4J_PASSWORD" in neo4j["environment"]["NEO4J_AUTH"]  # from the environment, not the file


def test_matchgraph_service_waits_for_a_healthy_neo4j_and_points_at_it():
    document = compose()
    service = document["services"]["matchgraph"]
    assert service["depends_on"]["neo4j"]["condition"] == "service_healthy"
    env = service["environment"]
    assert env["NEO4J_URI"] == "bolt://neo4j:7687"
    assert env["NEO4J_PASSWORD"].startswith("${NEO4J_PASSWORD")
    assert any(p.endswith(":8000") for p in service["ports"])
    named = {v.split(":")[0] for s in document["services"].values() for v in s.get("volumes", [])}
    assert named <= set(document["volumes"])


def test_compose_passwords_are_never_literal():
    for name, service in compose()["services"].items():
        environment = service.get("environment") or {}
        for variable, value in environment.items():
            if "PASSWORD" in variable or variable == "NEO4J_AUTH":
                assert "${NEO4J_PASSWORD" in str(value), f"{name}: {variable} is written in the file"


def test_the_matchgraph_service_is_built_from_the_repository():
    service = compose()["services"]["matchgraph"]
    context = service["build"] if isinstance(service["build"], str) else service["build"]["context"]
    assert (REPO / context / "Dockerfile").is_file()


def test_compose_environment_names_exist_in_settings():
    aliases = {field.validation_alias for field in Settings.model_fields.values()}
    for name in compose()["services"]["matchgraph"]["environment"]:
        assert name in aliases, f"{name} is set in docker-compose.yml but matchgraph does not read it"
