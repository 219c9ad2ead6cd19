"""Quality probes: what a model does with real weights on real data.

- ``classification_top1``: top-1 accuracy of an image classifier on a labelled folder in ImageFolder
  layout (one sub-folder per label, images inside). Folder names are mapped to the model's labels
  through its ``id2label`` (case, spaces and punctuation folded; an ImageNet label such as "tench,
  Tinca tinca" matches any of its comma-separated names). Images go through the model's own image
  processor when its folder has one, else a resize to the config's image size and 0.5/0.5
  normalisation.
- ``prompt_adherence``: a text-to-image pipeline (any diffusers pipeline folder) generates one image
  per prompt (fixed seeds); a scorer model (a CLIP model folder) embeds each image and its prompt;
  adherence is the mean image-text cosine similarity.

Weights load with ``from_pretrained(..., local_files_only=True)`` from a local folder or the hub
cache; nothing is downloaded. Without weights, data, scorer or prompts the probe is recorded as
``skipped`` with the reason, never silently dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from probes import devices
from probes.records import ProbeResult

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif"}
_FOLD = re.compile(r"[^a-z0-9]+")

Progress = Callable[[float, str], None]


def _quiet(fraction: float, message: str) -> None:
    pass


def _fold(text: str) -> str:
    return _FOLD.sub("", text.lower())


def label_index(id2label: dict) -> dict[str, int]:
    """Folded label name -> class id, every comma-separated synonym included."""
    index: dict[str, int] = {}
    for raw_id, label in id2label.items():
        class_id = int(raw_id)
        names = [str(label)] + [part for part in str(label).split(",") if part.strip()]
        for name in names:
            index.setdefault(_fold(name), class_id)
    return index


def image_folder(root: Path) -> dict[str, list[Path]]:
    """Sub-folder name -> its image files (sorted), for an ImageFolder-layout data set."""
    folders = {}
    for sub in sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith(".")):
        images = sorted(p for p in sub.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if images:
            folders[sub.name] = images
    return folders


def _offline() -> None:
    """No hub access (weights come from local folders or the cache), and no progress bars of the
    libraries' own on top of ours."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import transformers

    transformers.utils.logging.disable_progress_bar()
    try:
        import diffusers

        diffusers.utils.logging.disable_progress_bar()
    except ImportError:
        pass


def _preprocessor(weights: str, config):
    """The model's own image processor, or a plain resize + normalise to the config's size."""
    from transformers import AutoImageProcessor

    try:
        processor = AutoImageProcessor.from_pretrained(weights, local_files_only=True)
        return lambda images: processor(images=images, return_tensors="pt")[
            "pixel_values"
        ], "the model's image processor"
    except (OSError, ValueError):
        pass
    import numpy as np
    import torch

    size = getattr(config, "image_size", 224)

    def plain(images):
        arrays = [np.asarray(image.resize((size, size)), dtype=np.float32) / 255.0 for image in images]
        batch = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
        return (batch - 0.5) / 0.5

    return plain, f"resize to {size}×{size}, normalise 0.5/0.5"


def run_classification_probe(
    slug: str,
    weights: str | None,
    data: Path | None,
    dataset: str | None = None,
    device: str = "auto",
    batch_size: int = 16,
    on_progress: Progress = _quiet,
) -> ProbeResult:
    placement = devices.resolve(device)
    result = ProbeResult(
        kind="classification_top1",
        artifact_slug=slug,
        task="image-classification",
        device=placement.device,
        device_name=placement.device_name,
        dtype=placement.dtype_name,
        weights=weights,
        dataset=dataset or (Path(data).name if data else None),
    )
    if not weights:
        return result.skip("no weights: top-1 needs the real model (--weights: a local folder or a cached hub id)")
    if data is None:
        return result.skip("no labelled data set: give --data FOLDER (ImageFolder layout: one sub-folder per label)")
    if not Path(data).is_dir():
        return result.skip(f"data set folder {data} does not exist")
    _offline()
    import torch
    from PIL import Image
    from transformers import AutoModelForImageClassification

    try:
        model = AutoModelForImageClassification.from_pretrained(weights, local_files_only=True)
    except OSError as error:
        return result.skip(f"weights not available locally ({weights}): {str(error).splitlines()[0]}")
    try:
        model = model.to(placement.device, placement.dtype).eval()
        preprocess, how = _preprocessor(weights, model.config)
        labels = label_index(model.config.id2label)
        folders = image_folder(Path(data))
        matched = {name: labels[_fold(name)] for name in folders if _fold(name) in labels}
        unmatched = sorted(set(folders) - set(matched))
        if not matched:
            return result.fail(
                f"no sub-folder of {data} names a label of the model (folders: {', '.join(sorted(folders)) or 'none'})"
            )
        items = [(path, name) for name in sorted(matched) for path in folders[name]]
        per_label = {name: [0, 0] for name in matched}
        correct = 0
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            images = [Image.open(path).convert("RGB") for path, _ in chunk]
            pixels = preprocess(images).to(placement.device, placement.dtype)
            with torch.inference_mode():
                predicted = model(pixel_values=pixels).logits.argmax(-1).tolist()
            for (_path, name), guess in zip(chunk, predicted):
                hit = guess == matched[name]
                correct += hit
                per_label[name][0] += hit
                per_label[name][1] += 1
            on_progress(min(1.0, (start + len(chunk)) / len(items)), f"{start + len(chunk)}/{len(items)} images")
        result.top1 = correct / len(items)
        result.examples = len(items)
        result.scores = {"per_label": per_label, "unmatched_folders": unmatched, "preprocessing": how}
        if unmatched:
            result.reason = (
                f"{len(unmatched)} folder(s) match no label of the model and were left out: {', '.join(unmatched[:5])}"
            )
    except Exception as error:
        return result.fail(f"{type(error).__name__}: {error}")
    return result.finish()


