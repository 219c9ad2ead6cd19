"""The API's bounds and its HTTP contract, on the real app against the real test Neo4j.

Query limits (depth, aliases, tokens, cost, fragment bombs), body size, rate limits, API keys,
GraphQL over HTTP status codes and media types, error masking, CORS, and the metrics of refusals.
A few cases need a resolver that fails or a mutation; they run on a tiny schema served by the
same endpoint class, with the same limits and masking.
"""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace

import pytest
import strawberry
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from graph_service.api.auth import MUTATIONS_DISABLED, NEEDS_KEY, RequiresApiKey
from graph_service.api.endpoint import GRAPHQL_RESPONSE_JSON, GraphQLEndpoint, negotiate
from graph_service.api.errors import InputError, NotFoundError
from graph_service.api.limits import measure, query_limit_extensions
from graph_service.app import create_app
from graph_service.bodylimit import BodyLimitMiddleware
from graph_service.metrics import Metrics
from graph_service.ratelimit import RateLimiter

GRAPHQL_RESPONSE = {"accept": GRAPHQL_RESPONSE_JSON}
KEY = "test-key-0123456789"


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client(settings, graph):
    app = create_app(settings)
    app.state.rate_limits.clock = FakeClock()
    with TestClient(app) as client:
        yield client


def app_client(settings, **updates) -> TestClient:
    """A client on the real app with some settings changed (use as a context manager)."""
    app = create_app(settings.model_copy(update=updates))
    app.state.rate_limits.clock = FakeClock()
    return TestClient(app)


def errors_of(response) -> list[dict]:
    return response.json()["errors"]


def assert_still_serving(client) -> None:
    response = client.post("/graphql", json={"query": "{ version }"})
    assert response.status_code == 200 and response.json()["data"]["version"]


# --- query limits -----------------------------------------------------------------------------------


def test_a_depth_20_query_is_refused(client):
    query = '{ artifact(slug: "x") { ' + "alternatives { " * 19 + "name" + " }" * 19 + " } }"
    response = client.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert any("exceeds maximum operation depth of 12" in e["message"] for e in body["errors"])
    assert_still_serving(client)


def test_a_1000_alias_query_is_refused(client):
    query = "{ " + " ".join(f"a{i}: version" for i in range(1000)) + " }"
    response = client.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert any("1000 aliases found. Allowed: 50" in e["message"] for e in errors_of(response))
    assert_still_serving(client)


def test_too_many_tokens_stop_the_parser(client):
    query = "{ " + "version " * 6000 + "}"
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 200  # application/json: request errors are 200
    [error] = errors_of(response)
    assert "more than 5000 tokens" in error["message"]
    assert_still_serving(client)


def test_a_too_costly_query_is_refused_with_its_cost(client):
    # 100 artifacts x 20 alternatives x 20 x 20: far more than anyone should fetch at once.
    query = "{ artifacts(first: 100) { edges { node { alternatives { alternatives { alternatives { name } } } } } } }"
    response = client.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    [error] = errors_of(response)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["maxCost"] == 50_000 and error["extensions"]["cost"] > 50_000
    assert f"costs {error['extensions']['cost']:,}, above the limit of 50,000" in error["message"]
    # The same shape, a page of 2 through a variable, is fine.
    small = query.replace("first: 100", "first: $n").replace("{ artifacts", "query Q($n: Int!) { artifacts")
    response = client.post("/graphql", json={"query": small, "variables": {"n": 2}})
    assert response.status_code == 200 and "errors" not in response.json()


def test_the_cost_limit_follows_the_settings(settings, graph):
    with app_client(settings, max_query_cost=3) as client:
        response = client.post("/graphql", json={"query": "{ a: version b: version c: version d: version }"})
        [error] = errors_of(response)
        assert "costs 4, above the limit of 3" in error["message"]
        assert client.post("/graphql", json={"query": "{ a: version b: version }"}).status_code == 200
        assert "errors" not in client.post("/graphql", json={"query": "{ a: version b: version }"}).json()


