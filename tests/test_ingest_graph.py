"""Ingesting into the real Neo4j: page fidelity, idempotence, rejections that leave no trace.

The five pages are the project's fixtures (tests/data/fixtures) and, when present, the seed
documents too (tests/seeds.py): each test that takes ``seeds`` runs once per set.
"""

from __future__ import annotations

import json

import pytest
from conftest import clear_graph
from graph_dump import count_nodes, dump_graph
from seeds import CORPORA, documents_dir, require_seeds_dir

from corpus import sample_folder
from ingest.parser import parse
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.reading import read_path
from ingest.records import slugify
from ingest.writer import GraphWriter


def ingest(driver, paths, batch_size=100):
    return Ingester(GraphWriter(driver), batch_size=batch_size).ingest(read_inputs(expand_paths(paths)))


def comparison_from_graph(driver, title):
    records, _, _ = driver.execute_query(
        """
        MATCH (c:Comparison {title: $title})
        OPTIONAL MATCH (c)-[s:SHOWS]->(k:Capability)
        WITH c, s, k ORDER BY s.side, s.position
        WITH c, collect({side: s.side, description: k.description, unique: k.unique, vs: k.vsAlternatives}) AS shown
        MATCH (c)-[ra:COMPARES {side: 'a'}]->(a:Artifact), (c)-[rb:COMPARES {side: 'b'}]->(b:Artifact)
        RETURN c {.*} AS c, shown, a.name AS a, b.name AS b, ra.rank AS rankA, rb.rank AS rankB
        """,
        title=title,
    )
    assert len(records) == 1, f"expected one comparison titled {title!r}"
    return records[0]


@pytest.fixture(params=CORPORA)
def seeds(request):
    """The five pages of one set (fixtures, or seeds when present)."""
    return sorted(documents_dir(request.param).glob("*.txt"))


# The published ranks of mobilevit-small, A on the first three pages of each set.
MOBILEVIT_RANKS = {"fixtures": [44, 46], "seeds": [45, 47]}


def corpus_of(paths) -> str:
    return "fixtures" if paths[0].parent == documents_dir("fixtures") else "seeds"


def graph_shape(driver) -> dict[str, int]:
    records, _, _ = driver.execute_query(
        "MATCH (n) WHERE n:Comparison OR n:Document OR n:Capability RETURN labels(n)[0] AS label, count(*) AS n"
    )
    shape = {r["label"]: r["n"] for r in records}
    records, _, _ = driver.execute_query("MATCH (a:Artifact {mentionedOnly: false}) RETURN collect(a.slug) AS slugs")
    return {**shape, "described": sorted(records[0]["slugs"])}


def test_seeds_and_fixtures_give_the_same_graph_shape(graph):
    """The fixtures stand in for the seeds: same pages, artifacts and capability count."""
    seeds = sorted(require_seeds_dir().glob("*.txt"))
    ingest(graph, seeds)
    from_seeds = graph_shape(graph)
    clear_graph(graph)
    ingest(graph, [documents_dir("fixtures")])
    assert graph_shape(graph) == from_seeds


def test_pages_land_in_the_graph_with_every_fact(graph, seeds):
    report = ingest(graph, seeds)
    assert (report.read, report.ingested, report.unchanged, report.rejected) == (5, 5, 0, [])
    for path in seeds:
        record = parse(read_path(path))
        stored = comparison_from_graph(graph, record.title)
        comparison = stored["c"]
        assert json.loads(comparison["features"]) == [[r.feature, r.a, r.b] for r in record.table]
        assert (stored["a"], stored["b"]) == (record.a.name, record.b.name)
        assert stored["rankA"] == comparison["rankA"] == int(record.cell("UnfragileRank", "a").split("/")[0])
        assert stored["rankB"] == comparison["rankB"] == int(record.cell("UnfragileRank", "b").split("/")[0])
        assert (comparison["moreA"], comparison["moreB"]) == (record.a.more, record.b.more)
        expected = [("a", c) for c in record.a.capabilities] + [("b", c) for c in record.b.capabilities]
        assert [(s["side"], s["description"], s["unique"], s["vs"]) for s in stored["shown"]] == [
            (side, c.description, c.unique, c.vs_alternatives) for side, c in expected
        ]
        assert comparison["verdict"] == (record.verdict.text if record.verdict else None)
        if record.verdict and record.verdict.winner:
            assert comparison["winnerSlug"] == slugify(record.verdict.winner)


def test_capabilities_are_deduplicated_across_documents(graph, seeds):
    ingest(graph, seeds)
    records, _, _ = graph.execute_query(
        "MATCH (a:Artifact)-[:HAS_CAPABILITY]->(k) RETURN a.slug AS slug, count(DISTINCT k) AS n, a.capabilityCount AS published"
    )
    counts = {r["slug"]: (r["n"], r["published"]) for r in records}
    assert counts["mobilevit-small"] == (5, 5)
    assert counts["stable-diffusion-3-5-large"] == (8, 14)
    # mobilevit-small's capabilities appear on three pages: one node each, three sources.
    records, _, _ = graph.execute_query(
        "MATCH (:Artifact {slug: 'mobilevit-small'})-[:HAS_CAPABILITY]->(k)-[:SOURCE]->(d:Document) "
        "RETURN k.id AS id, count(d) AS sources"
    )
    assert sorted(r["sources"] for r in records) == [3, 3, 3, 3, 3]


