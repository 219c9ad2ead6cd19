"""Which artifacts a `vs alternatives:` text names, how it relates to them, and whose numbers are whose.

``extract_alternatives(text)`` returns the concrete artifacts a comparison text is measured
against, in text order, one per slug, each with its canonical name, a normalised relation, the
numbers attached to it, and the clause it came from. ``canonical_name(name)`` maps a known alias
to its canonical spelling and leaves every other name exactly as given. ``analyse_text(text)``
exposes the full reading (every name, every quantity, who owns each quantity) for
``ingest.claims``.

What counts as an artifact
--------------------------
* A name in the curated lexicon (``ingest.artifact_lexicon``) of kind model, tool, library or
  service. Spelling variants (case, spaces, hyphens, dots, middle dots) match automatically.
* An unseen name that *looks* like a released artifact (the pattern rule): one token, hyphens and
  dots allowed, starting with at least two letters, that holds an upper-case letter and a digit
  (``Foo-7B``, ``Qwen2.5-VL``), or is a lower-case checkpoint id of three or more hyphenated
  parts with a digit (``text-embedding-ada-002``, ``llama-2-13b-chat``), or is CamelCase with an
  upper-case or numeric suffix (``BarNet-L``). Precisions (INT8, FP16), hardware (A100, MI300X),
  platforms, units and generic suffixes (``-based``, ``-accuracy``) are stop-listed. Such names
  are kept exactly as written.
* A known model followed by a size is one model: ``Llama 3 70B`` -> "Llama 3 70B".
* Never: datasets (ImageNet-1k), formats (ONNX, safetensors), architectures (ViT, CNN, UNet,
  MMDiT), organisations (Hugging Face, Google), and generic phrases ("cloud APIs",
  "CNN-based models"). A known name glued to a lower-case suffix (``CLIP-based``,
  ``PyTorch-only``) is an adjective, not a mention; so is a framework written as the language of
  hand-made code ("raw PyTorch scripts", "custom JAX loops", "a generic TensorFlow runtime":
  preceded by raw/custom/manual/plain/generic/vanilla/naive).
* Techniques are not artifacts: LoRA, QLoRA, DreamBooth, textual inversion, QAT, knowledge
  distillation, classifier-free guidance. A technique counts only as part of the name of a
  concrete released artifact or repository (``LCM-LoRA``, ``Dreambooth-Stable-Diffusion``).

Which mentions are alternatives
-------------------------------
The text is cut into clauses at ``;`` and sentence ends. A *cue* opens an object zone: a
comparative ``… than``, ``vs``/``compared to`` (not between two numbers), or a verb
(``outperforms``, ``comparable to``, ``unlike``, ``matches or exceeds``). The zone runs to the next
cue, to a reason/consequence word (due to, because, through, via, while, enabling, without,
but, which), to ``, and`` (unless an artifact follows it directly), or to the clause end. Only
artifacts inside a zone are alternatives: in "JAX loading is quicker than TensorFlow loading" JAX
is the subject's side and TensorFlow the alternative. Names inside a parenthesis that explains
rather than lists ("(includes CoreML, ONNX)", "(which is PyTorch-only)", "(no Docker required)")
are ignored, and so is a parenthesis that describes the artifact right before it ("Segment
Anything (ViT-H, 636M params)": ViT-H is its backbone); a parenthesis after a generic phrase
lists alternatives ("leaner than big detectors (YOLOv8, RT-DETR)") and counts.

Relations
---------
The comparative before the cue is normalised to one of ``RELATIONS``; the phrase as written is
kept in ``relation_phrase``. An unrecognised comparative falls back to ``compared to``.

Numbers
-------
A quantity belongs to an artifact when it sits in the parenthesis right after the name
(``YOLOv8 (53.9% mAP)``), right after ``X's`` / ``X, which has``, right before it
(``the 86M-parameter ViT-Base``), or is a percentage right after ``X at`` (a score; other units
after "at" are conditions: "faster than SD 1.5 at 512×512"). In ``A vs B [and C]`` number pairs
the first number is the text's own subject and the others go, in order, to the artifacts of the
last comparison before the pair (or to ``for X``); when the counts do not line up they belong to
nobody. Numbers in a
parenthesis right after a dataset (``ImageNet-21k (14M images)``) belong to nobody. Everything
else is the subject's (``OWNER_SUBJECT``); ``ingest.claims`` decides who the subject is.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from ingest import artifact_lexicon
from ingest.records import normalise_text, slugify

RELATIONS = (
    "outperforms",
    "better than",
    "worse than",
    "comparable to",
    "comparable to or better than",
    "faster than",
    "slower than",
    "lighter than",
    "smaller than",
    "larger than",
    "simpler than",
    "more complex than",
    "more flexible than",
    "more efficient than",
    "less efficient than",
    "more reliable than",
    "cheaper than",
    "more scalable than",
    "more permissive than",
    "more capable than",
    "unlike",
    "instead of",
    "compared to",
)

ARTIFACT_KINDS = frozenset({"model", "tool", "library", "service", "unseen"})

OWNER_SUBJECT = -1  # the quantity is about the text's own subject
OWNER_NOBODY = -2  # ambiguous, or about a dataset: no claim should be made from it


# --------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A number as written, normalised: ``5.3M params`` -> 5_300_000 'params', ``3-4x`` -> 3..4 'x'.

    Units: '%', 'x' (a factor), 'params', 'MB' (all sizes), 'ms' (all durations), 'pixels'
    (W×H and megapixels, as a pixel count), 'dims', 'steps', 'layers', 'heads', 'images',
    'examples', 'classes', 'patches', or '' for a bare count (``86M``, ``2.5B``: scale applied).
    ``comparator`` is one of '=', '<', '<=', '>', '>=', '~'.
    """

    value: float
    value_max: float | None
    unit: str
    comparator: str = "="
    text: str = ""


