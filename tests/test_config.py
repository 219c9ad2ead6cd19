"""Configuration: defaults, .env files, and readable errors for each bad variable."""

from pathlib import Path

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


def test_lists_choices_and_secrets_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MATCHGRAPH_CORS_ORIGINS", "https://a.example, https://b.example,")
    monkeypatch.setenv("MATCHGRAPH_PROBE_BATCH_SIZES", " 1, 8,32")
    monkeypatch.setenv("MATCHGRAPH_PROBE_SPECS", "one.json, two.yaml")
    monkeypatch.setenv("MATCHGRAPH_PROBE_REPEATS", "0")
    monkeypatch.setenv("MATCHGRAPH_DEVICE", " CUDA")
    monkeypatch.setenv("MATCHGRAPH_API_KEYS", "secret-key-1")
    settings = load_settings()
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.probe_batch_sizes == (1, 8, 32)
    assert settings.probe_specs == (Path("one.json"), Path("two.yaml"))
    assert settings.probe_repeats == 0  # the device's default
    assert settings.device == "cuda"
    assert settings.probe_files_dir == tmp_path / "data" / "probe-files"
    assert "secret-key-1" not in repr(settings)


def test_bad_lists_and_choices_are_named(monkeypatch):
    monkeypatch.setenv("MATCHGRAPH_PROBE_BATCH_SIZES", "1,eight")
    monkeypatch.setenv("MATCHGRAPH_PROBE_DEVICE", "gpu")
    monkeypatch.setenv("MATCHGRAPH_RANK_WEIGHTS", "nonsense=1")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "MATCHGRAPH_PROBE_BATCH_SIZES: must be comma-separated batch sizes between 1 and 4096" in message
    assert "MATCHGRAPH_PROBE_DEVICE: Input should be 'auto', 'cpu' or 'cuda'" in message
    assert "MATCHGRAPH_RANK_WEIGHTS: unknown rank signal(s) nonsense" in message
