"""The closed sets and constants that several layers share, defined once.

Each is named in the graph, the configuration, the CLI or the GraphQL schema, so a change here is a
change of contract: the GraphQL enums are built from these tuples (graph_service/api/types.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal, get_args

# The taxonomy class of a capability no class fits (embed/taxonomy.py assigns it).
UNCLASSIFIED_URI = "capability://unclassified"

# Where torch models run (embedders: MATCHGRAPH_DEVICE; probes: MATCHGRAPH_PROBE_DEVICE).
Device = Literal["auto", "cpu", "cuda"]  # the type, for settings and signatures
DEVICE_CHOICES: tuple[Device, ...] = get_args(Device)

# Batch sizes a probe may time (CLI, API and MATCHGRAPH_PROBE_BATCH_SIZES).
MIN_BATCH_SIZE = 1
MAX_BATCH_SIZE = 4096

# What a probe measures (probes/runner.py runs each).
PROBE_KINDS = ("architecture", "classification_top1", "prompt_adherence")

# What an attached image shows (embed/image_store.py).
IMAGE_KINDS = ("logo", "sample", "probe")

# A claim's verification status (probes/verify.py).
CLAIM_STATUSES = ("verified", "refuted", "unverified")


def check_batch_sizes(sizes) -> tuple[int, ...]:
    """The sizes as a tuple; ValueError unless every one lies in MIN_BATCH_SIZE..MAX_BATCH_SIZE."""
    sizes = tuple(sizes)
    if not sizes or any(not MIN_BATCH_SIZE <= size <= MAX_BATCH_SIZE for size in sizes):
        raise ValueError(f"batch sizes must be between {MIN_BATCH_SIZE} and {MAX_BATCH_SIZE} (got {list(sizes)})")
    return sizes


# -- the rank's signals and their default weights (services/rank_model.py computes the rank) ------
PUBLISHED, EVIDENCE, ACTIVITY = "published", "evidence", "activity"
RANK_SIGNALS: dict[str, str] = {
    "publishedRank": PUBLISHED,  # latest published UnfragileRank / 100
    "adoption": PUBLISHED,  # the table's Adoption cell (0 or 1 on every page seen), clipped to 0..1
    "quality": PUBLISHED,  # the table's Quality cell
    "ecosystem": PUBLISHED,  # the table's Ecosystem cell
    "matchGraph": PUBLISHED,  # the table's Match Graph cell
    "headToHead": EVIDENCE,  # games-weighted mean over its groups of P(beats the reference player)
    "coMatchCentrality": ACTIVITY,  # weighted PageRank over CO_MATCHED edges / the highest PageRank
    "searchDemand": ACTIVITY,  # searchMatches / (searchMatches + SEARCH_HALF_SATURATION)
    "claims": EVIDENCE,  # (verified + 1) / (verified + refuted + 2)
}
DEFAULT_RANK_WEIGHTS: dict[str, float] = {
    "publishedRank": 0.35,
    "adoption": 0.05,
    "quality": 0.05,
    "ecosystem": 0.05,
    "matchGraph": 0.05,
    "headToHead": 0.15,
    "coMatchCentrality": 0.10,
    "searchDemand": 0.10,
    "claims": 0.10,
}


def normalise_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Every signal's weight (unnamed ones 0), scaled to sum to 1; ValueError when that is impossible."""
    unknown = sorted(set(weights) - set(RANK_SIGNALS))
    if unknown:
        raise ValueError(f"unknown rank signal(s) {', '.join(unknown)}; known: {', '.join(RANK_SIGNALS)}")
    for name, value in weights.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weight of {name} must be a number >= 0 (got {value})")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("at least one rank weight must be above 0")
    return {name: weights.get(name, 0.0) / total for name in RANK_SIGNALS}


def parse_weights(raw: str) -> dict[str, float]:
    """`name=weight,…` (MATCHGRAPH_RANK_WEIGHTS) over the defaults, normalised; empty -> the defaults."""
    weights = dict(DEFAULT_RANK_WEIGHTS)
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        name, separator, value = item.partition("=")
        if not separator:
            raise ValueError(f"expected name=weight, got {item!r}")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"weight of {name.strip()} is not a number: {value.strip()!r}") from None
    return normalise_weights(weights)