@dataclass(frozen=True)
class AlternativeMention:
    """One artifact a comparison text measures its subject against."""

    name: str  # canonical display name
    slug: str
    relation: str  # one of RELATIONS
    numbers: tuple[Quantity, ...]
    clause: str  # the clause the mention came from
    relation_phrase: str = ""  # the comparative as written, e.g. "More flexible scheduling options than"
    kind: str = ""  # model, tool, library, service, or unseen (pattern rule)


# --------------------------------------------------------------------------------------------
# The lexicon
# --------------------------------------------------------------------------------------------


class _Entry(NamedTuple):
    canonical: str
    kind: str
    exact: str | None  # for case-sensitive names: the alphanumerics as they must be written


_ALNUM_RUN = re.compile(r"[^\W_]+")


def _key(name: str) -> str:
    """The matching key of a name: its letters and digits, lower-cased (``DALL·E 3`` -> ``dalle3``)."""
    return "".join(_ALNUM_RUN.findall(name)).lower()


def _trie_pattern(phrases, *, every_prefix: bool = False) -> str:
    """A regex matching any of ``phrases`` (or, with ``every_prefix``, any non-empty prefix of one),
    factored as a trie so the engine tests each character once instead of each phrase in turn.
    A space in a phrase matches any run of whitespace."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict, optional: bool) -> str:
        branches = [(r"\s+" if char == " " else re.escape(char)) + pattern(child, True)
                    for char, child in sorted(node.items()) if char]  # fmt: skip
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if optional and (every_prefix or "" in node):
            return f"(?:{body})?"
        return body

    return pattern(trie, False)


def _load_lexicon() -> tuple[dict[str, list[_Entry]], frozenset[str]]:
    tables = {
        "model": artifact_lexicon.MODELS,
        "tool": artifact_lexicon.TOOLS,
        "library": artifact_lexicon.LIBRARIES,
        "service": artifact_lexicon.SERVICES,
        "dataset": artifact_lexicon.DATASETS,
        "format": artifact_lexicon.FORMATS,
        "technique": artifact_lexicon.TECHNIQUES,
        "architecture": artifact_lexicon.ARCHITECTURES,
        "organisation": artifact_lexicon.ORGANISATIONS,
    }
    aliases: dict[str, list[_Entry]] = {}
    for kind, table in tables.items():
        for line in table.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            canonical_part, _, alias_part = line.partition("|")
            names = [canonical_part.strip()] + [a.strip() for a in alias_part.split(",") if a.strip()]
            canonical = names[0].lstrip("=")
            spellings = []
            for name in names:
                spellings.append(name)
                bare = name.lstrip("=")
                if bare.startswith("Stable Diffusion "):
                    spellings.append(("=" if name.startswith("=") else "") + "SD " + bare[len("Stable Diffusion ") :])
            for spelling in spellings:
                exact = None
                if spelling.startswith("="):
                    spelling = spelling[1:]
                    exact = "".join(_ALNUM_RUN.findall(spelling))
                entries = aliases.setdefault(_key(spelling), [])
                entry = _Entry(canonical, kind, exact)
                if entry not in entries:
                    # case-sensitive entries are tried first, so "FlashAttention" (library) wins over
                    # "flash attention" (technique) when written exactly so
                    entries.insert(0, entry) if exact else entries.append(entry)
    prefixes = frozenset(key[:i] for key in aliases for i in range(1, len(key) + 1))
    return aliases, prefixes


_ALIASES, _ALIAS_PREFIXES = _load_lexicon()
# a whole token that could open a name: a prefix of some alias key (run on lower-cased text)
_COMMON_SHORT_WORDS = "a s e g i to on in at no be of or an as by is it if so up do we"  # never open a name
_NAME_START = re.compile(
    r"(?<![^\W_])(?!(?:" + "|".join(_COMMON_SHORT_WORDS.split()) + r")(?![^\W_]))"
    r"(?:" + _trie_pattern(_ALIASES, every_prefix=True) + r")(?![^\W_])"
)


def _lookup(raw: str) -> _Entry | None:
    """The lexicon entry a written name denotes, honouring case-sensitive spellings."""
    entries = _ALIASES.get(_key(raw))
    return _pick_entry(entries, raw) if entries else None


def _pick_entry(entries: list[_Entry], raw: str) -> _Entry | None:
    written = None
    for entry in entries:
        if entry.exact is None:
            return entry
        if written is None:
            written = "".join(_ALNUM_RUN.findall(raw))
        if entry.exact == written:
            return entry
    return None


def canonical_name(name: str) -> str:
    """The canonical spelling of a known artifact alias; any other name comes back as given.

    >>> canonical_name("SDXL"), canonical_name("ResNet50"), canonical_name("mobilevit-small")
    ('Stable Diffusion XL', 'ResNet-50', 'mobilevit-small')
    """
    text = normalise_text(name)
    stripped = re.sub(r"['’]s$", "", text)
    entry = _lookup(stripped)
    if entry is not None:
        return entry.canonical if entry.kind in ARTIFACT_KINDS else text
    family, _, size = stripped.rpartition(" ") if " " in stripped else stripped.rpartition("-")
    family_entry = _lookup(family) if family and re.fullmatch(r"\d+(?:\.\d+)?[Bb]", size) else None
    if family_entry is not None and family_entry.kind == "model":
        return f"{family_entry.canonical} {size.upper()}"  # "llama-3-70b" -> "Llama 3 70B"
    return text


def artifact_kind(name: str) -> str | None:
    """The lexicon kind of a name (model, tool, library, service, dataset, …), or None if unknown."""
    entry = _lookup(normalise_text(name))
    return entry.kind if entry else None


# --------------------------------------------------------------------------------------------
# Finding names in text
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameSpan:
    """A name found in text: a lexicon hit (any kind) or an unseen artifact guessed by pattern."""

    start: int
    end: int
    written: str
    name: str  # canonical name
    kind: str  # lexicon kind, or 'unseen'

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def is_artifact(self) -> bool:
        return self.kind in ARTIFACT_KINDS


_COMPOUND_GLUE = frozenset("-._/")
_MAX_NAME_TOKENS = 7

# a compound token holding an upper-case letter and a digit or hyphen: the only shapes the pattern
# rule can accept, so everything else is skipped before any Python-level check
_COMPOUND_TOKEN = re.compile(
    r"(?<![\w\-./])(?:(?=[\w.\-]*[A-Z])(?=[\w.\-]*[\d-])|(?=[\w.]*-[\w.]*-)(?=[\w.\-]*\d))[^\W_]+(?:[-_.][^\W_]+)*"
)
_CAMEL = re.compile(r"[a-z][A-Z]")
_LEADING_LETTERS = re.compile(r"[A-Za-z]+")
_GENERIC_SUFFIXES = frozenset(
    [
        "based",
        "like",
        "style",
        "only",
        "specific",
        "native",
        "friendly",
        "compatible",
        "free",
        "aware",
        "powered",
        "driven",
        "level",
        "scale",
        "wise",
        "time",
        "class",
        "dim",
        "dimensional",
        "bit",
        "shot",
        "way",
        "step",
        "fold",
        "sized",
        "size",
        "related",
        "enabled",
        "ready",
        "accuracy",
        "error",
        "loss",
        "score",
        "rate",
        "ratio",
        "quantized",
        "precision",
    ]
)
_NOT_AN_ARTIFACT_SHAPE = re.compile(
    r"(?:[A-Z]{1,2}\d+[A-Za-z]?|(?:RTX|GTX|MI|GH|GB|TPUv?|Xeon|EPYC|Ryzen|Snapdragon|Exynos|Jetson|"
    r"Cortex|iOS|iPadOS|macOS|Android|Windows|Ubuntu|Debian|Python|CUDA|cuDNN|ROCm|Java|ES|HTTP|TLS|"
    r"SSL|USB|PCIe|DDR|LPDDR|GDDR|HBM|Wi-?Fi|Figure|Fig|Table|Section|Step|Stage|Phase|Tier|Level|"
    r"Layer|Epoch|Top|Rank|Version|Gen|Type|ISO|IEEE|RFC|ImageNet|LAION|CIFAR)[-_.]?\w*)\Z",
    re.IGNORECASE,
)


def _looks_like_unseen_artifact(token: str) -> bool:
    """The pattern rule for names the lexicon does not know (see the module docstring)."""
    if token.lower() in artifact_lexicon.PATTERN_STOPWORDS or _NOT_AN_ARTIFACT_SHAPE.match(token):
        return False
    parts = re.split(r"[-_./]", token)
    if parts[-1].lower() in _GENERIC_SUFFIXES:
        return False
    leading = _LEADING_LETTERS.match(token)
    has_digit = any(c.isdigit() for c in token)
    has_upper = any(c.isupper() for c in token)
    if has_digit and has_upper and leading and len(leading.group()) >= 2:
        return True
    if has_digit and len(parts) >= 3 and "-" in token and leading and len(leading.group()) >= 2:
        return True  # a checkpoint id: "text-embedding-ada-002", "vit-base-patch16-224"
    return len(parts) > 1 and bool(_CAMEL.search(parts[0])) and (parts[-1][:1].isupper() or parts[-1][:1].isdigit())


def find_names(text: str) -> list[NameSpan]:
    """Every lexicon name (any kind) and every pattern-guessed unseen artifact in ``text``, in order.

    ``text`` should already be normalised (``normalise_text``); offsets refer to it.
    """
    lowered = _lowered(text)
    spans: list[NameSpan] = []
    consumed = 0
    for token in _NAME_START.finditer(lowered):
        if token.start() < consumed:
            continue
        match = _longest_lexicon_match(text, lowered, token)
        if match is not None:
            end, entry = match
            name = entry.canonical
            size = _SIZE_SUFFIX.match(text, end) if entry.kind == "model" else None
            if size:  # "Llama 3 70B": the family and its size are one model
                end, name = size.end(), f"{name} {size.group(1).upper()}"
            spans.append(NameSpan(token.start(), end, text[token.start() : end], name, entry.kind))
            consumed = end

    for found in _COMPOUND_TOKEN.finditer(text):
        word = found.group()
        if not _looks_like_unseen_artifact(word):
            continue
        if not any(found.start() < s.end and s.start < found.end() for s in spans):
            spans.append(NameSpan(found.start(), found.end(), word, word, "unseen"))
    spans.sort(key=lambda s: s.start)
    return spans


_SIZE_SUFFIX = re.compile(r"[ -](\d+(?:\.\d+)?[Bb])(?![\w.])")
_NEXT_NAME_TOKEN = re.compile(r"(?:[ \-_./·]|\s?[&+]\s?| \[)([^\W_]+)")


def _longest_lexicon_match(text: str, lowered: str, first: re.Match) -> tuple[int, _Entry] | None:
    """The longest lexicon name starting at token ``first``, as (end offset, entry), or None."""
    start = first.start()
    if start > 1 and text[start - 1] in _COMPOUND_GLUE and text[start - 2].isalnum():
        return None  # the tail of a compound ("Dreambooth-Stable-Diffusion" seen from "Stable")
    key, end, best = first.group(), first.end(), None
    for _ in range(_MAX_NAME_TOKENS):
        entries = _ALIASES.get(key)
        if entries:
            entry = _pick_entry(entries, text[start:end])
            if entry is not None:
                best = (end, entry)
        following = _NEXT_NAME_TOKEN.match(lowered, end)
        if following is None:
            break
        key += following.group(1)
        if key not in _ALIAS_PREFIXES:
            break
        end = following.end()
    if best is None:
        return None
    end = best[0]
    if end + 1 < len(text) and text[end] in _COMPOUND_GLUE and text[end + 1].isalnum():
        return None  # the name goes on ("ResNet-34" seen as "ResNet", "CLIP-based", "PyTorch-only")
    if end < len(text) and text[end] == "]" and "[" in text[start:end]:
        best = (end + 1, best[1])
    return best


# --------------------------------------------------------------------------------------------
# Quantities
# --------------------------------------------------------------------------------------------

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_SCALE = r"\s?(?:thousand|million|billion|trillion)\b|[kKMBT](?![A-Za-z])"
_QUANTITY = re.compile(
    rf"""
    (?<![\w.\-/])(?P<lo>{_NUMBER})(?P<lo_scale>{_SCALE})?
    (?:\s?(?:-|–|to)\s?(?P<hi>{_NUMBER})(?P<hi_scale>{_SCALE})?)?
    (?P<unit>
        \s?(?P<percent>%)
      | \s?[×x]\s?(?P<height>\d+)(?!\w|\.\d)
      | (?P<factor>[×x])(?![A-Za-z0-9])
      | \s?(?P<size>TB|GB|MB|KB|GiB|MiB)\b
      | \s?(?P<ms>ms|milliseconds?)\b
      | \s?(?P<seconds>seconds?|secs?|s(?=\s+per\b|\s*[.,;)]|\s*\Z))\b
      | \s?(?P<megapixels>megapixels?|MP)\b
      | [\s-]?(?P<params>parameters?|params?)\b
      | (?P<dims>-dim(?:ensional)?\b|\sdimensions?\b)
      | (?P<class_adj>-class)\b
    )?
    """,
    re.VERBOSE,
)
# units written as following words, recognised without being consumed (so "196 16×16 patches"
# still yields the 16×16)
_TRAILING_UNITS = (
    (
        "steps",
        re.compile(r"\s+(?:(?:diffusion|denoising|sampling|inference|training|fine-tuning|optimization)\s+)?steps?\b"),
    ),
    (
        "layers",
        re.compile(
            r"\s+(?:(?:stacked|transformer|encoder|decoder|hidden|attention|self-attention|parallel|convolutional)\s+){0,3}(?:layers|blocks)\b"
        ),
    ),
    ("heads", re.compile(r"\s+(?:(?:parallel|attention|self-attention)\s+){0,2}heads\b")),
    ("images", re.compile(r"\s+(?:[\w-]+\s+)?(?:images|photos|pictures)\b")),
    ("examples", re.compile(r"\s+(?:[\w-]+\s+)?(?:examples|samples)\b")),
    ("classes", re.compile(r"\s+(?:[\w-]+\s+)?(?:classes|categories)\b")),
    ("patches", re.compile(r"\s+(?:non-overlapping\s+)?(?:\d+\s?[×x]\s?\d+\s+)?(?:pixel\s+)?patches\b")),
)
_SCALES = {
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "B": 1e9,
    "T": 1e12,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
}
_SIZES_IN_MB = {"KB": 1e-3, "MB": 1.0, "GB": 1e3, "TB": 1e6, "MiB": 1.048576, "GiB": 1073.741824}
_COMPARATOR_BEFORE = re.compile(
    r"(?:<=|>=|≤|≥|<|>|~|≈|\b(?:up to|at most|at least|under|over|below|above|more than|less than|about|"
    r"approximately|around|roughly|nearly)\s+)\s*\Z",
    re.IGNORECASE,
)
_COMPARATORS = {
    "<": "<", "under": "<", "below": "<", "less than": "<",
    "<=": "<=", "≤": "<=", "up to": "<=", "at most": "<=",
    ">": ">", "over": ">", "above": ">", "more than": ">",
    ">=": ">=", "≥": ">=", "at least": ">=",
    "~": "~", "≈": "~", "about": "~", "approximately": "~", "around": "~", "roughly": "~", "nearly": "~",
}  # fmt: skip


class _QuantitySpan(NamedTuple):
    start: int
    end: int
    quantity: Quantity
    scaled: bool  # written with a scale (k, M, B, million…)


def _scale(text: str | None) -> float:
    return _SCALES[text.strip()] if text else 1.0


def _to_float(number: str) -> float:
    return float(number.replace(",", ""))


def _scan_quantities(masked: str, original: str) -> list[_QuantitySpan]:
    """Every number with a unit (or a scale) in ``masked`` (names blanked out), in order."""
    found: list[_QuantitySpan] = []
    for m in _QUANTITY.finditer(masked):
        lo, hi = _to_float(m["lo"]), (_to_float(m["hi"]) if m["hi"] else None)
        lo_scale, hi_scale = m["lo_scale"], m["hi_scale"]
        if hi is not None and hi_scale and not lo_scale:
            lo_scale = hi_scale  # "25-388M"
        multiplier_lo, multiplier_hi = _scale(lo_scale), _scale(hi_scale or lo_scale)
        unit, end = "", m.end()
        text_end = None  # where the written quantity ends, when its unit words are not consumed
        if m["percent"]:
            unit = "%"
        elif m["height"]:
            unit, lo, hi = "pixels", lo * float(m["height"]), None
        elif m["factor"]:
            unit = "x"
        elif m["size"]:
            unit = "MB"
            multiplier_lo = multiplier_hi = _SIZES_IN_MB[m["size"]]
        elif m["ms"]:
            unit = "ms"
        elif m["seconds"]:
            unit, multiplier_lo, multiplier_hi = "ms", 1000.0, 1000.0
        elif m["megapixels"]:
            unit, multiplier_lo, multiplier_hi = "pixels", 1e6, 1e6
        elif m["params"]:
            unit = "params"
        elif m["dims"]:
            unit = "dims"
        elif m["class_adj"]:
            unit = "classes"
        else:
            end = (
                m.end("hi_scale")
                if m["hi_scale"]
                else m.end("hi")
                if m["hi"]
                else m.end("lo_scale")
                if m["lo_scale"]
                else m.end("lo")
            )
            for name, pattern in _TRAILING_UNITS:
                trailing = pattern.match(masked, end)
                if trailing:
                    unit, text_end = name, trailing.end()
                    break
        if unit in ("%", "x", "dims"):
            multiplier_lo = multiplier_hi = 1.0  # "5M%" is not a thing; a scale letter here is noise
        value = lo * multiplier_lo
        value_max = hi * multiplier_hi if hi is not None else None
        if value_max is not None and not value_max >= value:
            continue  # "2 to 1", "5-3%": not a range anyone writes on purpose
        start, comparator = m.start(), "="
        written_bound = _COMPARATOR_BEFORE.search(original, max(0, start - 16), start)
        if written_bound:
            comparator = _COMPARATORS[written_bound.group().strip().lower()]
            start = written_bound.start()
        quantity = Quantity(value, value_max, unit, comparator, original[start : text_end or end].strip())
        found.append(_QuantitySpan(start, end, quantity, bool(lo_scale)))
    return _merge_from_to(found, original)


def _merge_from_to(spans: list[_QuantitySpan], text: str) -> list[_QuantitySpan]:
    """'from 512×512 to 1 megapixel' is one range, not two quantities."""
    merged: list[_QuantitySpan] = []
    for span in spans:
        if merged:
            prev = merged[-1]
            between = text[prev.end : span.start]
            if (
                re.fullmatch(r"\s+to\s+", between)
                and prev.quantity.unit == span.quantity.unit != ""
                and prev.quantity.value_max is None
                and (span.quantity.value_max or span.quantity.value) >= prev.quantity.value
                and re.search(r"\bfrom\s+$", text[max(0, prev.start - 8) : prev.start])
            ):
                q = Quantity(prev.quantity.value, span.quantity.value_max or span.quantity.value, span.quantity.unit,
                             prev.quantity.comparator, text[prev.start : span.end])  # fmt: skip
                merged[-1] = _QuantitySpan(prev.start, span.end, q, prev.scaled or span.scaled)
                continue
        merged.append(span)
    return merged


# --------------------------------------------------------------------------------------------
# Clauses, cues and zones
# --------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(
    r"[.!?](?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\betc\.)(?<!\bapprox\.)\s+(?=[A-Z0-9\"'(\[])"
)
_PAREN = re.compile(r"\([^()]*\)")
_EXPLAINING_PAREN = re.compile(
    r"\(\s*(?:includes?|including|which|that|where|no|not|only|supports?|requires?|needs?|uses?|using|"
    r"built|based|via|through|with|without|because|due)\b"
)
_CUE_PHRASES = {
    "comparable to or better than": "comparable to or better than",
    "on par with or better than": "comparable to or better than",
    "as good as or better than": "comparable to or better than",
    "matches or exceeds": "comparable to or better than",
    "matches or beats": "comparable to or better than",
    "matches or surpasses": "comparable to or better than",
    "matches or outperforms": "comparable to or better than",
    **dict.fromkeys(["outperform", "outperforms", "outperformed", "outperforming", "beat", "beats", "beating",
                     "surpass", "surpasses", "surpassed", "surpassing", "exceeds", "exceeding", "ahead of",
                     "edges out"], "outperforms"),
    **dict.fromkeys(["comparable to", "on par with", "similar to", "equivalent to", "competitive with", "rival",
                     "rivals", "rivaling", "rivalling", "matches", "matching"], "comparable to"),
    **dict.fromkeys(["unlike", "in contrast to", "as opposed to"], "unlike"),
    **dict.fromkeys(["instead of", "rather than"], "instead of"),
    "than": "than",
    **dict.fromkeys(["vs", "vs.", "versus", "compared to", "compared with", "relative to", "in comparison to",
                     "in comparison with"], "versus"),
}  # fmt: skip
# run on lower-cased text; longest phrase wins because the trie tries longer branches first
_CUE = re.compile(r"\b(?:" + _trie_pattern(_CUE_PHRASES) + r")(?![\w-])")
_NUMERIC_NEXT = re.compile(r"\s*[<>~≈≤≥]?\s*\d")
_TERMINATOR = re.compile(
    r"\b(?:due\s+to|because|thanks\s+to|through|via|while|whilst|whereas|enabling|enables|allowing|"
    r"without|since|so\s+that|which|but|yet|leading\s+to|resulting\s+in)\b|,\s+(?:and|or)\b|\s[—–]\s"
)
_GENERIC_MODIFIER = re.compile(
    r"\b(?:raw|custom|manual|plain|generic|vanilla|naive|hand-written|handwritten|hand-rolled|homegrown|bare)\s+$"
)

_HEAD = re.compile(
    r"\b(?:(?P<moreless>more|less)\s+(?:\w+ly\s+)?(?P<adjective>[\w-]+)"
    r"|(?P<lowhigh>lower|higher|greater)\s+(?P<noun>[\w-]+)"
    r"|(?P<single>faster|quicker|slower|lighter|heavier|smaller|larger|bigger|simpler|easier|harder|cheaper|"
    r"better|worse|superior|inferior|fewer|stronger|weaker))\b"
)
_HEAD_RELATIONS = {
    "faster": "faster than", "quicker": "faster than", "more responsive": "faster than",
    "lower latency": "faster than", "higher throughput": "faster than", "higher speed": "faster than",
    "slower": "slower than", "higher latency": "slower than",
    "lighter": "lighter than", "more lightweight": "lighter than", "lower memory": "lighter than",
    "less memory": "lighter than", "lower overhead": "lighter than", "less overhead": "lighter than",
    "lower resource": "lighter than", "lower vram": "lighter than", "less vram": "lighter than",
    "smaller": "smaller than",
    "larger": "larger than", "bigger": "larger than", "heavier": "larger than", "more storage-intensive": "larger than",
    "simpler": "simpler than", "easier": "simpler than", "more user-friendly": "simpler than",
    "lower barrier": "simpler than", "more maintainable": "simpler than", "more automatic": "simpler than",
    "more intuitive": "simpler than", "more accessible": "simpler than", "more convenient": "simpler than",
    "more practical": "simpler than", "less complex": "simpler than",
    "more complex": "more complex than", "more complicated": "more complex than", "harder": "more complex than",
    "more flexible": "more flexible than", "more granular": "more flexible than",
    "more controllable": "more flexible than", "more adaptive": "more flexible than",
    "more customizable": "more flexible than", "more configurable": "more flexible than",
    "more modular": "more flexible than", "more extensible": "more flexible than",
    "more portable": "more flexible than", "more versatile": "more flexible than",
    "more efficient": "more efficient than", "more parameter-efficient": "more efficient than",
    "more memory-efficient": "more efficient than", "more compute-efficient": "more efficient than",
    "more data-efficient": "more efficient than", "more resource-efficient": "more efficient than",
    "more energy-efficient": "more efficient than", "fewer": "more efficient than",
    "less efficient": "less efficient than", "less parameter-efficient": "less efficient than",
    "less memory-efficient": "less efficient than",
    "more reliable": "more reliable than", "more stable": "more reliable than",
    "more robust": "more reliable than", "more consistent": "more reliable than",
    "more deterministic": "more reliable than",
    "cheaper": "cheaper than", "more cost-effective": "cheaper than", "less expensive": "cheaper than",
    "lower cost": "cheaper than", "more affordable": "cheaper than",
    "more scalable": "more scalable than",
    "more permissive": "more permissive than", "more open": "more permissive than",
    "more capable": "more capable than", "more comprehensive": "more capable than",
    "more powerful": "more capable than", "more complete": "more capable than",
    "more integrated": "more capable than", "more feature-rich": "more capable than", "stronger": "more capable than",
    "better": "better than", "superior": "better than", "more accurate": "better than",
    "higher quality": "better than", "higher accuracy": "better than", "more meaningful": "better than",
    "more interpretable": "better than", "more precise": "better than", "more expressive": "better than",
    "higher fidelity": "better than",
    "worse": "worse than", "inferior": "worse than", "less precise": "worse than",
    "less accurate": "worse than", "lower quality": "worse than", "less capable": "worse than",
    "weaker": "worse than", "lower accuracy": "worse than",
}  # fmt: skip
_HEAD_WINDOW_WORDS = 12


def _lowered(text: str) -> str:
    """``text`` lower-cased, keeping every offset (a character whose lower case is longer stays)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _blank_parens(text: str) -> str:
    return _PAREN.sub(lambda m: " " * len(m.group()), text)


