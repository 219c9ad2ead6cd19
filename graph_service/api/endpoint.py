"""The `/graphql` endpoint: strawberry's ASGI app, held to the GraphQL-over-HTTP spec.

https://graphql.github.io/graphql-over-http/draft/ — what strawberry does differently, and we fix:

- Media types. `Accept: application/graphql-response+json` gets that type, and then a request
  that fails before execution (syntax, validation, limits, variables) is HTTP 400 while an
  executed one is 200 even with field errors. `application/json` (also the answer to `*/*` or
  no Accept, as the spec allows) is 200 for every well-formed request. Neither acceptable: 406.
- Requests. POST bodies must be `application/json` (else 415, strawberry says 400); GET runs
  queries only (a mutation is 405 with `Allow: POST`); other methods are 405 with `Allow`.
- Errors outside GraphQL (bad JSON, no query, …) come back as `{"errors": [{"message": …}]}`
  JSON, never plain text; a request error has no `data` entry (the GraphQL spec's rule).
- An invalid API key is HTTP 401 (code UNAUTHENTICATED) before anything runs.
- The graph unreachable (every error of the response GRAPH_UNAVAILABLE, see `errors`): HTTP 503
  with `Retry-After` under graphql-response+json, and no `data` (the spec asks a response with
  data for a 2xx; the whole request is to be retried); under application/json the usual 200 with
  `Retry-After` too.

GraphiQL is still served to browsers (GET with `Accept: text/html` and no query).
"""

from __future__ import annotations

import json

# What strawberry's views raise (strawberry does not re-export it).
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import process_result
from strawberry.schema.exceptions import InvalidOperationTypeError  # chained to a GET mutation's 400

from graph_service.api.auth import client_key
from graph_service.api.context import Context
from graph_service.api.errors import GRAPH_UNAVAILABLE, RETRY_AFTER_SECONDS, AuthenticationError, client_safe
from graph_service.api.limits import query_limit_extensions
from graph_service.api.outages import GraphStatus
from graph_service.api.schema import create_schema

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


class RequestError(Exception):
    """A request refused before GraphQL runs: an HTTP status, a message, maybe headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.headers, self.code = status, message, headers or {}, code

    def response(self, media_type: str = JSON) -> Response:
        error = {"message": self.message, **({"extensions": {"code": self.code}} if self.code else {})}
        body = json.dumps({"errors": [error]}, separators=(",", ":"))
        return Response(body, status_code=self.status, media_type=media_type, headers=self.headers)


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, schema, **options):
        options.setdefault("graphql_ide", "graphiql")
        options.setdefault("allow_queries_via_get", True)
        super().__init__(schema, **options)
        self.graph_status = GraphStatus()  # shared by this app's requests

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.handle(request)
        except RequestError as error:
            response = error.response(getattr(request.state, "graphql_media_type", JSON))
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            raise RequestError(405, "GraphQL over HTTP takes GET (queries) and POST", {"Allow": "GET, POST"})
        if request.method == "GET" and self.should_render_graphql_ide(self.request_adapter_class(request)):
            return await self.render_graphql_ide(request)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None:
            raise RequestError(406, f"Accept must allow {GRAPHQL_RESPONSE_JSON} or {JSON}")
        request.state.graphql_media_type = media_type
        if request.method == "POST" and _media_type(request.headers.get("content-type")) != JSON:
            raise RequestError(415, f"POST bodies must be {JSON} (a JSON object with `query`)")
        try:
            client_key(request)
        except AuthenticationError as error:
            raise RequestError(401, error.message, {"WWW-Authenticate": "Bearer"}, AuthenticationError.code) from None
        try:
            return await self.run(request)
        except HTTPException as error:
            if request.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError):
                raise RequestError(
                    405, "only queries may be sent with GET; send mutations with POST", {"Allow": "POST"}
                ) from error
            raise RequestError(error.status_code, error.reason) from error

    async def get_context(self, request, response) -> Context:
        state = request.app.state.matchgraph
        return Context(
            request=request,
            graph=state.graph,
            settings=state.settings,
            metrics=state.metrics,
            app_state=state,
            graph_status=self.graph_status,
        )

    async def get_sub_response(self, request):
        sub_response = await super().get_sub_response(request)
        sub_response.graphql_media_type = getattr(request.state, "graphql_media_type", JSON)
        return sub_response

    # parse_json, not the decode_json hook: strawberry turns only JSONDecodeError from decode_json into a 400.
    def parse_json(self, data):
        try:
            value = self.decode_json(data)
        except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
            raise HTTPException(400, "Unable to parse request body as JSON") from None
        if not isinstance(value, (dict, list)):
            raise HTTPException(400, f"expected a JSON object, got {type(value).__name__}")
        return value

    async def process_result(self, request, result):
        if result.errors:
            # Masked again here: an extension failing after the masking extension ran leaves its
            # raw exception message in the result (strawberry turns the exception into an error).
            result.errors = [client_safe(error) for error in result.errors]
        data = process_result(result)
        if result.data is None and result.errors and all(error.path is None for error in result.errors):
            data.pop("data", None)  # a request error: execution never started
        return data

    def create_response(self, response_data, sub_response) -> Response:
        media_type = getattr(sub_response, "graphql_media_type", JSON)
        outage = graph_outage(response_data)
        if outage and media_type == GRAPHQL_RESPONSE_JSON and not sub_response.status_code:
            response_data = {key: value for key, value in response_data.items() if key != "data"}
            sub_response.status_code = 503
        response = super().create_response(response_data, sub_response)
        if outage:
            response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        response.headers["content-type"] = media_type
        request_error = isinstance(response_data, dict) and "data" not in response_data
        if media_type == GRAPHQL_RESPONSE_JSON and request_error and not sub_response.status_code:
            response.status_code = 400
        return response


def graph_outage(response_data) -> bool:
    """True when the response has errors and every one is GRAPH_UNAVAILABLE: retrying it is the fix."""
    errors = response_data.get("errors") if isinstance(response_data, dict) else None
    return (
        isinstance(errors, list)
        and bool(errors)
        and all(
            isinstance(error, dict) and (error.get("extensions") or {}).get("code") == GRAPH_UNAVAILABLE
            for error in errors
        )
    )


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when neither JSON type is acceptable.

    Each type takes the quality of its most specific matching range. Ties go to
    graphql-response+json only when the client named it; wildcards and a missing header get
    application/json, which every GraphQL client of the last decade reads.
    """
    if not accept or not accept.strip():
        return JSON
    ranges: dict[str, float] = {}
    for part in accept.split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.setdefault(media_type.lower(), quality)

    def quality_of(media_type: str) -> float:
        for candidate in (media_type, "application/*", "*/*"):
            if candidate in ranges:
                return ranges[candidate]
        return 0.0

    graphql_q, json_q = quality_of(GRAPHQL_RESPONSE_JSON), quality_of(JSON)
    if graphql_q <= 0 and json_q <= 0:
        return None
    if graphql_q > json_q or (graphql_q == json_q and GRAPHQL_RESPONSE_JSON in ranges):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def graphql_endpoint(settings) -> GraphQLEndpoint:
    """The endpoint with this app's limits; GraphiQL is served to browsers at the same URL."""
    return GraphQLEndpoint(create_schema(query_limit_extensions(settings)))
