"""The GraphQL schema as typed Python classes (strawberry). Resolvers stay thin."""

from __future__ import annotations

import strawberry

from .. import __version__
from .extensions import OperationMetrics


@strawberry.type(description="Entry points for front ends.")
class Query:
    @strawberry.field(description="The matchgraph server version.")
    def version(self) -> str:
        return __version__


schema = strawberry.Schema(query=Query, extensions=[OperationMetrics])