def _head_relation(window: str) -> tuple[str | None, int]:
    """The relation named by the last recognisable comparative in ``window``, and where it starts."""
    words = list(re.finditer(r"\S+", window))
    cut = words[-_HEAD_WINDOW_WORDS].start() if len(words) > _HEAD_WINDOW_WORDS else 0
    heads = list(_HEAD.finditer(window, cut))
    for head in reversed(heads):
        if head["single"]:
            phrase = head["single"]
        elif head["lowhigh"]:
            phrase = f"{head['lowhigh']} {head['noun']}"
        else:
            phrase = f"{head['moreless']} {head['adjective']}"
            if phrase not in _HEAD_RELATIONS and head["moreless"] == "more":
                if re.search(r"\b(?:supports?|offers?|provides?|handles?)\s+$", window[: head.start()]):
                    return "more capable than", head.start()
        if phrase in _HEAD_RELATIONS:
            return _HEAD_RELATIONS[phrase], head.start()
    return None, -1


class _Cue(NamedTuple):
    start: int
    end: int
    relation: str
    phrase_start: int  # where the written relation phrase starts (the comparative head, or the cue)


def _cues(segment_text: str, blanked: str, offset: int) -> list[_Cue]:
    """The comparison cues of one clause; ``segment_text`` is lower-cased, ``blanked`` its copy
    with parentheses blanked."""
    cues: list[_Cue] = []
    previous_end = 0
    for m in _CUE.finditer(segment_text):
        if m.start() < previous_end:
            continue
        kind = _CUE_PHRASES[" ".join(m.group().split())]
        if kind == "versus" and _NUMERIC_NEXT.match(segment_text, m.end()):
            continue  # "0.8% loss vs 2-3%": a pair of numbers, not a relation
        if kind in ("than", "versus"):
            relation, head_start = _head_relation(blanked[previous_end : m.start()])
            if relation is None:
                relation, head_start = "compared to", m.start() - previous_end
            phrase_start = previous_end + head_start
        else:
            relation, phrase_start = kind, m.start()
        cues.append(_Cue(offset + m.start(), offset + m.end(), relation, offset + phrase_start))
        previous_end = m.end()
    return cues


