"""Probe specs: for an artifact, how to build its model and feed it.

A spec names a transformers or diffusers model class and a config (architecture only, no weights),
the task, the inputs one forward takes (shapes with a ``"batch"`` placeholder) and, optionally,
where real weights are (a hub id or a local folder, loaded with ``local_files_only=True``).

Built-in specs live in ``probes/specs/*.json``, one file per architecture, written by us from
public architecture facts (each file's ``source`` says which). A file may serve several artifact
slugs (``slugs``) when the graph knows one architecture under several names (``vit-base`` is the
ViT-Base of ``vit-base-patch16-224``; SD 3.5 Large Turbo is the Large transformer distilled).

User specs come from a JSON or YAML file (``--spec FILE``): one spec object, a list of them, or
``{"specs": [...]}``, with the same fields. YAML needs PyYAML installed.

Input entries: ``{"shape": ["batch", 3, 224, 224]}`` (random normal floats), ``"dtype": "long"``
with ``"high": N`` (random token ids below N), or ``"dtype": "timestep"`` (one diffusion timestep
per item, 0..999).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from graphdb.package_data import package_path

BUILTIN_DIR = package_path("probes", "specs")
LIBRARIES = ("transformers", "diffusers")
TASKS = ("image-classification", "text-to-image", "text-classification", "feature-extraction")
INPUT_DTYPES = ("float", "long", "timestep")


class SpecError(ValueError):
    """A spec file or entry that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class ProbeSpec:
    slugs: tuple[str, ...]  # the graph artifacts this architecture is probed for (first = main)
    name: str
    library: str
    model_class: str
    config: dict
    task: str
    inputs: dict  # name -> {"shape": [...], "dtype": ...}
    item: str = ""  # what one item of a batch is, for reports
    weights: str | None = None  # hub id or local folder of real weights
    source: str = ""  # where the architecture facts come from
    notes: str = ""
    origin: str = "built-in"  # "built-in" or the spec file's path

    @property
    def slug(self) -> str:
        return self.slugs[0]

    def input_shapes(self, batch: int) -> dict[str, tuple[int, ...]]:
        return {
            name: tuple(batch if d == "batch" else int(d) for d in entry["shape"])
            for name, entry in self.inputs.items()
        }

    def with_config(self, **overrides) -> ProbeSpec:
        return replace(self, config={**self.config, **overrides})

    def with_inputs(self, inputs: dict) -> ProbeSpec:
        return replace(self, inputs=inputs)


def _spec_from_dict(data: dict, origin: str) -> ProbeSpec:
    if not isinstance(data, dict):
        raise SpecError(f"{origin}: a spec must be an object, got {type(data).__name__}")
    known = set(ProbeSpec.__dataclass_fields__) - {"origin"} | {"slug"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"{origin}: unknown field(s) {', '.join(unknown)}")
    slugs = data.get("slugs") or ([data["slug"]] if data.get("slug") else [])
    if not slugs or not all(isinstance(s, str) and s for s in slugs):
        raise SpecError(f"{origin}: a spec needs `slug` (or `slugs`): the graph artifact(s) it is for")
    for required in ("library", "model_class", "task", "inputs"):
        if not data.get(required):
            raise SpecError(f"{origin} ({slugs[0]}): missing `{required}`")
    if data["library"] not in LIBRARIES:
        raise SpecError(f"{origin} ({slugs[0]}): `library` must be one of {', '.join(LIBRARIES)}")
    if data["task"] not in TASKS:
        raise SpecError(f"{origin} ({slugs[0]}): `task` must be one of {', '.join(TASKS)}")
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise SpecError(f"{origin} ({slugs[0]}): `config` must be an object")
    inputs = data["inputs"]
    if not isinstance(inputs, dict):
        raise SpecError(f"{origin} ({slugs[0]}): `inputs` must be an object of name -> {{shape: [...]}}")
    for name, entry in inputs.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if (
            not isinstance(shape, list)
            or not shape
            or "batch" not in shape
            or not all(d == "batch" or (isinstance(d, int) and d > 0) for d in shape)
        ):
            raise SpecError(f'{origin} ({slugs[0]}): input {name!r} needs a shape like ["batch", 3, 224, 224]')
        if entry.get("dtype", "float") not in INPUT_DTYPES:
            raise SpecError(f"{origin} ({slugs[0]}): input {name!r}: dtype must be one of {', '.join(INPUT_DTYPES)}")
        if entry.get("dtype") == "long" and not isinstance(entry.get("high"), int):
            raise SpecError(f"{origin} ({slugs[0]}): input {name!r}: a long input needs `high` (the vocabulary size)")
    return ProbeSpec(
        slugs=tuple(slugs),
        name=data.get("name") or slugs[0],
        library=data["library"],
        model_class=data["model_class"],
        config=config,
        task=data["task"],
        inputs=inputs,
        item=data.get("item") or "",
        weights=data.get("weights"),
        source=data.get("source") or "",
        notes=data.get("notes") or "",
        origin=origin,
    )


def _parse_file(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise SpecError(
                f"{path}: reading YAML specs needs PyYAML (pip install pyyaml), or write the spec as JSON"
            ) from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise SpecError(f"{path} is not valid YAML: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(f"{path} is not valid JSON: {error}") from None


def load_spec_file(path: Path, origin: str | None = None) -> list[ProbeSpec]:
    """The specs in one file (a spec, a list of specs, or {"specs": [...]})."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"spec file {path} does not exist")
    data = _parse_file(path)
    if isinstance(data, dict) and "specs" in data:
        data = data["specs"]
    entries = data if isinstance(data, list) else [data]
    specs = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise SpecError(f"spec file {path}: each spec must be a mapping of fields (name, library, modelClass, …)")
        specs.append(_spec_from_dict(entry, origin or str(path)))
    return specs


def builtin_specs() -> list[ProbeSpec]:
    specs: list[ProbeSpec] = []
    for path in sorted(BUILTIN_DIR.glob("*.json")):
        specs += load_spec_file(path, origin="built-in")
    return specs


@dataclass
class SpecRegistry:
    """Specs by artifact slug: the built-ins, then user files (a user spec replaces a built-in)."""

    by_slug: dict[str, ProbeSpec] = field(default_factory=dict)

    @classmethod
    def load(cls, extra_files: list[Path] | tuple[Path, ...] = ()) -> SpecRegistry:
        registry = cls()
        for spec in builtin_specs():
            registry.add(spec)
        for path in extra_files:
            for spec in load_spec_file(path):
                registry.add(spec)
        return registry

    def add(self, spec: ProbeSpec) -> None:
        for slug in spec.slugs:
            self.by_slug[slug] = spec

    def get(self, slug: str) -> ProbeSpec | None:
        return self.by_slug.get(slug)

    def require(self, slug: str) -> ProbeSpec:
        spec = self.get(slug)
        if spec is None:
            known = ", ".join(sorted(self.by_slug)) or "none"
            raise SpecError(
                f"no probe spec for artifact {slug!r} (specs exist for: {known}); give one with --spec FILE"
            )
        return spec

    def slugs(self) -> list[str]:
        return sorted(self.by_slug)