def test_a_fragment_bomb_is_refused_quickly(client):
    # Each fragment spreads the next twice: 2^40 fields. Unchecked, strawberry's depth and alias
    # validators walk every path; the cost walk refuses it first.
    levels = 40
    query = (
        "query { ...F0 }\n"
        + "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
        + f"\nfragment F{levels} on Query {{ __typename }}"
    )
    start = time.perf_counter()
    response = client.post("/graphql", json={"query": query})
    assert time.perf_counter() - start < 2
    [error] = errors_of(response)
    assert f"expands to {2**levels:,} fields once its fragments are spread in" in error["message"]
    assert_still_serving(client)


def test_graphiql_introspection_fits_the_limits(client):
    from graphql import get_introspection_query

    response = client.post("/graphql", json={"query": get_introspection_query(descriptions=True)})
    assert response.status_code == 200 and "errors" not in response.json()
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


@strawberry.type
class CostItem:
    name: str

    @strawberry.field
    def children(self) -> list[CostItem]:
        return []


@strawberry.type
class CostPage:
    total: int
    items: list[CostItem]


@strawberry.type
class CostQuery:
    @strawberry.field
    def items(self, first: int = 5) -> list[CostItem]:
        return []

    @strawberry.field
    def page(self, first: int = 10) -> CostPage:
        return CostPage(total=0, items=[])

    @strawberry.field
    def tags(self) -> list[str]:
        return []


def test_cost_counts_lists_by_their_size_argument():
    from graphql import parse

    schema = strawberry.Schema(query=CostQuery)._schema

    def cost(query: str, variables=None) -> int:
        document = parse(query)
        return measure(schema, document, document.definitions[0], variables or {})[0]

    assert cost("{ tags }") == 1
    assert cost("{ items { name } }") == 1 + 5 * 1  # the argument's default
    assert cost("{ items(first: 3) { name children { name } } }") == 1 + 3 * (1 + 1 + 20 * 1)
    assert cost("query($n: Int) { items(first: $n) { name } }", {"n": 40}) == 1 + 40
    assert cost("query($n: Int = 7) { items(first: $n) { name } }") == 1 + 7
    assert cost("{ page(first: 4) { total items { name } } }") == 1 + 4 * (1 + 1 + 1)  # connection: no x20
    assert cost("{ __typename items { ...F } } fragment F on CostItem { name }") == 1 + 5
    # Introspection: leaves free, objects 1, lists x10.
    assert cost("{ __schema { types { name fields { name } } } }") == 1 + 1 + 10 * (1 + 10 * 0)


# --- body size -------------------------------------------------------------------------------------


TEN_MB = 10 * 1024 * 1024


def test_a_10_mb_body_with_content_length_is_413(client):
    body = json.dumps({"query": "{ version }", "padding": "x" * TEN_MB})
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    [error] = errors_of(response)
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "limit is 4194304 bytes" in error["message"]
    assert_still_serving(client)


def test_a_10_mb_chunked_body_is_413(client):
    def chunks():
        yield b'{"query": "{ version }", "padding": "'
        for _ in range(10):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    response = client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert errors_of(response)[0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert_still_serving(client)


def test_the_body_limit_stops_reading_a_stream_at_the_limit():
    """Without Content-Length, the middleware reads no further than the chunk that crosses it."""
    pulled = []

    async def receive():
        pulled.append(1)
        return {"type": "http.request", "body": b"x" * 1000, "more_body": len(pulled) < 100}

    async def app(scope, receive, send):
        from starlette.requests import Request

        await Request(scope, receive).body()
        raise AssertionError("the app must never get the whole body")

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}
    asyncio.run(BodyLimitMiddleware(app, max_bytes=4500)(scope, receive, send))
    assert len(pulled) == 5  # 5000 bytes > 4500: stop there, 95 chunks never read
    assert sent[0]["status"] == 413


