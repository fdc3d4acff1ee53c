"""A transport on the standard library alone, for runtimes where httpcore cannot be installed.

It speaks HTTP/1.1 with :mod:`http.client` rather than :mod:`urllib.request`: the latter follows
redirects (a token request must never be replayed to another URL) and does not keep connections
alive. Behaviour matches :mod:`tokenwire.adapters.httpcore` (same options, limits and errors, see
:mod:`tokenwire.adapters.transport`), so the conformance suite sees the same outcomes:

* idle connections are kept per origin and reused; one the server has closed meanwhile (the
  socket reads as ready while idle) is dropped before use, never written to, and one whose
  answer came with bytes after it (a stray CRLF, a second response) is closed, never pooled;
* interim 1xx answers (``103 Early Hints``) are skipped: the answer is the final one;
* the send, and every single recv of the response (status line and headers included), waits at
  most for what is left of the total deadline (or the read timeout, if shorter);
* the body is read a chunk at a time and reading stops at the first chunk over the cap;
* a proxy chosen by :mod:`tokenwire.adapters.transport.proxy` is reached with ``http.client``'s
  own ``CONNECT`` tunnel for ``https://`` (its answer read under the same deadline), and with the
  absolute form for ``http://``; connections are pooled per endpoint and proxy.

Nothing here imports a third-party package: keep it that way.

Over 300 lines: ``http.client`` trusts the peer, so the framing checks h11 makes for the httpcore
transports (lengths, versions, interim answers, leftover bytes) are made here, next to the pool
that must never reuse a connection they found wrong.
"""

from __future__ import annotations

import contextvars
import http.client
import io
import select
import socket
import ssl
import threading
import time
from typing import Any, ClassVar, cast

from tokenwire.adapters import client as _client
from tokenwire.adapters.transport import (
    CHUNK_SIZE,
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
    response_header_problem,
    route_where,
    time_left,
    timed_out,
    too_large,
    wire_headers,
)
from tokenwire.core import HttpRequest, HttpResponse, TransportError

__all__ = ["TokenClient", "TransportOptions", "StdlibTransport"]

_Origin = tuple[str, str, int, Proxy | None]


class _Route:
    """An endpoint and the proxy it goes through (None: direct): built once per URL."""

    __slots__ = ("endpoint", "origin", "proxy", "target", "where")

    def __init__(self, endpoint: Endpoint, proxy: Proxy | None) -> None:
        self.endpoint = endpoint
        self.proxy = proxy
        #: Idle connections are kept per origin: the same endpoint through another proxy is not.
        self.origin: _Origin = (endpoint.scheme, endpoint.host, endpoint.port, proxy)
        #: The request line's target: the absolute form when a proxy forwards plain http.
        self.target = endpoint.target
        if proxy is not None and not endpoint.tls:
            self.target = f"http://{endpoint.authority}{endpoint.target}"
        self.where = route_where(endpoint, proxy)


