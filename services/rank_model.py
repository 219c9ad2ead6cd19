"""The computed rank: a 0..100 score per described artifact from documented signals (issue 6, item 6).

Pure Python over plain data: `graphdb.repository.rank` reads the inputs from the graph and
writes the results; `matchgraph rank` (graph_service/commands/rank.py) runs both. The formula is
documented in docs/rank.md:

    computedRank = 100 × Σ_s w'_s × v_s

- every signal value v_s is normalised to 0..1 (see `RANK_SIGNALS` in graphdb/vocabulary.py for each one's normalisation);
- w_s are the weights (`DEFAULT_RANK_WEIGHTS`, or MATCHGRAPH_RANK_WEIGHTS), normalised to sum to 1;
- a *published* signal the artifact lacks (no UnfragileRank or table cell on any page) is left
  out and its weight spread over the present signals in proportion: w'_s = w_s / Σ_present w;
- an *evidence* signal with no evidence takes a neutral prior of 0.5 (head-to-head without games,
  claims without a verified or refuted one), so that evidence moves the rank in its own direction
  only: a refuted claim always lowers a rank, a won head-to-head always raises it;
- *activity* signals (co-match centrality, search demand) are 0 when there is no activity;
- each contribution 100 × w'_s × v_s is rounded once, to 0.01, by the largest-remainder method,
  and the rank is the sum of the rounded contributions (so an explanation adds up exactly).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from graphdb.repository.rank import ArtifactInputs, HeadToHeadGroup
from graphdb.vocabulary import (
    DEFAULT_RANK_WEIGHTS,
    RANK_SIGNALS,
    normalise_weights,
)

NEUTRAL = 0.5
SEARCH_HALF_SATURATION = 10  # search matches at which the demand signal reaches 0.5
PAGERANK_DAMPING = 0.85

TABLE_CELLS = {"adoption": "Adoption", "quality": "Quality", "ecosystem": "Ecosystem", "matchGraph": "Match Graph"}


# ------------------------------------------------------------------------------- inputs ---
@dataclass(frozen=True)
class Centrality:
    value: float  # 0..1, PageRank over the highest PageRank
    pagerank: float
    partners: int
    co_matches: float


@dataclass(frozen=True)
class Contribution:
    signal: str
    value: float | None  # normalised 0..1; None when the signal is missing
    weight: float  # effective weight (0 when missing)
    contribution: float  # rank points
    detail: str

    def as_json(self) -> dict:
        return {
            "signal": self.signal,
            "value": self.value,
            "weight": self.weight,
            "contribution": self.contribution,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class RankResult:
    slug: str
    name: str
    published_rank: int | None
    rank: float
    contributions: tuple[Contribution, ...] = field(default=())

    def as_row(self) -> dict:
        """What RankStore.write_ranks stores: the rank and its explanation as JSON."""
        return {
            "slug": self.slug,
            "rank": self.rank,
            "signals": json.dumps([c.as_json() for c in self.contributions], ensure_ascii=False),
        }

    def as_json(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.name,
            "rank": self.published_rank,
            "computedRank": self.rank,
            "contributions": [c.as_json() for c in self.contributions],
        }


# ------------------------------------------------------------------------ normalisations ---
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?")
_WORDS = {"yes": 1.0, "true": 1.0, "no": 0.0, "false": 0.0}


def signal_number(value) -> float | None:
    """A table cell as a number: 1 -> 1.0, "1" -> 1.0, "47/100" -> 0.47, "yes" -> 1.0; else None."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().lower()
    if text in _WORDS:
        return _WORDS[text]
    match = _NUMBER.match(text)
    if not match:
        return None
    number = float(match.group(1))
    if match.group(2):
        denominator = float(match.group(2))
        return number / denominator if denominator else None
    return number


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _logistic(strength: float) -> float:
    return 1.0 / (1.0 + math.exp(-strength))


def co_match_centrality(
    edges: Iterable[tuple[str, str, float]],
    damping: float = PAGERANK_DAMPING,
    tolerance: float = 1e-12,
    max_iterations: int = 500,
) -> dict[str, Centrality]:
    """Weighted PageRank over the undirected co-match graph, normalised by its highest value.

    ``edges`` are (slug, slug, count). Only artifacts with an edge appear; the others score 0.
    """
    weights: dict[tuple[str, str], float] = {}
    for a, b, count in edges:
        if a == b:
            continue
        key = (a, b) if a < b else (b, a)
        weights[key] = weights.get(key, 0.0) + (float(count) if count is not None and count > 0 else 1.0)
    if not weights:
        return {}
    nodes = sorted({slug for pair in weights for slug in pair})
    index = {slug: i for i, slug in enumerate(nodes)}
    rows = np.array([index[a] for a, _ in weights] + [index[b] for _, b in weights])
    columns = np.array([index[b] for _, b in weights] + [index[a] for a, _ in weights])
    values = np.array(list(weights.values()) * 2)
    degree = np.bincount(rows, weights=values, minlength=len(nodes))
    partners = np.bincount(rows, minlength=len(nodes))
    rank = np.full(len(nodes), 1.0 / len(nodes))
    for _ in range(max_iterations):
        # rank'[i] = (1 - d) / n + d * sum_j w_ij / degree_j * rank[j]   (every node has degree > 0)
        spread = np.bincount(rows, weights=values * (rank[columns] / degree[columns]), minlength=len(nodes))
        updated = (1 - damping) / len(nodes) + damping * spread
        done = np.abs(updated - rank).sum() < tolerance
        rank = updated
        if done:
            break
    top = rank.max()
    return {
        slug: Centrality(float(rank[i] / top), float(rank[i]), int(partners[i]), float(degree[i]))
        for slug, i in index.items()
    }


