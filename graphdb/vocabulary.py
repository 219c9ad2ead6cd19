"""The closed sets and constants that several layers share, defined once.

Each is named in the graph, the configuration, the CLI or the GraphQL schema, so a change here is a
change of contract. A closed set is a `StrEnum` (its members compare equal to the strings the graph
holds) with a tuple of its values beside it for the code that only needs the strings; the GraphQL
schema exposes the enums themselves (graph_service/api/types.py wraps each with `strawberry.enum`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Literal, get_args

# The taxonomy class of a capability no class fits (embed/taxonomy.py assigns it).
UNCLASSIFIED_URI = "capability://unclassified"

# Where torch models run (embedders: MATCHGRAPH_DEVICE; probes: MATCHGRAPH_PROBE_DEVICE).
Device = Literal["auto", "cpu", "cuda"]  # the type, for settings and signatures
DEVICE_CHOICES: tuple[Device, ...] = get_args(Device)


class DeviceChoice(StrEnum):
    """`Device` as an enum (the GraphQL schema's `Device`); the same values, checked below."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"


if tuple(DeviceChoice) != DEVICE_CHOICES:  # StrEnum members equal their values
    raise AssertionError("DeviceChoice must list the values of Device")

# Batch sizes a probe may time (CLI, API and MATCHGRAPH_PROBE_BATCH_SIZES).
MIN_BATCH_SIZE = 1
MAX_BATCH_SIZE = 4096


class ProbeKind(StrEnum):
    """What a probe measures (probes/runner.py runs each)."""

    ARCHITECTURE = "architecture"
    CLASSIFICATION_TOP1 = "classification_top1"
    PROMPT_ADHERENCE = "prompt_adherence"


PROBE_KINDS = tuple(member.value for member in ProbeKind)


class ImageKind(StrEnum):
    """What an attached image shows (embed/image_store.py)."""

    LOGO = "logo"
    SAMPLE = "sample"
    PROBE = "probe"


IMAGE_KINDS = tuple(member.value for member in ImageKind)


class ClaimStatus(StrEnum):
    """A claim's verification status (probes/verify.py); a claim no probe judged is unverified."""

    VERIFIED = "verified"
    REFUTED = "refuted"
    UNVERIFIED = "unverified"


CLAIM_STATUSES = tuple(member.value for member in ClaimStatus)


class _Published(StrEnum):
    """A set whose values are table cells as the documents publish them: documents written elsewhere
    may carry others, so `of` reads any text (case and spacing aside) and answers OTHER for the rest."""

    @classmethod
    def of(cls, text: str | None):
        """The member for a published cell; None when there is none, OTHER when it is outside the set."""
        if text is None:
            return None
        wanted = " ".join(text.split()).casefold()
        for member in cls:
            if member.value.casefold() == wanted:
                return member
        return cls("other")


class ArtifactType(_Published):
    """An artifact's `Type` cell (ingest/rows.py stores it as `Artifact.type`)."""

    MODEL = "Model"
    REPOSITORY = "Repository"
    API = "API"
    FRAMEWORK = "Framework"
    PRODUCT = "Product"
    OTHER = "other"  # any other published text; the graph keeps the text itself


ARTIFACT_TYPES = tuple(member.value for member in ArtifactType if member is not ArtifactType.OTHER)


class Pricing(_Published):
    """An artifact's `Pricing` cell (ingest/rows.py stores it as `Artifact.pricing`)."""

    FREE = "Free"
    OPEN_SOURCE = "Open source"
    FREEMIUM = "Freemium"
    PAID = "Paid"
    OTHER = "other"  # any other published text; the graph keeps the text itself


PRICING_VALUES = tuple(member.value for member in Pricing if member is not Pricing.OTHER)


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