def test_content_length_over_the_limit_is_refused_without_reading():
    async def receive():
        raise AssertionError("the body must not be read")

    async def app(scope, receive, send):
        raise AssertionError("the app must not run")

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [(b"content-length", b"5000")]}
    asyncio.run(BodyLimitMiddleware(app, max_bytes=4500)(scope, receive, send))
    assert sent[0]["status"] == 413


# --- rate limits -----------------------------------------------------------------------------------


def test_the_61st_anonymous_request_in_a_minute_is_429(client):
    clock = client.app.state.rate_limits.clock
    for i in range(60):
        response = client.post("/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 200, i
        assert response.headers["ratelimit-limit"] == "60"
        assert response.headers["ratelimit-remaining"] == str(59 - i)
    response = client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.headers["ratelimit-remaining"] == "0"
    assert int(response.headers["ratelimit-reset"]) == 60
    [error] = errors_of(response)
    assert error["extensions"]["code"] == "RATE_LIMITED" and "60 requests per minute" in error["message"]
    # Health and metrics are never limited.
    assert client.get("/healthz").status_code == 200 and "ratelimit-limit" not in client.get("/healthz").headers
    # One request's worth comes back each second; the whole budget after a minute.
    clock.now += 1
    assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
    assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 429
    clock.now += 60
    for _ in range(60):
        assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
    assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 429


def test_keyed_clients_have_their_own_higher_budget(settings, graph):
    with app_client(
        settings, api_keys=frozenset({SecretStr(KEY), SecretStr("other-key")}), rate_limit_anonymous=3
    ) as client:
        for _ in range(3):
            assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
        assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 429
        for _ in range(100):
            response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"x-api-key": KEY})
            assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == "300"
        assert response.headers["ratelimit-remaining"] == "200"
        # Another key is another client; Bearer is the same key as X-API-Key.
        response = client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"authorization": "Bearer other-key"}
        )
        assert response.headers["ratelimit-remaining"] == "299"
        response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"authorization": f"Bearer {KEY}"})
        assert response.headers["ratelimit-remaining"] == "199"
        # A made-up key buys no fresh budget: it is anonymous here, and refused by the endpoint.
        response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"x-api-key": "made-up"})
        assert response.status_code == 429


def test_forwarded_for_counts_only_behind_a_trusted_proxy(settings, graph):
    query = {"query": "{ __typename }"}
    with app_client(settings, rate_limit_anonymous=1) as client:
        assert client.post("/graphql", json=query, headers={"x-forwarded-for": "203.0.113.1"}).status_code == 200
        assert client.post("/graphql", json=query, headers={"x-forwarded-for": "203.0.113.2"}).status_code == 429
    with app_client(settings, rate_limit_anonymous=1, trust_forwarded_for=True) as client:
        assert client.post("/graphql", json=query, headers={"x-forwarded-for": "203.0.113.1"}).status_code == 200
        assert (
            client.post("/graphql", json=query, headers={"x-forwarded-for": "203.0.113.2, 10.0.0.1"}).status_code == 200
        )
        assert (
            client.post("/graphql", json=query, headers={"x-forwarded-for": "203.0.113.1, 10.0.0.2"}).status_code == 429
        )


def test_zero_means_unlimited(settings, graph):
    with app_client(settings, rate_limit_anonymous=0) as client:
        for _ in range(100):
            response = client.post("/graphql", json={"query": "{ __typename }"})
            assert response.status_code == 200 and "ratelimit-limit" not in response.headers


def test_the_limiter_forgets_idle_clients_and_stays_bounded():
    limiter = RateLimiter(2, max_clients=1000)
    for i in range(5000):
        limiter.hit(f"client-{i}", now=float(i) / 1000)
    assert len(limiter) <= 1000
    limiter.hit("late", now=1000.0)  # everyone else is idle by now
    assert len(limiter) == 1
    decision = limiter.hit("late", now=1000.0)
    assert decision.allowed and decision.remaining == 0
    decision = limiter.hit("late", now=1000.0)
    assert not decision.allowed and decision.retry_after == 30 and decision.reset == 60


# --- API keys --------------------------------------------------------------------------------------