def read_prompts(prompts) -> list[str]:
    """Prompts from a list, or a file: a JSON list of strings, or one prompt per line."""
    if prompts is None:
        return []
    if isinstance(prompts, (list, tuple)):
        return [str(p) for p in prompts if str(p).strip()]
    text = Path(prompts).read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return [str(p) for p in json.loads(text) if str(p).strip()]
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def run_prompt_adherence_probe(
    slug: str,
    weights: str | None,
    scorer: str | None,
    prompts,
    device: str = "auto",
    steps: int = 20,
    seed: int = 0,
    on_progress: Progress = _quiet,
) -> ProbeResult:
    placement = devices.resolve(device)
    result = ProbeResult(
        kind="prompt_adherence",
        artifact_slug=slug,
        task="text-to-image",
        device=placement.device,
        device_name=placement.device_name,
        dtype=placement.dtype_name,
        weights=weights,
    )
    if not weights:
        return result.skip(
            "no weights: prompt adherence needs the real pipeline (--weights: a diffusers pipeline folder or cached hub id)"
        )
    if not scorer:
        return result.skip(
            "no scorer: give --scorer, a CLIP model folder (or cached hub id) that embeds images and prompts"
        )
    try:
        prompt_list = read_prompts(prompts)
    except (OSError, ValueError) as error:
        return result.skip(f"cannot read the prompts: {error}")
    if not prompt_list:
        return result.skip("no prompts: give --prompts FILE (one prompt per line, or a JSON list)")
    _offline()
    try:
        import diffusers  # noqa: F401
    except ImportError:
        return result.skip("diffusers is not installed here")
    import torch
    from diffusers import DiffusionPipeline
    from transformers import CLIPModel, CLIPProcessor

    try:
        pipeline = DiffusionPipeline.from_pretrained(weights, local_files_only=True, **_dtype_argument(placement.dtype))
    except (OSError, ValueError) as error:
        return result.skip(f"pipeline weights not available locally ({weights}): {str(error).splitlines()[0]}")
    try:
        scorer_model = CLIPModel.from_pretrained(scorer, local_files_only=True)
        processor = CLIPProcessor.from_pretrained(scorer, local_files_only=True)
    except (OSError, ValueError) as error:
        return result.skip(f"scorer not available locally ({scorer}): {str(error).splitlines()[0]}")
    try:
        pipeline = pipeline.to(placement.device)
        pipeline.set_progress_bar_config(disable=True)
        scorer_model = scorer_model.to(placement.device).eval()
        per_prompt = []
        for index, prompt in enumerate(prompt_list):
            generator = torch.Generator(device="cpu").manual_seed(seed + index)
            image = pipeline(prompt, num_inference_steps=steps, generator=generator, output_type="pil").images[0]
            inputs = processor(text=[prompt], images=[image], return_tensors="pt", padding=True, truncation=True)
            inputs = {k: v.to(placement.device) for k, v in inputs.items()}
            with torch.inference_mode():
                image_embedding = scorer_model.get_image_features(pixel_values=inputs["pixel_values"])
                text_embedding = scorer_model.get_text_features(
                    input_ids=inputs["input_ids"], attention_mask=inputs.get("attention_mask")
                )
            image_embedding = _pooled(image_embedding)
            text_embedding = _pooled(text_embedding)
            cosine = torch.nn.functional.cosine_similarity(image_embedding.float(), text_embedding.float()).item()
            per_prompt.append({"prompt": prompt, "cosine": round(cosine, 6), "seed": seed + index})
            on_progress((index + 1) / len(prompt_list), f"prompt {index + 1}/{len(prompt_list)}: cosine {cosine:.3f}")
        result.adherence = round(sum(p["cosine"] for p in per_prompt) / len(per_prompt), 6)
        result.examples = len(per_prompt)
        result.scores = {
            "per_prompt": per_prompt,
            "scorer": scorer,
            "steps": steps,
            "pipeline": type(pipeline).__name__,
        }
    except Exception as error:
        return result.fail(f"{type(error).__name__}: {error}")
    return result.finish()


def _dtype_argument(dtype) -> dict:
    """diffusers renamed from_pretrained's `torch_dtype` to `dtype` (0.36+; the old name warns)."""
    from diffusers.utils import deprecation_utils

    return {"dtype": dtype} if hasattr(deprecation_utils, "_resolve_dtype") else {"torch_dtype": dtype}


def _pooled(features):
    """get_*_features returns a tensor in most versions, a model output with a pooler in others."""
    if hasattr(features, "pooler_output"):
        return features.pooler_output
    return features
