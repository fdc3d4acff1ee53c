"""The replay server: a loopback token endpoint that plays back what it is armed with.

Armed with a list of replies (and optionally the request every one of them must answer), it
checks each incoming request against the expectation, then answers with the next reply: a canned
HTTP response, or a fault (reset the connection, stall, send a body over the cap, or write exact
bytes: a stray CRLF after an answer, an answer nobody asked for, a ``103 Early Hints`` first, broken
framing). What it saw is kept for the runner to check, with mismatch messages that show no secret
values.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler
from typing import Literal, Protocol

import msgspec
from typing_extensions import override

from tokenwire.conformance.loopback import LoopbackHTTPServer, serving
from tokenwire.conformance.vectors import (
    CannedResponse,
    ExpectedRequest,
    Vector,
    check_expected_request,
)
from tokenwire.core import HttpRequest

#: The replay server never reads more than this of a request body.
MAX_REQUEST_BYTES = 1 << 20
#: A stalled reply is released after this long at most, so a broken client cannot hang a run.
STALL_LIMIT = 10.0


class ScriptedReply(msgspec.Struct, frozen=True, kw_only=True):
    """One answer of the replay server.

    ``respond`` sends ``response``; ``reset`` aborts the connection with a TCP RST after reading
    the request; ``stall`` reads the request and answers nothing until released; ``oversize``
    announces and streams ``size`` bytes of JSON-looking filler; ``raw`` writes ``data`` exactly as
    scripted, in one write, and then reads the next request on the same connection (unless
    ``close``): no HTTP server library writes a stray CRLF after a body, a second answer nobody
    asked for, or conflicting ``Content-Length`` headers.
    """

    action: Literal["respond", "reset", "stall", "oversize", "raw"] = "respond"
    response: CannedResponse | None = None
    size: int = 2 << 20
    #: The bytes a ``raw`` reply writes, one character per byte (U+0000 to U+00FF, Latin-1), so
    #: JSON escapes (``\r\n``, ``\u0000``) can script any byte.
    data: str = ""
    #: Close the connection after the reply (``respond`` or ``raw``), as a server does after an
    #: answer it cannot frame; otherwise it stays open for the next request.
    close: bool = False
    #: The request this reply must answer, checked like a vector's (e.g. which refresh token
    #: each request of a sequence carries, so a resent one is caught).
    request: ExpectedRequest | None = None

    def __post_init__(self) -> None:
        try:
            self.data.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError("a raw reply's data holds only characters U+0000 to U+00FF") from None


class Expecting(Protocol):
    """What the server checks requests against: a token vector, or an endpoint vector."""

    @property
    def request(self) -> ExpectedRequest: ...


class ReplayLog(msgspec.Struct, kw_only=True):
    """What the server saw while armed."""

    requests: int = 0
    problems: list[str] = msgspec.field(default_factory=list)
    #: The header names of each request, exactly as received (case, order and repeats kept);
    #: names only, since values carry credentials.
    header_names: list[list[str]] = msgspec.field(default_factory=list)


class ReplayServer:
    """A loopback HTTP/1.1 server with keep-alive that answers from an armed queue of replies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: deque[ScriptedReply] = deque()
        self._vector: Expecting | None = None
        self._exchange = ReplayLog()
        self._release = threading.Event()
        self._server = LoopbackHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.replay = self  # type: ignore[attr-defined]
        self._serving = serving(self._server)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def __enter__(self) -> ReplayServer:
        self._serving.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._serving.__exit__(None, None, None)

    def arm(self, replies: list[ScriptedReply], vector: Expecting | None = None) -> None:
        """Answer the next requests with ``replies``; check each against ``vector`` if given."""
        with self._lock:
            self._release.set()  # free anything still stalled from the previous case
            self._release = threading.Event()
            self._replies = deque(replies)
            self._vector = vector
            self._exchange = ReplayLog()

    def arm_vector(self, vector: Vector) -> None:
        self.arm([ScriptedReply(response=vector.response)], vector)

    def take(self) -> ReplayLog:
        """What was seen since the last :meth:`arm`; unused replies count as a problem."""
        with self._lock:
            exchange = self._exchange
            if self._replies:
                exchange.problems.append(f"{len(self._replies)} expected request(s) never came")
            self._replies.clear()
            self._release.set()
            return exchange

    def _next(self, request: HttpRequest) -> tuple[ScriptedReply | None, threading.Event]:
        with self._lock:
            self._exchange.requests += 1
            self._exchange.header_names.append([name for name, _ in request.headers])
            if self._vector is not None:
                self._exchange.problems += check_expected_request(self._vector.request, request)
            if not self._replies:
                self._exchange.problems.append("unexpected extra request")
                return None, self._release
            reply = self._replies.popleft()
            if reply.request is not None:
                seen = self._exchange.requests
                self._exchange.problems += [
                    f"request {seen}: {problem}"
                    for problem in check_expected_request(reply.request, request)
                ]
            return reply, self._release


class _Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus delayed ACK
    # holds every answer back by tens of milliseconds on loopback.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server_version = "tokenwire-replay"
    sys_version = ""

    @override
    def log_message(self, format: str, *args: object) -> None:
        """Silent: requests carry secrets and the runner reports what matters."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._send(CannedResponse(status=413))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        request = HttpRequest(
            method=self.command,
            url=self.path,
            headers=tuple(self.headers.items()),
            body=body,
        )
        replay: ReplayServer = self.server.replay  # type: ignore[attr-defined]
        reply, release = replay._next(request)
        if reply is None:
            self._send(CannedResponse(status=500, body='{"error":"server_error"}'))
        elif reply.action == "respond":
            self._send(reply.response or CannedResponse(status=204))
        elif reply.action == "raw":
            self.wfile.write(reply.data.encode("latin-1"))
        elif reply.action == "reset":
            self._reset()
        elif reply.action == "stall":
            release.wait(STALL_LIMIT)
            self.close_connection = True
        else:
            self._oversize(reply.size)
        if reply is not None and reply.close:
            self.close_connection = True

    do_GET = do_PUT = do_DELETE = do_PATCH = do_POST

    def _send(self, response: CannedResponse) -> None:
        body = response.body.encode("utf-8")
        self.send_response_only(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _oversize(self, size: int) -> None:
        self.send_response_only(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b'{"access_token":"' + b"x" * 65000
        sent = 0
        try:
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass  # the client stopped reading at its cap and closed: that is the point
        self.close_connection = True