# --------------------------------------------------------------------------------------------
# The analysis: names, zones, quantities, owners
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameInContext:
    name: NameSpan
    segment: int  # index into TextAnalysis.segments
    relation: str | None  # set when the name sits in a comparison's object zone
    relation_phrase: str
    usable: bool  # False inside an explaining parenthesis or after "raw"/"custom"/… (generic use)
    zone: int | None = None  # which comparison's object zone it sits in

    @property
    def is_alternative(self) -> bool:
        return self.relation is not None and self.usable and self.name.is_artifact


@dataclass(frozen=True)
class QuantityInContext:
    quantity: Quantity
    start: int
    end: int
    segment: int
    paren: tuple[int, int] | None  # the parenthesis it sits in
    group: int | None  # index of its 'A vs B' number group, if any
    owner: int  # index into TextAnalysis.names, or OWNER_SUBJECT / OWNER_NOBODY
    scaled: bool


@dataclass(frozen=True)
class TextAnalysis:
    text: str  # the normalised text all offsets refer to
    segments: tuple[tuple[int, int], ...]  # clauses: cut at ';' and sentence ends
    names: tuple[NameInContext, ...]
    quantities: tuple[QuantityInContext, ...]

    def segment_text(self, index: int) -> str:
        start, end = self.segments[index]
        return self.text[start:end].strip()


