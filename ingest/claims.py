"""Quantitative claims in capability text: what is claimed, how much, about whom, under what conditions.

``extract_claims(text, subject)`` reads one capability text (a description, a ``Unique:`` line or a
``vs alternatives:`` line) and returns a ``ClaimRecord`` for every number it can name a metric
for. ``extract_capability_claims(subject, description, unique, vs_alternatives)`` reads the three
texts of one capability in order, so that a variant named at the start of the description
("Gemma 2 ships with …") stays the subject of the Unique line too.

Subjects (a wrong subject is worse than a missing claim)
---------------------------------------------------------
Ownership of each number comes from ``ingest.alternatives.analyse_text``: a number in the
parenthesis right after another artifact is that artifact's (``smaller than BERT-Large (340M
params)``); in ``(7B vs 13B parameters)`` the first number is the subject's and the second the
compared artifact's; numbers that cannot be placed, or that describe a dataset (``LAION-5B (5.85B
images)``), yield no claim. Everything else belongs to the *topic*: the given subject, unless a
sentence opens with another model's name ("Gemma 2 ships with 9B parameters"), which then stays
the topic for the rest of the text until a clause speaks of the subject again ("our model", "this
model", "the model"). Another artifact is returned under its canonical name; the subject exactly
as given.

Metrics (``METRICS``: metric -> unit)
-------------------------------------
Counts are absolute (``5.6M parameters`` -> 5_600_000). Ranges fill ``value``..``value_max``;
bounds (``<100ms``, ``up to 2MP``) set ``comparator``. Sizes are in MB (1 GB = 1000 MB),
durations in ms, resolutions in pixels (``512×512`` -> 262_144, ``1 megapixel`` -> 1_000_000).
A number whose metric is not evident from its own words and its clause is skipped: claims are
checked by probes, so guessing is worse than silence.

Qualifiers
----------
``qualifier`` joins, with "; ", the context a verifier needs: dataset (``ImageNet-1k``) and
precision for accuracy claims; device (``per GPU``, ``on ARM processors``), batch (``batch 8``),
precision and baseline (``vs eager mode``) for speed, memory and size claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.alternatives import (
    OWNER_NOBODY,
    OWNER_SUBJECT,
    QuantityInContext,
    TextAnalysis,
    analyse_text,
    canonical_name,
)
from ingest.records import slugify

METRICS = {
    "param_count": "params",
    "top1_accuracy": "%",
    "accuracy_loss": "%",  # accuracy points lost (quantisation, compression)
    "accuracy_gain": "%",  # accuracy points gained over a baseline
    "throughput_speedup": "x",
    "speedup": "x",  # inference made faster, by a factor, without saying how it was measured
    "training_speedup": "x",
    "load_speedup": "x",
    "compression_ratio": "x",
    "training_steps_reduction": "x",
    "data_reduction": "x",  # fewer labelled examples needed, by a factor
    "latency": "ms",
    "latency_reduction": "%",
    "memory_reduction": "%",
    "size_reduction": "%",
    "model_size": "MB",
    "peak_memory": "MB",
    "inference_steps": "steps",
    "training_steps": "steps",
    "resolution": "pixels",
    "patch_size": "pixels",
    "num_patches": "patches",
    "hidden_size": "dims",
    "intermediate_size": "dims",
    "head_dim": "dims",
    "num_layers": "layers",
    "num_attention_heads": "heads",
    "num_classes": "classes",
    "training_images": "images",
    "training_examples": "examples",
}


@dataclass(frozen=True)
class ClaimRecord:
    subject: str  # the artifact the claim is about: the given subject, or another's canonical name
    metric: str  # a key of METRICS
    value: float
    value_max: float | None  # upper end of a range ("3-4x" -> 3, 4)
    unit: str  # METRICS[metric]
    sentence: str  # the clause the number came from
    qualifier: str | None  # device / batch / dataset / precision / baseline context
    comparator: str = "="  # '=', '<', '<=', '>', '>=', '~'
    text: str = ""  # the number as written


# --------------------------------------------------------------------------------------------
# Metric classification
# --------------------------------------------------------------------------------------------

_ACCURACY_LOSS = re.compile(
    r"(?:top-?1\s+)?(?:\S+\s+)?accuracy\s+(?:loss|drop|degradation)|(?:loss|drop|degradation)\b"
)
_ACCURACY_GAIN = re.compile(r"(?:higher|better|more|improved|greater|increase\w*\s+in)\s+(?:\S+\s+)?accuracy")
_ACCURACY = re.compile(r"(?:\S+\s+){0,2}?(?:top-?1\s+)?accuracy\b")
_LOSS_VERB_BEFORE = re.compile(
    r"\b(?:los(?:es|e|ing|s)|drops?|dropping|degrad\w*|sacrific\w*|costs?)\s+(?:only\s+|just\s+)?$"
)
_REDUCTION_AFTER = re.compile(r"(?:reduction|less|fewer|lower|smaller|decrease|savings?)\b")
_REDUCTION_BEFORE = re.compile(r"\b(?:reduc\w*|cut\w*|lower\w*|decreas\w*|sav\w*|shrink\w*)\b[\w\s-]{0,40}?\bby\s*$")
_MEMORY_WORDS = re.compile(r"\b(?:memory|vram|ram|footprint)\b|memory-", re.IGNORECASE)
_LATENCY_WORDS = re.compile(r"\b(?:latency|inference\s+time|response\s+time)\b", re.IGNORECASE)
_SIZE_WORDS = re.compile(r"\b(?:size|storage|disk)\b", re.IGNORECASE)
_PATCH_BEFORE = re.compile(r"patch(?:es|\s+size(?:\s+of)?|[\w-]*\s+tokeni[sz]ation)$")
_BARE_PARAM_CONTEXT = re.compile(r"\bparam(?:eter)?s?\b|parameter", re.IGNORECASE)


_SUBCLAUSE_END = re.compile(r"[;]|\.\s|\s(?:while|whereas|but|enabling|due\s+to|because)\b")


def _windows(analysis: TextAnalysis, q: QuantityInContext) -> tuple[str, str, str]:
    """(before, lead, after): words before the number in its own phrase, the phrase before its
    parenthesis when it sits in one, and the words after it up to the next clause boundary."""
    text = analysis.text
    seg_start, seg_end = analysis.segments[q.segment]

    def phrase_start(position: int) -> int:
        return max(seg_start, *(text.rfind(c, seg_start, position) + 1 for c in ";,()"))

    if q.paren is not None:
        before = text[q.paren[0] + 1 : q.start]
        lead = text[phrase_start(q.paren[0]) : q.paren[0]]
    else:
        before = text[phrase_start(q.start) : q.start]
        lead = ""
    after_end = seg_end
    for q_next in analysis.quantities:
        if q_next.start >= q.end and not (q.group is not None and q_next.group == q.group):
            after_end = min(after_end, q_next.start)
            break
    after = text[q.end : after_end]
    cut = re.search(r",\s|" + _SUBCLAUSE_END.pattern, after)
    if cut:
        after = after[: cut.start()]
    return before, lead, after


def _metric(analysis: TextAnalysis, q: QuantityInContext, windows: tuple[str, str, str]) -> str | None:
    before, lead, after = (w.lower() for w in windows)
    after = after.lstrip(" )")
    unit = q.quantity.unit
    value = q.quantity.value
    clause = analysis.segment_text(q.segment).lower()
    if unit == "params":
        return "param_count" if value >= 1e5 else None
    if unit == "":
        written_billions = bool(re.search(r"\d\s?(?:B|billion)\b", q.quantity.text))
        context = f"{before} {lead} {after[:30]}"
        if value >= 1e5 and (written_billions or _BARE_PARAM_CONTEXT.search(context)):
            return "param_count"
        return None
    if unit == "%":
        return _percent_metric(before, lead, after, clause, q)
    if unit == "x":
        metric = _factor_metric(before, after)
        if metric == "speedup" and (_BATCH.search(after) or _BATCH.search(before)):
            return "throughput_speedup"  # a speed-up measured at a batch size is a throughput gain
        return metric
    if unit == "MB":
        near = f"{before[-25:]} {after[:25]}"
        return "peak_memory" if re.search(r"\b(?:memory|vram|ram)\b", near) else "model_size"
    if unit == "ms":
        return "latency"
    if unit == "pixels":
        if "×" in q.quantity.text or re.search(r"\d\s?x\s?\d", q.quantity.text):
            if re.match(r"\s*(?:pixel\s+)?patch", after) or _PATCH_BEFORE.search((lead if q.paren else before).strip()):
                return "patch_size"
        return "resolution"
    if unit == "steps":
        return "training_steps" if re.search(r"\btrain", f"{before} {after[:20]}") else "inference_steps"
    if unit == "layers":
        return "num_layers"
    if unit == "heads":
        return "num_attention_heads"
    if unit == "dims":
        if re.search(r"\bper\s+head\b", after):
            return "head_dim"
        if re.search(r"\b(?:intermediate|ffn|mlp|feed-forward)\b", f"{before} {lead} {after}") or re.match(
            r"\s*hidden\s+layer", after
        ):
            return "intermediate_size"
        return "hidden_size"
    if unit == "classes":
        if q.quantity.text.endswith("class") or re.search(r"\binto\s+$", before):
            return "num_classes" if value < 1e5 else None
        return None
    if unit == "images":
        if value < 1e4 and re.search(r"fine-tun|train|user-provided|subject|personali", clause):
            return "training_images"
        return None
    if unit == "examples":
        return "training_examples" if value < 1e7 else None
    if unit == "patches":
        return "num_patches"
    return None


def _percent_metric(before: str, lead: str, after: str, clause: str, q: QuantityInContext) -> str | None:
    if _ACCURACY_LOSS.match(after) or (_LOSS_VERB_BEFORE.search(before) and _ACCURACY.match(after)):
        return "accuracy_loss"
    if _ACCURACY_GAIN.match(after):
        return "accuracy_gain"
    if _ACCURACY.match(after):
        return "top1_accuracy"
    if _REDUCTION_AFTER.match(after) or _REDUCTION_BEFORE.search(before):
        context = f"{lead} {before} {after}"
        if _MEMORY_WORDS.search(context):
            return "memory_reduction"
        if _LATENCY_WORDS.search(context):
            return "latency_reduction"
        if _SIZE_WORDS.search(context):
            return "size_reduction"
        return None
    if q.paren is not None:
        lead_words = lead.strip()
        if re.search(r"accuracy\s+(?:loss|drop|degradation)$", lead_words):
            return "accuracy_loss"
        if re.search(r"(?:accuracy|top-?1)$", lead_words):
            return "top1_accuracy"
        # "BERT-Large (71.2%, 340M params)" in a clause about accuracy
        if q.owner >= 0 and "accuracy" in clause and not before.strip(" ,"):
            return "top1_accuracy"
    return None


def _factor_metric(before: str, after: str) -> str | None:
    if re.match(r"(?:larger\s+|bigger\s+)?batch", after):
        return None  # "10x batch size": the input that was scaled, not a result
    if re.match(r"(?:\S+\s+){0,2}?throughput", after) or re.search(r"throughput\s+(?:is|are|of)?\s*$", before):
        return "throughput_speedup"
    if re.match(r"faster\s+to\s+(?:fine-?tune|train)", after) or (
        re.match(r"faster", after) and re.search(r"\b(?:fine-tuning|training)\s+(?:time|speed)\s+(?:is\s+)?$", before)
    ):
        return "training_speedup"
    if re.match(r"faster\s+(?:\w+\s+)?load", after) or re.search(r"\bload(?:ing)?\s+(?:time\s+)?(?:is\s+)?$", before):
        return "load_speedup"
    if re.match(r"fewer\s+(?:\S+\s+)?(?:training\s+)?steps", after):
        return "training_steps_reduction"
    if re.match(r"(?:fewer|less)\s+(?:\S+\s+)?(?:examples|images|samples|data)", after):
        return "data_reduction"
    if re.match(r"(?:smaller|compression|size\s+reduction|reduction\s+in\s+(?:model\s+)?size|lighter)", after):
        return "compression_ratio"
    if re.match(r"(?:faster|quicker|speed-?ups?|acceleration|higher\s+throughput)", after) or re.search(
        r"speed-?ups?\s+(?:of\s+)?$", before
    ):
        return "speedup"
    return None


# --------------------------------------------------------------------------------------------
# Qualifiers
# --------------------------------------------------------------------------------------------

_DEVICE = re.compile(
    r"\b(?:per|on|using)\s+(?:an?\s+|the\s+|a\s+single\s+)?(?:"
    r"(?:mobile|edge|embedded|consumer|low-end|resource-constrained|iOS|Android)\s+devices"
    r"|(?:(?:mobile|edge|consumer|server|desktop|embedded|constrained|low-end|high-end|ARM|NVIDIA|AMD|Apple|"
    r"Intel|Qualcomm|CUDA)\s+){0,2}"
    r"(?:GPUs?|CPUs?|TPUs?|NPUs?|processors?|hardware|phones?|smartphones?|"
    r"[AHLV]\d{2,3}S?|T4|RTX\s?\d{4}\w*|M[1-4](?:\s(?:Pro|Max|Ultra))?))\b"
)
_BATCH = re.compile(
    r"\b(?:batch(?:[ _-]?size)?\s*(?:=|of|:)?\s*(\d+)|(\d+)-(?:image|sample)\s+batch(?:es)?|(\d+)x\s+batch\s+size)",
    re.IGNORECASE,
)
_PRECISION = re.compile(r"\b(INT8|INT4|INT2|FP8|FP16|BF16|FP32|NF4)\b", re.IGNORECASE)
_BASELINE = re.compile(
    r"\b(?:than|compared\s+(?:to|with)|vs\.?|versus|relative\s+to|over)\s+(?P<baseline>[^;,.()]+)", re.IGNORECASE
)
_BASELINE_STOP = re.compile(
    r"\s+(?:due|because|through|via|while|with|on|for|in|at|and|which|enabling|without)\b.*", re.IGNORECASE
)
_PER_UNIT = re.compile(r"\bper\s+(class|subject|image|patch|category)\b", re.IGNORECASE)

_ACCURACY_METRICS = {"top1_accuracy", "accuracy_loss", "accuracy_gain"}
_SPEED_METRICS = {"throughput_speedup", "speedup", "latency", "latency_reduction", "load_speedup"}
_MEMORY_METRICS = {"memory_reduction", "peak_memory", "model_size", "compression_ratio", "size_reduction"}
_TRAINING_METRICS = {"training_speedup", "training_steps_reduction", "data_reduction"}


def _qualifier(analysis: TextAnalysis, q: QuantityInContext, metric: str, windows: tuple[str, str, str]) -> str | None:
    before, lead, after = windows
    own_paren = analysis.text[q.paren[0] : q.paren[1]] if q.paren else ""
    # the rest of the clause, past later numbers: "1.2 s per image at 50 steps on an RTX 4090"
    rest = analysis.text[q.end : analysis.segments[q.segment][1]]
    rest = rest[: clause_end.start()] if (clause_end := _SUBCLAUSE_END.search(rest)) else rest
    parts: list[str] = []

    def first(pattern: re.Pattern, *places: str) -> re.Match | None:
        for place in places:
            m = pattern.search(place)
            if m:
                return m
        return None

    if metric in _ACCURACY_METRICS:
        dataset = _nearest_dataset(analysis, q)
        if dataset:
            parts.append(dataset)
    if metric in _SPEED_METRICS | _MEMORY_METRICS | _TRAINING_METRICS:
        device = first(_DEVICE, after, before, lead, rest)
        if device:
            parts.append(" ".join(device.group().split()))
    if metric in _SPEED_METRICS | _MEMORY_METRICS:
        batch = first(_BATCH, after, before, lead, rest)
        if batch:
            size = next(g for g in batch.groups() if g)
            parts.append(f"{size}x batch size" if batch.group(3) else f"batch {size}")
    if metric in _ACCURACY_METRICS | _SPEED_METRICS | _MEMORY_METRICS:
        precision = first(_PRECISION, own_paren, after, before, lead, rest)
        if precision:
            parts.append(precision.group(1).upper())
    if metric in {"training_examples", "training_images"}:
        per = _PER_UNIT.search(after)
        if per:
            parts.append(f"per {per.group(1).lower()}")
    if metric in _SPEED_METRICS | _MEMORY_METRICS | _TRAINING_METRICS | {"accuracy_gain", "accuracy_loss"}:
        baseline = _baseline(analysis, q, after, lead)
        if baseline:
            parts.append(baseline)
    return "; ".join(parts) or None


def _baseline(analysis: TextAnalysis, q: QuantityInContext, after: str, lead: str) -> str | None:
    """What the number is measured against: "vs eager mode".

    Looked for right after the number (not past a closing parenthesis); for a number in a
    parenthesis, right after that parenthesis ("(1-2% drop) compared to ResNet-50"), else in the
    phrase before it ("thriftier with memory than dense training (35% reduction)").
    """
    places = [after.split(")")[0]]
    if q.paren is not None:
        following = analysis.text[q.paren[1] : q.paren[1] + 80]
        if _BASELINE.match(following.lstrip()):
            places.append(following.lstrip())
        if q.owner == OWNER_SUBJECT:  # another artifact's number: its lead phrase is what names it
            places.append(lead)
    for place in places:
        m = _BASELINE.search(place)
        if m and not re.match(r"[\d<>~≈.]", m["baseline"]):
            words = _BASELINE_STOP.sub("", m["baseline"]).split()[:6]
            if words:
                return "vs " + " ".join(words)
    return None


def _nearest_dataset(analysis: TextAnalysis, q: QuantityInContext) -> str | None:
    """The dataset named closest to the number in its clause, preferring the words after it."""
    seg_start, seg_end = analysis.segments[q.segment]
    datasets = [n.name for n in analysis.names if n.name.kind == "dataset" and seg_start <= n.name.start < seg_end]
    after = [d for d in datasets if d.start >= q.end and d.start - q.end < 40]
    if after:
        return after[0].written
    before = [d for d in datasets if d.end <= q.start and q.start - d.end < 60]
    return before[-1].written if before else None


# --------------------------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------------------------


def _same_artifact(name: str, subject: str) -> bool:
    """Whether ``name`` denotes ``subject``: the same slug, or the family it belongs to."""
    name_slug, subject_slug = slugify(canonical_name(name)), slugify(canonical_name(subject))
    return name_slug == subject_slug or slugify(name) == slugify(subject) or subject_slug.startswith(name_slug + "-")


_SELF_REFERENCE = re.compile(r"\b(?:our|we|this\s+model|the\s+model|the\s+base\s+model)\b", re.IGNORECASE)


def _sentence_topic(analysis: TextAnalysis, segment: int, subject: str) -> str | None:
    """The model a sentence opens with ("Gemma 2 ships with …"), if any."""
    seg_start, _ = analysis.segments[segment]
    if seg_start > 0 and analysis.text[:seg_start].rstrip().endswith(";"):
        return None  # a clause, not a sentence
    for n in analysis.names:
        if n.segment != segment:
            continue
        opening = analysis.text[seg_start : n.name.start]
        if n.name.kind in ("model", "unseen") and re.fullmatch(
            r"\s*(?:(?:the|this|its|our)\s+)?", opening, re.IGNORECASE
        ):
            return subject if _same_artifact(n.name.name, subject) else n.name.name
        return None
    return None


# --------------------------------------------------------------------------------------------
# The extractors
# --------------------------------------------------------------------------------------------


def _extract(text: str, subject: str, topic: str) -> tuple[list[ClaimRecord], str]:
    if not text or not text.strip():
        return [], topic
    analysis = analyse_text(text)
    topics = []
    for segment in range(len(analysis.segments)):
        opener = _sentence_topic(analysis, segment, subject)
        if opener is not None:
            topic = opener
        elif _SELF_REFERENCE.search(analysis.segment_text(segment)):
            topic = subject  # "…; our model has 8B parameters": back to the page's own artifact
        topics.append(topic)

    claims: list[ClaimRecord] = []
    seen: set[tuple] = set()
    group_metrics: dict[int, str] = {}
    for q in analysis.quantities:
        if q.owner == OWNER_NOBODY:
            continue
        windows = _windows(analysis, q)
        metric = _metric(analysis, q, windows)
        if q.group is not None:
            if metric is None:
                metric = group_metrics.get(q.group)
            else:
                group_metrics.setdefault(q.group, metric)
        if metric is None:
            continue
        if q.owner == OWNER_SUBJECT:
            claim_subject = topics[q.segment]
        else:
            other = analysis.names[q.owner].name.name
            claim_subject = subject if _same_artifact(other, subject) else other
        quantity = q.quantity
        value, value_max = quantity.value, quantity.value_max
        if metric == "patch_size":
            # "14×14 patches": the side length; a quantity with no digits at all is no claim.
            side = re.search(r"\d+", quantity.text)
            if side is None:
                continue
            value, value_max = float(side.group()), None
        claim = ClaimRecord(
            subject=claim_subject,
            metric=metric,
            value=value,
            value_max=value_max,
            unit=METRICS[metric],
            sentence=analysis.segment_text(q.segment),
            qualifier=_qualifier(analysis, q, metric, windows),
            comparator=quantity.comparator,
            text=quantity.text,
        )
        if _identity(claim) not in seen:
            seen.add(_identity(claim))
            claims.append(claim)
    return claims, topic


def _identity(claim: ClaimRecord) -> tuple:
    """What makes two claims the same claim, whichever sentence they were read from."""
    return claim.subject, claim.metric, claim.value, claim.value_max, claim.qualifier


def extract_claims(text: str, subject: str) -> list[ClaimRecord]:
    """The quantitative claims in one capability text, in text order, each with its own subject."""
    claims, _ = _extract(text, subject, subject)
    return claims


def extract_capability_claims(
    subject: str, description: str, unique: str | None = None, vs_alternatives: str | None = None
) -> list[ClaimRecord]:
    """The claims of one capability block, reading description, Unique and vs alternatives in order.

    A model named at the start of a description sentence stays the topic of the later texts, so
    "Gemma 2 ships with …" (description) then "… tuned for the 9B scale" (Unique) credits the 9B
    to Gemma 2, not to the page's subject.
    """
    claims: list[ClaimRecord] = []
    seen: set[tuple] = set()
    topic = subject
    for text in (description, unique, vs_alternatives):
        found, topic = _extract(text or "", subject, topic)
        for claim in found:
            if _identity(claim) not in seen:
                seen.add(_identity(claim))
                claims.append(claim)
    return claims
