"""Bradley–Terry head-to-head from probe results (probes/headtohead.py): pure functions, hand-made numbers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.optimize import minimize

from probes.headtohead import (
    GroupKey,
    fit_bradley_terry,
    games_between,
    head_to_head,
    head_to_head_group,
    runs_from_probes,
    sharing_pairs,
    win_probability,
)

VISION = ["capability://image-classification"]
KEY = GroupKey("image-classification", "cpu", "throughput")


def architecture(slug: str, samples: dict, **extra) -> dict:
    return {
        "artifact": slug,
        "kind": "architecture",
        "status": "ok",
        "task": "image-classification",
        "device": "cpu",
        "samplesJson": json.dumps({str(b): v for b, v in samples.items()}),
        **extra,
    }


def edge(edges, source, target):
    (found,) = [e for e in edges if e.source == source and e.target == target]
    return found


# -- the fit ------------------------------------------------------------------------------------
def test_two_players_without_prior_recover_the_win_share():
    strengths = fit_bradley_terry(np.array([[0, 7.0], [3.0, 0]]), prior_games=0)
    assert win_probability(*strengths) == pytest.approx(0.7, abs=1e-9)
    assert strengths.sum() == pytest.approx(0.0, abs=1e-9)


def test_three_players_with_consistent_results_recover_the_strengths():
    true = np.array([1.0, 2.0, 4.0])
    games = 12
    wins = np.array([[games * true[i] / (true[i] + true[j]) if i != j else 0 for j in range(3)] for i in range(3)])
    strengths = fit_bradley_terry(wins, prior_games=0)
    assert np.exp(strengths - strengths[0]) == pytest.approx(true, rel=1e-8)


def test_the_penalised_fit_is_the_maximum_of_its_likelihood():
    # An independent check: scipy maximises the same penalised log-likelihood numerically.
    wins = np.array([[0, 5, 9, 0], [2, 0, 4, 1], [0, 3, 0, 6], [0, 0, 2, 0]], dtype=float)
    prior = 1.0

    def negative(theta):
        pairs = sum(
            wins[i, j] * math.log(1 / (1 + math.exp(theta[j] - theta[i]))) for i in range(4) for j in range(4) if i != j
        )
        reference = sum(prior / 2 * t - prior * math.log(1 + math.exp(t)) for t in theta)
        return -(pairs + reference)

    expected = minimize(negative, np.zeros(4), method="BFGS", options={"gtol": 1e-10}).x
    assert fit_bradley_terry(wins, prior) == pytest.approx(expected, abs=1e-5)


def test_an_unbeaten_player_keeps_a_finite_strength():
    strengths = fit_bradley_terry(np.array([[0, 1000.0], [0, 0]]))
    assert all(math.isfinite(s) for s in strengths)
    assert strengths[0] > 3 and strengths[1] == pytest.approx(-strengths[0])
    assert 0.99 < win_probability(*strengths) < 1.0


# -- games ----------------------------------------------------------------------------------------
def test_every_pair_of_runs_is_a_game_and_ties_count_half():
    wins, games = games_between({"1": (10, 20)}, {"1": (10, 5, 30)})
    # 10 vs (10, 5, 30): tie, win, loss; 20 vs (10, 5, 30): win, win, loss
    assert (wins, games) == (3.5, 6.0)


def test_only_batch_sizes_both_measured_are_played():
    wins, games = games_between({"1": (10,), "8": (80, 81), "32": (300,)}, {"8": (70,), "16": (150,)})
    assert (wins, games) == (2.0, 2.0)


def test_runs_come_from_ok_full_size_probes_of_known_kinds_and_pool():
    probes = [
        architecture("a", {1: [10, 11], 8: [50]}),
        architecture("a", {1: [12]}),  # a second probe of the same artifact: pooled
        architecture("b", {1: [5]}, status="failed"),
        architecture("c", {1: [5]}, scaledDown=True),
        {
            "artifact": "d",
            "kind": "architecture",
            "status": "ok",
            "task": "image-classification",
            "device": "cpu",
            "batchSizes": [1, 4],
            "throughput": [7.5, 20.0],
        },  # no samples: the medians are single runs
        {
            "artifact": "e",
            "kind": "classification_top1",
            "status": "ok",
            "task": "image-classification",
            "device": "cpu",
            "top1": 0.81,
        },
        {"artifact": "f", "kind": "mystery", "status": "ok", "task": "x", "device": "cpu"},
    ]
    runs = runs_from_probes(probes)
    assert set(runs) == {KEY, GroupKey("image-classification", "cpu", "top1")}
    assert runs[KEY] == {"a": {"1": (10.0, 11.0, 12.0), "8": (50.0,)}, "d": {"1": (7.5,), "4": (20.0,)}}
    assert runs[GroupKey("image-classification", "cpu", "top1")] == {"e": {"": (0.81,)}}


def test_only_artifacts_sharing_a_classified_capability_play():
    classes = {
        "a": VISION,
        "b": VISION + ["capability://x"],
        "c": ["capability://unclassified"],
        "d": ["capability://x"],
    }
    assert sharing_pairs(["d", "c", "b", "a"], classes) == [("a", "b"), ("b", "d")]


# -- edges with confidence --------------------------------------------------------------------
def test_a_dominating_b_in_every_game_wins_with_probability_near_one():
    runs = {
        "a": {"1": (100, 101, 102, 103, 104), "8": (500, 505, 510, 515, 520)},
        "b": {"1": (50, 51, 52, 53, 54), "8": (200, 201, 202, 203, 204)},
    }
    edges = head_to_head_group(KEY, runs, {"a": VISION, "b": VISION}, resamples=200, seed=7)
    ab, ba = edge(edges, "a", "b"), edge(edges, "b", "a")
    assert (ab.games, ab.wins, ba.wins) == (50.0, 50.0, 0.0)
    assert ab.probability > 0.99
    assert ab.ci_low <= ab.probability <= ab.ci_high < 1.0
    assert ab.ci_low > 0.95
    assert ba.probability == pytest.approx(1 - ab.probability)
    assert (ba.ci_low, ba.ci_high) == pytest.approx((1 - ab.ci_high, 1 - ab.ci_low))
    assert ab.strength > 0 > ba.strength


def test_symmetric_results_give_an_even_chance():
    runs = {"a": {"1": (10, 12, 14), "4": (40, 44)}, "b": {"1": (14, 12, 10), "4": (44, 40)}}
    edges = head_to_head_group(KEY, runs, {"a": VISION, "b": VISION}, resamples=200, seed=1)
    ab = edge(edges, "a", "b")
    assert ab.probability == pytest.approx(0.5, abs=1e-12)
    assert ab.wins == ab.games / 2
    assert ab.ci_low < 0.5 < ab.ci_high


def test_noisy_overlap_gives_a_wider_interval_than_a_clear_gap():
    classes = {"a": VISION, "b": VISION}
    clear = head_to_head_group(KEY, {"a": {"1": (20, 21, 22, 23)}, "b": {"1": (10, 11, 12, 13)}}, classes, seed=3)
    noisy = head_to_head_group(KEY, {"a": {"1": (9, 21, 14, 23)}, "b": {"1": (10, 22, 12, 13)}}, classes, seed=3)
    width = lambda e: e.ci_high - e.ci_low
    assert width(edge(noisy, "a", "b")) > width(edge(clear, "a", "b"))
    assert edge(clear, "a", "b").probability > edge(noisy, "a", "b").probability


def test_bootstrap_is_seeded_and_points_do_not_depend_on_the_seed():
    runs = {"a": {"1": (9, 21, 14, 23)}, "b": {"1": (10, 22, 12, 13)}, "c": {"1": (8, 8, 30, 12)}}
    classes = {slug: VISION for slug in runs}
    first = head_to_head_group(KEY, runs, classes, resamples=50, seed=11)
    again = head_to_head_group(KEY, runs, classes, resamples=50, seed=11)
    other = head_to_head_group(KEY, runs, classes, resamples=50, seed=12)
    assert first == again
    assert [e.probability for e in first] == [e.probability for e in other]
    assert [(e.ci_low, e.ci_high) for e in first] != [(e.ci_low, e.ci_high) for e in other]


def test_groups_are_task_device_and_metric_and_pairs_need_a_shared_class():
    probes = [
        architecture("a", {1: [30, 31]}),
        architecture("b", {1: [10, 11]}),
        architecture("z", {1: [1, 2]}),
        architecture("a", {1: [300, 310]}, device="cuda"),
        architecture("b", {1: [400, 410]}, device="cuda"),
        {
            "artifact": "a",
            "kind": "classification_top1",
            "status": "ok",
            "task": "image-classification",
            "device": "cpu",
            "top1": 0.70,
        },
        {
            "artifact": "b",
            "kind": "classification_top1",
            "status": "ok",
            "task": "image-classification",
            "device": "cpu",
            "top1": 0.80,
        },
    ]
    classes = {"a": VISION, "b": VISION, "z": ["capability://text-generation"]}
    groups, edges = head_to_head(probes, classes, resamples=20)
    assert groups == [
        GroupKey("image-classification", "cpu", "throughput"),
        GroupKey("image-classification", "cpu", "top1"),
        GroupKey("image-classification", "cuda", "throughput"),
    ]
    assert all("z" not in (e.source, e.target) for e in edges)
    by_group = {(e.device, e.metric): e for e in edges if e.source == "a"}
    assert by_group[("cpu", "throughput")].probability > 0.5  # a is faster on CPU
    assert by_group[("cuda", "throughput")].probability < 0.5  # b is faster on the GPU
    top1 = by_group[("cpu", "top1")]
    assert (top1.games, top1.wins) == (1.0, 0.0) and top1.probability < 0.5  # b is more accurate


def test_group_tables_agree_with_pairwise_games_and_zero_resamples_give_point_intervals():
    rng = np.random.default_rng(5)
    runs = {
        f"p{i}": {
            str(b): tuple(float(v) for v in rng.integers(1, 6, size=rng.integers(1, 5)))
            for b in (1, 8, 32)
            if rng.random() < 0.8 or b == 1
        }
        for i in range(6)
    }
    classes = {slug: VISION if i % 3 else ["capability://other"] for i, slug in enumerate(runs)}
    edges = head_to_head_group(KEY, runs, classes, resamples=0)
    pairs = sharing_pairs(runs, classes)
    assert {(e.source, e.target) for e in edges} == {p for a, b in pairs for p in ((a, b), (b, a))}
    for e in edges:
        assert (e.wins, e.games) == games_between(runs[e.source], runs[e.target])
        assert e.ci_low == e.ci_high == e.probability


def test_quality_is_compared_on_the_same_dataset_only():
    def top1(slug, value, dataset):
        return {
            "artifact": slug,
            "kind": "classification_top1",
            "status": "ok",
            "task": "image-classification",
            "device": "cpu",
            "top1": value,
            "dataset": dataset,
        }

    classes = {"a": VISION, "b": VISION, "c": VISION}
    _, edges = head_to_head(
        [top1("a", 0.9, "imagenet-val-200"), top1("b", 0.7, "imagenet-val-200"), top1("c", 0.99, "cifar-10")],
        classes,
        resamples=10,
    )
    assert {(e.source, e.target) for e in edges} == {("a", "b"), ("b", "a")}
    assert edge(edges, "a", "b").wins == 1.0