def _segments(text: str) -> list[tuple[int, int]]:
    cuts = [0]
    for m in re.finditer(r";", text):
        cuts.append(m.end())
    for m in _SENTENCE_END.finditer(text):
        cuts.append(m.start() + 1)
    cuts = sorted(set(cuts)) + [len(text)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if text[a:b].strip()]


def _segment_of(position: int, segments: list[tuple[int, int]]) -> int:
    for index, (start, end) in enumerate(segments):
        if start <= position < end:
            return index
    return len(segments) - 1


@lru_cache(maxsize=8192)
def analyse_text(text: str) -> TextAnalysis:
    """Read a capability text: its names, which are compared against, its quantities and their owners."""
    text = normalise_text(text)
    lowered = _lowered(text)
    blanked_text = _blank_parens(lowered)
    segments = _segments(text) or [(0, len(text))]
    spans = find_names(text)
    name_starts = {s.start for s in spans}

    names: list[NameInContext] = []
    zones: list[tuple[int, int, _Cue]] = []
    explaining: list[tuple[int, int]] = []
    artifact_starts = [s.start for s in spans if s.is_artifact]
    for seg_start, seg_end in segments:
        if not any(seg_start <= start < seg_end for start in artifact_starts):
            continue  # no artifact to be compared against: no zones needed
        segment_text = lowered[seg_start:seg_end]
        explaining += [(seg_start + m.start(), seg_start + m.end()) for m in _PAREN.finditer(segment_text)
                       if _EXPLAINING_PAREN.match(m.group())]  # fmt: skip
        blanked = blanked_text[seg_start:seg_end]
        cues = _cues(segment_text, blanked, seg_start)
        stops = []
        for m in _TERMINATOR.finditer(blanked):
            after = seg_start + m.end()
            while after < seg_end and text[after] == " ":
                after += 1
            if m.group().startswith(",") and after in name_starts:
                continue  # ", and Midjourney": the list goes on
            stops.append(seg_start + m.start())
        for k, cue in enumerate(cues):
            limit = cues[k + 1].start if k + 1 < len(cues) else seg_end
            limit = min([limit] + [s for s in stops if s >= cue.end])
            zones.append((cue.end, limit, cue))

    for span in spans:
        segment = _segment_of(span.start, segments)
        if not span.is_artifact:
            names.append(NameInContext(span, segment, None, "", False))
            continue
        zone_index = next((k for k, z in enumerate(zones) if z[0] <= span.start < z[1]), None)
        zone = zones[zone_index] if zone_index is not None else None
        in_explaining = any(a <= span.start < b for a, b in explaining) or _describes_previous_name(text, span, spans)
        generic = bool(_GENERIC_MODIFIER.search(lowered, max(0, span.start - 20), span.start))
        relation = phrase = None
        if zone is not None:
            cue = zone[2]
            relation = cue.relation
            phrase = _PAREN.sub("", text[cue.phrase_start : cue.end])
            phrase = " ".join(phrase.split())
        names.append(NameInContext(span, segment, relation, phrase or "", not (in_explaining or generic), zone_index))

    quantities = _owned_quantities(text, segments, names)
    return TextAnalysis(text, tuple(segments), tuple(names), tuple(quantities))


