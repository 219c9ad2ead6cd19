"""Probe result records: what one probe run measured, as plain JSON-able data.

The same record is written by `python -m benchmarks.probe_bench --json FILE` (on any machine with
torch + transformers, no graph), read back by `matchgraph probe import FILE`, and written to the graph as
a (:Probe) node by `graphdb.repository.probes`. Field names follow the graph contract
(camelCase on the node, snake_case here; `as_dict()` gives the node's names).

A results file is ``{"format": RESULTS_FORMAT, "results": [record, …]}``.
"""

from __future__ import annotations

import json
import platform
import sys
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from graphdb.vocabulary import PROBE_KINDS

RESULTS_FORMAT = "matchgraph-probes/1"
KINDS = PROBE_KINDS
STATUSES = ("ok", "skipped", "failed")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_probe_id() -> str:
    return uuid.uuid4().hex


def library_versions() -> dict[str, str]:
    """torch / transformers / diffusers / python versions ('absent' for a library not installed)."""
    versions = {"python": platform.python_version()}
    for name in ("torch", "transformers", "diffusers"):
        module = sys.modules.get(name)
        if module is None:
            try:
                module = __import__(name)
            except Exception:
                versions[name] = "absent"
                continue
        versions[name] = getattr(module, "__version__", "unknown")
    return versions