@strawberry.type
class TinyQuery:
    @strawberry.field
    def hello(self) -> str:
        return "hello"

    @strawberry.field
    def echo(self, n: int) -> int:
        return n

    @strawberry.field
    def broken(self) -> str | None:
        raise RuntimeError("secret: bolt://neo4j:hunter2@db.internal:7687")

    @strawberry.field
    def bad_input(self) -> str | None:
        raise InputError("`first` must be between 0 and 100 (got 1000)")

    @strawberry.field
    def missing(self) -> str | None:
        raise NotFoundError("no artifact named 'x'")


@strawberry.type
class TinyMutation:
    @strawberry.mutation(permission_classes=[RequiresApiKey])
    def touch(self) -> bool:
        return True


def tiny_client(settings, **updates) -> TestClient:
    """The GraphQL endpoint, with the app's limits and masking, over a schema made for the test."""
    settings = settings.model_copy(update=updates)
    schema = strawberry.Schema(query=TinyQuery, mutation=TinyMutation, extensions=query_limit_extensions(settings))
    app = Starlette(routes=[Route("/graphql", GraphQLEndpoint(schema))])
    app.state.matchgraph = SimpleNamespace(settings=settings, graph=None, metrics=Metrics())
    return TestClient(app)


def test_a_mutation_needs_an_api_key(settings):
    with tiny_client(settings, api_keys=frozenset({SecretStr(KEY)})) as client:
        response = client.post("/graphql", json={"query": "mutation { touch }"})
        assert response.status_code == 200 and response.json()["data"] is None
        [error] = errors_of(response)
        assert error["message"] == NEEDS_KEY and error["extensions"]["code"] == "UNAUTHENTICATED"
        for headers in ({"x-api-key": KEY}, {"authorization": f"Bearer {KEY}"}):
            response = client.post("/graphql", json={"query": "mutation { touch }"}, headers=headers)
            assert response.json() == {"data": {"touch": True}}


def test_a_wrong_key_is_an_authentication_error_not_anonymous(settings):
    with tiny_client(settings, api_keys=frozenset({SecretStr(KEY)})) as client:
        for headers in ({"x-api-key": "wrong"}, {"authorization": "Bearer wrong"}):
            for query in ("mutation { touch }", "{ hello }"):
                response = client.post("/graphql", json={"query": query}, headers=headers)
                assert response.status_code == 401
                assert response.headers["www-authenticate"] == "Bearer"
                [error] = errors_of(response)
                assert error["extensions"]["code"] == "UNAUTHENTICATED" and "invalid API key" in error["message"]


def test_without_configured_keys_mutations_are_disabled(settings):
    with tiny_client(settings) as client:
        response = client.post("/graphql", json={"query": "mutation { touch }"})
        [error] = errors_of(response)
        assert error["message"] == MUTATIONS_DISABLED and error["extensions"]["code"] == "UNAUTHENTICATED"
        assert client.post("/graphql", json={"query": "{ hello }"}).json() == {"data": {"hello": "hello"}}


INGEST = "mutation($docs: [DocumentInput!]!) { ingestDocuments(documents: $docs) { __typename } }"


def test_the_real_ingest_mutation_needs_a_key(settings, graph):
    with app_client(settings, api_keys=frozenset({SecretStr(KEY)})) as client:
        response = client.post("/graphql", json={"query": INGEST, "variables": {"docs": []}})
        [error] = errors_of(response)
        assert error["extensions"]["code"] == "UNAUTHENTICATED" and error["message"] == NEEDS_KEY
        response = client.post(
            "/graphql", json={"query": INGEST, "variables": {"docs": []}}, headers={"x-api-key": "wrong"}
        )
        assert response.status_code == 401 and errors_of(response)[0]["extensions"]["code"] == "UNAUTHENTICATED"
        response = client.post(
            "/graphql", json={"query": INGEST, "variables": {"docs": []}}, headers={"x-api-key": KEY}
        )
        codes = [e.get("extensions", {}).get("code") for e in response.json().get("errors", [])]
        assert "UNAUTHENTICATED" not in codes


