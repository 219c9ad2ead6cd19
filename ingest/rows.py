"""From typed records to flat rows: the parameters of the graph writer's `UNWIND` queries.

Everything the graph will hold about a batch of documents is computed here, in Python, before a
transaction opens: artifacts described and mentioned, the comparison with its published table and
per-side observations, capabilities with their owners, the alternatives named in `vs
alternatives:` text and the quantitative claims. The writer only ships these lists to Neo4j.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from graphdb.vocabulary import UNCLASSIFIED_URI
from ingest.alternatives import canonical_name, extract_alternatives
from ingest.claims import extract_capability_claims
from ingest.records import ComparisonRecord, Document, Side, content_id, normalise_text, slugify

_LEADING_INT = re.compile(r"^\s*(-?\d+)")
_SENTENCE_END = re.compile(r"(?<=[.;:])\s")


@dataclass
class GraphRows:
    """The rows for one batch of documents, in document order (later documents win on artifacts)."""

    documents: list[dict] = field(default_factory=list)
    described: list[dict] = field(default_factory=list)  # artifacts a document describes (its sides)
    mentioned: list[dict] = field(default_factory=list)  # artifacts only named in vs-alternatives text
    comparisons: list[dict] = field(default_factory=list)
    sides: list[dict] = field(default_factory=list)  # (comparison)-[:COMPARES]->(artifact), per side
    capabilities: list[dict] = field(default_factory=list)
    shown: list[dict] = field(default_factory=list)  # (comparison)-[:SHOWS]->(capability), page order
    alternatives: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)

    def extend(self, other: GraphRows) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


def leading_int(cell: str | None) -> int | None:
    """`47/100` -> 47, `14 decomposed` -> 14, `1` -> 1, anything else -> None."""
    if cell is None:
        return None
    match = _LEADING_INT.match(cell)
    return int(match.group(1)) if match else None


@lru_cache(maxsize=200_000)
def provisional_capability_name(description: str, words: int = 8) -> str:
    """A short name from the description's first clause, until the taxonomy names the capability."""
    first = _SENTENCE_END.split(normalise_text(description), maxsplit=1)[0].rstrip(".;:")
    tokens = first.split()
    return " ".join(tokens[:words]) + ("…" if len(tokens) > words else "")


def alias_key(name: str) -> str:
    """The key shared by every spelling of one artifact (`SDXL`, `Stable Diffusion XL` -> one key)."""
    return slugify(canonical_name(name) or name)


def mention_name(name: str) -> str:
    """The canonical display name of an artifact named in free text (known aliases folded).

    Names in a title are never rewritten: the published name is the artifact's name, and its slug
    is the key (docs/graph-model.md). Free text says "SD 3.5 Large" or "ResNet50"; those fold onto the
    lexicon's canonical spelling so that they land on the same node.
    """
    return canonical_name(name) or name


Resolver = Callable[[str], "str | None"]


def _no_resolver(key: str) -> None:
    return None


def rows_for(
    record: ComparisonRecord, document: Document, sequence: int, resolve: Resolver = _no_resolver
) -> GraphRows:
    """All rows for one parsed document. ``sequence`` orders documents: the larger is the later.

    ``resolve`` maps an alias key to the slug of an artifact a page already describes, so that a
    name found in text ("SDXL") lands on that artifact even when the lexicon spells it otherwise.
    """
    rows = GraphRows()
    comparison_id = document.sha256[:32]
    names = {"a": record.a.name, "b": record.b.name}
    slugs = {side: slugify(name) for side, name in names.items()}
    winner_slug = slugify(record.verdict.winner) if record.verdict and record.verdict.winner else None

    rows.documents.append(
        {
            "id": document.sha256,
            "sha256": document.sha256,
            "title": record.title,
            "source": document.source,
            "partial": record.partial,
            "sequence": sequence,
            "characters": len(document.text),
        }
    )
    rows.comparisons.append(
        {
            "id": comparison_id,
            "documentId": document.sha256,
            "title": record.title,
            "subtitle": record.subtitle,
            "aSlug": slugs["a"],
            "bSlug": slugs["b"],
            "features": json.dumps([[row.feature, row.a, row.b] for row in record.table], ensure_ascii=False),
            "rankA": leading_int(record.cell("UnfragileRank", "a")),
            "rankB": leading_int(record.cell("UnfragileRank", "b")),
            "moreA": record.a.more,
            "moreB": record.b.more,
            "verdict": record.verdict.text if record.verdict else None,
            "winnerSlug": winner_slug,
            "partial": record.partial,
            "warnings": list(record.warnings),
            "sequence": sequence,
        }
    )
    for side_key, side in (("a", record.a), ("b", record.b)):
        _side_rows(rows, record, side_key, side, names[side_key], slugs[side_key], comparison_id, document, resolve)
    return rows


