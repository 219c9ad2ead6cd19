"""The ViT image embedder, on a tiny ViT written with write_tiny_vit (random weights, the real
save_pretrained / from_pretrained path), and its errors when no usable weights are configured."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embed.vit_embedder import ImageWeightsMissing, load_image_embedder, shared_image_embedder, write_tiny_vit

HINT = "MATCHGRAPH_VIT_MODEL=<local folder with config.json + weights, or a hub id with the weights already in the local HF cache>"


@pytest.fixture(scope="module")
def vit_folder(tmp_path_factory) -> Path:
    return write_tiny_vit(tmp_path_factory.mktemp("tiny-vit"))


@pytest.fixture(scope="module")
def embedder(vit_folder):
    return load_image_embedder(str(vit_folder), "cpu")


def _picture(seed: int, size=(40, 30), mode="RGB") -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB").convert(mode)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_vectors_are_normalised_float32_of_the_hidden_size(embedder, vit_folder):
    assert embedder.model_id == str(vit_folder) and embedder.device == "cpu"
    assert embedder.dimension == json.loads((vit_folder / "config.json").read_text())["hidden_size"] == 32
    assert embedder.pooling == "pooler"
    vectors = embedder.encode([_picture(1), _picture(2), _picture(3)])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(vectors[0], vectors[1])  # different pictures, different vectors
    assert embedder.encode([]).shape == (0, 32)


def test_same_picture_same_vector_across_loads_and_seeded_rebuilds(embedder, vit_folder, tmp_path):
    pictures = [_picture(4), _picture(5)]
    first = embedder.encode(pictures)
    np.testing.assert_array_equal(first, embedder.encode(pictures))
    np.testing.assert_allclose(load_image_embedder(str(vit_folder), "cpu").encode(pictures), first, atol=1e-6)
    same_seed = load_image_embedder(str(write_tiny_vit(tmp_path / "same", seed=0)), "cpu")
    np.testing.assert_allclose(same_seed.encode(pictures), first, atol=1e-6)
    other_seed = load_image_embedder(str(write_tiny_vit(tmp_path / "other", seed=1)), "cpu")
    assert not np.allclose(other_seed.encode(pictures), first, atol=1e-3)


def test_pil_images_bytes_and_paths_give_the_same_vector(embedder, tmp_path):
    picture = _picture(6)
    path = tmp_path / "picture.png"
    path.write_bytes(_png(picture))
    vectors = embedder.encode([picture, _png(picture), path, str(path), bytearray(_png(picture))])
    for row in vectors[1:]:
        np.testing.assert_allclose(row, vectors[0], atol=1e-6)
    # Other modes and formats are converted to RGB.
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", quality=95)
    others = embedder.encode([picture.convert("RGBA"), picture.convert("L"), jpeg.getvalue()])
    assert others.shape == (3, 32)
    assert float(others[2] @ vectors[0]) > 0.9  # a good JPEG of the same picture stays close


def test_more_images_than_the_batch_size(embedder):
    pictures = [_picture(10 + i, size=(24 + i, 32)) for i in range(7)]
    batched = embedder.encode(pictures, batch_size=3)
    assert batched.shape == (7, 32)
    one_by_one = np.concatenate([embedder.encode([p], batch_size=1) for p in pictures])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_a_bad_image_is_named(embedder, tmp_path):
    with pytest.raises(ValueError, match=r"image #1 \(12 bytes\) cannot be read as an image"):
        embedder.encode([_picture(1), b"not an image"])
    missing = tmp_path / "absent.png"
    with pytest.raises(ValueError, match=r"image #0 .*absent\.png.* cannot be read"):
        embedder.encode([missing])
    with pytest.raises(ValueError, match=r"image #2 is a int; expected a PIL image, bytes or a path"):
        embedder.encode([_picture(1), _picture(2), 7])
    with pytest.raises(TypeError):
        embedder.encode(b"raw bytes, not a list")


def _missing(model) -> str:
    with pytest.raises(ImageWeightsMissing) as caught:
        load_image_embedder(model, "cpu")
    message = str(caught.value)
    assert HINT in message
    return message


def test_unset_missing_or_unusable_weights_say_how_to_configure(vit_folder, tmp_path):
    assert "MATCHGRAPH_VIT_MODEL is not set" in _missing(None)
    assert "MATCHGRAPH_VIT_MODEL is not set" in _missing("  ")
    assert "no such folder" in _missing(str(tmp_path / "nowhere"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "without config.json" in _missing(str(empty))
    config_only = tmp_path / "config-only"
    config_only.mkdir()
    shutil.copy(vit_folder / "config.json", config_only / "config.json")
    assert "has a config.json but no weights" in _missing(str(config_only))
    broken = tmp_path / "broken"
    shutil.copytree(vit_folder, broken)
    (broken / "model.safetensors").write_bytes(b"\0" * 64)
    assert "no loadable model" in _missing(str(broken))
    no_processor = tmp_path / "no-processor"
    shutil.copytree(vit_folder, no_processor)
    (no_processor / "preprocessor_config.json").unlink()
    assert "no usable image preprocessor" in _missing(str(no_processor))
    assert "read as a hub id from the local HF cache" in _missing("matchgraph-tests/no-such-vit")
    a_file = tmp_path / "weights.bin"
    a_file.write_bytes(b"x")
    assert "is a file, not a folder" in _missing(str(a_file))


def test_a_text_model_is_not_a_vision_model(tmp_path):
    from transformers import BertConfig, BertModel

    folder = tmp_path / "bert"
    BertModel(
        BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    ).save_pretrained(folder)
    assert "not a vision model" in _missing(str(folder))


def test_shared_embedder_is_one_per_model_and_device(vit_folder):
    first = shared_image_embedder(str(vit_folder), "cpu")
    assert shared_image_embedder(str(vit_folder), "cpu") is first
    with pytest.raises(ImageWeightsMissing, match="MATCHGRAPH_VIT_MODEL is not set"):
        shared_image_embedder(None)