def test_the_real_ingest_mutation_is_disabled_without_keys(client):
    response = client.post("/graphql", json={"query": INGEST, "variables": {"docs": []}})
    assert errors_of(response)[0]["message"] == MUTATIONS_DISABLED


# --- errors: masked unless raised on purpose -------------------------------------------------------


def test_unexpected_errors_never_leak(settings):
    with tiny_client(settings) as client:
        for accept in ("application/json", GRAPHQL_RESPONSE_JSON):
            response = client.post("/graphql", json={"query": "{ hello broken }"}, headers={"accept": accept})
            assert response.status_code == 200  # executed: a field error, not a request error
            assert "secret" not in response.text and "hunter2" not in response.text
            assert "Traceback" not in response.text and "RuntimeError" not in response.text
            body = response.json()
            assert body["data"] == {"hello": "hello", "broken": None}
            assert body["errors"] == [
                {
                    "message": "Internal server error",
                    "locations": [{"line": 1, "column": 9}],
                    "path": ["broken"],
                    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                }
            ]


def test_user_errors_keep_their_message_and_code(settings):
    with tiny_client(settings) as client:
        response = client.post("/graphql", json={"query": "{ badInput missing }"})
        errors = {e["path"][0]: e for e in errors_of(response)}
        assert errors["badInput"]["message"] == "`first` must be between 0 and 100 (got 1000)"
        assert errors["badInput"]["extensions"] == {"code": "BAD_USER_INPUT"}
        assert errors["missing"]["extensions"] == {"code": "NOT_FOUND"}


def test_variable_errors_are_shown_as_request_errors(settings):
    with tiny_client(settings) as client:
        query = "query($n: Int!) { echo(n: $n) }"
        response = client.post("/graphql", json={"query": query, "variables": {"n": "many"}}, headers=GRAPHQL_RESPONSE)
        assert response.status_code == 400
        [error] = errors_of(response)
        assert "Int cannot represent non-integer value: 'many'" in error["message"]


# --- GraphQL over HTTP -----------------------------------------------------------------------------