def _closed_by_peer(sock: socket.socket) -> bool:
    """True if an idle keep-alive socket is readable: the server closed it (or sent garbage)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


# (deadline, read timeout) of the exchange running in this thread; read by every recv.
_BUDGET: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "tokenwire_stdlib_budget", default=None
)


class _DeadlineReader(io.RawIOBase):
    """The response's raw stream: every recv waits at most for what is left of the deadline.

    http.client reads the status line and headers with many ``readline`` calls under one socket
    timeout; a server dripping a byte at a time could stretch that without bound. Checking the
    deadline per recv bounds the whole exchange, as the httpcore transport does.
    """

    def __init__(self, sock: socket.socket, holder: io.BufferedIOBase) -> None:
        self._sock = sock
        # The reader http.client made holds the socket's I/O reference, which keeps the socket
        # open after the connection lets go of it (``Connection: close``); it goes when we do.
        self._holder = holder
        #: Set once the response is complete: the socket is not read again through this reader.
        self.finished = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.finished:
            return 0  # end of this response's stream: what is buffered above is what is left
        budget = _BUDGET.get()
        if budget is not None:
            deadline, limit = budget
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("total timeout exceeded")
            self._sock.settimeout(left if left < limit else limit)
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._holder.close()
        super().close()


#: The HTTP versions an answer may carry; anything else is broken framing (as h11 sees it).
_HTTP_VERSIONS = frozenset({"HTTP/1.1", "HTTP/1.0"})


def _check_framing(message: http.client.HTTPMessage) -> None:
    """Raise ``HTTPException`` if the header block breaks framing (what h11 refuses)."""
    if message.defects:  # a line that is no header (no colon) ends http.client's header block
        raise http.client.HTTPException("malformed header block")
    problem = response_header_problem(message.items())
    if problem is not None:
        raise http.client.HTTPException(problem)


class _Response(http.client.HTTPResponse):
    def __init__(
        self,
        sock: socket.socket,
        debuglevel: int = 0,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(sock, debuglevel, method, url)
        self._raw = _DeadlineReader(sock, self.fp)
        self.fp = io.BufferedReader(self._raw)
        #: True if the server sent bytes past the end of this response (found when it is done).
        self.leftover = False

    def _close_conn(self) -> None:
        """Note whether bytes past the response sit in the read buffer, then let go of it.

        http.client calls this once the body is complete and drops the buffer, and with it any
        bytes the server sent after the answer (a stray CRLF, a second response): the next
        request on the connection would then go out with the connection's state unknown. The
        transport closes such a connection instead of pooling it. The check reads no socket:
        the raw reader is marked finished, so ``peek`` shows only what is already buffered.
        """
        fp = self.fp
        if fp is not None and not fp.closed:
            self._raw.finished = True
            self.leftover = bool(fp.peek(1))
        super()._close_conn()  # type: ignore[misc]

    def _read_status(self) -> tuple[str, int, str]:
        """The final status line: interim 1xx answers (``103 Early Hints``) are skipped.

        http.client skips only ``100 Continue`` and takes any other 1xx for the answer, leaving
        the real answer on the socket for the *next* request to read. Each interim answer's
        headers are read and dropped here; ``101`` is returned (the connection is then closed,
        never pooled: it has switched protocols).
        """
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if version not in _HTTP_VERSIONS:  # http.client takes any "HTTP/1.x" for 1.1
                raise http.client.UnknownProtocol("unsupported HTTP version in the status line")
            if not 100 <= status < 200 or status == 101:
                return version, status, reason
            http.client.parse_headers(self.fp)


class _Connection(http.client.HTTPConnection):
    response_class = _Response


class _TLSConnection(http.client.HTTPSConnection):
    response_class = _Response


def _discard(conn: http.client.HTTPConnection, response: http.client.HTTPResponse | None) -> None:
    """Drop a connection after a failure, unread response included (it holds the socket too)."""
    if response is not None:
        response.close()
    conn.close()


class StdlibTransport:
    """A sync transport over :mod:`http.client` with keep-alive reuse (thread-safe).

    Build it once and share it: the TLS context and the idle connections live as long as it does.
    """

    def __init__(self, options: TransportOptions | None = None, *, max_idle: int = 10) -> None:
        self.options = options = options or DEFAULT_OPTIONS
        # The default context is built on the first https:// connection: loading the trust store
        # costs ~25 ms, which a client of a loopback http:// endpoint never needs. A caller's own
        # context or client certificate is set up now, so a bad one fails here, not mid-request.
        self._ssl_context: ssl.SSLContext | None = None
        if options.ssl_context is not None or options.client_cert is not None:
            self._ssl_context = build_ssl_context(options)
        self._proxies = ProxyChoice(options.proxy, options.trust_env)
        self._routes: EndpointCache[_Route] = EndpointCache(self._route)
        self._idle: dict[_Origin, list[http.client.HTTPConnection]] = {}
        self._max_idle = max_idle
        self._lock = threading.Lock()

    def _route(self, endpoint: Endpoint) -> _Route:
        return _Route(endpoint, self._proxies.for_endpoint(endpoint))

    def send(self, request: HttpRequest) -> HttpResponse:
        route = self._routes.get(request.url)
        endpoint = route.endpoint
        headers = wire_headers(request.headers)
        options = self.options
        deadline = exchange_deadline(request, options)
        origin = route.origin
        conn = self._checkout(origin) or self._connect(route, deadline)
        sock = conn.sock
        where = route.where
        phase = "write"
        response: _Response | None = None
        failure: TransportError | None = None
        budget = _BUDGET.set((deadline, options.read_timeout))
        try:
            sock.settimeout(self._wait(deadline, options.read_timeout, phase, where))
            conn.putrequest(request.method, route.target, skip_host=True, skip_accept_encoding=True)
            conn.putheader(b"Host", endpoint.authority.encode("ascii"))
            if route.proxy is not None and not endpoint.tls:  # the proxy reads this request
                authorization = route.proxy.authorization
                if authorization is not None:
                    conn.putheader(b"Proxy-Authorization", authorization.encode("ascii"))
            for name, value in headers:
                conn.putheader(name, value)
            conn.putheader(b"Content-Length", str(len(request.body)).encode("ascii"))
            conn.endheaders(request.body)
            phase = "read"
            response = cast("_Response", conn.getresponse())
            _check_framing(response.msg)
            response_headers = tuple(response.getheaders())
            cap = options.max_response_bytes
            check_declared_length(response.getheader("content-length"), where, cap)
            chunks = []
            size = 0
            # ``length`` is what Content-Length still announces (None: chunked or until close).
            while response.length != 0:
                chunk = response.read1(CHUNK_SIZE)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise too_large(where, cap)
                chunks.append(chunk)
            if response.length:  # the server closed before sending all it announced
                raise http.client.IncompleteRead(b"", response.length)
            response.close()  # frees the connection for the next request (not the socket)
        except TransportError:
            _discard(conn, response)
            raise
        # Raised after the block, not in it: the library's error (which may quote what the
        # server sent) must not become the context; a scrubbed stand-in is the cause.
        except TimeoutError as exc:
            _discard(conn, response)
            failure = timed_out(where, phase, options.read_timeout, options, deadline, exc)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            _discard(conn, response)
            failure = exchange_failed(where, exc)
        finally:
            _BUDGET.reset(budget)
        if failure is not None or response is None:
            raise failure or AssertionError("no response and no failure")
        if response.will_close or conn.sock is None or response.status < 200 or response.leftover:
            conn.close()
        else:
            self._checkin(origin, conn)
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return HttpResponse(status=response.status, headers=response_headers, body=body)

    def _wait(self, deadline: float, limit: float, phase: str, where: str) -> float:
        left = time_left(deadline, limit)
        if left <= 0:
            raise timed_out(where, phase, limit, self.options, deadline)
        return left

    def _tls_context(self) -> ssl.SSLContext:
        context = self._ssl_context
        if context is None:  # two threads racing here build two equal contexts; one is kept
            context = self._ssl_context = build_ssl_context(self.options)
        return context

    def _connect(self, route: _Route, deadline: float) -> http.client.HTTPConnection:
        """A new connection, tunnel and TLS handshake done: a failure here sent nothing.

        Through a proxy, the TCP connection goes to the proxy; for ``https://`` http.client sends
        ``CONNECT`` and reads the proxy's answer with :class:`_Response`, so every recv of it
        waits at most for what is left of the deadline, as for the answer to the request.
        """
        options = self.options
        endpoint, proxy, where = route.endpoint, route.proxy, route.where
        timeout = self._wait(deadline, options.connect_timeout, "connect", where)
        host, port = (endpoint.host, endpoint.port) if proxy is None else (proxy.host, proxy.port)
        conn: http.client.HTTPConnection
        if endpoint.tls:
            conn = _TLSConnection(host, port, timeout=timeout, context=self._tls_context())
            if proxy is not None:
                tunnel = {"Host": endpoint.authority}
                if proxy.authorization is not None:
                    tunnel["Proxy-Authorization"] = proxy.authorization
                conn.set_tunnel(endpoint.host, endpoint.port, headers=tunnel)
        else:
            conn = _Connection(host, port, timeout=timeout)
        failure: TransportError | None = None
        budget = _BUDGET.set((deadline, options.connect_timeout))
        try:
            conn.connect()
        except TimeoutError as exc:
            failure = timed_out(where, "connect", options.connect_timeout, options, deadline, exc)
        # Refused, unreachable, DNS, TLS (ssl.SSLError is an OSError), a proxy that refused the
        # tunnel (OSError) or answered it with broken HTTP (HTTPException).
        except (OSError, http.client.HTTPException) as exc:
            failure = connect_failed(where, exc)
        finally:
            _BUDGET.reset(budget)
        if failure is not None:  # raised here: the library's error is not kept as context
            conn.close()
            raise failure
        return conn

    def _checkout(self, origin: _Origin) -> http.client.HTTPConnection | None:
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                if not idle:
                    return None
                conn = idle.pop()
            if conn.sock is not None and not _closed_by_peer(conn.sock):
                return conn
            conn.close()

    def _checkin(self, origin: _Origin, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def __enter__(self) -> StdlibTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class TokenClient(_client.TokenClient):
    """:class:`tokenwire.adapters.client.TokenClient` over :class:`StdlibTransport` by default."""

    default_transport: ClassVar[_client.TransportFactory | None] = StdlibTransport
