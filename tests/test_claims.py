"""ingest.claims: quantitative claims, their metric, unit, qualifier and, above all, their subject.

Page checks hold hand-labelled names and numbers keyed by page and line: the project's fixtures
(tests/data/fixtures, ids "f000"..) always, the seed documents (read at run time from
``$MATCHGRAPH_SEEDS_DIR`` or ``<repo>/../shared/seeds``) as an extra that skips without them. The
other tests use sentences written for this file.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seeds import seed_label_text as seed_line  # a page's line without its Unique/vs label
from seeds import seed_params

from ingest.claims import METRICS, ClaimRecord, extract_capability_claims, extract_claims

SUBJECT = "the-subject"  # stands for the capability's own artifact in the labels below


def facts(claims: list[ClaimRecord]) -> set[tuple[str, str, float, float | None]]:
    return {
        (c.subject, c.metric, round(c.value, 6), None if c.value_max is None else round(c.value_max, 6)) for c in claims
    }


def find(claims: list[ClaimRecord], subject: str, metric: str) -> ClaimRecord:
    matching = [c for c in claims if c.subject == subject and c.metric == metric]
    assert len(matching) == 1, (subject, metric, claims)
    return matching[0]


# --------------------------------------------------------------------------------------------
# Pages: who each number is about
# --------------------------------------------------------------------------------------------

# (fixture, line) -> every claim the line must yield, no more: (subject, metric, value, value_max)
FIXTURE_CLAIMS = {
    ("f000", 16): {
        (SUBJECT, "top1_accuracy", 78.3, None),
        (SUBJECT, "param_count", 5.6e6, None),
        ("ViT-Base", "param_count", 86e6, None),
    },
    ("f000", 17): {
        ("MobileNetV3", "top1_accuracy", 77.2, None),
        ("EfficientNet-B0", "top1_accuracy", 77.1, None),
        ("EfficientNet-B0", "param_count", 5.3e6, None),
    },
    ("f000", 24): {(SUBJECT, "throughput_speedup", 2, 4)},
    ("f000", 26): {(SUBJECT, "throughput_speedup", 3, 4)},
    ("f000", 46): {
        ("Stable Diffusion 3.5 Medium", "param_count", 2.5e9, None),
        ("Stable Diffusion 3.5 Medium", "resolution", 0.25e6, 2e6),
    },
    ("f001", 30): {(SUBJECT, "training_images", 3, 5)},
    ("f004", 15): {(SUBJECT, "param_count", 86e6, None)},
    ("f004", 18): {
        (SUBJECT, "resolution", 224 * 224, None),
        (SUBJECT, "patch_size", 16, None),
        (SUBJECT, "num_patches", 196, None),
        (SUBJECT, "hidden_size", 768, None),
    },
    ("f004", 21): {(SUBJECT, "num_layers", 12, None), (SUBJECT, "num_attention_heads", 12, None)},
}

# (seed, line) -> every claim the line must yield, no more: (subject, metric, value, value_max)
SEED_CLAIMS = {
    ("000", 16): {
        (SUBJECT, "top1_accuracy", 78.3, None),
        (SUBJECT, "param_count", 5.6e6, None),
        ("ViT-Base", "param_count", 86e6, None),
    },
    ("000", 17): {
        ("MobileNetV3", "top1_accuracy", 77.2, None),
        ("EfficientNet-B0", "top1_accuracy", 77.1, None),
        ("EfficientNet-B0", "param_count", 5.3e6, None),
    },
    ("000", 23): {
        (SUBJECT, "training_steps_reduction", 3, 5),
        (SUBJECT, "param_count", 5.6e6, None),
        ("ViT-Base", "param_count", 86e6, None),
    },
    ("000", 26): {(SUBJECT, "throughput_speedup", 3, 4)},
    ("000", 29): {
        (SUBJECT, "accuracy_loss", 0.8, None),
        ("ResNet-50", "accuracy_loss", 2, 3),
        (SUBJECT, "model_size", 5.6, None),
        ("MobileNetV3", "model_size", 6.2, None),
        (SUBJECT, "top1_accuracy", 77.2, None),
        ("MobileNetV3", "top1_accuracy", 75.2, None),
    },
    ("000", 31): {(SUBJECT, "param_count", 8.1e9, None), (SUBJECT, "resolution", 512 * 512, 1e6)},
    ("001", 30): {(SUBJECT, "training_images", 3, 5)},
    ("003", 17): {
        (SUBJECT, "top1_accuracy", 84.0, None),
        ("ResNet-50", "top1_accuracy", 76.1, None),
        ("EfficientNet-B0", "top1_accuracy", 77.1, None),
    },
    ("003", 32): {(SUBJECT, "accuracy_loss", 1, 2), ("ResNet-50", "accuracy_loss", 2, 3)},
    # "(86M vs 25M-388M)" after two models: the 25M-388M is nobody's
    ("004", 17): {(SUBJECT, "param_count", 86e6, None), (SUBJECT, "training_speedup", 3, 5)},
}


def _normalised(expected):
    return {(s, m, round(float(v), 6), None if vm is None else round(float(vm), 6)) for s, m, v, vm in expected}


@pytest.mark.parametrize("key", sorted(FIXTURE_CLAIMS))
def test_fixture_claims_and_their_subjects(key):
    claims = extract_claims(seed_line(*key), SUBJECT)
    assert facts(claims) == _normalised(FIXTURE_CLAIMS[key])


def test_fixture_qualifiers_and_bounds():
    unique = extract_claims(seed_line("f000", 16), SUBJECT)
    assert find(unique, SUBJECT, "top1_accuracy").qualifier == "ImageNet-1k"
    assert find(unique, SUBJECT, "param_count").qualifier is None
    batch = extract_claims(seed_line("f000", 24), SUBJECT)
    assert "batch 8" in find(batch, SUBJECT, "throughput_speedup").qualifier
    per_gpu = extract_claims(seed_line("f000", 26), SUBJECT)
    assert find(per_gpu, SUBJECT, "throughput_speedup").qualifier.startswith("per GPU")
    mobile = extract_claims(seed_line("f000", 27), SUBJECT)
    assert find(mobile, SUBJECT, "speedup").qualifier == "on mobile hardware"
    bounds = {c.metric: (c.value, c.comparator) for c in mobile}
    assert bounds["model_size"] == (50.0, "<") and bounds["latency"] == (100.0, "<")


def test_fixture_variant_named_in_the_description_is_the_subject_of_the_whole_block():
    turbo = extract_capability_claims("Stable Diffusion 3.5 Large", *(seed_line("f000", n) for n in (34, 35, 36)))
    assert facts(turbo) == {
        ("Stable Diffusion 3.5 Large Turbo", "inference_steps", 4.0, None),
        ("Stable Diffusion 3.5 Large Turbo", "param_count", 8.1e9, None),
    }
    medium = extract_capability_claims("Stable Diffusion 3.5 Large", *(seed_line("f000", n) for n in (46, 47, 48)))
    assert {c.subject for c in medium} == {"Stable Diffusion 3.5 Medium"}
    assert ("Stable Diffusion 3.5 Medium", "param_count", 2.5e9, None) in facts(medium)


def test_fixture_dataset_counts_are_not_claims():
    for key in (("f003", 16), ("f004", 15), ("f004", 16)):
        claims = extract_claims(seed_line(*key), SUBJECT)
        assert not [c for c in claims if c.metric in ("training_images", "num_classes") and c.value >= 1e4], key


@pytest.mark.parametrize("key", seed_params(*sorted(SEED_CLAIMS)))
def test_seed_claims_and_their_subjects(key):
    claims = extract_claims(seed_line(*key), SUBJECT)
    assert facts(claims) == _normalised(SEED_CLAIMS[key])


def test_seed_qualifiers():
    unique = extract_claims(seed_line("000", 16), SUBJECT)
    assert find(unique, SUBJECT, "top1_accuracy").qualifier == "ImageNet-1k"
    assert find(unique, SUBJECT, "param_count").qualifier is None
    batch = extract_claims(seed_line("000", 24), SUBJECT)
    assert "batch 8" in find(batch, SUBJECT, "throughput_speedup").qualifier
    per_gpu = extract_claims(seed_line("000", 26), SUBJECT)
    assert find(per_gpu, SUBJECT, "throughput_speedup").qualifier.startswith("per GPU")
    quantised = extract_claims(seed_line("000", 29), SUBJECT)
    assert "INT8" in find(quantised, SUBJECT, "model_size").qualifier
    mobile = extract_claims(seed_line("000", 27), SUBJECT)
    assert find(mobile, SUBJECT, "speedup").qualifier == "on mobile hardware"
    bounds = {c.metric: (c.value, c.comparator) for c in mobile}
    assert bounds["model_size"] == (50.0, "<") and bounds["latency"] == (100.0, "<")
    accuracies = extract_claims(seed_line("003", 17), SUBJECT)
    assert {c.qualifier for c in accuracies} == {"ImageNet"}


def test_seed_variant_named_in_the_description_is_the_subject_of_the_whole_block():
    turbo = extract_capability_claims("Stable Diffusion 3.5 Large", *(seed_line("000", n) for n in (34, 35, 36)))
    assert facts(turbo) == {
        ("Stable Diffusion 3.5 Large Turbo", "inference_steps", 4.0, None),
        ("Stable Diffusion 3.5 Large Turbo", "param_count", 8.1e9, None),
    }
    medium = extract_capability_claims("Stable Diffusion 3.5 Large", *(seed_line("000", n) for n in (46, 47, 48)))
    assert {c.subject for c in medium} == {"Stable Diffusion 3.5 Medium"}
    assert ("Stable Diffusion 3.5 Medium", "param_count", 2.5e9, None) in facts(medium)
    assert ("Stable Diffusion 3.5 Medium", "resolution", 250000.0, 2e6) in facts(medium)
    assert any(c.metric == "resolution" and c.comparator == "<=" and c.value == 2e6 for c in medium)


def test_seed_architecture_claims():
    claims = extract_capability_claims("rorshark-vit-base", *(seed_line("004", n) for n in (21, 22, 23)))
    got = {(c.metric, c.value) for c in claims}
    assert {("num_layers", 12), ("num_attention_heads", 12), ("head_dim", 64), ("intermediate_size", 3072),
            ("hidden_size", 768)} <= got  # fmt: skip
    patches = extract_claims(seed_line("004", 18), "rorshark-vit-base")
    assert {(c.metric, c.value) for c in patches} >= {
        ("resolution", 224 * 224),
        ("patch_size", 16),
        ("num_patches", 196),
    }


def test_seed_dataset_counts_are_not_claims():
    for key in (("003", 16), ("004", 15), ("004", 16)):
        claims = extract_claims(seed_line(*key), SUBJECT)
        assert not [c for c in claims if c.metric in ("training_images", "num_classes") and c.value >= 1e4], key


# --------------------------------------------------------------------------------------------
# Each metric, with sentences written for this file
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, metric, value, value_max, unit",
    [
        ("Ships with 1.3 billion parameters.", "param_count", 1.3e9, None, "params"),
        ("A compact 22M-param encoder.", "param_count", 22e6, None, "params"),
        ("Tuned for the 7B scale.", "param_count", 7e9, None, "params"),
        ("Scores 81.5% ImageNet-1k top-1 accuracy.", "top1_accuracy", 81.5, None, "%"),
        ("Loses 0.5-1% accuracy after pruning.", "accuracy_loss", 0.5, 1, "%"),
        ("Gives 3% higher accuracy on fine-grained birds.", "accuracy_gain", 3, None, "%"),
        ("Delivers 3-4x throughput at batch 8.", "throughput_speedup", 3, 4, "x"),
        ("Runs 2x faster on phones.", "speedup", 2, None, "x"),
        ("Is 5x faster to fine-tune than its teacher.", "training_speedup", 5, None, "x"),
        ("Checkpoints open 4x faster model loading than before.", "load_speedup", 4, None, "x"),
        ("Models become 4x smaller after packing.", "compression_ratio", 4, None, "x"),
        ("Converges in 2-3x fewer training steps.", "training_steps_reduction", 2, 3, "x"),
        ("Needs 10x fewer labeled examples.", "data_reduction", 10, None, "x"),
        ("Answers in under 40 ms on a laptop.", "latency", 40, None, "ms"),
        ("Answers within 1.5 seconds.", "latency", 1500, None, "ms"),
        ("Cuts latency by 30% with caching.", "latency_reduction", 30, None, "%"),
        ("Reduces VRAM usage by 20-25% with offloading.", "memory_reduction", 20, 25, "%"),
        ("The file is 5.6MB after export.", "model_size", 5.6, None, "MB"),
        ("Peaks at 12 GB of VRAM while decoding.", "peak_memory", 12000, None, "MB"),
        ("Samples in 25 denoising steps.", "inference_steps", 25, None, "steps"),
        ("Trains for 800 training steps.", "training_steps", 800, None, "steps"),
        ("Renders at 768×768 natively.", "resolution", 768 * 768, None, "pixels"),
        ("Renders 1 to 4 megapixels.", "resolution", 1e6, 4e6, "pixels"),
        ("Splits inputs into 14×14 patches.", "patch_size", 14, None, "pixels"),
        ("Yields 256 patches per image.", "num_patches", 256, None, "patches"),
        ("Projects to 1024-dimensional embeddings.", "hidden_size", 1024, None, "dims"),
        ("Uses a 4096-dimensional feed-forward layer.", "intermediate_size", 4096, None, "dims"),
        ("Keeps 80 dimensions per head.", "head_dim", 80, None, "dims"),
        ("Stacks 24 transformer layers.", "num_layers", 24, None, "layers"),
        ("Has 16 attention heads.", "num_attention_heads", 16, None, "heads"),
        ("Sorts photos into 365 scene categories.", "num_classes", 365, None, "classes"),
        ("Personalises from 4-6 user photos after fine-tuning.", "training_images", 4, 6, "images"),
        ("Copes with 50 labeled examples for each label.", "training_examples", 50, None, "examples"),
    ],
)
def test_each_metric(text, metric, value, value_max, unit):
    (claim,) = [c for c in extract_claims(text, "Model X") if c.metric == metric]
    assert claim.subject == "Model X" and claim.unit == unit == METRICS[metric]
    assert math.isclose(claim.value, value)
    assert claim.value_max == value_max or math.isclose(claim.value_max, value_max)
    assert claim.sentence == text


@pytest.mark.parametrize(
    "text",
    [
        "Varies up to 3 parameters per sweep.",  # a handful of settings, not a parameter count
        "Pretrained on ImageNet-21k (14M images across 21k classes).",  # dataset facts
        "Released in 2024 under version 2.1 of the licence.",
        "Ranks 58/100 on the board.",
        "Gives 10x batch size headroom.",
        "Writes 50-70% less code.",
    ],
)
def test_numbers_without_a_clear_metric_are_skipped(text):
    assert extract_claims(text, "Model X") == []


def test_bounds_and_approximations():
    claims = {c.metric: c for c in extract_claims("Fits in <50MB, answers in ~20ms, renders up to 2MP.", "X")}
    assert (claims["model_size"].value, claims["model_size"].comparator) == (50, "<")
    assert (claims["latency"].value, claims["latency"].comparator) == (20, "~")
    assert (claims["resolution"].value, claims["resolution"].comparator) == (2e6, "<=")
    assert claims["latency"].text == "~20ms"


# --------------------------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------------------------


def test_numbers_after_another_artifact_are_its_own():
    claims = extract_claims("Half the size of BERT-Base (110M params) and leaner than GPT-2 (1.5B params).", "Tiny")
    assert facts(claims) == {("BERT-Base", "param_count", 110e6, None), ("GPT-2", "param_count", 1.5e9, None)}


def test_number_pairs_split_between_subject_and_alternative():
    claims = extract_claims("Needs less memory than Llama 2 (7B vs 13B parameters).", "Tiny")
    assert facts(claims) == {("Tiny", "param_count", 7e9, None), ("Llama 2", "param_count", 13e9, None)}
    claims = extract_claims("Only 1.1% accuracy drop at INT8 vs 2.4% for MobileNetV2.", "Tiny")
    assert facts(claims) == {("Tiny", "accuracy_loss", 1.1, None), ("MobileNetV2", "accuracy_loss", 2.4, None)}
    assert {c.qualifier for c in claims} == {"INT8"}


def test_ambiguous_pairs_keep_only_the_subject_side():
    claims = extract_claims("Beats ResNet-18 and VGG-16 with fewer parameters (11M vs 11.7M-138M).", "Tiny")
    assert facts(claims) == {("Tiny", "param_count", 11e6, None)}


def test_alias_of_the_subject_is_the_subject():
    claims = extract_claims("Unlike SDXL (3.5B parameters), it streams.", "Stable Diffusion XL")
    assert facts(claims) == {("Stable Diffusion XL", "param_count", 3.5e9, None)}
    claims = extract_claims("Unlike MobileViT (5.6M parameters), nothing.", "mobilevit-small")
    assert {c.subject for c in claims} == {"mobilevit-small"}  # the family the subject belongs to


def test_sentence_opening_with_another_model_makes_it_the_topic():
    text = "Gemma 2 ships with 9B parameters. It renders 30 tokens per second on an A100 GPU."
    claims = extract_claims(text, "Host App")
    assert facts(claims) == {("Gemma 2", "param_count", 9e9, None)}
    assert (
        extract_claims("The model has 9B parameters; Gemma 2 is mentioned later.", "Host App")[0].subject == "Host App"
    )


def test_topic_returns_to_the_subject_when_the_text_speaks_of_itself():
    claims = extract_claims("Llama 3 70B's 70B parameters make it slow; our model has 8B parameters.", "Host Model")
    assert facts(claims) == {("Llama 3 70B", "param_count", 70e9, None), ("Host Model", "param_count", 8e9, None)}


def test_topic_carries_from_description_to_unique_line():
    claims = extract_capability_claims(
        "Stable Diffusion 3.5 Large",
        "Stable Diffusion 3.5 Medium, the smaller sibling, keeps 2.5 billion parameters.",
        "Tuned for the 2.5B scale with outputs up to 2MP.",
        "Lighter than SDXL (3.5B parameters).",
    )
    assert facts(claims) == {
        ("Stable Diffusion 3.5 Medium", "param_count", 2.5e9, None),
        ("Stable Diffusion 3.5 Medium", "resolution", 2e6, None),
        ("Stable Diffusion XL", "param_count", 3.5e9, None),
    }


def test_dataset_parenthesis_yields_nothing():
    assert extract_claims("Pretrained on LAION-5B (5.85B images) and COCO (118k images).", "X") == []


# --------------------------------------------------------------------------------------------
# Qualifiers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, metric, qualifier",
    [
        ("Gives 2-4x speedups with batch_size=16 versus one-at-a-time calls.", "throughput_speedup",
         "batch 16; vs one-at-a-time calls"),
        ("Achieves 3x throughput per GPU.", "throughput_speedup", "per GPU"),
        ("Runs 2-3x faster on ARM processors.", "speedup", "on ARM processors"),
        ("Scores 79.1% accuracy on ImageNet-1k.", "top1_accuracy", "ImageNet-1k"),
        ("Loses under 1% accuracy at FP16.", "accuracy_loss", "FP16"),
        ("Shrinks activation memory by 35% versus eager mode.", "memory_reduction", "vs eager mode"),
        ("Answers in 12 ms on consumer GPUs at batch 1.", "latency", "on consumer GPUs; batch 1"),
        ("Inference takes 1.2 s per image at 50 steps on an RTX 4090.", "latency", "on an RTX 4090"),
        ("Has 86M parameters.", "param_count", None),
    ],
)  # fmt: skip
def test_qualifiers(text, metric, qualifier):
    (claim,) = [c for c in extract_claims(text, "X") if c.metric == metric]
    assert claim.qualifier == qualifier


def test_baseline_of_a_parenthesised_number_comes_from_its_phrase():
    (claim,) = extract_claims(
        "Far thriftier with memory than dense training (35% reduction) and easier than LoRA.", "X"
    )
    assert (claim.metric, claim.value, claim.qualifier) == ("memory_reduction", 35, "vs dense training")


# --------------------------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------------------------


def test_empty_input_and_block_with_missing_texts():
    assert extract_claims("", "X") == [] and extract_claims("  ", "X") == []
    assert extract_capability_claims("X", "Has 7B parameters.", None, None)[0].value == 7e9


def test_claims_are_deduplicated_within_a_block():
    claims = extract_capability_claims("X", "Has 7B parameters.", "Keeps all 7B parameters.", None)
    assert len(claims) == 1


def test_records_are_frozen():
    (claim,) = extract_claims("Has 7B parameters.", "X")
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.value = 1.0  # type: ignore[misc]


_VOCABULARY = [
    "Outperforms", "than", "faster", "vs", "compared to", "(", ")", ";", ",", ".", "and", "for", "SDXL",
    "ResNet-50", "Foo-7B", "ImageNet-1k", "77.2%", "5.3M params", "3-4x", "<100ms", "512×512", "86M", "2.5B",
    "vs 2-3%", "batch 8", "per GPU", "on ARM processors", "INT8", "from", "to", "1 megapixel", "16×16 patches",
    "768-dim", "12 layers", "by", "reduces memory", "accuracy", "loss", "Stable Diffusion 3.5 Medium", "The",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text):
    for claim in extract_claims(text, "X"):
        assert claim.metric in METRICS and claim.unit == METRICS[claim.metric]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_VOCABULARY), max_size=40).map(" ".join), st.sampled_from(["X", "SDXL", "", "ResNet-50"])
)
def test_claim_shaped_text_never_raises(text, subject):
    for claim in extract_capability_claims(subject, text, text, text):
        assert claim.metric in METRICS and claim.unit == METRICS[claim.metric]
        assert claim.value_max is None or claim.value_max >= claim.value or math.isnan(claim.value_max)


def test_patch_grid_sizes_inside_longer_sentences_never_crash():
    # Regression: the synthetic corpus writes "over 14×14 patches with a class token".
    text = (
        "The vision model relies on a plain transformer encoder over 14×14 patches with a class token, "
        "reaching 71.2% top-1 accuracy on ImageNet-1k with 168.2M parameters."
    )
    claims = extract_claims(text, "Example-ViT")
    by_metric = {c.metric: c for c in claims}
    assert by_metric["param_count"].value == 168.2e6
    assert by_metric["top1_accuracy"].value == 71.2
    if "patch_size" in by_metric:
        assert by_metric["patch_size"].value == 14