def _head_to_head_value(groups: tuple[HeadToHeadGroup, ...]) -> tuple[float, str]:
    played = [g for g in groups if g.games > 0]
    if not played:
        return NEUTRAL, "no head-to-head results: neutral prior 0.5"
    total = sum(g.games for g in played)
    value = sum(g.games * _logistic(g.strength) for g in played) / total
    parts = [
        f"{g.metric} ({g.task}, {g.device}): strength {g.strength:+.2f}, won {g.wins:g} of {g.games:g} games "
        f"against {g.opponents} opponent(s)"
        for g in sorted(played, key=lambda g: (g.task, g.device, g.metric))
    ]
    return value, "; ".join(parts)


def signal_values(artifact: ArtifactInputs, centrality: Centrality | None) -> dict[str, tuple[float | None, str]]:
    """Each signal's normalised value (None when a published value is missing) and a detail line."""
    values: dict[str, tuple[float | None, str]] = {}
    published = signal_number(artifact.published_rank)
    values["publishedRank"] = (
        (_clip(published / 100), f"published UnfragileRank {published:g}/100")
        if published is not None
        else (None, "no published UnfragileRank")
    )
    for signal, cell in TABLE_CELLS.items():
        raw = getattr(artifact, "match_graph" if signal == "matchGraph" else signal)
        number = signal_number(raw)
        values[signal] = (
            (_clip(number), f"published {cell} cell {number:g}")
            if number is not None
            else (None, f"no published {cell} cell")
        )
    values["headToHead"] = _head_to_head_value(artifact.head_to_head)
    if centrality is None:
        values["coMatchCentrality"] = (0.0, "never returned together with another artifact by a search")
    else:
        values["coMatchCentrality"] = (
            centrality.value,
            f"co-matched with {centrality.partners} artifact(s), {centrality.co_matches:g} co-match(es); "
            f"PageRank {centrality.pagerank:.4g} = {centrality.value:.2%} of the highest",
        )
    matches = max(0.0, signal_number(artifact.search_matches) or 0.0)
    values["searchDemand"] = (
        matches / (matches + SEARCH_HALF_SATURATION),
        f"{matches:g} search match(es); half-saturation at {SEARCH_HALF_SATURATION}",
    )
    verified, refuted = artifact.verified_claims, artifact.refuted_claims
    values["claims"] = (
        (verified + 1) / (verified + refuted + 2),
        f"{verified} verified, {refuted} refuted claim(s): (verified + 1) / (verified + refuted + 2)"
        if verified or refuted
        else "no verified or refuted claims: neutral prior 0.5",
    )
    return values


def _largest_remainder(exact: list[float]) -> list[int]:
    """Rounds each value to an integer so that the integers sum to round(sum(exact))."""
    floors = [math.floor(x) for x in exact]
    missing = round(sum(exact)) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: max(0, missing)]:
        floors[i] += 1
    return floors


def compute_rank(
    artifact: ArtifactInputs, centrality: Centrality | None, weights: Mapping[str, float] = DEFAULT_RANK_WEIGHTS
) -> RankResult:
    """One artifact's computed rank with its contributions (which sum to it exactly)."""
    return _compute_rank(artifact, centrality, normalise_weights(weights))


def _compute_rank(artifact: ArtifactInputs, centrality: Centrality | None, weights: dict[str, float]) -> RankResult:
    values = signal_values(artifact, centrality)
    present = sum(weights[s] for s, (v, _) in values.items() if v is not None)
    effective = {s: (weights[s] / present if v is not None and present > 0 else 0.0) for s, (v, _) in values.items()}
    signals = list(RANK_SIGNALS)
    # Contributions in hundredths of a rank point, rounded once.
    hundredths = _largest_remainder([10_000 * effective[s] * (values[s][0] or 0.0) for s in signals])
    contributions = []
    for signal, share in zip(signals, hundredths):
        value, detail = values[signal]
        if value is None and weights[signal] > 0:
            detail += f": its weight {weights[signal]:.3g} is spread over the present signals"
        contributions.append(
            Contribution(
                signal, None if value is None else round(value, 4), round(effective[signal], 4), share / 100, detail
            )
        )
    published = signal_number(artifact.published_rank)
    return RankResult(
        artifact.slug,
        artifact.name,
        None if published is None else int(published),
        sum(hundredths) / 100,
        tuple(contributions),
    )


def compute_ranks(
    artifacts: Iterable[ArtifactInputs],
    co_matches: Iterable[tuple[str, str, float]],
    weights: Mapping[str, float] = DEFAULT_RANK_WEIGHTS,
) -> list[RankResult]:
    """Every artifact's rank, best first (ties by slug). Deterministic for the same inputs."""
    centrality = co_match_centrality(co_matches)
    weights = normalise_weights(weights)
    results = [_compute_rank(a, centrality.get(a.slug), weights) for a in artifacts]
    return sorted(results, key=lambda r: (-r.rank, r.slug))