def _describes_previous_name(text: str, span: NameSpan, spans: list[NameSpan]) -> bool:
    """Whether ``span`` sits in a parenthesis that directly follows another artifact's name, as
    in "Segment Anything (ViT-H, 636M params)": the parenthesis describes that artifact."""
    open_at = text.rfind("(", 0, span.start)
    if open_at < 0 or text.find(")", open_at, span.start) >= 0:
        return False
    head = text[:open_at].rstrip()
    return any(other.end == len(head) and other.is_artifact for other in spans if other is not span)


_HAS_DIGIT = re.compile(r"\d")
_ALNUM_CHAR = re.compile(r"[^\W_]")


def _masked(text: str, names: list[NameInContext]) -> str:
    """``text`` with names that hold digits blanked (same length): '3.5' in 'SD 3.5' is no quantity."""
    pieces, last = [], 0
    for n in names:
        if _HAS_DIGIT.search(n.name.written):
            pieces += [text[last : n.name.start], _ALNUM_CHAR.sub("Z", n.name.written)]
            last = n.name.end
    return "".join(pieces) + text[last:] if pieces else text


_ADJACENT = re.compile(r"\s*\Z")
_VS_BETWEEN = re.compile(r"\s*(?:[A-Za-z][\w-]*\s+){0,4}?(?:vs\.?|versus)\s+\Z")
_AND_BETWEEN = re.compile(r"\s*(?:,\s*and|,|and)\s+\Z")
_FOR_AFTER = re.compile(r"\s*(?:[\w%-]+\s+){0,2}?for\s+\Z")
_OWNER_BEFORE = re.compile(
    r"(?:\s*['’]s\s+(?:[\w-]+\s+)?|,?\s+(?:which|that)\s+(?:has|have|uses|needs|requires|is|are|achieves|reaches|"
    r"scores|runs\s+at)\s+(?:only\s+|about\s+|just\s+|roughly\s+)?)\Z"
)
_SCORE_BEFORE = re.compile(r"\s+(?:at|with)\s+\Z")  # "MobileNetV3 at 75.2%": a score, not a condition


