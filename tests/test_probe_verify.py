"""Claim verification rules (probes/verify.py): tolerances, devices, batch sizes, data sets, precedence."""

from __future__ import annotations

import pytest

from probes.records import ProbeResult
from probes.verify import (
    REFUTED,
    UNVERIFIED,
    VERIFIED,
    claim_device,
    human,
    judge,
    resolve_claim,
    resolve_claims,
    rounding_half_unit,
)


def claim(
    metric: str,
    value: float,
    value_max: float | None = None,
    qualifier: str | None = None,
    sentence: str = "",
    comparator: str = "=",
    id: str = "c1",
) -> dict:
    return {
        "id": id,
        "metric": metric,
        "value": value,
        "valueMax": value_max,
        "qualifier": qualifier,
        "sentence": sentence,
        "comparator": comparator,
        "unit": "",
    }


def architecture(
    device: str = "cpu",
    params: int = 5_578_632,
    stored: int | None = None,
    throughput: dict[int, float] | None = None,
    latency: dict[int, float] | None = None,
    config: dict | None = None,
    started: str = "2026-01-01T00:00:00+00:00",
    **extra,
) -> ProbeResult:
    throughput = throughput or {}
    batches = sorted(throughput)
    return ProbeResult(
        kind="architecture",
        artifact_slug="m",
        task="image-classification",
        device=device,
        device_name="test device",
        dtype="float32" if device == "cpu" else "bfloat16",
        param_count=params,
        stored_count=stored or params,
        batch_sizes=batches,
        throughput=[throughput[b] for b in batches],
        latency_ms=[(latency or {}).get(b, 1000 * b / throughput[b]) for b in batches],
        peak_memory_mb=[100.0 for _ in batches],
        config=config or {},
        started_at=started,
        **extra,
    )


def test_rounding_half_unit_follows_the_written_digits():
    assert rounding_half_unit(5_600_000) == pytest.approx(50_000)
    assert rounding_half_unit(86_000_000) == pytest.approx(500_000)
    assert rounding_half_unit(8_100_000_000) == pytest.approx(50_000_000)
    assert rounding_half_unit(8_000_000_000) == pytest.approx(500_000_000)
    assert human(8_056_627_520) == "8.057B" and human(5_600_000) == "5.6M"


@pytest.mark.parametrize(
    "value, measured, verdict",
    [
        (5_600_000, 5_578_632, VERIFIED),  # MobileViT-S
        (86_000_000, 86_567_656, VERIFIED),  # ViT-B/16 with its 1000-label head: inside ±5%
        (8_100_000_000, 8_056_627_520, VERIFIED),  # SD3.5 Large transformer
        (5_600_000, 6_000_000, REFUTED),
        (8_100_000_000, 2_243_171_520, REFUTED),
    ],
)
def test_param_count_tolerance(value, measured, verdict):
    assert judge(claim("param_count", value), architecture(params=measured)).verdict == verdict


def test_param_count_may_match_the_stored_tensors_and_says_so():
    medium = architecture(params=2_243_171_520, stored=2_469_663_936)
    result = judge(claim("param_count", 2_500_000_000), medium)
    assert result.verdict == VERIFIED and result.measured == 2_469_663_936
    assert "persistent buffers" in result.reason and "2,243,171,520" in result.reason


def test_batch_speedup_is_a_throughput_ratio_on_one_device():
    probe = architecture(throughput={1: 10.0, 8: 30.0})
    at_batch_8 = claim("throughput_speedup", 2, 4, qualifier="batch 8; vs single-image inference")
    result = judge(at_batch_8, probe)
    assert result.verdict == VERIFIED and result.measured == pytest.approx(3.0)
    assert "names no device" in result.reason
    slow = judge(at_batch_8, architecture(throughput={1: 10.0, 8: 12.0}))
    assert slow.verdict == REFUTED and slow.measured == pytest.approx(1.2)
    # tolerance ±10% on the bounds: 1.85x still meets "2-4x"
    assert judge(at_batch_8, architecture(throughput={1: 10.0, 8: 18.5})).verdict == VERIFIED


def test_device_claims_wait_for_their_device():
    gpu_claim = claim("throughput_speedup", 3, 4, qualifier="per GPU; vs single-image inference loops")
    on_cpu = judge(gpu_claim, architecture(throughput={1: 1.0, 8: 3.5}))
    assert on_cpu.verdict is None and "GPU" in on_cpu.reason and "cpu" in on_cpu.reason
    ten_x = claim("throughput_speedup", 9, qualifier="on GPU; 10x batch size", comparator="~")
    assert judge(ten_x, architecture(device="cuda", throughput={1: 100.0, 10: 950.0})).verdict == VERIFIED
    assert judge(ten_x, architecture(device="cuda", throughput={1: 100.0, 10: 300.0})).verdict == REFUTED
    missing_pair = judge(ten_x, architecture(device="cuda", throughput={1: 100.0, 8: 700.0}))
    assert missing_pair.verdict is None and "10×b" in missing_pair.reason
    mobile = claim("latency", 100, comparator="<", sentence="2-3x faster on mobile hardware with <100ms latency")
    assert claim_device(mobile) == "mobile hardware"
    assert judge(mobile, architecture(throughput={1: 50.0})).verdict is None
    arm = claim("latency", 10, qualifier="on ARM processors")
    assert judge(arm, architecture(device="cuda", throughput={1: 50.0})).verdict is None


