"""Architecture probes: what a model costs, measured from its config alone (random weights).

- Parameter count: the model is built on the meta device (``with torch.device("meta")``), so even
  an 8B-parameter transformer costs no memory. Two counts: ``param_count`` (elements of
  nn.Parameters) and ``stored_count`` (plus persistent floating-point buffers: what a checkpoint
  stores, e.g. SD3's fixed positional embedding).
- Architecture facts read from the built model's config (hidden size, layers, heads, patches, …).
- Forward latency per batch size: warm-up forwards, then ``repeats`` timed forwards under
  ``torch.inference_mode()``; the median is kept and every repeat's items/s go to ``samples``.
  Throughput = batch / median latency. CUDA runs in bf16 (fp16 where bf16 is unsupported), CPU in
  fp32. Peak memory per batch size: ``torch.cuda.max_memory_allocated`` on CUDA; on CPU the
  parameter bytes plus the peak RSS growth during the forwards (see devices.CpuPeakMemory).
- Models too big to time here are still counted: on CPU, timing is skipped above
  ``CPU_TIMING_MAX_PARAMS`` (4 GB of fp32 weights on a small machine says nothing useful and may
  not fit); on CUDA, when the weights would not fit in free memory. The reason is recorded.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable

from probes import devices
from probes.records import ProbeResult
from probes.specs import ProbeSpec, SpecError

CPU_TIMING_MAX_PARAMS = 1_000_000_000
DEFAULT_BATCH_SIZES = {"cpu": (1, 8), "cuda": (1, 8, 32)}
DEFAULT_REPEATS = {"cpu": 3, "cuda": 10}
DEFAULT_WARMUP = {"cpu": 1, "cuda": 3}
PATCH_MODEL_TYPES = ("vit", "deit", "beit", "dinov2", "vit_mae", "vit_msn", "dinov3_vit")

Progress = Callable[[float, str], None]


class LibraryMissing(SpecError):
    """The spec's library (e.g. diffusers) is not installed: the probe is recorded as skipped."""


def _quiet(fraction: float, message: str) -> None:
    pass


def model_class(spec: ProbeSpec):
    """The spec's model class from transformers or diffusers (SpecError when it cannot be had)."""
    try:
        library = __import__(spec.library)
    except ImportError:
        raise LibraryMissing(f"the spec needs {spec.library}, which is not installed here") from None
    cls = getattr(library, spec.model_class, None)
    if cls is None:
        raise SpecError(f"{spec.slug}: {spec.library} {library.__version__} has no class {spec.model_class!r}")
    return cls


def build_model(spec: ProbeSpec, device: str = "meta", dtype=None):
    """The spec's model with random weights, built directly on ``device`` (and in ``dtype``)."""
    import torch

    cls = model_class(spec)
    previous = torch.get_default_dtype()
    try:
        if dtype is not None and dtype.is_floating_point:
            torch.set_default_dtype(dtype)  # built in the target precision: no fp32 copy of 8B weights
        with torch.device(device):
            if spec.library == "transformers":
                config = cls.config_class(**spec.config)
                model = cls(config)
            else:
                model = cls.from_config(dict(spec.config))
    except TypeError as error:
        raise SpecError(f"{spec.slug}: {spec.model_class} rejects the spec's config: {error}") from None
    finally:
        torch.set_default_dtype(previous)
    if dtype is not None and device != "meta":
        model = model.to(dtype)
    return model.eval()


def count_parameters(model) -> tuple[int, int]:
    """(parameters, parameters + persistent floating-point buffers); shared tensors counted once."""
    params = sum(p.numel() for p in model.parameters())
    persistent = set(model.state_dict().keys())
    buffers = sum(b.numel() for name, b in model.named_buffers() if name in persistent and b.is_floating_point())
    return params, params + buffers