def _owned_quantities(
    text: str, segments: list[tuple[int, int]], names: list[NameInContext]
) -> list[QuantityInContext]:
    """Every quantity of ``text`` with its owner, by the rules of the module docstring."""
    spans = _scan_quantities(_masked(text, names), text)
    parens = [(m.start(), m.end()) for m in _PAREN.finditer(text)]

    def paren_of(position: int) -> tuple[int, int] | None:
        return next(((a, b) for a, b in parens if a < position < b), None)

    # 'A vs B [and C]' groups
    group_of: dict[int, int] = {}
    groups: list[list[int]] = []
    k = 0
    while k + 1 < len(spans):
        if not _VS_BETWEEN.fullmatch(text, spans[k].end, spans[k + 1].start):
            k += 1
            continue
        members = [k, k + 1]
        while members[-1] + 1 < len(spans) and _AND_BETWEEN.fullmatch(
            text, spans[members[-1]].end, spans[members[-1] + 1].start
        ):
            members.append(members[-1] + 1)
        for member in members:
            group_of[member] = len(groups)
        groups.append(members)
        k = members[-1] + 1

    owners = [OWNER_SUBJECT] * len(spans)
    units = [s.quantity.unit for s in spans]
    for members in groups:
        unit = next((units[k] for k in members if units[k]), "")
        for k in members:
            if not units[k] and (unit or spans[k].scaled):
                units[k] = unit
        head, rest = members[0], members[1:]
        owners[head] = OWNER_SUBJECT
        last = spans[rest[-1]]
        after_for = _name_right_after(text, last.end, names, _FOR_AFTER)
        if after_for is not None and len(rest) == 1:
            owners[rest[0]] = after_for
            continue
        # the artifacts of the last comparison before the pair: "than A and B (x vs y and z)"
        segment = _segment_of(spans[head].start, segments)
        before = [i for i, n in enumerate(names)
                  if n.segment == segment and n.is_alternative and n.name.start < spans[head].start]  # fmt: skip
        last_zone = names[before[-1]].zone if before else None
        candidates: list[int] = []
        for index in before:
            n = names[index]
            if n.zone == last_zone and all(names[c].name.slug != n.name.slug for c in candidates):
                candidates.append(index)
        if len(candidates) == len(rest):
            for k, index in zip(rest, candidates):
                owners[k] = index
        else:
            for k in rest:
                owners[k] = OWNER_NOBODY

    for k, span in enumerate(spans):
        if k in group_of:
            continue
        paren = paren_of(span.start)
        if paren is not None:
            owner = _name_right_before(text, paren[0], names, _ADJACENT)
            if owner is not None:
                kind = names[owner].name.kind
                owners[k] = owner if kind in ARTIFACT_KINDS else OWNER_NOBODY if kind == "dataset" else OWNER_SUBJECT
                continue
        owner = _name_right_before(text, span.start, names, _OWNER_BEFORE)
        if owner is None and span.quantity.unit == "%":
            owner = _name_right_before(text, span.start, names, _SCORE_BEFORE)
        if owner is None:
            owner = _name_right_after(text, span.end, names, _ADJACENT)
        if owner is not None and names[owner].name.is_artifact:
            owners[k] = owner

    result = []
    for k, span in enumerate(spans):
        if not units[k] and not span.scaled:
            continue  # a bare number: no claim can be read from it
        quantity = span.quantity if units[k] == span.quantity.unit else Quantity(
            span.quantity.value, span.quantity.value_max, units[k], span.quantity.comparator, span.quantity.text)  # fmt: skip
        result.append(QuantityInContext(quantity, span.start, span.end, _segment_of(span.start, segments),
                                        paren_of(span.start), group_of.get(k), owners[k], span.scaled))  # fmt: skip
    return result


