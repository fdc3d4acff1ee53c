"""Transports over httpcore: a keep-alive connection pool, sync and async (asyncio and trio).

httpcore is small and fast and does exactly one HTTP exchange at a time with no policy of its own
(it never follows a redirect), which is what a token client wants. What it lacks, this module adds
at its edges:

* a total deadline over the exchange: httpcore only knows per-operation timeouts, so the pools
  run over the backends of :mod:`tokenwire.adapters.httpcore_deadline`, where every connect, read
  and write waits at most for what is left of the deadline this module sets per exchange;
* a response-size cap: the body is streamed and reading stops at the first chunk over the cap;
* the proxy choice of :mod:`tokenwire.adapters.transport.proxy`: one pool for direct connections
  and, per proxy, one for tunnels and one for the absolute form, each endpoint bound to its pool
  when first seen; httpcore's own proxy connections do the ``CONNECT`` and the absolute form, and
  a tunnel pool's backend reports a failure before the tunnel opens as a connect failure;
* httpcore's exceptions mapped to :class:`~tokenwire.core.TransportError` and its subclasses.

:class:`TokenClient` and :class:`AsyncTokenClient` here are the clients of
:mod:`tokenwire.adapters.client` with this module's transports as their default.

Over 300 lines: the sync and async transports are twins that differ only by ``await`` and are
kept side by side so they stay in step; their deadline backends live in :mod:`.httpcore_deadline`.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import httpcore

from tokenwire.adapters import client as _client
from tokenwire.adapters.client import current_async_library
from tokenwire.adapters.httpcore_deadline import (
    EXCHANGE_DEADLINE,
    AsyncDeadlineBackend,
    DeadlineBackend,
)
from tokenwire.adapters.transport import (
    DEFAULT_OPTIONS,
    Endpoint,
    EndpointCache,
    Proxy,
    ProxyChoice,
    TransportOptions,
    build_ssl_context,
    check_declared_length,
    connect_failed,
    exchange_deadline,
    exchange_failed,
    route_where,
    timed_out,
    too_large,
    wire_headers,
)
from tokenwire.core import HttpRequest, HttpResponse, TransportError

__all__ = [
    "AsyncHttpcoreTransport",
    "AsyncTokenClient",
    "HttpcoreTransport",
    "TokenClient",
    "TransportOptions",
]

# --- what the sync and async transports share ---------------------------------------------------


class _Target:
    """An endpoint as httpcore wants it, and the proxy it goes through: built once per URL."""

    __slots__ = ("endpoint", "host", "route", "url", "where")

    def __init__(self, endpoint: Endpoint, proxy: Proxy | None) -> None:
        self.endpoint = endpoint
        #: The key of the pool it goes through: the proxy, and whether it tunnels to it.
        self.route: _Route = (proxy, proxy is not None and endpoint.tls)
        self.where = route_where(endpoint, proxy)
        self.url = httpcore.URL(
            scheme=endpoint.scheme.encode("ascii"),
            host=endpoint.host.encode("ascii"),
            port=endpoint.port,
            target=endpoint.target.encode("ascii"),
        )
        self.host = (b"Host", endpoint.authority.encode("ascii"))


#: A pool's key: the proxy (None: direct), and True for ``CONNECT`` tunnels through it.
_Route = tuple[Proxy | None, bool]


def _routes(proxies: ProxyChoice) -> list[_Route]:
    """Every pool key a transport may need (a pool holds no connection until used)."""
    return [
        route
        for proxy in proxies.routes
        for route in ([(None, False)] if proxy is None else [(proxy, False), (proxy, True)])
    ]


_WIRE_CACHE_SIZE = 32
#: The HTTP versions an answer may carry (as httpcore reports them); anything else is broken.
_HTTP_VERSIONS = frozenset({b"HTTP/1.1", b"HTTP/1.0"})


class _HttpcoreBase:
    """Options, TLS context, endpoint cache and the request/response/error conversions."""

    def __init__(self, options: TransportOptions | None) -> None:
        self.options = options = options or DEFAULT_OPTIONS
        self._ssl_context = build_ssl_context(options)
        self._proxies = ProxyChoice(options.proxy, options.trust_env)
        self._targets: EndpointCache[_Target] = EndpointCache(self._target)
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

    def _target(self, endpoint: Endpoint) -> _Target:
        return _Target(endpoint, self._proxies.for_endpoint(endpoint))

    def _pool_options(self, route: _Route) -> dict[str, Any]:
        """What the pool of ``route`` is built with, besides its backend."""
        proxy = route[0]
        options: dict[str, Any] = {"ssl_context": self._ssl_context}
        if proxy is not None:
            authorization = proxy.authorization
            headers = [] if authorization is None else [(b"Proxy-Authorization", authorization)]
            options["proxy"] = httpcore.Proxy(proxy.url, headers=headers)
        return options

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

    def _failure(self, exc: Exception, where: str, deadline: float) -> TransportError:
        """httpcore's ``exc`` as tokenwire's error; raise it outside the ``except`` block.

        Raised inside it, ``exc`` (which may quote the server's bytes) would be kept as the
        error's ``__context__``; the error keeps a scrubbed stand-in as its cause instead.
        """
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
            return timed_out(where, phase, limit, options, deadline, exc)
        if isinstance(exc, httpcore.ConnectError | httpcore.ProxyError):
            return connect_failed(where, exc)
        return exchange_failed(where, exc)

    @staticmethod
    def _check_version(response: httpcore.Response) -> None:
        """Refuse an answer in an HTTP version other than 1.0 or 1.1 (h11 parses ``HTTP/9.9``)."""
        if response.extensions.get("http_version") not in _HTTP_VERSIONS:
            raise httpcore.RemoteProtocolError("unsupported HTTP version in the status line")


def _holds_leftover_bytes(connection: Any) -> bool:
    """True for an idle pooled connection whose parser holds bytes the server sent past its answer.

    A stray CRLF after a body, or a second response nobody asked for, arriving in the same read as
    the answer stays in h11's buffer; httpcore would then send the next request on the connection
    and read those bytes as its answer (or fail with "no response line received" after the server
    has processed it: a rotated refresh token lost). Such a connection is in an unknown state and
    is closed instead. Bytes that arrive later make the idle socket readable, which httpcore
    checks itself before reuse. httpcore has no public way to see the parser's buffer, so this
    reads h11's public ``trailing_data`` through httpcore's connection internals; the connection
    fault tests (``tests/adapters/test_connection_faults.py``) fail if those ever move.
    """
    http11 = getattr(connection, "_connection", None)
    if http11 is not None and not hasattr(http11, "_h11_state"):  # proxied: one level further
        http11 = getattr(http11, "_connection", None)
    state = getattr(http11, "_h11_state", None)
    if state is None or not connection.is_idle():
        return False
    data, closed = state.trailing_data
    return bool(data) or bool(closed)


#: What httpcore (or the socket layer beneath it, should anything slip through) raises.
_FAILURES = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    OSError,
)


class HttpcoreTransport(_HttpcoreBase):
    """A sync transport over one :class:`httpcore.ConnectionPool` (keep-alive, thread-safe).

    Build it once and share it: the pool and the TLS context live as long as the transport.
    """

    def __init__(self, options: TransportOptions | None = None, *, max_connections: int = 10):
        super().__init__(options)
        self._pools = {
            route: httpcore.ConnectionPool(
                max_connections=max_connections,
                network_backend=DeadlineBackend(tunnel=route[1]),
                **self._pool_options(route),
            )
            for route in _routes(self._proxies)
        }

    def send(self, request: HttpRequest) -> HttpResponse:
        target = self._targets.get(request.url)
        deadline = exchange_deadline(request, self.options)
        reset = EXCHANGE_DEADLINE.set(deadline)
        failure: TransportError | None = None
        try:
            outgoing = self._request(request, target)
            where = target.where
            pool = self._pools[target.route]
            try:
                response = pool.handle_request(outgoing)
                try:
                    self._check_version(response)
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
                    for connection in pool.connections:
                        if _holds_leftover_bytes(connection):
                            connection.close()
            except _FAILURES as exc:
                failure = self._failure(exc, where, deadline)
        finally:
            EXCHANGE_DEADLINE.reset(reset)
        if failure is not None:
            raise failure
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return HttpResponse(status=response.status, headers=headers, body=body)

    def close(self) -> None:
        """Close every pooled connection."""
        for pool in self._pools.values():
            pool.close()

    def __enter__(self) -> HttpcoreTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


async def _aclose(iterator: object) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


def _running_loop() -> object:
    """The event loop running this code: the asyncio loop, or the trio run's token."""
    if current_async_library() == "trio":
        import trio

        return trio.lowlevel.current_trio_token()
    return asyncio.get_running_loop()


class AsyncHttpcoreTransport(_HttpcoreBase):
    """An async transport over an :class:`httpcore.AsyncConnectionPool`, on asyncio or trio.

    A pool's connections belong to the event loop that opened them, so the transport keeps one
    pool for the loop it runs on: used from another loop (a second ``asyncio.run()``, say), it
    starts a fresh pool there. The old pool's connections cannot be closed from the new loop
    (their loop has ended); they are dropped, and their sockets go with them. Use one transport
    per loop for loops that run at the same time (two threads), or they take turns at a pool.
    """

    def __init__(self, options: TransportOptions | None = None, *, max_connections: int = 10):
        super().__init__(options)
        self._max_connections = max_connections
        self._loop: object = None
        self._pools = self._new_pools()

    def _new_pools(self) -> dict[_Route, httpcore.AsyncConnectionPool]:
        return {
            route: httpcore.AsyncConnectionPool(
                max_connections=self._max_connections,
                network_backend=AsyncDeadlineBackend(tunnel=route[1]),
                **self._pool_options(route),
            )
            for route in _routes(self._proxies)
        }

    def _pools_here(self) -> dict[_Route, httpcore.AsyncConnectionPool]:
        """The pools of the running loop; fresh ones if the last pools served another loop."""
        loop = _running_loop()
        if loop is not self._loop:
            if self._loop is not None:
                self._pools = self._new_pools()
            self._loop = loop
        return self._pools

    async def send(self, request: HttpRequest) -> HttpResponse:
        target = self._targets.get(request.url)
        pool = self._pools_here()[target.route]
        deadline = exchange_deadline(request, self.options)
        reset = EXCHANGE_DEADLINE.set(deadline)
        failure: TransportError | None = None
        try:
            outgoing = self._request(request, target)
            where = target.where
            try:
                response = await pool.handle_async_request(outgoing)
                try:
                    self._check_version(response)
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
                    for connection in pool.connections:
                        if _holds_leftover_bytes(connection):
                            await connection.aclose()
            except _FAILURES as exc:
                failure = self._failure(exc, where, deadline)
        finally:
            EXCHANGE_DEADLINE.reset(reset)
        if failure is not None:
            raise failure
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return HttpResponse(status=response.status, headers=headers, body=body)

    async def aclose(self) -> None:
        """Close every pooled connection (of the pools of the loop this runs on)."""
        for pool in self._pools_here().values():
            await pool.aclose()

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
