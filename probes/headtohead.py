"""Head-to-head edges: Bradley–Terry strengths from probe results (issue 6, item 5).

Pure functions over plain data; the Cypher that reads probes and writes the edges lives in
`graphdb.repository.rank`.

The method (docs/rank.md):

- **Runs.** An `ok`, not scaled-down probe gives one artifact runs of one metric under one
  condition: an `architecture` probe gives `throughput` runs per batch size (`samplesJson`, one
  value per repeat; the median `throughput` when there are no samples); a `classification_top1`
  probe one `top1` run; a `prompt_adherence` probe one `adherence` run. Several probes of the same
  artifact pool their runs. Scaled-down probes measured a smaller model than the artifact, so they
  play no games. A quality run's condition is its `dataset`: accuracies on different data are not
  compared.
- **Groups.** A group is (task, device, metric): speed and quality are different games.
- **Games.** Two artifacts of a group play when they share a capability class (a common
  `Capability.uri` other than `capability://unclassified`). For every condition both measured
  (throughput: every batch size both ran; quality: the same dataset), every pair of their runs is
  a game; the higher value wins, a tie is half a win each.
- **Strengths.** Bradley–Terry, P(i beats j) = p_i / (p_i + p_j), fitted per group by maximum
  likelihood (Newton's method). Each player also plays `PRIOR_GAMES` virtual games against a
  fixed reference player of strength 1, winning half: this keeps an unbeaten player's strength
  finite and anchors the scale. `strength` = ln p (0 = the reference).
- **Confidence.** Bootstrap over repeated runs: each artifact's runs are resampled with
  replacement (per condition), the games replayed and the model refitted, `resamples` times with
  a seeded generator; ciLow / ciHigh are the 2.5 / 97.5 percentiles of P(i beats j).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

from graphdb.vocabulary import UNCLASSIFIED_URI

PRIOR_GAMES = 1.0  # virtual games each player plays against the reference player (half won)
DEFAULT_RESAMPLES = 200
CONFIDENCE = 0.95
FIT_TOLERANCE = 1e-10
MAX_NEWTON_ITERATIONS = 100

# Probe kind -> (metric, how its runs are read). Higher is better for every metric here.
METRIC_OF_KIND = {"architecture": "throughput", "classification_top1": "top1", "prompt_adherence": "adherence"}
SCALAR = ""  # the one condition of a metric without conditions (top1, adherence)


@dataclass(frozen=True, order=True)
class GroupKey:
    task: str
    device: str
    metric: str


@dataclass(frozen=True)
class HeadToHeadEdge:
    """One ordered pair's result: the source's view of its games against the target."""

    source: str
    target: str
    task: str
    device: str
    metric: str
    games: float
    wins: float  # ties count half
    strength: float  # the source's ln p in this group (0 = the reference player)
    probability: float  # P(source beats target) under the fitted model
    ci_low: float
    ci_high: float

    def as_row(self) -> dict:
        return {
            "source": self.source,
            "target": self.target,
            "task": self.task,
            "device": self.device,
            "metric": self.metric,
            "games": self.games,
            "wins": self.wins,
            "strength": self.strength,
            "probability": self.probability,
            "ciLow": self.ci_low,
            "ciHigh": self.ci_high,
        }


# Runs: {artifact slug: {condition: (value of each run, …)}} for one group.
Runs = dict[str, dict[str, tuple[float, ...]]]


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _throughput_runs(probe: Mapping) -> dict[str, list[float]]:
    """{batch size: [items/s of each repeat]} from samplesJson, else the per-batch medians."""
    runs: dict[str, list[float]] = {}
    raw = probe.get("samplesJson")
    samples = None
    if raw:
        try:
            samples = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            samples = None
    if isinstance(samples, dict) and samples:
        for batch, values in samples.items():
            values = values if isinstance(values, list) else [values]
            kept = [v for v in (_finite(x) for x in values) if v is not None]
            if kept:
                runs[str(batch).strip()] = kept
        if runs:
            return runs
    for batch, value in zip(probe.get("batchSizes") or [], probe.get("throughput") or []):
        number = _finite(value)
        if number is not None:
            runs.setdefault(str(batch), []).append(number)
    return runs


def runs_from_probes(probes: Iterable[Mapping]) -> dict[GroupKey, Runs]:
    """Groups probe results into runs per (task, device, metric) and artifact.

    Each probe is a dict with the graph's Probe properties plus `artifact` (the slug it MEASURED).
    Probes that are not `ok`, are scaled down, or have an unknown kind give no runs.
    """
    collected: dict[GroupKey, dict[str, dict[str, list[float]]]] = {}
    for probe in probes:
        metric = METRIC_OF_KIND.get(probe.get("kind") or "")
        if metric is None or probe.get("status") != "ok" or probe.get("scaledDown"):
            continue
        task, device, slug = probe.get("task"), probe.get("device"), probe.get("artifact")
        if not task or not device or not slug:
            continue
        if metric == "throughput":
            found = _throughput_runs(probe)
        else:  # quality is only comparable on the same data: the dataset is the condition
            value = _finite(probe.get(metric))
            found = {str(probe.get("dataset") or SCALAR): [value]} if value is not None else {}
        if not found:
            continue
        artifact_runs = collected.setdefault(GroupKey(task, device, metric), {}).setdefault(slug, {})
        for condition, values in found.items():
            artifact_runs.setdefault(condition, []).extend(values)
    return {
        key: {slug: {c: tuple(v) for c, v in conditions.items()} for slug, conditions in artifacts.items()}
        for key, artifacts in collected.items()
    }


def sharing_pairs(slugs: Iterable[str], classes: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
    """Pairs (a < b) of artifacts that share a capability class other than unclassified."""
    known = {s: frozenset(u for u in classes.get(s, ()) if u and u != UNCLASSIFIED_URI) for s in slugs}
    ordered = sorted(known)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :] if known[a] & known[b]]


def games_between(runs_a: Mapping[str, Iterable[float]], runs_b: Mapping[str, Iterable[float]]) -> tuple[float, float]:
    """(wins of a, games) over every condition both measured: each pair of runs is a game."""
    wins = games = 0.0
    for condition in sorted(set(runs_a) & set(runs_b)):
        a = np.asarray(list(runs_a[condition]), dtype=float)
        b = np.asarray(list(runs_b[condition]), dtype=float)
        if not a.size or not b.size:
            continue
        difference = a[:, None] - b[None, :]
        wins += float((difference > 0).sum() + 0.5 * (difference == 0).sum())
        games += float(a.size * b.size)
    return wins, games


def _penalised_log_likelihood(theta: np.ndarray, wins: np.ndarray, prior_games: float) -> float:
    difference = theta[:, None] - theta[None, :]
    # sum over ordered pairs of w_ij * ln P(i beats j); P = 1 / (1 + e^(theta_j - theta_i))
    pairs = -(wins * np.logaddexp(0.0, -difference)).sum()
    prior = (prior_games / 2 * theta - prior_games * np.logaddexp(0.0, theta)).sum()
    return float(pairs + prior)


def fit_bradley_terry(wins: np.ndarray, prior_games: float = PRIOR_GAMES) -> np.ndarray:
    """Bradley–Terry strengths theta = ln p for a wins matrix (wins[i, j]: games i won against j).

    Maximises the log-likelihood plus `prior_games` virtual games per player against a reference
    player of strength 1 (theta 0), half of them won. The penalised likelihood is strictly concave,
    so Newton's method with step halving finds the unique maximum in a few iterations; every
    strength is finite, even for a player that never lost. With prior_games = 0 it is the plain
    maximum-likelihood fit (shift-invariant: returned with mean 0; it needs every player to have
    won and lost something).
    """
    wins = np.asarray(wins, dtype=float)
    players = len(wins)
    theta = np.zeros(players)
    if not players:
        return theta
    games = wins + wins.T
    won = wins.sum(axis=1) + prior_games / 2
    objective = _penalised_log_likelihood(theta, wins, prior_games)
    for _ in range(MAX_NEWTON_ITERATIONS):
        beats = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))  # P(i beats j)
        reference = 1.0 / (1.0 + np.exp(-theta))  # P(i beats the reference player)
        gradient = won - (games * beats).sum(axis=1) - prior_games * reference
        curvature = games * beats * beats.T
        hessian = curvature - np.diag(curvature.sum(axis=1) + prior_games * reference * (1 - reference))
        if prior_games == 0:
            hessian -= 1.0 / players  # pins the free shift (sum of strengths) without changing the optimum
        step = np.linalg.solve(hessian, -gradient)
        scale = 1.0
        while True:
            candidate = theta + scale * step
            value = _penalised_log_likelihood(candidate, wins, prior_games)
            if value >= objective - 1e-12 or scale < 1e-8:
                break
            scale /= 2
        theta, objective = candidate, value
        if np.max(np.abs(scale * step)) < FIT_TOLERANCE:
            break
    if prior_games == 0:
        theta -= theta.mean()
    return theta


def win_probability(strength_a: float, strength_b: float) -> float:
    """P(a beats b) = p_a / (p_a + p_b), from ln-strengths."""
    return 1.0 / (1.0 + math.exp(strength_b - strength_a))


@dataclass(frozen=True)
class _Table:
    """One group's runs as arrays: per condition, a (players × most runs) matrix padded with NaN."""

    values: tuple[np.ndarray, ...]
    counts: tuple[np.ndarray, ...]  # per condition: each player's number of runs (0 when not measured)