@dataclass
class ProbeResult:
    """One probe run. Lists indexed like ``batch_sizes`` hold one value per batch size."""

    kind: str
    artifact_slug: str
    task: str
    device: str  # 'cpu' | 'cuda'
    status: str = "ok"  # 'ok' | 'skipped' | 'failed'
    reason: str | None = None  # why skipped / failed, or what was left out
    id: str = field(default_factory=new_probe_id)
    device_name: str | None = None
    dtype: str | None = None
    versions: dict = field(default_factory=library_versions)
    started_at: str = field(default_factory=utc_now)
    finished_at: str | None = None
    scaled_down: bool = False
    scale_note: str | None = None
    # architecture
    param_count: int | None = None  # elements of nn.Parameters
    stored_count: int | None = None  # parameters + persistent buffers (what a checkpoint stores)
    config: dict | None = None  # architecture facts read from the built model (hidden size, layers, …)
    batch_sizes: list[int] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)  # median per batch size
    throughput: list[float] = field(default_factory=list)  # items/s per batch size
    peak_memory_mb: list[float] = field(default_factory=list)
    memory_method: str | None = None
    repeats: int | None = None
    warmup: int | None = None
    samples: dict = field(default_factory=dict)  # {"<batch>": [items/s of each repeat]}
    input_shape: str | None = None  # what one item is, e.g. "3×224×224 image"
    # quality
    top1: float | None = None  # fraction 0..1
    examples: int | None = None
    dataset: str | None = None
    adherence: float | None = None  # mean image-text cosine
    scores: dict = field(default_factory=dict)
    weights: str | None = None  # hub id or path of the real weights used
    spec_source: str | None = None  # built-in, or the spec file it came from

    def finish(self) -> ProbeResult:
        self.finished_at = utc_now()
        return self

    def skip(self, reason: str) -> ProbeResult:
        self.status, self.reason = "skipped", reason
        return self.finish()

    def fail(self, reason: str) -> ProbeResult:
        self.status, self.reason = "failed", reason
        return self.finish()

    def throughput_at(self, batch: int) -> float | None:
        if batch in self.batch_sizes:
            index = self.batch_sizes.index(batch)
            if index < len(self.throughput):
                return self.throughput[index]
        return None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ProbeResult:
        """A record from JSON; unknown keys are an error (a typo must not pass silently)."""
        if not isinstance(data, dict):
            raise ValueError(f"a probe record must be an object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown field(s) in probe record: {', '.join(unknown)}")
        for required in ("kind", "artifact_slug", "task", "device"):
            if not data.get(required):
                raise ValueError(f"probe record without {required!r}")
        if data["kind"] not in KINDS:
            raise ValueError(f"unknown probe kind {data['kind']!r} (one of {', '.join(KINDS)})")
        if data.get("status", "ok") not in STATUSES:
            raise ValueError(f"unknown probe status {data['status']!r} (one of {', '.join(STATUSES)})")
        return cls(**data)

    def node_properties(self) -> dict:
        """The (:Probe) node's properties (graph contract names; JSON strings for nested data)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "artifactSlug": self.artifact_slug,
            "task": self.task,
            "device": self.device,
            "deviceName": self.device_name,
            "dtype": self.dtype,
            "status": self.status,
            "reason": self.reason,
            "scaledDown": self.scaled_down,
            "scaleNote": self.scale_note,
            "versions": json.dumps(self.versions, sort_keys=True),
            "startedAt": self.started_at,
            "finishedAt": self.finished_at or self.started_at,
            "paramCount": self.param_count,
            "storedCount": self.stored_count,
            "configJson": json.dumps(self.config, sort_keys=True) if self.config else None,
            "batchSizes": list(self.batch_sizes),
            "latencyMs": list(self.latency_ms),
            "throughput": list(self.throughput),
            "peakMemoryMb": list(self.peak_memory_mb),
            "memoryMethod": self.memory_method,
            "repeats": self.repeats,
            "warmup": self.warmup,
            "samplesJson": json.dumps(self.samples, sort_keys=True),
            "inputShape": self.input_shape,
            "top1": self.top1,
            "examples": self.examples,
            "dataset": self.dataset,
            "adherence": self.adherence,
            "scoresJson": json.dumps(self.scores, sort_keys=True) if self.scores else None,
            "weights": self.weights,
            "specSource": self.spec_source,
        }

    @classmethod
    def from_node(cls, node: dict) -> ProbeResult:
        """Back from a (:Probe) node (the verifier judges claims from stored probes)."""

        def loads(value, default):
            return json.loads(value) if value else default

        return cls(
            id=node["id"],
            kind=node["kind"],
            artifact_slug=node["artifactSlug"],
            task=node.get("task") or "",
            device=node.get("device") or "cpu",
            status=node.get("status") or "ok",
            reason=node.get("reason"),
            device_name=node.get("deviceName"),
            dtype=node.get("dtype"),
            versions=loads(node.get("versions"), {}),
            started_at=str(node.get("startedAt") or ""),
            finished_at=str(node.get("finishedAt") or ""),
            scaled_down=bool(node.get("scaledDown")),
            scale_note=node.get("scaleNote"),
            param_count=node.get("paramCount"),
            stored_count=node.get("storedCount"),
            config=loads(node.get("configJson"), None),
            batch_sizes=list(node.get("batchSizes") or []),
            latency_ms=list(node.get("latencyMs") or []),
            throughput=list(node.get("throughput") or []),
            peak_memory_mb=list(node.get("peakMemoryMb") or []),
            memory_method=node.get("memoryMethod"),
            repeats=node.get("repeats"),
            warmup=node.get("warmup"),
            samples=loads(node.get("samplesJson"), {}),
            input_shape=node.get("inputShape"),
            top1=node.get("top1"),
            examples=node.get("examples"),
            dataset=node.get("dataset"),
            adherence=node.get("adherence"),
            scores=loads(node.get("scoresJson"), {}),
            weights=node.get("weights"),
            spec_source=node.get("specSource"),
        )


def write_results(path: Path, results: list[ProbeResult]) -> None:
    """Writes a results file atomically (a half-written file never replaces a good one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(
        json.dumps({"format": RESULTS_FORMAT, "results": [r.to_json() for r in results]}, indent=2, sort_keys=True)
        + "\n",
        encoding="utf-8",
    )
    temporary.replace(path)


def read_results(path: Path) -> list[ProbeResult]:
    """Reads a results file (or a bare list of records); ValueError with the reason when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    if isinstance(data, dict):
        if data.get("format") != RESULTS_FORMAT:
            raise ValueError(f'{path} is not a probe results file (expected "format": "{RESULTS_FORMAT}")')
        data = data.get("results")
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of probe records")
    results = []
    for index, record in enumerate(data):
        try:
            results.append(ProbeResult.from_json(record))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: record {index}: {error}") from None
    return results


def summary_line(result: ProbeResult) -> str:
    """One line for a person: artifact, kind, device, status and the figures measured."""
    parts = [f"{result.artifact_slug} {result.kind} on {result.device} ({result.dtype}): {result.status}"]
    if result.param_count:
        parts.append(f"{result.param_count:,} parameters")
    for batch, latency, throughput in zip(result.batch_sizes, result.latency_ms, result.throughput, strict=False):
        parts.append(f"b{batch}: {latency:.1f} ms, {throughput:.1f}/s")
    if result.top1 is not None:
        parts.append(f"top-1 {result.top1:.2%} on {result.examples}")
    if result.adherence is not None:
        parts.append(f"adherence {result.adherence:.4f}")
    if result.reason:
        parts.append(result.reason)
    return "; ".join(parts)
