"""Refuses request bodies larger than `max_body_bytes` (HTTP 413), as plain ASGI middleware.

Two cases: a `Content-Length` above the limit is refused before a byte of the body is read; a
body without one (chunked) is counted as it streams in, and the request is refused as soon as
it passes the limit: the rest is never read, so at most the limit plus one chunk of the server's
is ever held in memory. The answer is a GraphQL-shaped error body, with `Connection: close`
since the unread rest of the body makes the connection unusable.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse


class _TooLarge(Exception):
    """Raised from `receive` when the body passes the limit; turned into a 413 below."""


class BodyLimitMiddleware:
    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refusal()(scope, receive, send)
            return

        received = 0
        response_started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if response_started:  # the app answered before reading it all (streaming): nothing to add
                return
            await self._refusal()(scope, receive, send)

    def _refusal(self) -> JSONResponse:
        message = f"request body too large: the limit is {self.max_bytes} bytes"
        body = {
            "errors": [{"message": message, "extensions": {"code": "PAYLOAD_TOO_LARGE", "maxBytes": self.max_bytes}}]
        }
        return JSONResponse(body, status_code=413, headers={"connection": "close"})


def _content_length(scope) -> int | None:
    value = Headers(scope=scope).get("content-length", "").strip()
    return int(value) if value.isdigit() else None