def _tabulate(runs: Runs, players: list[str]) -> _Table:
    conditions = sorted({c for slug in players for c in runs[slug]})
    values, counts = [], []
    for condition in conditions:
        lengths = np.array([len(runs[slug].get(condition, ())) for slug in players])
        matrix = np.full((len(players), max(1, lengths.max())), np.nan)
        for i, slug in enumerate(players):
            matrix[i, : lengths[i]] = runs[slug].get(condition, ())
        values.append(matrix)
        counts.append(lengths)
    return _Table(tuple(values), tuple(counts))


def _wins(values: tuple[np.ndarray, ...], shared: np.ndarray) -> np.ndarray:
    """wins[i, j] over every condition and pair of runs (a NaN pad compares as neither win nor tie)."""
    wins = np.zeros(shared.shape)
    for matrix in values:
        mine, theirs = matrix[:, None, :, None], matrix[None, :, None, :]
        wins += (mine > theirs).sum(axis=(2, 3)) + 0.5 * (mine == theirs).sum(axis=(2, 3))
    return wins * shared


def _resample(table: _Table, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Each player's runs drawn with replacement, per condition (as many as it has)."""
    drawn = []
    for matrix, lengths in zip(table.values, table.counts):
        picks = (rng.random(matrix.shape) * np.maximum(lengths, 1)[:, None]).astype(int)
        resampled = np.take_along_axis(matrix, picks, axis=1)
        resampled[np.arange(matrix.shape[1])[None, :] >= lengths[:, None]] = np.nan
        drawn.append(resampled)
    return tuple(drawn)


def group_seed(seed: int, key: GroupKey) -> list[int]:
    """A generator seed for one group: the same group gets the same draws whatever else is in the graph."""
    return [seed, zlib.crc32(f"{key.task}\x00{key.device}\x00{key.metric}".encode())]


def head_to_head_group(
    key: GroupKey,
    runs: Runs,
    classes: Mapping[str, Iterable[str]],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    prior_games: float = PRIOR_GAMES,
) -> list[HeadToHeadEdge]:
    """Both directed edges of every pair of the group that played at least one game."""
    with _one_blas_thread():
        return _head_to_head_group(key, runs, classes, resamples, seed, prior_games)


def _one_blas_thread():
    """Many small solves: BLAS threads only contend (far slower on a busy machine with few cores)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _head_to_head_group(
    key: GroupKey, runs: Runs, classes: Mapping[str, Iterable[str]], resamples: int, seed: int, prior_games: float
) -> list[HeadToHeadEdge]:
    candidate_pairs = sharing_pairs(runs, classes)
    players = sorted({slug for pair in candidate_pairs for slug in pair})
    index = {slug: i for i, slug in enumerate(players)}
    shared = np.zeros((len(players), len(players)))
    for a, b in candidate_pairs:
        shared[index[a], index[b]] = shared[index[b], index[a]] = 1.0
    table = _tabulate(runs, players)
    games = sum((np.outer(lengths, lengths) for lengths in table.counts), np.zeros(shared.shape)) * shared
    pairs = [(i, j) for i, j in zip(*np.nonzero(np.triu(games))) if i < j]
    if not pairs:
        return []
    wins = _wins(table.values, shared)
    strengths = fit_bradley_terry(wins, prior_games)

    rng = np.random.default_rng(group_seed(seed, key))
    rows, columns = np.array([i for i, _ in pairs]), np.array([j for _, j in pairs])
    samples = np.empty((resamples, len(pairs)))
    for r in range(resamples):
        resampled = fit_bradley_terry(_wins(_resample(table, rng), shared), prior_games)
        samples[r] = 1.0 / (1.0 + np.exp(resampled[columns] - resampled[rows]))
    tail = (1.0 - CONFIDENCE) / 2 * 100
    lows, highs = np.percentile(samples, [tail, 100 - tail], axis=0) if resamples else (None, None)

    edges: list[HeadToHeadEdge] = []
    for n, (i, j) in enumerate(pairs):
        probability = win_probability(strengths[i], strengths[j])
        low, high = (
            (float(lows[n]), float(highs[n])) if lows is not None and highs is not None else (probability, probability)
        )
        games_played = float(games[i, j])
        edges.append(
            HeadToHeadEdge(
                players[i],
                players[j],
                wins=float(wins[i, j]),
                strength=float(strengths[i]),
                probability=probability,
                ci_low=low,
                ci_high=high,
                task=key.task,
                device=key.device,
                metric=key.metric,
                games=games_played,
            )
        )
        edges.append(
            HeadToHeadEdge(
                players[j],
                players[i],
                wins=float(wins[j, i]),
                strength=float(strengths[j]),
                probability=1.0 - probability,
                ci_low=1.0 - high,
                ci_high=1.0 - low,
                task=key.task,
                device=key.device,
                metric=key.metric,
                games=games_played,
            )
        )
    return edges


def head_to_head(
    probes: Iterable[Mapping], classes: Mapping[str, Iterable[str]], resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> tuple[list[GroupKey], list[HeadToHeadEdge]]:
    """Every group's edges from probe rows; returns (groups that produced edges, edges), in a fixed order."""
    groups: list[GroupKey] = []
    edges: list[HeadToHeadEdge] = []
    for key, runs in sorted(runs_from_probes(probes).items()):
        found = head_to_head_group(key, runs, classes, resamples=resamples, seed=seed)
        if found:
            groups.append(key)
            edges.extend(found)
    return groups, edges
