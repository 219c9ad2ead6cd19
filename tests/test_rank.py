"""The rank formula (services/rank_model.py) on plain data: values, weights, missing signals, rounding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from graphdb.config import ConfigError, load_settings
from graphdb.vocabulary import DEFAULT_RANK_WEIGHTS, RANK_SIGNALS, normalise_weights, parse_weights
from services.rank_model import (
    ArtifactInputs,
    Centrality,
    HeadToHeadGroup,
    co_match_centrality,
    compute_rank,
    compute_ranks,
    signal_number,
)

# The weights are the implementation's tuning: the tests read them (W) and check what the formula does
# with them, never a copy of their values.
W = DEFAULT_RANK_WEIGHTS


def artifact(slug: str = "a", **values) -> ArtifactInputs:
    base = dict(name=slug.upper(), published_rank=60, adoption=1, quality=0, ecosystem=1, match_graph=0)
    return ArtifactInputs(slug=slug, **{**base, **values})


def contributions(result) -> dict:
    return {c.signal: c for c in result.contributions}


def hundredths(result) -> tuple[int, int]:
    return sum(round(c.contribution * 100) for c in result.contributions), round(result.rank * 100)


def group(strength: float, games: float = 10, metric: str = "throughput") -> HeadToHeadGroup:
    return HeadToHeadGroup("image-classification", "cpu", metric, strength, games, games / 2, 1)


def test_default_weights_sum_to_one_over_every_signal():
    assert set(DEFAULT_RANK_WEIGHTS) == set(RANK_SIGNALS)
    assert sum(DEFAULT_RANK_WEIGHTS.values()) == pytest.approx(1.0)


def test_a_fully_known_artifact_by_hand():
    # published 60 -> 0.6; cells 1, 0, 1, 0; no head-to-head, no checked claims -> 0.5 each;
    # 10 search matches -> 10 / (10 + 10) = 0.5; never co-matched -> 0.
    values = {
        "publishedRank": 0.6,
        "adoption": 1,
        "quality": 0,
        "ecosystem": 1,
        "matchGraph": 0,
        "headToHead": 0.5,
        "coMatchCentrality": 0,
        "searchDemand": 0.5,
        "claims": 0.5,
    }
    assert set(values) == set(RANK_SIGNALS)
    result = compute_rank(artifact(search_matches=10), None)
    assert result.rank == pytest.approx(100 * sum(W[s] * v for s, v in values.items()), abs=0.01)
    by_signal = contributions(result)
    assert {s: c.value for s, c in by_signal.items()} == pytest.approx(values)
    assert by_signal["publishedRank"].contribution == pytest.approx(100 * W["publishedRank"] * 0.6, abs=0.01)
    assert by_signal["headToHead"].value == 0.5 and "neutral prior" in by_signal["headToHead"].detail
    assert by_signal["claims"].value == 0.5 and "neutral prior" in by_signal["claims"].detail
    assert by_signal["coMatchCentrality"].value == 0.0
    assert result.published_rank == 60


def test_a_refuted_claim_lowers_and_a_verified_one_raises_the_rank():
    plain = compute_rank(artifact(), None).rank
    refuted = compute_rank(artifact(refuted_claims=1), None).rank
    verified = compute_rank(artifact(verified_claims=1), None).rank
    assert refuted < plain < verified
    # also for an artifact whose other signals are all low (a refutation never helps)
    low = dict(published_rank=5, adoption=0, ecosystem=0)
    assert compute_rank(artifact(refuted_claims=1, **low), None).rank < compute_rank(artifact(**low), None).rank


def test_stronger_head_to_head_ranks_higher():
    weak = compute_rank(artifact(head_to_head=(group(-1.5),)), None).rank
    none = compute_rank(artifact(), None).rank
    even = compute_rank(artifact(head_to_head=(group(0.0),)), None).rank
    strong = compute_rank(artifact(head_to_head=(group(2.0),)), None).rank
    assert weak < none == even < strong


def test_head_to_head_groups_are_weighted_by_games():
    result = compute_rank(artifact(head_to_head=(group(2.0, games=30), group(-2.0, games=10, metric="top1"))), None)
    logistic = lambda s: 1 / (1 + np.exp(-s))
    assert contributions(result)["headToHead"].value == pytest.approx(
        (30 * logistic(2) + 10 * logistic(-2)) / 40, abs=1e-4
    )


def test_a_missing_published_value_spreads_its_weight_over_the_present_signals():
    result = compute_rank(artifact(published_rank=None, quality=None), None)
    by_signal = contributions(result)
    assert by_signal["publishedRank"].value is None and by_signal["publishedRank"].weight == 0
    assert by_signal["publishedRank"].contribution == 0 and "spread" in by_signal["publishedRank"].detail
    assert by_signal["quality"].weight == 0
    present = 1 - W["publishedRank"] - W["quality"]
    assert by_signal["adoption"].weight == pytest.approx(W["adoption"] / present, abs=1e-4)
    assert sum(c.weight for c in result.contributions) == pytest.approx(1.0, abs=1e-3)
    # adoption 1, ecosystem 1, matchGraph 0, head-to-head 0.5, claims 0.5, no demand, no co-matches
    expected = 100 * (W["adoption"] + W["ecosystem"] + W["headToHead"] * 0.5 + W["claims"] * 0.5) / present
    assert result.rank == pytest.approx(expected, abs=0.01)
    assert result.published_rank is None


def test_nothing_present_and_nothing_weighted_gives_zero():
    weights = {"publishedRank": 1.0}
    result = compute_rank(artifact(published_rank=None), None, weights)
    assert result.rank == 0 and all(c.contribution == 0 for c in result.contributions)


def test_search_demand_and_co_matches_raise_the_rank():
    base = compute_rank(artifact(), None).rank
    searched = compute_rank(artifact(search_matches=5), None).rank
    more = compute_rank(artifact(search_matches=50), None).rank
    central = compute_rank(artifact(), Centrality(1.0, 0.3, 4, 9)).rank
    assert base < searched < more < base + 100 * W["searchDemand"]  # demand saturates below its weight
    assert central == pytest.approx(base + 100 * W["coMatchCentrality"], abs=0.01)  # the most central: value 1


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    published=st.one_of(st.none(), st.integers(0, 100)),
    cells=st.lists(
        st.one_of(st.none(), st.integers(0, 1), st.sampled_from(["1", "0", "3/4", "yes"])), min_size=4, max_size=4
    ),
    searches=st.integers(0, 10_000),
    verified=st.integers(0, 20),
    refuted=st.integers(0, 20),
    strengths=st.lists(st.floats(-8, 8), max_size=3),
    centrality=st.one_of(st.none(), st.floats(0, 1)),
    weights=st.lists(st.floats(0, 5), min_size=len(RANK_SIGNALS), max_size=len(RANK_SIGNALS)).filter(
        lambda w: sum(w) > 0.01
    ),
)
def test_contributions_always_sum_exactly_to_a_rank_between_0_and_100(
    published, cells, searches, verified, refuted, strengths, centrality, weights
):
    inputs = artifact(
        published_rank=published,
        adoption=cells[0],
        quality=cells[1],
        ecosystem=cells[2],
        match_graph=cells[3],
        search_matches=searches,
        verified_claims=verified,
        refuted_claims=refuted,
        head_to_head=tuple(group(s) for s in strengths),
    )
    result = compute_rank(
        inputs,
        None if centrality is None else Centrality(centrality, 0.1, 1, 1),
        dict(zip(RANK_SIGNALS, weights, strict=True)),
    )
    total, rank = hundredths(result)
    assert total == rank
    assert 0 <= result.rank <= 100
    assert all(c.contribution >= 0 for c in result.contributions)
    unrounded = sum(100 * c.weight * (c.value or 0) for c in result.contributions)
    assert result.rank == pytest.approx(unrounded, abs=0.06)


def test_ranks_are_ordered_and_deterministic():
    artifacts = [artifact("b"), artifact("a"), artifact("c", published_rank=90)]
    first = compute_ranks(artifacts, [("a", "c", 2)])
    again = compute_ranks(list(reversed(artifacts)), [("c", "a", 2)])
    assert first == again
    assert [r.slug for r in first] == ["c", "a", "b"]  # c: highest; a: co-matched, beats b


# -- normalisations ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, number",
    [
        (1, 1.0),
        (0, 0.0),
        ("1", 1.0),
        (" 0 ", 0.0),
        ("47/100", 0.47),
        ("yes", 1.0),
        ("No", 0.0),
        (True, 1.0),
        ("2.5", 2.5),
        (None, None),
        ("n/a", None),
        ("", None),
        (float("nan"), None),
        ("3/0", None),
    ],
)
def test_table_cells_are_parsed_into_numbers(raw, number):
    assert signal_number(raw) == number


def test_pagerank_centrality_favours_the_hub_and_normalises_to_the_top():
    # a star around "hub" plus one pair that is co-matched often
    edges = [("hub", "x", 1), ("hub", "y", 1), ("hub", "z", 1), ("p", "q", 5)]
    centrality = co_match_centrality(edges)
    assert centrality["hub"].value == 1.0
    assert centrality["x"].value == centrality["y"].value < centrality["p"].value
    assert centrality["p"].value == centrality["q"].value
    assert (centrality["hub"].partners, centrality["hub"].co_matches) == (3, 3.0)
    assert "isolated" not in centrality
    assert sum(c.pagerank for c in centrality.values()) == pytest.approx(1.0)


def test_pagerank_matches_the_dense_eigenvector():
    edges = [("a", "b", 3), ("b", "c", 1), ("c", "a", 2), ("c", "d", 4), ("d", "e", 1)]
    centrality = co_match_centrality(edges)
    nodes = sorted(centrality)
    weights = np.zeros((5, 5))
    for a, b, w in edges:
        i, j = nodes.index(a), nodes.index(b)
        weights[i, j] = weights[j, i] = w
    transition = weights / weights.sum(axis=0)  # column j: where j's rank flows
    google = 0.85 * transition + 0.15 / 5
    values, vectors = np.linalg.eig(google)
    stationary = np.real(vectors[:, np.argmax(np.real(values))])
    stationary /= stationary.sum()
    assert [centrality[n].pagerank for n in nodes] == pytest.approx(list(stationary), abs=1e-9)


def test_pagerank_folds_both_directions_and_ignores_self_loops():
    assert co_match_centrality([("a", "a", 3)]) == {}
    one = co_match_centrality([("a", "b", 2), ("b", "a", 1)])
    assert one["a"].co_matches == 3.0 and one["a"].value == one["b"].value == 1.0


# -- weights ------------------------------------------------------------------------------------
def test_weights_from_the_setting_are_merged_and_normalised():
    weights = parse_weights("headToHead=0.65, claims=0")
    assert sum(weights.values()) == pytest.approx(1.0)
    others = sum(w for s, w in W.items() if s not in ("headToHead", "claims"))  # kept from the defaults
    assert weights["headToHead"] == pytest.approx(0.65 / (others + 0.65))
    assert weights["claims"] == 0
    assert weights["adoption"] / weights["quality"] == pytest.approx(W["adoption"] / W["quality"])
    assert parse_weights("") == normalise_weights(DEFAULT_RANK_WEIGHTS)


@pytest.mark.parametrize(
    "raw, message",
    [
        ("speed=1", "unknown rank signal"),
        ("claims=-1", ">= 0"),
        ("claims", "name=weight"),
        ("claims=lots", "not a number"),
    ],
)
def test_bad_weights_are_refused_with_a_reason(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_weights(raw)


def test_bad_weights_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("MATCHGRAPH_RANK_WEIGHTS", "speed=1")
    with pytest.raises(ConfigError, match="MATCHGRAPH_RANK_WEIGHTS: unknown rank signal"):
        load_settings(_env_file=None)
    monkeypatch.setenv("MATCHGRAPH_RANK_WEIGHTS", ",".join(f"{s}=0" for s in RANK_SIGNALS))
    with pytest.raises(ConfigError, match="at least one rank weight"):
        load_settings(_env_file=None)
    monkeypatch.setenv("MATCHGRAPH_RANK_WEIGHTS", "publishedRank=1")  # over the defaults
    others = 1 - W["publishedRank"]
    assert load_settings(_env_file=None).rank_weights["publishedRank"] == pytest.approx(1 / (1 + others))


# -- behaviour under any weights ------------------------------------------------------------------
weights_strategy = st.lists(st.floats(0.01, 5), min_size=len(RANK_SIGNALS), max_size=len(RANK_SIGNALS)).map(
    lambda w: dict(zip(RANK_SIGNALS, w, strict=True))
)


@hypothesis_settings(max_examples=200, deadline=None)
@given(weights=weights_strategy, low=st.integers(0, 99), step=st.integers(1, 100))
def test_a_higher_published_rank_never_ranks_lower(weights, low, step):
    high = min(low + step, 100)
    assert (
        compute_rank(artifact(published_rank=high), None, weights).rank
        >= compute_rank(artifact(published_rank=low), None, weights).rank
    )


@hypothesis_settings(max_examples=200, deadline=None)
@given(weights=weights_strategy, verified=st.integers(0, 10), more=st.integers(1, 10), searches=st.integers(0, 500))
def test_more_evidence_never_ranks_lower(weights, verified, more, searches):
    """More verified claims or more search matches: the same or a higher rank, never a lower one."""
    base = compute_rank(artifact(verified_claims=verified, search_matches=searches), None, weights).rank
    assert compute_rank(artifact(verified_claims=verified + more, search_matches=searches), None, weights).rank >= base
    assert compute_rank(artifact(verified_claims=verified, search_matches=searches + more), None, weights).rank >= base


@hypothesis_settings(max_examples=200, deadline=None)
@given(weights=weights_strategy, signal=st.sampled_from(sorted(RANK_SIGNALS)), factor=st.floats(1.5, 10))
def test_weighting_a_signal_more_moves_the_rank_towards_its_value(weights, signal, factor):
    """Raising one signal's weight pulls the rank towards 100 x that signal's value: up when the
    signal is above the current rank, down when below."""
    inputs = artifact(search_matches=30, verified_claims=2, head_to_head=(group(1.0),))
    before = compute_rank(inputs, Centrality(0.4, 0.1, 2, 3), weights)
    value = next(c.value for c in before.contributions if c.signal == signal)
    after = compute_rank(inputs, Centrality(0.4, 0.1, 2, 3), {**weights, signal: weights[signal] * factor})
    target = 100 * value
    if target > before.rank + 0.05:
        assert after.rank >= before.rank - 0.01
    elif target < before.rank - 0.05:
        assert after.rank <= before.rank + 0.01
    assert abs(after.rank - target) <= abs(before.rank - target) + 0.01
