"""The GraphQL contract of design §3 (and issue 4's additions) against the graph of five pages: the
project's fixtures (tests/data/fixtures), and the seed documents too when present (tests/seeds.py)."""

from __future__ import annotations

import pytest
from conftest import clear_graph
from seeds import CORPORA, documents_dir
from starlette.testclient import TestClient

from graph_service.app import create_app
from ingest.parser import parse
from ingest.pipeline import Ingester, expand_paths, read_inputs
from ingest.reading import read_path
from ingest.writer import GraphWriter
from schema import page_document

MOBILEVIT, SD35L = "mobilevit-small", "Stable Diffusion 3.5 Large"


@pytest.fixture(scope="module", params=CORPORA)
def corpus(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def seeded(neo4j_driver, corpus):
    clear_graph(neo4j_driver)
    paths = sorted(documents_dir(corpus).glob("*.txt"))
    report = Ingester(GraphWriter(neo4j_driver)).ingest(read_inputs(expand_paths(paths)))
    assert report.ingested == 5
    yield neo4j_driver
    clear_graph(neo4j_driver)


@pytest.fixture(scope="module")
def api(seeded, neo4j_server, tmp_path_factory):
    from graphdb.config import Settings

    settings = Settings(
        neo4j_uri=neo4j_server.bolt_uri,
        neo4j_password=neo4j_server.password(),
        data_dir=tmp_path_factory.mktemp("api-data"),
        rate_limit_anonymous=0,
        _env_file=None,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def gql(client, query, **variables):
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def round_trips(client, query, **variables) -> int:
    graph = client.app.state.matchgraph.graph
    before = graph.round_trips
    gql(client, query, **variables)
    return graph.round_trips - before


# The documents a front end's pages send (schema/pages/).
ARTIFACT_PAGE = page_document("artifact")
COMPARE_PAGE = page_document("compare")
ARTIFACTS_PAGE = page_document("artifacts")


def seed_record(corpus, prefix):
    return parse(read_path(next(documents_dir(corpus).glob(f"{prefix}_*.txt"))))


def test_artifact_by_slug_or_exact_name(api, corpus):
    by_slug = gql(api, ARTIFACT_PAGE, slug="stable-diffusion-3-5-large")["artifact"]
    by_name = gql(api, ARTIFACT_PAGE, slug=SD35L)["artifact"]
    assert by_slug == by_name
    assert by_slug["name"] == SD35L and by_slug["type"] == "Model" and by_slug["capabilityCount"] == 14
    assert len(by_slug["capabilities"]) == 8 and by_slug["mentionedOnly"] is False
    assert {c["title"] for c in by_slug["comparisons"]} == {
        f"{a} vs {SD35L}" for a in ("mobilevit-small", "vit-base-patch16-224", "rorshark-vit-base")
    }
    mobilevit = gql(api, ARTIFACT_PAGE, slug=MOBILEVIT)["artifact"]
    published = {seed_record(corpus, page).rank("a") for page in ("000", "001", "002")}
    assert len(mobilevit["capabilities"]) == 5 and mobilevit["rank"] in published and len(published) == 2
    assert gql(api, ARTIFACT_PAGE, slug="no-such-thing")["artifact"] is None


def test_alternatives_are_explained_and_ranked(api):
    artifact = gql(api, ARTIFACT_PAGE, slug=MOBILEVIT)["artifact"]
    matches = artifact["alternativeMatches"]
    assert matches, "mobilevit-small names alternatives and is compared on three pages"
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert [m["artifact"]["slug"] for m in matches][:20] == [a["slug"] for a in artifact["alternatives"]]
    kinds = {r["kind"] for m in matches for r in m["reasons"]}
    assert {"NAMED_IN_TEXT", "COMPARED_ON_PAGE"} <= kinds
    compared = {m["artifact"]["slug"] for m in matches if any(r["kind"] == "COMPARED_ON_PAGE" for r in m["reasons"])}
    assert compared == {"stable-diffusion-3-5-large", "dreambooth-stable-diffusion", "sdnext"}


def test_compare_as_published(api, corpus):
    record = seed_record(corpus, "000")
    page = gql(api, COMPARE_PAGE, a=MOBILEVIT, b=SD35L)["compare"]
    assert page["published"] is True and page["swapped"] is False
    assert page["title"] == record.title
    assert [(f["feature"], f["a"], f["b"]) for f in page["features"]] == [(r.feature, r.a, r.b) for r in record.table]
    assert (page["rankA"], page["rankB"], page["moreA"], page["moreB"]) == (record.rank("a"), record.rank("b"), 0, 6)
    assert [c["description"] for c in page["capabilitiesA"]] == [c.description for c in record.a.capabilities]
    assert [c["vsAlternatives"] for c in page["capabilitiesB"]] == [c.vs_alternatives for c in record.b.capabilities]
    assert page["winner"]["slug"] == "stable-diffusion-3-5-large"
    assert page["verdict"] == record.verdict.text


def test_compare_follows_the_arguments_order(api, corpus):
    record = seed_record(corpus, "000")
    page = gql(api, COMPARE_PAGE, a=SD35L, b="mobilevit-small")["compare"]
    assert page["swapped"] is True and page["title"] == f"{SD35L} vs mobilevit-small"
    assert page["a"]["slug"] == "stable-diffusion-3-5-large" and page["b"]["slug"] == MOBILEVIT
    assert [(f["feature"], f["a"], f["b"]) for f in page["features"]] == [(r.feature, r.b, r.a) for r in record.table]
    assert (page["rankA"], page["rankB"], page["moreA"], page["moreB"]) == (record.rank("b"), record.rank("a"), 6, 0)
    assert len(page["capabilitiesA"]) == 8 and len(page["capabilitiesB"]) == 5
    assert page["winner"]["slug"] == "stable-diffusion-3-5-large"


def test_compare_without_a_page_answers_from_the_graph(api):
    page = gql(api, COMPARE_PAGE, a="mobilevit-small", b="rorshark-vit-base")["compare"]
    assert page["published"] is False and page["features"] == [] and page["verdict"] is None
    assert len(page["capabilitiesA"]) == 5 and len(page["capabilitiesB"]) == 6
    assert gql(api, COMPARE_PAGE, a="mobilevit-small", b="nothing-like-this")["compare"] is None


def test_compare_the_same_artifact_twice_is_a_clear_error(api):
    body = api.post(
        "/graphql", json={"query": '{ compare(a: "mobilevit-small", b: "MobileViT Small") { title } }'}
    ).json()
    assert body["errors"][0]["message"] == "compare needs two different artifacts"


def test_artifacts_connection_pages_through_everything_once(api):
    seen, after = [], None
    while True:
        page = gql(api, ARTIFACTS_PAGE, first=7, after=after)["artifacts"]
        seen += [edge["node"]["slug"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"]
    ranks = gql(api, "{ artifacts(first: 100) { edges { node { rank } } } }")["artifacts"]["edges"]
    values = [e["node"]["rank"] if e["node"]["rank"] is not None else -1 for e in ranks]
    assert values == sorted(values, reverse=True)


def test_artifacts_filters_and_orderings(api):
    described = gql(api, "{ artifacts(first: 100, mentionedOnly: false) { totalCount edges { node { slug } } } }")
    assert described["artifacts"]["totalCount"] == 6
    repos = gql(api, '{ artifacts(first: 100, type: "Repository") { edges { node { slug type } } } }')
    assert {e["node"]["slug"] for e in repos["artifacts"]["edges"]} == {"dreambooth-stable-diffusion", "sdnext"}
    by_name = gql(api, "{ artifacts(first: 100, orderBy: NAME) { edges { node { name } } } }")["artifacts"]["edges"]
    names = [e["node"]["name"].lower() for e in by_name]
    assert names == sorted(names)


def test_artifacts_rejects_bad_arguments(api):
    too_many = api.post("/graphql", json={"query": "{ artifacts(first: 1000) { totalCount } }"}).json()
    assert "between 0 and 100" in too_many["errors"][0]["message"]
    bad_cursor = api.post("/graphql", json={"query": '{ artifacts(after: "garbage") { totalCount } }'}).json()
    assert "cursor" in bad_cursor["errors"][0]["message"]


def test_capability_queries(api):
    artifact = gql(api, ARTIFACT_PAGE, slug=MOBILEVIT)["artifact"]
    capability_id = artifact["capabilities"][0]["id"]
    data = gql(
        api,
        """query ($id: ID!) { capability(id: $id) { id description artifact { slug } claims { metric } }
                       capabilities(uri: "capability://unclassified", first: 3) { id } }""",
        id=capability_id,
    )
    assert data["capability"]["id"] == capability_id and data["capability"]["artifact"]["slug"] == MOBILEVIT
    assert len(data["capabilities"]) == 3
    assert gql(api, '{ capability(id: "nope") { id } }')["capability"] is None


def test_search_finds_artifacts_by_their_capabilities(api):
    hits = gql(
        api,
        '{ search(query: "image classification on mobile devices", limit: 3) '
        "{ score artifact { slug } matchedCapabilities { name } } }",
    )["search"]
    assert hits and hits[0]["artifact"]["slug"] in {"mobilevit-small", "vit-base-patch16-224", "rorshark-vit-base"}
    assert all(hit["matchedCapabilities"] for hit in hits)
    odd = gql(api, '{ search(query: "AND OR \\"(*:?) text-to-image", limit: 5) { artifact { slug } } }')["search"]
    assert isinstance(odd, list)  # Lucene syntax in user input is plain text, never an error


def test_compare_markdown_round_trips(api):
    for a, b in ((MOBILEVIT, SD35L), (SD35L, "vit-base-patch16-224"), ("mobilevit-small", "sdnext")):
        page = gql(api, COMPARE_PAGE.replace("title published", "title markdown published"), a=a, b=b)["compare"]
        record = parse(page["markdown"])
        assert record.title == page["title"]
        assert [(r.feature, r.a, r.b) for r in record.table] == [
            (f["feature"], f["a"], f["b"]) for f in page["features"]
        ]
        assert [c.description for c in record.a.capabilities] == [c["description"] for c in page["capabilitiesA"]]
        assert [c.vs_alternatives for c in record.b.capabilities] == [
            c["vsAlternatives"] for c in page["capabilitiesB"]
        ]
        assert (record.a.more, record.b.more) == (page["moreA"], page["moreB"])


def test_round_trips_are_bounded(api):
    for a, b in ((MOBILEVIT, SD35L), (SD35L, MOBILEVIT), ("vit-base-patch16-224", SD35L)):
        assert round_trips(api, COMPARE_PAGE, a=a, b=b) == 1  # capabilities' alternatives included
    artifact_page = round_trips(api, ARTIFACT_PAGE, slug=SD35L)
    assert artifact_page == round_trips(api, ARTIFACT_PAGE, slug=MOBILEVIT) <= 8
    assert round_trips(api, ARTIFACTS_PAGE, first=50) == 3