def _config_value(config, *names):
    for name in names:
        value = config.get(name) if isinstance(config, dict) else getattr(config, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def architecture_facts(model, spec: ProbeSpec) -> dict[str, int]:
    """Facts a claim can name (metric -> value), read from the built model's own config."""
    config = model.config
    facts: dict[str, int] = {}
    heads = _config_value(config, "num_attention_heads")
    head_dim = _config_value(config, "attention_head_dim", "head_dim")
    hidden = _config_value(config, "hidden_size")
    if hidden is None and heads and head_dim:
        hidden = heads * head_dim  # MMDiT: width = heads × head dim
    if hidden:
        facts["hidden_size"] = hidden
    layers = _config_value(config, "num_hidden_layers", "num_layers")
    if layers:
        facts["num_layers"] = layers
    if heads:
        facts["num_attention_heads"] = heads
        if head_dim or (hidden and hidden % heads == 0):
            facts["head_dim"] = head_dim or hidden // heads
    intermediate = _config_value(config, "intermediate_size")
    if intermediate:
        facts["intermediate_size"] = intermediate
    if spec.task == "image-classification":
        labels = getattr(config, "num_labels", None)
        if labels:
            facts["num_classes"] = labels
        size = _config_value(config, "image_size")
        if size:
            facts["resolution"] = size * size
        patch = _config_value(config, "patch_size")
        if patch and size and getattr(config, "model_type", "") in PATCH_MODEL_TYPES:
            facts["patch_size"] = patch
            facts["num_patches"] = (size // patch) ** 2
    return facts


def make_inputs(spec: ProbeSpec, batch: int, device: str, dtype) -> dict:
    import torch

    inputs = {}
    generator = torch.Generator(device="cpu").manual_seed(batch)
    for name, shape in spec.input_shapes(batch).items():
        kind = spec.inputs[name].get("dtype", "float")
        if kind == "long":
            tensor = torch.randint(0, spec.inputs[name]["high"], shape, generator=generator)
        elif kind == "timestep":
            tensor = torch.randint(0, 1000, shape, generator=generator).to(dtype)
        else:
            tensor = torch.randn(shape, generator=generator).to(dtype)
        inputs[name] = tensor.to(device)
    return inputs


def scaled_spec(spec: ProbeSpec, image_size: int) -> tuple[ProbeSpec, str]:
    """The spec with a smaller input: an image side for classifiers, the image (latent × 8) for
    text-to-image transformers. Returns the spec and a note saying what was scaled."""
    inputs = {name: dict(entry) for name, entry in spec.inputs.items()}
    if spec.task == "image-classification":
        full = spec.config.get("image_size")
        for entry in inputs.values():
            if len(entry["shape"]) == 4:
                entry["shape"] = [*entry["shape"][:2], image_size, image_size]
        note = f"timed at {image_size}×{image_size} input instead of {full}×{full}"
        return spec.with_config(image_size=image_size).with_inputs(inputs), note
    if spec.task == "text-to-image":
        latent = image_size // 8
        latents = inputs.get("hidden_states")
        if latents is None or len(latents["shape"]) != 4:
            raise SpecError(f"{spec.slug}: cannot scale the input of a spec without a 4-d hidden_states input")
        full = latents["shape"][-1]
        latents["shape"] = [*latents["shape"][:2], latent, latent]
        return spec.with_inputs(
            inputs
        ), f"timed at a {latent}×{latent} latent ({image_size} px) instead of {full}×{full}"
    raise SpecError(f"{spec.slug}: --image-size applies to image-classification and text-to-image specs")


def _weights_fit(param_count: int, placement: devices.Placement) -> str | None:
    """None when the weights can be materialised for timing, else why not."""
    import torch

    element = torch.empty((), dtype=placement.dtype).element_size()
    need = param_count * element
    if placement.device == "cpu":
        if param_count > CPU_TIMING_MAX_PARAMS:
            return (
                f"timing skipped on CPU: {param_count / 1e9:.2f}B parameters are {need / 1e9:.1f} GB in fp32 "
                f"(limit {CPU_TIMING_MAX_PARAMS / 1e9:.0f}B parameters); parameter count measured on the meta device"
            )
        return None
    free, _ = torch.cuda.mem_get_info()
    if need > 0.9 * free:
        return f"timing skipped: {need / 1e9:.1f} GB of {placement.dtype_name} weights do not fit in {free / 1e9:.1f} GB free"
    return None


def run_architecture_probe(
    spec: ProbeSpec,
    slug: str | None = None,
    device: str = "auto",
    batch_sizes: tuple[int, ...] | None = None,
    repeats: int | None = None,
    warmup: int | None = None,
    image_size: int | None = None,
    on_progress: Progress = _quiet,
) -> ProbeResult:
    """Counts parameters on meta, then times forwards per batch size. Never raises for a model
    problem: a failure is a record with status 'failed' and the reason."""
    import torch

    placement = devices.resolve(device)
    result = ProbeResult(
        kind="architecture",
        artifact_slug=slug or spec.slug,
        task=spec.task,
        device=placement.device,
        device_name=placement.device_name,
        dtype=placement.dtype_name,
        spec_source=spec.origin,
        input_shape=spec.item or None,
    )
    batch_sizes = tuple(batch_sizes or DEFAULT_BATCH_SIZES[placement.device])
    result.repeats = repeats or DEFAULT_REPEATS[placement.device]
    result.warmup = DEFAULT_WARMUP[placement.device] if warmup is None else warmup
    try:
        on_progress(0.0, "counting parameters on the meta device")
        try:
            meta_model = build_model(spec, "meta")
        except LibraryMissing as missing:
            return result.skip(str(missing))
        result.param_count, result.stored_count = count_parameters(meta_model)
        result.config = architecture_facts(meta_model, spec)
        del meta_model

        timed_spec = spec
        if image_size:
            timed_spec, note = scaled_spec(spec, image_size)
            result.scaled_down, result.scale_note = True, note + "; parameter count from the full-size config"
        too_big = _weights_fit(result.param_count, placement)
        if too_big:
            result.reason = too_big
            result.scaled_down = True
            result.scale_note = "; ".join(filter(None, [result.scale_note, too_big]))
            on_progress(1.0, too_big)
            return result.finish()

        on_progress(0.05, f"building {spec.model_class} on {placement.device} ({placement.dtype_name})")
        model = build_model(timed_spec, placement.device, placement.dtype)
        weight_mb = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**20
        result.memory_method = devices.CUDA_MEMORY_METHOD if placement.device == "cuda" else devices.CPU_MEMORY_METHOD
        steps = len(batch_sizes) * (result.repeats + result.warmup)
        done = 0
        for batch in batch_sizes:
            inputs = make_inputs(timed_spec, batch, placement.device, placement.dtype)
            try:
                with torch.inference_mode():
                    for _ in range(result.warmup):
                        model(**inputs)
                        done += 1
                        on_progress(0.05 + 0.95 * done / steps, f"batch {batch}: warm-up")
                    devices.synchronize(placement.device)
                    memory = _memory_meter(placement)
                    seconds = []
                    with memory:
                        for repeat in range(result.repeats):
                            start = time.perf_counter()
                            model(**inputs)
                            devices.synchronize(placement.device)
                            seconds.append(time.perf_counter() - start)
                            done += 1
                            on_progress(
                                0.05 + 0.95 * done / steps,
                                f"batch {batch}: repeat {repeat + 1}/{result.repeats} {seconds[-1] * 1000:.1f} ms",
                            )
            except torch.OutOfMemoryError:
                result.reason = f"batch {batch} and larger: out of memory on {placement.device_name}"
                del inputs
                torch.cuda.empty_cache()
                break
            median = statistics.median(seconds)
            result.batch_sizes.append(batch)
            result.latency_ms.append(round(median * 1000, 4))
            result.throughput.append(round(batch / median, 4))
            result.samples[str(batch)] = [round(batch / s, 4) for s in seconds]
            result.peak_memory_mb.append(round(memory.peak_mb(weight_mb), 2))
            del inputs
        del model
        if placement.device == "cuda":
            torch.cuda.empty_cache()
    except SpecError:
        raise
    except Exception as error:
        return result.fail(f"{type(error).__name__}: {error}")
    on_progress(1.0, "done")
    return result.finish()


class _CudaMeter:
    def __enter__(self):
        import torch

        torch.cuda.reset_peak_memory_stats()
        return self

    def __exit__(self, *exc):
        import torch

        self.peak = torch.cuda.max_memory_allocated() / 2**20

    def peak_mb(self, weight_mb: float) -> float:
        return self.peak


class _CpuMeter(devices.CpuPeakMemory):
    def peak_mb(self, weight_mb: float) -> float:
        return weight_mb + self.growth_mb


def _memory_meter(placement: devices.Placement):
    return _CudaMeter() if placement.device == "cuda" else _CpuMeter()


@contextlib.contextmanager
def torch_threads(count: int | None):
    """Limits torch's intra-op threads for a block (None: leave as is)."""
    import torch

    if count is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
