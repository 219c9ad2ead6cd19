"""Fusion (embed/search.py) over a search catalog built in memory (embed/catalog.py, real tantivy
keyword indexes). Fusion is a pure function of the candidates, so these tests need no graph; the
path from Neo4j through the catalog to GraphQL is tested in test_search.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embed.catalog import Candidates, CatalogContent, CatalogSignals, KeywordHits
from embed.search import RRF_K, WEIGHTS, Prepared, SearchRequest, fuse, graph_prior

ARTIFACTS = [
    {"slug": "yolo-nano", "name": "YOLO Nano", "type": "Model"},
    {"slug": "mobile-vit", "name": "MobileViT", "type": "Model"},
    {"slug": "edge-runner", "name": "Edge Runner", "type": "Repository"},
    {"slug": "paint-pipe", "name": "Paint Pipe", "type": "Repository"},
]
CAPABILITIES = [  # (id, owner, description)
    ("c-detect", "yolo-nano", "Detects objects in camera frames in real time"),
    ("c-small", "yolo-nano", "Small enough for phones"),
    ("c-classify", "mobile-vit", "Classifies images on mobile devices"),
    ("c-export", "edge-runner", "Exports detection models to phones"),
    ("c-paint", "paint-pipe", "Paints pictures from prompts"),
]


def content() -> CatalogContent:
    capabilities = [
        {
            "id": key,
            "uri": f"capability://{key}",
            "name": key,
            "description": text,
            "unique": "",
            "vsAlternatives": None,
            "artifact": owner,
        }
        for key, owner, text in CAPABILITIES
    ]
    return CatalogContent.from_rows([dict(a) for a in ARTIFACTS], capabilities, [])


def signals(matched: dict[str, int] | None = None, **ranks) -> CatalogSignals:
    return CatalogSignals.from_rows(
        [
            {
                "slug": a["slug"],
                "rank": ranks.get(a["slug"].replace("-", "_"), 50),
                "computedRank": None,
                "timesMatched": (matched or {}).get(a["slug"], 0),
                "publishedTimesMatched": 0,
                "searchMatches": 0,
                "wins": 0,
                "games": 0,
                "strength": None,
            }
            for a in ARTIFACTS
        ]
    )


def prepared(capability_hits=(), name_hits=(), lists=("capability", "name", "keyword", "graph")) -> Prepared:
    return Prepared(list(capability_hits), list(name_hits), [], None, "hybrid", tuple(lists))


def search(text, capability_hits=(), name_hits=(), limit=5, type=None, snapshot=None, cosines=None, **prep):
    catalog, signal_values = snapshot or (content(), signals())
    keywords = KeywordHits.search(catalog, signal_values, text, 50)
    ready = prepared(capability_hits, name_hits, **prep)
    candidates = Candidates.gather(
        keywords, type=type, capability_hits=ready.capability_hits, name_hits=ready.name_hits, image_hits=[]
    )
    asked: list[list[str]] = []

    def lookup(keys):
        asked.append(list(keys))
        return {key: value for key, value in (cosines or {}).items() if key in keys}

    return fuse(SearchRequest(text=text, limit=limit, type=type), ready, candidates, lookup), asked


def test_an_artifact_first_in_every_list_scores_one_and_says_why():
    hits, _ = search(
        "detects objects in camera frames",
        capability_hits=[("c-detect", 0.8), ("c-small", 0.6), ("c-export", 0.5)],
        name_hits=[("yolo-nano", 0.7)],
        snapshot=(content(), signals(yolo_nano=90, matched={"yolo-nano": 1, "edge-runner": 7})),
    )
    assert hits[0].slug == "yolo-nano" and hits[0].score == 1.0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].why == (
        "capability 'c-detect' matched 0.80 (+1 more); name matched 0.70; "
        "keywords in 1 capability; rank 90; matched 1 time"
    )
    assert next(h for h in hits if h.slug == "edge-runner").why.endswith("rank 50; matched 7 times")
    # Its best capability (0.8) counts fully, a further one (0.6) adds a small bonus: more than the best
    # alone, less than the two cosines added up.
    assert 0.8 < hits[0].signals["capability"] < 0.8 + 0.6
    assert [m.capability["id"] for m in hits[0].capabilities] == ["c-detect", "c-small"]


def test_keyword_only_matches_get_their_cosine_for_the_hits_only():
    # "paint" matches c-paint by keywords only; the vector search found c-detect alone.
    hits, asked = search("paints pictures", capability_hits=[("c-detect", 0.3)], limit=1, cosines={"c-paint": 0.42})
    assert [h.slug for h in hits] == ["paint-pipe"]
    match = hits[0].capabilities[0]
    assert (match.capability["id"], match.score, match.vector, match.keyword) == ("c-paint", 0.42, False, True)
    assert asked == [["c-paint"]]  # one batch, for the shown hit's keyword-only matches
    # A keyword match that is also a vector hit of its artifact needs no lookup.
    hits, asked = search("paints pictures", capability_hits=[("c-paint", 0.5)], limit=1)
    assert hits[0].capabilities[0].vector and hits[0].capabilities[0].keyword and asked == []


def test_the_type_filter_drops_candidates_before_ranking():
    hits, _ = search("phones", capability_hits=[("c-export", 0.7), ("c-small", 0.6)], type="Model")
    assert hits and {h.artifact["type"] for h in hits} == {"Model"}
    assert hits[0].signals["capability"] == pytest.approx(0.6)  # ranked first among models


def test_the_graph_prior_breaks_near_ties_and_follows_a_new_signals_snapshot():
    # yolo-nano is first by embedding, mobile-vit by keywords (the shorter text matches "images"):
    # a tie the graph prior decides.
    def order(**ranks):
        hits, _ = search(
            "objects images",
            capability_hits=[("c-detect", 0.6), ("c-classify", 0.5)],
            snapshot=(content(), signals(**ranks)),
            lists=("capability", "keyword", "graph"),
        )
        assert [h.signals["keyword"] > 0 for h in hits] == [True, True]
        return [h.slug for h in hits]

    assert order(yolo_nano=40, mobile_vit=60) == ["mobile-vit", "yolo-nano"]
    assert order(yolo_nano=95, mobile_vit=60) == ["yolo-nano", "mobile-vit"]


def test_the_graph_prior_is_worked_out_once_per_signals_snapshot():
    snapshot = (content(), signals(yolo_nano=70))
    search("", capability_hits=[("c-detect", 0.5)], snapshot=snapshot, lists=("capability", "graph"))
    derived = snapshot[1].derived
    artifact = {**snapshot[0].artifacts["yolo-nano"], **snapshot[1].values["yolo-nano"]}
    assert derived == {"yolo-nano": pytest.approx(graph_prior(artifact, {"wins": 0, "games": 0}))}
    derived["yolo-nano"] = 123.0  # a memoised value is used as it is
    hits, _ = search("", capability_hits=[("c-detect", 0.5)], snapshot=snapshot, lists=("capability", "graph"))
    assert hits[0].signals["graph"] == 123.0


def reference_fusion(lists: dict[str, dict[str, float]]) -> dict[str, float]:
    """RRF as the module docstring states it, written out plainly."""
    fused: dict[str, float] = {}
    for name, values in lists.items():
        for rank, slug in enumerate(sorted(values, key=lambda s: (-values[s], s)), start=1):
            fused[slug] = fused.get(slug, 0.0) + WEIGHTS[name] / (RRF_K + rank)
    best = sum(WEIGHTS[name] for name in lists) / (RRF_K + 1)
    return {slug: score / best for slug, score in fused.items()}


cosine = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    vector=st.dictionaries(st.sampled_from([key for key, _, _ in CAPABILITIES]), cosine, min_size=1),
    names=st.dictionaries(st.sampled_from([a["slug"] for a in ARTIFACTS]), st.floats(0.55, 1.0)),
    limit=st.integers(1, 4),
)
def test_fusion_matches_reciprocal_rank_fusion_written_out(vector, names, limit):
    capability_hits = sorted(vector.items(), key=lambda pair: -pair[1])
    hits, _ = search(
        "",
        capability_hits=capability_hits,
        name_hits=list(names.items()),
        limit=limit,
        lists=("capability", "name", "graph"),
    )
    slugs = [h.slug for h in hits]
    assert len(slugs) == len(set(slugs)) <= limit
    assert all(0 < h.score <= 1 for h in hits)
    # Every candidate, not only the hits, takes part in the ranks: recompute them all.
    every = search(
        "",
        capability_hits=capability_hits,
        name_hits=list(names.items()),
        limit=4,
        lists=("capability", "name", "graph"),
    )[0]
    lists = {
        name: {h.slug: h.signals[name] for h in every if name in h.signals} for name in ("capability", "name", "graph")
    }
    expected = reference_fusion(lists)  # the lists in play count, found something or not
    order = sorted(expected, key=lambda slug: (-expected[slug], slug))[:limit]
    assert slugs == order
    assert [h.score for h in hits] == [round(expected[slug], 4) for slug in order]


@settings(max_examples=60, deadline=None)
@given(
    best=st.floats(0.3, 1.0),
    further=st.lists(st.floats(0.0, 0.3), max_size=3),
    raised=st.floats(0.0, 0.3),
)
def test_a_further_matching_capability_never_lowers_the_capability_signal(best, further, raised):
    """Monotone in each cosine: another matching capability of the artifact, or a higher cosine for
    one of them, never lowers its capability signal, which stays below the sum of its cosines."""
    owned = ["c-detect", "c-small"]  # both yolo-nano's

    def signal(cosines):
        hits = list(zip(owned, cosines, strict=False))
        found, _ = search("", capability_hits=hits, lists=("capability",))
        return next(h.signals["capability"] for h in found if h.slug == "yolo-nano")

    alone = signal([best])
    assert alone == pytest.approx(best)
    for cosine in further[:1]:
        more = signal([best, cosine])
        assert alone <= more <= best + cosine + 1e-9
        assert signal([best, min(cosine + raised, best)]) >= more - 1e-9
