"""The GraphQL schema as typed Python classes (strawberry). Resolvers stay thin."""

from __future__ import annotations

import strawberry
from strawberry.extensions import SchemaExtension

from .. import __version__
from .extensions import OperationMetrics


@strawberry.type(description="Entry points for front ends.")
class Query:
    @strawberry.field(description="The matchgraph server version.")
    def version(self) -> str:
        return __version__


def create_schema(extensions: list[SchemaExtension | type[SchemaExtension]] | None = None) -> strawberry.Schema:
    """The schema with per-app extensions (limits depend on the settings); metrics always on."""
    return strawberry.Schema(query=Query, extensions=[OperationMetrics, *(extensions or [])])


schema = create_schema()  # for SDL export and tools; apps build their own with their limits
