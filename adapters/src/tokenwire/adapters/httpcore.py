"""Transports over httpcore: a keep-alive connection pool, sync and async (asyncio and trio).

httpcore is small and fast and does exactly one HTTP exchange at a time with no policy of its own
(it never follows a redirect), which is what a token client wants. What it lacks, this module adds
at its edges:

* a total deadline over the exchange: httpcore only knows per-operation timeouts, so the pools
  run over the backends of :mod:`tokenwire.adapters.httpcore_deadline`, where every connect, read
  and write waits at most for what is left of the deadline this module sets per exchange;
* a response-size cap: the body is streamed and reading stops at the first chunk over the cap;
* httpcore's exceptions mapped to :class:`~tokenwire.core.TransportError` and its subclasses.

:class:`TokenClient` and :class:`AsyncTokenClient` here are the clients of
:mod:`tokenwire.adapters.client` with this module's transports as their default.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

import httpcore

from tokenwire.adapters import client as _client
from tokenwire.adapters.httpcore_deadline import (
    EXCHANGE_DEADLINE,
    AsyncDeadlineBackend,
    DeadlineBackend,
)
from tokenwire.adapters.transport import (
    DEFAULT_OPTIONS,
    Endpoint,
    EndpointCache,
    TransportOptions,
    build_ssl_context,
    check_declared_length,
    connect_failed,
    exchange_deadline,
    exchange_failed,
    timed_out,
    too_large,
    wire_headers,
)
from tokenwire.core import HttpRequest, HttpResponse

__all__ = [
    "AsyncHttpcoreTransport",
    "AsyncTokenClient",
    "HttpcoreTransport",
    "TokenClient",
    "TransportOptions",
]

# --- what the sync and async transports share ---------------------------------------------------


class _Target:
    """An endpoint as httpcore wants it, built once per URL."""

    __slots__ = ("endpoint", "host", "url")

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.url = httpcore.URL(
            scheme=endpoint.scheme.encode("ascii"),
            host=endpoint.host.encode("ascii"),
            port=endpoint.port,
            target=endpoint.target.encode("ascii"),
        )
        self.host = (b"Host", endpoint.authority.encode("ascii"))


_WIRE_CACHE_SIZE = 32


class _HttpcoreBase:
    """Options, TLS context, endpoint cache and the request/response/error conversions."""

    def __init__(self, options: TransportOptions | None) -> None:
        self.options = options = options or DEFAULT_OPTIONS
        self._ssl_context = build_ssl_context(options)
        self._targets: EndpointCache[_Target] = EndpointCache(_Target)
        # Checked wire headers per request-headers tuple: the core sends the same few tuples
        # again and again, so each is checked and encoded once per transport. Bounded, and it
        # lives no longer than the transport (a Basic header is a credential).
        self._wire: dict[tuple[tuple[str, str], ...], tuple[tuple[bytes, bytes], ...]] = {}
        # Per-operation limits; the total deadline is applied by the backend wrapper.
        self._extensions: dict[str, Any] = {
            "timeout": {
                "connect": options.connect_timeout,
                "read": options.read_timeout,
                "write": options.read_timeout,
                "pool": options.total_timeout,
            }
        }

    def _request(self, request: HttpRequest, target: _Target) -> httpcore.Request:
        body = request.body
        wire = self._wire_headers(request.headers)
        headers = [target.host, *wire, (b"Content-Length", str(len(body)).encode("ascii"))]
        return httpcore.Request(
            request.method, target.url, headers=headers, content=body, extensions=self._extensions
        )

    def _wire_headers(
        self, headers: tuple[tuple[str, str], ...]
    ) -> tuple[tuple[bytes, bytes], ...]:
        try:
            wire = self._wire.get(headers)
        except TypeError:  # headers built from lists are unhashable: check them every time
            cacheable = False
        else:
            cacheable = True
            if wire is not None:
                return wire
        # Checked outside any handler: a refused header's error must not carry a context.
        wire = tuple(wire_headers(headers))
        if cacheable:
            if len(self._wire) >= _WIRE_CACHE_SIZE:
                self._wire.clear()
            self._wire[headers] = wire
        return wire

    def _headers(self, response: httpcore.Response, where: str) -> tuple[tuple[str, str], ...]:
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers)
        for name, value in headers:
            if name.lower() == "content-length":
                check_declared_length(value, where, self.options.max_response_bytes)
                break
        return headers

    def _fail(self, exc: Exception, where: str, deadline: float) -> NoReturn:
        options = self.options
        if isinstance(exc, httpcore.TimeoutException):
            if isinstance(exc, httpcore.PoolTimeout):
                phase, limit = "pool", options.total_timeout
            elif isinstance(exc, httpcore.ConnectTimeout):
                phase, limit = "connect", options.connect_timeout
            elif isinstance(exc, httpcore.WriteTimeout):
                phase, limit = "write", options.read_timeout
            else:
                phase, limit = "read", options.read_timeout
            raise timed_out(where, phase, limit, options, deadline) from exc
        if isinstance(exc, httpcore.ConnectError):
            raise connect_failed(where, exc) from exc
        raise exchange_failed(where, exc) from exc


#: What httpcore (or the socket layer beneath it, should anything slip through) raises.
_FAILURES = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError, OSError)


class HttpcoreTransport(_HttpcoreBase):
    """A sync transport over one :class:`httpcore.ConnectionPool` (keep-alive, thread-safe).

    Build it once and share it: the pool and the TLS context live as long as the transport.
    """

    def __init__(self, options: TransportOptions | None = None, *, max_connections: int = 10):
        super().__init__(options)
        self._pool = httpcore.ConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=max_connections,
            network_backend=DeadlineBackend(),
        )

    def send(self, request: HttpRequest) -> HttpResponse:
        target = self._targets.get(request.url)
        deadline = exchange_deadline(request, self.options)
        reset = EXCHANGE_DEADLINE.set(deadline)
        try:
            outgoing = self._request(request, target)
            where = target.endpoint.where
            try:
                response = self._pool.handle_request(outgoing)
                try:
                    headers = self._headers(response, where)
                    cap = self.options.max_response_bytes
                    size = 0
                    chunks = []
                    for chunk in response.stream:  # type: ignore[union-attr]
                        size += len(chunk)
                        if size > cap:
                            raise too_large(where, cap)
                        chunks.append(chunk)
                finally:
                    response.close()
            except _FAILURES as exc:
                self._fail(exc, where, deadline)
        finally:
            EXCHANGE_DEADLINE.reset(reset)
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return HttpResponse(status=response.status, headers=headers, body=body)

    def close(self) -> None:
        """Close every pooled connection."""
        self._pool.close()

    def __enter__(self) -> HttpcoreTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


async def _aclose(iterator: object) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


class AsyncHttpcoreTransport(_HttpcoreBase):
    """An async transport over one :class:`httpcore.AsyncConnectionPool`, on asyncio or trio.

    A pool belongs to the event loop it first ran on; build one per loop.
    """

    def __init__(self, options: TransportOptions | None = None, *, max_connections: int = 10):
        super().__init__(options)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=max_connections,
            network_backend=AsyncDeadlineBackend(),
        )

    async def send(self, request: HttpRequest) -> HttpResponse:
        target = self._targets.get(request.url)
        deadline = exchange_deadline(request, self.options)
        reset = EXCHANGE_DEADLINE.set(deadline)
        try:
            outgoing = self._request(request, target)
            where = target.endpoint.where
            try:
                response = await self._pool.handle_async_request(outgoing)
                try:
                    headers = self._headers(response, where)
                    cap = self.options.max_response_bytes
                    size = 0
                    chunks = []
                    body = response.stream.__aiter__()  # type: ignore[union-attr]
                    async for chunk in body:
                        size += len(chunk)
                        if size > cap:
                            # Left unfinished, the body's async generator would be finalized by
                            # the garbage collector (trio warns): close it while the loop runs.
                            await _aclose(body)
                            raise too_large(where, cap)
                        chunks.append(chunk)
                finally:
                    await response.aclose()
            except _FAILURES as exc:
                self._fail(exc, where, deadline)
        finally:
            EXCHANGE_DEADLINE.reset(reset)
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return HttpResponse(status=response.status, headers=headers, body=body)

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()

    async def __aenter__(self) -> AsyncHttpcoreTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class TokenClient(_client.TokenClient):
    """:class:`tokenwire.adapters.client.TokenClient` over :class:`HttpcoreTransport` by default."""

    default_transport: ClassVar[_client.TransportFactory | None] = HttpcoreTransport


class AsyncTokenClient(_client.AsyncTokenClient):
    """:class:`tokenwire.adapters.client.AsyncTokenClient` over :class:`AsyncHttpcoreTransport`."""

    default_transport: ClassVar[_client.AsyncTransportFactory | None] = AsyncHttpcoreTransport