def test_graphql_response_json_status_codes(client):
    response = client.post("/graphql", json={"query": "{ version }"}, headers=GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    for bad in ("{ version", "{ nope }", "query Q { version } query Q { version }"):
        response = client.post("/graphql", json={"query": bad}, headers=GRAPHQL_RESPONSE)
        assert response.status_code == 400, bad
        assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
        assert "data" not in response.json() and response.json()["errors"]


def test_application_json_answers_200_for_request_errors(client):
    for bad in ("{ version", "{ nope }"):
        response = client.post("/graphql", json={"query": bad}, headers={"accept": "application/json"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert "data" not in response.json() and response.json()["errors"]


def test_a_mutation_over_get_is_405(client):
    response = client.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert "POST" in errors_of(response)[0]["message"]


def test_other_methods_are_405_with_allow(client):
    response = client.put("/graphql", json={"query": "{ version }"})
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
    assert errors_of(response)


def test_unsupported_media_type_is_415(client):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/graphql"):
        response = client.post("/graphql", content=b"{ version }", headers={"content-type": content_type})
        assert response.status_code == 415, content_type
        assert "application/json" in errors_of(response)[0]["message"]


def test_unacceptable_accept_is_406(client):
    response = client.post("/graphql", json={"query": "{ version }"}, headers={"accept": "application/xml"})
    assert response.status_code == 406
    assert errors_of(response)[0]["message"].startswith("Accept must allow")
    response = client.get("/graphql", params={"query": "{ version }"}, headers={"accept": "text/html"})
    assert response.status_code == 406


def test_malformed_json_is_400_in_graphql_error_form(client):
    for body in (b'{"query": ', b"\xff\xfe\xfa", b'"just a string"', b"[" * 100_000, b""):
        response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, body[:20]
        assert response.headers["content-type"] == "application/json"
        assert errors_of(response)[0]["message"]
    response = client.post("/graphql", json={"variables": {}})
    assert response.status_code == 400 and errors_of(response)[0]["message"] == "No GraphQL query found in the request"


def test_get_queries_and_graphiql(client):
    response = client.get("/graphql", params={"query": "{ version }"}, headers=GRAPHQL_RESPONSE)
    assert response.status_code == 200 and response.json()["data"]["version"]
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


def test_accept_negotiation():
    assert negotiate(None) == "application/json"
    assert negotiate("*/*") == "application/json"
    assert negotiate("application/json") == "application/json"
    assert negotiate(GRAPHQL_RESPONSE_JSON) == GRAPHQL_RESPONSE_JSON
    assert negotiate(f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9") == GRAPHQL_RESPONSE_JSON
    assert negotiate(f"application/json, {GRAPHQL_RESPONSE_JSON}") == GRAPHQL_RESPONSE_JSON
    assert negotiate(f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5") == "application/json"
    assert negotiate("application/json;q=0, */*") == GRAPHQL_RESPONSE_JSON  # JSON refused, the other not
    assert negotiate("text/html") is None
    assert negotiate("application/*") == "application/json"


# --- CORS and metrics ------------------------------------------------------------------------------


def test_cors_preflight_for_a_configured_origin(settings, graph):
    origin = "https://app.example"
    with app_client(settings, cors_origins=(origin,)) as client:
        response = client.options(
            "/graphql",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, x-api-key",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == origin
        assert "x-api-key" in response.headers["access-control-allow-headers"].lower()
        assert "ratelimit-limit" not in response.headers  # preflights do not spend the budget
        response = client.options(
            "/graphql",
            headers={
                "origin": "https://evil.example",
                "access-control-request-method": "POST",
            },
        )
        assert response.status_code == 400
        response = client.post("/graphql", json={"query": "{ version }"}, headers={"origin": origin})
        assert response.headers["access-control-allow-origin"] == origin
        exposed = response.headers["access-control-expose-headers"].lower()
        assert "ratelimit-remaining" in exposed and "retry-after" in exposed


def test_metrics_count_refusals(settings, graph):
    with app_client(settings, rate_limit_anonymous=2) as client:
        assert client.post("/graphql", json={"query": "{ version }"}).status_code == 200
        too_big = client.post(
            "/graphql", content=b"x" * (5 * 1024 * 1024), headers={"content-type": "application/json"}
        )
        assert too_big.status_code == 413
        for _ in range(2):
            assert client.post("/graphql", json={"query": "{ version }"}).status_code == 429
        text = client.get("/metrics").text
        assert 'matchgraph_http_requests_total{method="POST",path="/graphql",status="200"} 1.0' in text
        assert 'matchgraph_http_requests_total{method="POST",path="/graphql",status="413"} 1.0' in text
        assert 'matchgraph_http_requests_total{method="POST",path="/graphql",status="429"} 2.0' in text


def test_cached_validation_still_checks_each_requests_cost(client):
    # Parsing and validation are cached per query text; the cost depends on the variables and must
    # be checked on every request, or a cheap first request would open the door to costly ones.
    query = (
        "query Deep($n: Int!) { artifacts(first: $n) { edges { node { capabilities { alternatives "
        "{ capabilities { name } } } } } } }"
    )
    cheap = client.post("/graphql", json={"query": query, "variables": {"n": 1}})
    assert cheap.status_code == 200 and "errors" not in cheap.json(), cheap.text
    costly = client.post("/graphql", json={"query": query, "variables": {"n": 100}})
    errors = errors_of(costly)
    assert errors and errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    again = client.post("/graphql", json={"query": query, "variables": {"n": 1}})
    assert "errors" not in again.json()


def test_cached_validation_keeps_refusing_invalid_documents(client):
    bad = "{ artifacts(first: 1) { edges { node { noSuchField } } } }"
    for _ in range(2):  # the second answer comes from the cache
        errors = errors_of(client.post("/graphql", json={"query": bad}))
        assert errors and "noSuchField" in errors[0]["message"]
