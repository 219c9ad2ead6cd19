"""Errors raised on purpose, whose message is safe to show clients, and the masking rule.

Resolvers raise a `UserError` (or a subclass) when the client did something we can explain:
bad input, a missing key, an unknown id. Its message and `extensions.code` reach the client as
they are. An exception that means the graph is unreachable (`graphdb.driver.is_unavailable`, from
any resolver or DataLoader) becomes `GRAPH_UNAVAILABLE`, marked retryable with a hint in seconds:
nothing is wrong with the request, the same one may succeed shortly. Any other exception is a bug;
its message may hold internals (Cypher, hostnames, file paths), so the client sees only
`INTERNAL_ERROR` and the log keeps the details (strawberry logs each error before the masking
extension runs).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError

from graphdb.driver import is_unavailable

INTERNAL_ERROR = "Internal server error"
GRAPH_UNAVAILABLE = "GRAPH_UNAVAILABLE"
# The retry hint of GRAPH_UNAVAILABLE (`extensions.retryAfter`, the HTTP Retry-After header): a
# restarting Neo4j answers within seconds, and a client retrying sooner only adds load.
RETRY_AFTER_SECONDS = 5


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


class GraphUnavailable(UserError):
    """The graph did not answer (Neo4j stopped, restarting or unreachable): retry the same request."""

    code = GRAPH_UNAVAILABLE

    def __init__(self, message: str = "the graph is unavailable right now; try again shortly"):
        super().__init__(message, extensions={"retryable": True, "retryAfter": RETRY_AFTER_SECONDS})


def is_graph_outage(error: BaseException | None) -> bool:
    """True when ``error``, or an exception it was raised from (`raise … from`: a repository may wrap
    the driver's error in its own), means the graph is unreachable.

    `is_unavailable` counts every OSError (the driver's sockets); one that names a file (the image
    store, an index file) is the disk's, not the graph's, and stays an internal error.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if is_unavailable(error) and not (isinstance(error, OSError) and error.filename is not None):
            return True
        seen.add(id(error))
        error = error.__cause__
    return False


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
    """The error as a client may see it: itself, GRAPH_UNAVAILABLE for an outage, or "Internal
    server error", at the same place."""
    if not should_mask(error):
        return error
    if is_graph_outage(error.original_error):
        unavailable = GraphUnavailable()
        return GraphQLError(
            unavailable.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=unavailable,
        )
    return GraphQLError(
        INTERNAL_ERROR,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )
