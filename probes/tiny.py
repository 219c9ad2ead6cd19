"""Tiny models and data sets built from configs, for tests and smoke runs (no hub, no downloads).

Each builder writes a folder that the real probe code loads with ``from_pretrained(...,
local_files_only=True)``, exactly as it would load real weights.
"""

from __future__ import annotations

from pathlib import Path

from probes.specs import ProbeSpec

TINY_IMAGE = 32


def _byte_vocab() -> dict[str, int]:
    """A byte-level BPE vocabulary with no merges: every byte is a token (CLIP's scheme, tiny)."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes, extra = printable[:], 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    chars = [chr(c) for c in codes]
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in chars:
        vocab[char] = len(vocab)
    for char in chars:
        vocab[char + "</w>"] = len(vocab)
    return vocab


def tiny_clip_tokenizer(max_length: int = 16):
    from transformers import CLIPTokenizer

    return CLIPTokenizer(vocab=_byte_vocab(), merges=[], model_max_length=max_length)


def tiny_vit_classifier(folder: Path, labels: list[str], seed: int = 0) -> Path:
    """A 2-layer ViT image classifier for ``labels`` with its image processor, saved to ``folder``."""
    import torch
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    torch.manual_seed(seed)
    config = ViTConfig(
        image_size=TINY_IMAGE,
        patch_size=8,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model = ViTForImageClassification(config).eval()
    model.save_pretrained(folder)
    ViTImageProcessor(size={"height": TINY_IMAGE, "width": TINY_IMAGE}).save_pretrained(folder)
    return Path(folder)


def random_images(count: int, seed: int = 0, size: int = 40):
    """``count`` RGB PIL images of random noise (deterministic per seed)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)) for _ in range(count)]


def tiny_clip_scorer(folder: Path, seed: int = 0) -> Path:
    """A tiny CLIP model + processor (byte-level tokenizer), saved to ``folder``."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    torch.manual_seed(seed)
    tokenizer = tiny_clip_tokenizer()
    config = CLIPConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 16,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "pad_token_id": 1,
        },
        vision_config={
            "image_size": TINY_IMAGE,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
        },
        projection_dim=16,
    )
    CLIPModel(config).eval().save_pretrained(folder)
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": TINY_IMAGE}, crop_size={"height": TINY_IMAGE, "width": TINY_IMAGE}
    )
    CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
    return Path(folder)


def tiny_text_to_image_pipeline(folder: Path, seed: int = 0) -> Path:
    """A tiny StableDiffusionPipeline (UNet2DConditionModel, AutoencoderKL, CLIP text encoder),
    saved to ``folder``; it makes 32×32 images."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    tokenizer = tiny_clip_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            max_position_embeddings=16,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    unet = UNet2DConditionModel(
        sample_size=16,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(32, 64),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=8,
    )
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        block_out_channels=(16, 32),
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        norm_num_groups=8,
        sample_size=TINY_IMAGE,
    )
    scheduler = DDIMScheduler(
        beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, clip_sample=False, steps_offset=1
    )
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder)
    return Path(folder)


def tiny_vit_spec(slug: str = "tiny-vit") -> ProbeSpec:
    """A ViT small enough to time on any CPU in well under a second (for --cpu-smoke runs)."""
    return ProbeSpec(
        slugs=(slug,),
        name="tiny ViT (smoke test)",
        library="transformers",
        model_class="ViTForImageClassification",
        config={
            "image_size": TINY_IMAGE,
            "patch_size": 8,
            "hidden_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 128,
            "num_labels": 10,
        },
        task="image-classification",
        inputs={"pixel_values": {"shape": ["batch", 3, TINY_IMAGE, TINY_IMAGE]}},
        item=f"3×{TINY_IMAGE}×{TINY_IMAGE} image",
        source="tiny config for smoke tests",
        origin="tiny",
    )
