"""Errors raised on purpose, whose message is safe to show clients, and the masking rule.

Resolvers raise a `UserError` (or a subclass) when the client did something we can explain:
bad input, a missing key, an unknown id. Its message and `extensions.code` reach the client as
they are. Any other exception is a bug or an outage; its message may hold internals (Cypher,
hostnames, file paths), so the client sees only `INTERNAL_ERROR` and the log keeps the details
(strawberry logs each error before the masking extension runs).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError

INTERNAL_ERROR = "Internal server error"


class UserError(Exception):
    """A client-safe error; `code` becomes `extensions.code` in the GraphQL response."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, extensions: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        # graphql-core copies `extensions` of the original error onto the GraphQL error.
        self.extensions = {**(extensions or {}), "code": code or self.code}


class InputError(UserError):
    code = "BAD_USER_INPUT"


class AuthenticationError(UserError):
    code = "UNAUTHENTICATED"


class NotFoundError(UserError):
    code = "NOT_FOUND"


def should_mask(error: GraphQLError) -> bool:
    """True when the client must not see this error's message.

    Shown as they are: errors graphql-core raises about the request itself (syntax, validation,
    limits: no underlying exception); variable coercion errors (no `path`, a GraphQL error
    underneath); our `UserError`s; permission errors (strawberry raises `StrawberryGraphQLError`).
    Everything else is masked, a GraphQL error under a field included (a scalar that fails to
    serialize quotes the value).
    """
    original = error.original_error
    if original is None or isinstance(original, (UserError, StrawberryGraphQLError)):
        return False
    return not (error.path is None and isinstance(original, GraphQLError))


def client_safe(error: GraphQLError) -> GraphQLError:
    """The error as a client may see it: itself, or "Internal server error" at the same place."""
    if not should_mask(error):
        return error
    return GraphQLError(
        INTERNAL_ERROR,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )
