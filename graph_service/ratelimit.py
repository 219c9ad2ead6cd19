"""Per-client rate limits for `/graphql`, as plain ASGI middleware.

Each client gets N requests per minute: anonymous clients by address (settings
`rate_limit_anonymous`), clients with a valid API key by key (`rate_limit_keyed`); 0 means
unlimited. An invalid key counts as anonymous here (the endpoint then refuses it), so made-up
keys cannot buy fresh budgets.

The algorithm is GCRA (the "virtual scheduling" form of a leaky bucket): one timestamp per client,
the theoretical arrival time (TAT) of its next request. A client may burst N requests at once and
then regains one every 60/N seconds; N requests in one instant followed by the (N+1)th is a 429.
O(1) per request, and a client whose TAT has passed is indistinguishable from a new one, so the
table is a cachetools TLRUCache whose entries expire at their TAT: idle clients are dropped, and
past `max_clients` the least recently seen go first.

Every answer from a limited path carries `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds until the budget is full again); a refusal is HTTP 429 with
`Retry-After` and a GraphQL-shaped error body (code RATE_LIMITED).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TLRUCache
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse

from graph_service.api.auth import is_known, presented_key

PERIOD = 60.0  # the limits are per minute
MAX_CLIENTS = 100_000
_NS = 1_000_000_000


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the client's budget is full again
    retry_after: int  # seconds to wait when refused (0 when allowed)

    def headers(self) -> dict[str, str]:
        headers = {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(self.remaining),
            "ratelimit-reset": str(self.reset),
        }
        if not self.allowed:
            headers["retry-after"] = str(self.retry_after)
        return headers


class RateLimiter:
    """GCRA for one limit: `limit` requests per `period` seconds per client, bursts allowed."""

    def __init__(self, limit: int, period: float = PERIOD, *, max_clients: int = MAX_CLIENTS):
        if limit < 1:
            raise ValueError("limit must be at least 1 (use no limiter for unlimited)")
        self.limit = limit
        self.period_ns = int(period * _NS)
        self.interval_ns = self.period_ns // limit  # floor: N requests always fit in one period
        self.max_clients = max_clients
        # The cache's clock is the `now` of the request being counted (hit() takes it as an argument,
        # so tests can move time), in integer nanoseconds like the TATs it compares them with.
        self._now_ns = 0
        self._tats: TLRUCache[str, int] = TLRUCache(
            maxsize=max_clients, ttu=lambda _client, tat, _now: tat, timer=lambda: self._now_ns
        )
        self._lock = threading.Lock()  # the server may run the app on several threads

    def __len__(self) -> int:
        with self._lock:
            self._tats.expire()
            return len(self._tats)

    def hit(self, client: str, now: float) -> Decision:
        """Counts one request from `client` at time `now` (seconds) and says whether it may pass."""
        now_ns = int(now * _NS)
        with self._lock:
            self._now_ns = max(self._now_ns, now_ns)  # the cache's clock never runs backwards
            tat = max(self._tats.get(client, now_ns), now_ns)
            allowed = tat + self.interval_ns - now_ns <= self.period_ns
            if allowed:
                tat += self.interval_ns
                self._tats[client] = tat
        backlog = tat - now_ns  # how far ahead of now the client's budget is spent
        remaining = min(self.limit, max(0, (self.period_ns - backlog) // self.interval_ns))
        retry_ns = 0 if allowed else backlog + self.interval_ns - self.period_ns
        return Decision(
            allowed=allowed,
            limit=self.limit,
            remaining=remaining,
            reset=math.ceil(backlog / _NS),
            retry_after=0 if allowed else max(1, math.ceil(retry_ns / _NS)),
        )


class RateLimits:
    """Both limiters, and how a request is told apart: by valid key, else by client address."""

    def __init__(self, settings, clock: Callable[[], float] = time.monotonic):
        self.clock = clock  # replaceable in tests
        self.api_keys = settings.api_keys
        self.trust_forwarded_for = settings.trust_forwarded_for
        anonymous, keyed = settings.rate_limit_anonymous, settings.rate_limit_keyed
        self.anonymous = RateLimiter(anonymous) if anonymous else None
        self.keyed = RateLimiter(keyed) if keyed else None

    def hit(self, scope) -> Decision | None:
        """The decision for this request; None when its kind of client is unlimited."""
        headers = Headers(scope=scope)
        key = presented_key(headers)
        if key is not None and is_known(key, self.api_keys):
            limiter, client = self.keyed, "key:" + hashlib.sha256(key.encode()).hexdigest()
        else:
            limiter, client = self.anonymous, "addr:" + self.address(scope, headers)
        return limiter.hit(client, self.clock()) if limiter is not None else None

    def address(self, scope, headers: Headers) -> str:
        """The client's address; the first X-Forwarded-For hop only behind a trusted proxy."""
        address = ""
        if self.trust_forwarded_for:
            # The first header's first hop (a second proxy appends a hop, or a second header line).
            address = headers.get("x-forwarded-for", "").split(",")[0].strip()
        if not address:
            client = scope.get("client")
            address = client[0] if client else "unknown"
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return address[:64]
        if ip.version == 6:
            if ip.ipv4_mapped:
                return str(ip.ipv4_mapped)
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))  # one IPv6 host holds a whole /64
        return str(ip)


class RateLimitMiddleware:
    """Applies `RateLimits` to the given paths (default `/graphql`); others pass untouched."""

    def __init__(self, app, limits: RateLimits, paths: tuple[str, ...] = ("/graphql",)):
        self.app = app
        self.limits = limits
        self.paths = frozenset(paths)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        decision = self.limits.hit(scope)
        if decision is None:
            await self.app(scope, receive, send)
            return
        if not decision.allowed:
            await _refusal(decision)(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in decision.headers().items():
                    headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _refusal(decision: Decision) -> JSONResponse:
    message = (
        f"rate limit exceeded: {decision.limit} requests per minute for this client; retry in {decision.retry_after} s"
    )
    body = {
        "errors": [{"message": message, "extensions": {"code": "RATE_LIMITED", "retryAfter": decision.retry_after}}]
    }
    return JSONResponse(body, status_code=429, headers=decision.headers())
