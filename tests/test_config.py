"""Configuration: defaults, .env files, and readable errors for each bad variable."""

import pytest

from graphdb.config import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in (
        "NEO4J_URI",
        "NEO4J_USER",
        "NEO4J_PASSWORD",
        "NEO4J_DATABASE",
        "MATCHGRAPH_API_KEYS",
        "MATCHGRAPH_PORT",
        "MATCHGRAPH_NEO4J_BOLT_PORT",
        "MATCHGRAPH_NEO4J_HEAP",
        "MATCHGRAPH_DATA_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout


def test_defaults_use_the_local_neo4j():
    settings = load_settings()
    assert settings.uses_local_neo4j
    assert settings.neo4j_user == "neo4j" and settings.neo4j_database == "neo4j"
    assert settings.local_bolt_port == 7687 and settings.port == 8000
    assert settings.api_keys == frozenset()


def test_remote_uri_needs_a_password(monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "neo4j://graph.internal:7687")
    with pytest.raises(ConfigError, match="NEO4J_PASSWORD must be set"):
        load_settings()
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-pass")
    settings = load_settings()
    assert not settings.uses_local_neo4j and settings.neo4j_uri == "neo4j://graph.internal:7687"


def test_every_bad_variable_is_named(monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "http://localhost:7474")
    monkeypatch.setenv("MATCHGRAPH_PORT", "70000")
    monkeypatch.setenv("MATCHGRAPH_NEO4J_HEAP", "lots")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "NEO4J_URI: must start with one of bolt://" in message
    assert "MATCHGRAPH_PORT: must be a TCP port between 1 and 65535 (got 70000)" in message
    assert "MATCHGRAPH_NEO4J_HEAP: must be a size like 512m or 2g" in message


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("MATCHGRAPH_API_KEYS= key-one , key-two,,\nMATCHGRAPH_PORT=9100\n")
    settings = load_settings()
    assert {key.get_secret_value() for key in settings.api_keys} == {"key-one", "key-two"}
    assert settings.port == 9100


def test_environment_wins_over_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("MATCHGRAPH_PORT=9100\n")
    monkeypatch.setenv("MATCHGRAPH_PORT", "9200")
    assert load_settings().port == 9200


def test_overrides_by_field_name(tmp_path):
    settings = Settings(data_dir=tmp_path / "d", local_bolt_port=17687, _env_file=None)
    assert settings.data_dir == tmp_path / "d" and settings.local_bolt_port == 17687