def _name_right_before(text: str, position: int, names: list[NameInContext], gap: re.Pattern) -> int | None:
    """The index of the name that ends just before ``position`` with only ``gap`` in between."""
    for index in range(len(names) - 1, -1, -1):
        n = names[index].name
        if n.end <= position and gap.fullmatch(text, n.end, position):
            return index
        if n.end < position - 40:
            break
    return None


def _name_right_after(text: str, position: int, names: list[NameInContext], gap: re.Pattern) -> int | None:
    """The index of the name that starts just after ``position`` with only ``gap`` in between."""
    for index, n in enumerate(names):
        if n.name.start >= position and gap.fullmatch(text, position, n.name.start):
            return index
        if n.name.start > position + 40:
            break
    return None


# --------------------------------------------------------------------------------------------
# The public extractor
# --------------------------------------------------------------------------------------------


def extract_alternatives(text: str, subject: str | None = None) -> list[AlternativeMention]:
    """The artifacts a `vs alternatives:` text compares against, in text order, one per slug.

    ``text`` is the text after the ``vs alternatives:`` label. When ``subject`` (the capability's
    own artifact) is given, mentions of it are left out. A repeated artifact keeps its first
    relation and clause; its numbers are merged.
    """
    if not text or not text.strip():
        return []
    analysis = analyse_text(text)
    excluded = {slugify(subject), slugify(canonical_name(subject))} if subject else set()
    order: list[str] = []
    first: dict[str, NameInContext] = {}
    numbers: dict[str, list[Quantity]] = {}
    for index, n in enumerate(analysis.names):
        if not n.is_alternative or n.name.slug in excluded:
            continue
        slug = n.name.slug
        if slug not in first:
            order.append(slug)
            first[slug] = n
            numbers[slug] = []
        for q in analysis.quantities:
            if q.owner == index and q.quantity not in numbers[slug]:
                numbers[slug].append(q.quantity)
    return [
        AlternativeMention(
            name=first[slug].name.name,
            slug=slug,
            relation=first[slug].relation or "compared to",
            numbers=tuple(numbers[slug]),
            clause=analysis.segment_text(first[slug].segment),
            relation_phrase=first[slug].relation_phrase,
            kind=first[slug].name.kind,
        )
        for slug in order
    ]
