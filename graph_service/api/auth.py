"""API keys: who may call mutations, and which clients get the higher rate limit.

A key comes in `X-API-Key: KEY` or `Authorization: Bearer KEY`. No key is anonymous (queries are
open); a key we do not know is an authentication error, not anonymous, so a typo in a client's
configuration shows up at once instead of as a puzzling "needs an API key" on the first mutation.
Keys are compared in constant time. With no keys configured (MATCHGRAPH_API_KEYS empty),
mutations are disabled.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from pydantic import SecretStr
from starlette.datastructures import Headers
from strawberry.permission import BasePermission

from graph_service.api.errors import AuthenticationError

NEEDS_KEY = "this operation needs an API key: send X-API-Key or Authorization: Bearer"
MUTATIONS_DISABLED = "mutations are disabled until API keys are configured on the server (MATCHGRAPH_API_KEYS)"
INVALID_KEY = "invalid API key (sent in X-API-Key or Authorization: Bearer)"


def presented_key(headers: Headers) -> str | None:
    """The key the client sent, valid or not; None when it sent none."""
    key = headers.get("x-api-key")
    if key is None:
        scheme, _, value = (headers.get("authorization") or "").partition(" ")
        key = value if scheme.lower() == "bearer" else None
    key = (key or "").strip()
    return key or None


def is_known(key: str, keys: Iterable[SecretStr]) -> bool:
    """Constant-time membership: every configured key is compared, whatever matches."""
    found = False
    for candidate in keys:
        found |= hmac.compare_digest(key.encode(), candidate.get_secret_value().encode())
    return found


def resolve_key(headers: Headers, keys: Iterable[SecretStr]) -> str | None:
    """The client's valid key, or None for anonymous; raises AuthenticationError for a bad one."""
    key = presented_key(headers)
    if key is None:
        return None
    if not is_known(key, keys):
        raise AuthenticationError(INVALID_KEY)
    return key


def client_key(request) -> str | None:
    """The request's valid API key, or None (anonymous); an invalid key raises AuthenticationError."""
    return resolve_key(request.headers, request.app.state.matchgraph.settings.api_keys)


class RequiresApiKey(BasePermission):
    """Field permission for mutations: `@strawberry.mutation(permission_classes=[RequiresApiKey])`.

    Reads the request and settings from the GraphQL context (`info.context.request`,
    `info.context.settings`). Fails with a GraphQL error whose `extensions.code` is
    UNAUTHENTICATED.
    """

    message = NEEDS_KEY
    error_extensions = {"code": AuthenticationError.code}  # noqa: RUF012 (strawberry reads the class attribute)

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        keys = info.context.settings.api_keys
        if not keys:
            raise AuthenticationError(MUTATIONS_DISABLED)
        return resolve_key(info.context.request.headers, keys) is not None