@dataclass(frozen=True)
class FoundClaim:
    claim: object  # ingest.claims.ClaimRecord
    about_owner: bool  # the claim is about the block's own artifact
    subject_key: str  # alias key of the artifact it is about
    id: str


@lru_cache(maxsize=200_000)
def block_facts(owner: str, description: str, unique: str | None, vs_alternatives: str | None):
    """The alternatives and claims one capability block states: (alternatives, FoundClaims).

    Both extractors are pure, so this is memoised: a capability's text recurs verbatim on every
    page that shows it, and extraction is the most expensive step of ingest.
    """
    own_key = alias_key(owner)
    alternatives = tuple(extract_alternatives(vs_alternatives, subject=owner)) if vs_alternatives else ()
    claims = []
    for claim in extract_capability_claims(owner, description, unique, vs_alternatives):
        about_owner = claim.subject == owner or alias_key(claim.subject) == own_key
        subject_key = own_key if about_owner else alias_key(claim.subject)
        # Keyed by the alias key, not the slug: the same claim whichever node it lands on first.
        claim_id = content_id(
            subject_key,
            claim.metric,
            repr(claim.value),
            repr(claim.value_max),
            claim.unit,
            claim.qualifier or "",
            claim.sentence,
        )
        claims.append(FoundClaim(claim, about_owner, subject_key, claim_id))
    return alternatives, tuple(claims)


def _mention(name: str, resolve: Resolver) -> dict:
    """A mentioned artifact: its canonical name, alias key, and the slug it lands on."""
    canonical = mention_name(name)
    key = slugify(canonical)
    return {"slug": resolve(key) or key, "name": canonical, "aliasKey": key}


def _side_rows(
    rows: GraphRows,
    record: ComparisonRecord,
    side_key: str,
    side: Side,
    name: str,
    slug: str,
    comparison_id: str,
    document: Document,
    resolve: Resolver,
) -> None:
    own_key = alias_key(name)
    cell = lambda feature: record.cell(feature, side_key)
    observed = {
        "slug": slug,
        "name": name,
        "type": cell("Type"),
        "pricing": cell("Pricing"),
        "rank": leading_int(cell("UnfragileRank")),
        "capabilityCount": leading_int(cell("Capabilities")),
        "publishedTimesMatched": leading_int(cell("Times Matched")),
        "adoption": leading_int(cell("Adoption")),
        "quality": leading_int(cell("Quality")),
        "ecosystem": leading_int(cell("Ecosystem")),
        "matchGraph": leading_int(cell("Match Graph")),
        "documentId": document.sha256,
        "aliasKey": own_key,
    }
    rows.described.append(observed)
    rows.sides.append(
        {
            **observed,
            "comparisonId": comparison_id,
            "side": side_key,
            "shown": len(side.capabilities),
            "more": side.more,
            "headerPresent": side.header_present,
        }
    )
    for position, block in enumerate(side.capabilities):
        rows.capabilities.append(
            {
                "id": block.id,
                "description": block.description,
                "unique": block.unique,
                "vsAlternatives": block.vs_alternatives,
                "name": provisional_capability_name(block.description),
                "uri": UNCLASSIFIED_URI,
                "ownerSlug": slug,
                "documentId": document.sha256,
            }
        )
        rows.shown.append(
            {"comparisonId": comparison_id, "capabilityId": block.id, "side": side_key, "position": position}
        )
        found_alternatives, found_claims = block_facts(name, block.description, block.unique, block.vs_alternatives)
        for found in found_alternatives:
            mention = _mention(found.name, resolve)
            if mention["aliasKey"] == own_key or mention["slug"] == slug:
                continue  # an artifact is not its own alternative
            rows.mentioned.append(mention)
            rows.alternatives.append(
                {
                    "capabilityId": block.id,
                    "slug": mention["slug"],
                    "relation": found.relation,
                    "numbers": json.dumps(list(found.numbers), ensure_ascii=False, default=str),
                    "clause": found.clause,
                }
            )
        for found in found_claims:
            claim = found.claim
            if found.about_owner:
                subject_slug = slug
            else:
                mention = _mention(claim.subject, resolve)
                rows.mentioned.append(mention)
                subject_slug = mention["slug"]
            rows.claims.append(
                {
                    "id": found.id,
                    "capabilityId": block.id,
                    "subjectSlug": subject_slug,
                    "metric": claim.metric,
                    "value": claim.value,
                    "valueMax": claim.value_max,
                    "unit": claim.unit,
                    "comparator": claim.comparator,
                    "qualifier": claim.qualifier,
                    "sentence": claim.sentence,
                    "documentId": document.sha256,
                }
            )
