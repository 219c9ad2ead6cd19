"""schema/schema.graphql is the SDL of the code, and keeps design §3's contract."""

from graph_service.api.sdl import SDL_PATH, current_sdl


def test_exported_sdl_is_up_to_date():
    assert SDL_PATH.read_text(encoding="utf-8") == current_sdl(), (
        "schema/schema.graphql is out of date: run `python -m graph_service.api.sdl`"
    )


def test_contract_fields_are_in_the_sdl():
    sdl = current_sdl()
    for line in [
        "artifact(slug: String!): Artifact",
        "artifacts(first: Int = 20, after: String = null, type: String = null",
        "compare(a: String!, b: String!): Comparison",
        "search(query: String!, limit: Int = 5, type: String = null, image: String = null): [SearchHit!]!",
        "ingestDocuments(documents: [DocumentInput!]!): IngestReport!",
        "capabilities: [Capability!]!",
        "alternatives(first: Int! = 20): [Artifact!]!",
        "capabilitiesA: [Capability!]!",
        "moreA: Int!",
        "timesMatched: Int!",
        "vsAlternatives: String",
    ]:
        assert line in sdl, line