def test_speed_claims_without_batch_or_from_scaled_runs_stay_unverified():
    no_batch = claim("throughput_speedup", 5, 10, qualifier="vs sequential inference")
    assert "no batch size" in judge(no_batch, architecture(throughput={1: 1.0, 8: 4.0})).reason
    scaled = architecture(throughput={1: 1.0, 8: 3.0}, scaled_down=True, scale_note="timed at 64×64")
    assert "scaled-down" in judge(claim("throughput_speedup", 2, 4, qualifier="batch 8"), scaled).reason


def test_latency_bound_and_model_size_by_precision():
    assert judge(claim("latency", 100, comparator="<"), architecture(throughput={1: 40.0})).verdict == VERIFIED
    assert judge(claim("latency", 10, comparator="<"), architecture(throughput={1: 40.0})).verdict == REFUTED
    int8 = judge(claim("model_size", 5.6, qualifier="INT8; vs MobileNetV3"), architecture())
    assert int8.verdict == VERIFIED and int8.measured == pytest.approx(5.578632)
    fp32 = judge(claim("model_size", 5.6), architecture())
    assert fp32.verdict == REFUTED and fp32.measured == pytest.approx(22.314528)
    bound = claim("model_size", 50, comparator="<", sentence="Quantized models fit devices with <50MB storage")
    assert judge(bound, architecture()).verdict == VERIFIED  # even fp32 weights are under 50 MB


def test_config_facts_are_exact():
    probe = architecture(config={"hidden_size": 768, "num_patches": 196, "num_classes": 1000})
    assert judge(claim("hidden_size", 768), probe).verdict == VERIFIED
    assert judge(claim("num_patches", 197), probe).verdict == REFUTED
    assert judge(claim("num_layers", 12), probe).verdict is None
    assert "pipeline" in judge(claim("resolution", 262_144, 1_000_000), probe).reason


def test_top1_needs_the_claimed_data_set():
    top1 = ProbeResult(
        kind="classification_top1",
        artifact_slug="m",
        task="image-classification",
        device="cpu",
        top1=0.781,
        examples=1000,
        dataset="imagenet-1k",
        weights="w",
    )
    imagenet = claim("top1_accuracy", 78.3, qualifier="ImageNet-1k")
    assert judge(imagenet, top1).verdict == VERIFIED
    assert judge(claim("top1_accuracy", 80.0, qualifier="ImageNet-1k"), top1).verdict == REFUTED
    other = judge(claim("top1_accuracy", 78.3, qualifier="CIFAR-10"), top1)
    assert other.verdict is None and "CIFAR-10" in other.reason
    assert "real weights" in judge(imagenet, architecture()).reason


def test_latest_able_probe_decides_and_device_claims_prefer_their_device():
    older_gpu = architecture(device="cuda", throughput={1: 100.0, 8: 800.0}, started="2026-01-01T00:00:00+00:00")
    newer_cpu = architecture(device="cpu", throughput={1: 10.0, 8: 30.0}, started="2026-02-01T00:00:00+00:00")
    probes = [newer_cpu, older_gpu]  # latest first
    plain = resolve_claim(claim("throughput_speedup", 2, 4, qualifier="batch 8"), probes)
    assert plain.status == VERIFIED and plain.probe_id == newer_cpu.id
    assert {pid for pid, _ in plain.checks} == {newer_cpu.id, older_gpu.id}  # both verdicts kept for CHECKED
    gpu = resolve_claim(claim("throughput_speedup", 2, 4, qualifier="batch 8; per GPU"), probes)
    assert gpu.status == REFUTED and gpu.probe_id == older_gpu.id


def test_every_claim_gets_a_status_and_a_reason():
    claims = [
        claim("param_count", 5_600_000, id="a"),
        claim("training_speedup", 3, 5, id="b"),
        claim("top1_accuracy", 78.3, qualifier="ImageNet-1k", id="c"),
        claim("inference_steps", 4, id="d"),
    ]
    statuses = resolve_claims(claims, [architecture()])
    assert [s.status for s in statuses] == [VERIFIED, UNVERIFIED, UNVERIFIED, UNVERIFIED]
    assert all(s.reason for s in statuses)
    skipped = ProbeResult(kind="architecture", artifact_slug="m", task="t", device="cpu").skip("no spec")
    assert "skipped" in resolve_claims(claims[:1], [skipped])[0].reason
    assert resolve_claims(claims[:1], [])[0].reason == "no probe has measured this artifact yet"
