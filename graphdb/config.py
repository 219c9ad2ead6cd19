"""Configuration: environment variables and an optional `.env` file, validated once at start-up.

Every setting has a sensible default except the credentials of a remote Neo4j. When `NEO4J_URI`
is unset, matchgraph uses its own local Neo4j server (see `graphdb.neo4j_local`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from graphdb.vocabulary import (
    DEFAULT_RANK_WEIGHTS,
    MAX_BATCH_SIZE,
    MIN_BATCH_SIZE,
    Device,
    normalise_weights,
    parse_weights,
)

BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


class ConfigError(Exception):
    """The configuration is invalid; the message lists each bad variable and what it needs."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "matchgraph"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "matchgraph"


def _comma_separated(value: Any) -> Any:
    """`a, b,,c` -> ["a", "b", "c"]; anything but a string (an override in code) passes as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _lower(value: Any) -> Any:
    """A closed-set value as written by hand (` CUDA`) -> its canonical spelling (`cuda`)."""
    return value.strip().lower() if isinstance(value, str) else value


LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]
EmbedBackend = Literal["auto", "onnx", "torch"]


class Settings(BaseSettings):
    """All of matchgraph's settings. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    # Neo4j. NEO4J_URI unset means "use the local server".
    neo4j_uri: str | None = Field(default=None, validation_alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", validation_alias="NEO4J_USER")
    neo4j_password: SecretStr | None = Field(default=None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str = Field(default="neo4j", validation_alias="NEO4J_DATABASE")

    # Where matchgraph keeps its state (local Neo4j data, search indexes) and its downloads.
    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias="MATCHGRAPH_DATA_DIR")
    cache_dir: Path = Field(default_factory=_default_cache_dir, validation_alias="MATCHGRAPH_CACHE_DIR")

    # The local Neo4j server (used only when NEO4J_URI is unset).
    local_bolt_port: int = Field(default=7687, validation_alias="MATCHGRAPH_NEO4J_BOLT_PORT")
    local_http_port: int = Field(default=7474, validation_alias="MATCHGRAPH_NEO4J_HTTP_PORT")
    local_heap: str = Field(default="1g", validation_alias="MATCHGRAPH_NEO4J_HEAP")
    local_pagecache: str = Field(default="512m", validation_alias="MATCHGRAPH_NEO4J_PAGECACHE")
    local_start_timeout: float = Field(default=120.0, validation_alias="MATCHGRAPH_NEO4J_START_TIMEOUT")

    # The API server.
    host: str = Field(default="127.0.0.1", validation_alias="MATCHGRAPH_HOST")
    port: int = Field(default=8000, validation_alias="MATCHGRAPH_PORT")
    # Lists in environment variables are comma-separated (`MATCHGRAPH_API_KEYS=k1,k2`), not the JSON
    # pydantic-settings reads for complex types by default: `NoDecode` hands the raw string to the
    # field's `mode="before"` validator, which splits it.
    api_keys: Annotated[frozenset[SecretStr], NoDecode] = Field(
        default=frozenset(), validation_alias="MATCHGRAPH_API_KEYS"
    )
    log_level: LogLevel = Field(default="info", validation_alias="MATCHGRAPH_LOG_LEVEL")

    # API safety. Rate limits are requests per minute per client (API key, else client address).
    rate_limit_anonymous: int = Field(default=60, ge=0, validation_alias="MATCHGRAPH_RATE_LIMIT_ANONYMOUS")
    rate_limit_keyed: int = Field(default=300, ge=0, validation_alias="MATCHGRAPH_RATE_LIMIT_KEYED")
    trust_forwarded_for: bool = Field(default=False, validation_alias="MATCHGRAPH_TRUST_FORWARDED_FOR")
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(default=(), validation_alias="MATCHGRAPH_CORS_ORIGINS")
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, validation_alias="MATCHGRAPH_MAX_BODY_BYTES")
    max_query_depth: int = Field(default=12, ge=1, validation_alias="MATCHGRAPH_MAX_QUERY_DEPTH")
    max_query_aliases: int = Field(default=50, ge=1, validation_alias="MATCHGRAPH_MAX_QUERY_ALIASES")
    max_query_tokens: int = Field(default=5000, ge=10, validation_alias="MATCHGRAPH_MAX_QUERY_TOKENS")
    max_query_cost: int = Field(default=50_000, ge=1, validation_alias="MATCHGRAPH_MAX_QUERY_COST")

    # Vector indexes, taxonomy and images (embed/index.py, vectors.py, taxonomy.py, images.py).
    # A capability whose best class cosine is below taxonomy_threshold is capability://unclassified;
    # indexes are exact below ann_threshold vectors and HNSW from it; a server checks the graph for
    # new vectors at most every index_check_interval seconds.
    taxonomy_threshold: float = Field(default=0.38, ge=0.0, le=1.0, validation_alias="MATCHGRAPH_TAXONOMY_THRESHOLD")
    ann_threshold: int = Field(default=50_000, ge=1, validation_alias="MATCHGRAPH_ANN_THRESHOLD")
    index_check_interval: float = Field(default=5.0, ge=0.0, validation_alias="MATCHGRAPH_INDEX_CHECK_INTERVAL")
    # OpenMP threads of FAISS: searches are single queries, and a team of spin-waiting threads makes
    # each one many times slower on a busy machine with few cores (embed/index.py says more).
    faiss_threads: int = Field(default=1, ge=1, le=256, validation_alias="MATCHGRAPH_FAISS_THREADS")
    image_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, validation_alias="MATCHGRAPH_IMAGE_MAX_BYTES")

    # Search (embed/search.py, embed/recording.py): every search is written to the graph as a
    # (:Query) by a background recorder; a full queue drops the record, never the search.
    search_record: bool = Field(default=True, validation_alias="MATCHGRAPH_SEARCH_RECORD")
    search_record_queue: int = Field(default=1000, ge=1, validation_alias="MATCHGRAPH_SEARCH_RECORD_QUEUE")

    # Probes (`matchgraph probe`, the API's queueProbe; probes/). Batch sizes `1,8,32`, empty = the
    # device's defaults; repeats 0 = the device's default. API jobs may only name weights, data and
    # prompt files under probe_files_dir (default $MATCHGRAPH_DATA_DIR/probe-files).
    probe_device: Device = Field(default="auto", validation_alias="MATCHGRAPH_PROBE_DEVICE")
    probe_batch_sizes: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(), validation_alias="MATCHGRAPH_PROBE_BATCH_SIZES"
    )
    probe_repeats: int = Field(default=0, ge=0, le=1000, validation_alias="MATCHGRAPH_PROBE_REPEATS")
    probe_specs: Annotated[tuple[Path, ...], NoDecode] = Field(default=(), validation_alias="MATCHGRAPH_PROBE_SPECS")
    probe_files_dir: Path = Field(
        default_factory=lambda fields: fields["data_dir"] / "probe-files", validation_alias="MATCHGRAPH_PROBE_FILES_DIR"
    )

    @field_validator("probe_batch_sizes", mode="before")
    @classmethod
    def _check_probe_batch_sizes(cls, value: Any) -> Any:
        parts = _comma_separated(value)
        if not all(str(p).isdigit() and MIN_BATCH_SIZE <= int(p) <= MAX_BATCH_SIZE for p in parts):
            raise ValueError(
                f"must be comma-separated batch sizes between {MIN_BATCH_SIZE} and {MAX_BATCH_SIZE}, like 1,8,32 (got {value!r})"
            )
        return parts

    # Rank and head-to-head (`matchgraph rank`; services/rank_model.py, probes/headtohead.py).
    # Weights as `signal=weight,…` over DEFAULT_RANK_WEIGHTS (graphdb/vocabulary.py, which sum to 1
    # and are the default), normalised to sum to 1.
    rank_weights: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_RANK_WEIGHTS), validation_alias="MATCHGRAPH_RANK_WEIGHTS"
    )
    head_to_head_resamples: int = Field(
        default=200, ge=0, le=10_000, validation_alias="MATCHGRAPH_HEAD_TO_HEAD_RESAMPLES"
    )
    head_to_head_seed: int = Field(default=0, ge=0, validation_alias="MATCHGRAPH_HEAD_TO_HEAD_SEED")

    @field_validator("rank_weights", mode="before")
    @classmethod
    def _parse_rank_weights(cls, value: Any) -> Any:
        # `signal=weight,…` over the defaults; a mapping given in code is the whole set. Both are
        # normalised to sum to 1, or raise ValueError with the reason.
        if isinstance(value, Mapping):
            return normalise_weights(value)
        return parse_weights(value) if isinstance(value, str) else value

    # Embedders (embed/text_embedder.py, embed/vit_embedder.py, embed/devices.py). embed_backend: auto picks the
    # checked ONNX int8 fast path on CPU (torch fp16 on CUDA); device: where torch models run;
    # vit_model: a local ViT folder, or a hub id already in the local HF cache (image search).
    embed_backend: EmbedBackend = Field(default="auto", validation_alias="MATCHGRAPH_EMBED_BACKEND")
    device: Device = Field(default="auto", validation_alias="MATCHGRAPH_DEVICE")
    vit_model: str | None = Field(default=None, validation_alias="MATCHGRAPH_VIT_MODEL")

    @field_validator("api_keys", "cors_origins", "probe_specs", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _comma_separated(value)

    @field_validator("probe_device", "embed_backend", "device", "log_level", mode="before")
    @classmethod
    def _canonical_choice(cls, value: Any) -> Any:
        return _lower(value)

    @field_validator("vit_model")
    @classmethod
    def _check_vit_model(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    @field_validator("neo4j_uri")
    @classmethod
    def _check_uri(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in BOLT_SCHEMES:
            raise ValueError(f"must start with one of {', '.join(s + '://' for s in BOLT_SCHEMES)} (got {value!r})")
        return value.strip()

    @field_validator("local_bolt_port", "local_http_port", "port")
    @classmethod
    def _check_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError(f"must be a TCP port between 1 and 65535 (got {value})")
        return value

    @field_validator("local_heap", "local_pagecache")
    @classmethod
    def _check_memory(cls, value: str) -> str:
        number, unit = value[:-1], value[-1:].lower()
        if unit not in ("k", "m", "g") or not number.isdigit() or int(number) == 0:
            raise ValueError(f"must be a size like 512m or 2g (got {value!r})")
        return value.lower()

    @model_validator(mode="after")
    def _remote_needs_password(self) -> Settings:
        if self.neo4j_uri and not self.neo4j_password:
            raise ValueError("NEO4J_PASSWORD must be set when NEO4J_URI points at a Neo4j server")
        return self

    @property
    def uses_local_neo4j(self) -> bool:
        return self.neo4j_uri is None

    # The search catalog's full check (embed/catalog.py): matchgraph's own writes reach a server's
    # catalog through the graph's data version within seconds; edits made outside matchgraph (Neo4j
    # Browser) do not bump it, so a server also reads the catalog's sources whole every this many
    # seconds and reloads when their checksum differs (0 = never; `matchgraph index refresh` does it now).
    catalog_full_check_interval: float = Field(
        default=600.0, ge=0.0, validation_alias="MATCHGRAPH_CATALOG_FULL_CHECK_INTERVAL"
    )


def _describe(error: ValidationError) -> str:
    lines = ["invalid configuration:"]
    for problem in error.errors():
        if problem.get("type") == "default_factory_not_called":
            continue  # a default computed from another setting that is itself invalid: named already
        where = problem.get("loc") or ()
        # Name the environment variable the user sets, not the Python field.
        field = where[0] if where else ""
        info = Settings.model_fields.get(str(field))
        variable = info.validation_alias if info and info.validation_alias else str(field) or "settings"
        message = problem.get("msg", "").removeprefix("Value error, ")
        lines.append(f"  {variable}: {message}")
    return "\n".join(lines)


def load_settings(**overrides) -> Settings:
    """Reads and validates the settings; raises ConfigError with a readable list of problems."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