def test_ranks_are_observations_per_page(graph, seeds):
    ingest(graph, seeds)
    records, _, _ = graph.execute_query(
        "MATCH (c:Comparison)-[r:COMPARES]->(:Artifact {slug: 'mobilevit-small'}) RETURN collect(DISTINCT r.rank) AS ranks"
    )
    assert sorted(records[0]["ranks"]) == MOBILEVIT_RANKS[corpus_of(seeds)]  # two published ranks, both kept


def test_mentioned_only_artifacts_and_alternatives(graph, seeds):
    ingest(graph, seeds)
    records, _, _ = graph.execute_query(
        "MATCH (:Artifact {slug: 'mobilevit-small'})-[:HAS_CAPABILITY]->()-[r:NAMES_ALTERNATIVE]->(a:Artifact) "
        "RETURN DISTINCT a.slug AS slug, a.mentionedOnly AS mentioned, r.relation AS relation"
    )
    alternatives = {r["slug"]: r for r in records}
    assert "mobilenetv3" in {s.split("-")[0] for s in alternatives} or any(
        s.startswith("mobilenetv3") for s in alternatives
    )
    assert any(s.startswith("efficientnet-b0") for s in alternatives)
    assert all(r["mentioned"] for r in alternatives.values())
    # Generic phrases never become artifacts.
    records, _, _ = graph.execute_query("MATCH (a:Artifact) RETURN a.slug AS slug")
    slugs = {r["slug"] for r in records}
    for generic in ("cnn-based-models", "cloud-apis", "fixed-regularization-sets", "pure-vit-models"):
        assert generic not in slugs


def test_claims_are_linked_to_their_subject(graph, seeds):
    ingest(graph, seeds)
    records, _, _ = graph.execute_query(
        "MATCH (c:Claim {metric: 'param_count'})-[:ABOUT]->(a:Artifact) RETURN a.slug AS slug, c.value AS value"
    )
    by_subject = {(r["slug"], r["value"]) for r in records}
    assert ("mobilevit-small", 5.6e6) in by_subject
    assert ("stable-diffusion-3-5-large", 8.1e9) in by_subject


def test_reingesting_changes_nothing(graph, seeds):
    ingest(graph, seeds)
    before = dump_graph(graph)
    report = ingest(graph, seeds)
    assert (report.read, report.ingested, report.unchanged) == (5, 0, 5)
    assert dump_graph(graph) == before


def test_batch_size_does_not_change_the_graph(graph, seeds):
    ingest(graph, seeds, batch_size=100)
    batched = dump_graph(graph)
    clear_graph(graph)
    ingest(graph, seeds, batch_size=1)
    assert dump_graph(graph) == batched


def test_reencoded_duplicate_is_unchanged(graph, seeds, tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(b"\xef\xbb\xbf" + seeds[0].read_bytes().replace(b"\n", b"\r\n"))
    report = ingest(graph, [seeds[0], copy])
    assert (report.ingested, report.unchanged) == (1, 1)


def test_rejected_inputs_leave_no_trace(graph, tmp_path):
    bad = {
        "empty.txt": b"",
        "page.html": b"<!doctype html><html><body><h1>A vs B</h1></body></html>",
        "data.json": b'{"title": "A vs B"}',
        "binary.bin": bytes(range(256)) * 4,
        "notes.txt": b"Shopping list\n- eggs\n- milk\n",
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    report = ingest(graph, [tmp_path])
    assert report.ingested == 0 and len(report.rejected) == len(bad)
    assert all(r.reason for r in report.rejected)
    assert count_nodes(graph) == 0


def test_an_internal_error_costs_one_document_not_the_run(graph, seeds, monkeypatch):
    import ingest.pipeline as pipeline

    real_rows_for = pipeline.rows_for

    def failing_on_the_second(record, document, **options):
        if document.source == str(seeds[1]):
            raise ValueError("injected fault")
        return real_rows_for(record, document, **options)

    monkeypatch.setattr(pipeline, "rows_for", failing_on_the_second)
    report = ingest(graph, seeds)
    assert report.ingested == 4
    assert [(r.path, r.code) for r in report.rejected] == [(str(seeds[1]), "internal-error")]
    assert "injected fault" in report.rejected[0].reason
    records, _, _ = graph.execute_query("MATCH (d:Document) RETURN count(d) AS n")
    assert records[0]["n"] == 4


def test_spelling_variants_land_on_the_described_artifact_in_either_order(graph, seeds):
    # The pages name SDXL in vs-alternatives text; a sample page describes it under the title "SDXL".
    sdxl_page = sample_folder() / "s18_stable-diffusion-1-5-vs-sdxl.txt"
    ingest(graph, seeds)
    ingest(graph, [sdxl_page])
    mention_first = dump_graph(graph)
    records, _, _ = graph.execute_query(
        "MATCH (a:Artifact) WHERE a.aliasKey = 'stable-diffusion-xl' RETURN a.slug AS slug, a.mentionedOnly AS m"
    )
    assert [(r["slug"], r["m"]) for r in records] == [("sdxl", False)]
    records, _, _ = graph.execute_query(
        "MATCH (:Artifact {slug: 'stable-diffusion-3-5-large'})-[:HAS_CAPABILITY]->()-[:NAMES_ALTERNATIVE]->(a) "
        "RETURN collect(DISTINCT a.slug) AS slugs"
    )
    assert "sdxl" in records[0]["slugs"] and "stable-diffusion-xl" not in records[0]["slugs"]

    clear_graph(graph)
    ingest(graph, [sdxl_page])
    ingest(graph, seeds)
    assert dump_graph(graph) == mention_first
