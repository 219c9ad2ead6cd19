"""The `/graphql` endpoint: strawberry's ASGI app with our per-request context."""

from __future__ import annotations

from strawberry.asgi import GraphQL

from .context import Context
from .schema import create_schema


class GraphQLEndpoint(GraphQL):
    async def get_context(self, request, response) -> Context:
        state = request.app.state.matchgraph
        return Context(request=request, graph=state.graph, settings=state.settings, metrics=state.metrics)


def graphql_endpoint(settings) -> GraphQLEndpoint:
    # GraphiQL is served to browsers at the same URL.
    return GraphQLEndpoint(create_schema(), graphql_ide="graphiql", allow_queries_via_get=True)
