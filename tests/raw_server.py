"""A loopback server that writes exactly the bytes a test scripts, over keep-alive connections.

The HTTP servers of :mod:`tests.transport_servers` always frame their answers correctly; the
connection faults of issue 9 need what no HTTP server library writes: a stray CRLF after a body,
a second response nobody asked for, a ``103 Early Hints`` before the answer, a status line full of
tokens, broken framing. :class:`RawServer` reads each request (request line, headers, a
``Content-Length`` body), hands it to the test's ``answer`` function and writes back the bytes it
returns, on the same connection until the client hangs up or the answer says to close.

:class:`RotatingTokens` is the answer of a provider that rotates refresh tokens and refuses reuse:
it records every spent token a client sends again, so a test can prove none was.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from tokenwire.conformance.loopback import HOST, serving


@dataclass(frozen=True)
class Received:
    """One request as the server read it: its form fields, and which connection it came on."""

    form: dict[str, str]
    connection: int
    index: int


@dataclass(frozen=True)
class Answer:
    """The raw bytes to write back, and whether to close the connection after them."""

    data: bytes
    close: bool = False


def response(
    status: int = 200,
    body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),),
    *,
    length: bool = True,
) -> bytes:
    """A well-framed HTTP/1.1 response (with ``Content-Length`` unless ``length`` is False)."""
    lines = [f"HTTP/1.1 {status} X".encode()]
    lines += [f"{name}: {value}".encode("latin-1") for name, value in headers]
    if length:
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class _Handler(socketserver.StreamRequestHandler):
    server: RawServer
    timeout = 10  # no handler thread outlives a test by more than this

    def handle(self) -> None:
        server = self.server
        with server.lock:
            server.connections += 1
            connection = server.connections
        while True:
            line = self.rfile.readline(65536)
            if not line.strip():
                return
            length = 0
            while True:
                header = self.rfile.readline(65536)
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = self.rfile.read(length)
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
            with server.lock:
                received = Received(form, connection, len(server.received))
                server.received.append(received)
            answer = server.answer(received)
            self.wfile.write(answer.data)
            self.wfile.flush()
            if answer.close:
                self.connection.shutdown(socket.SHUT_WR)
                return


class RawServer(socketserver.ThreadingTCPServer):
    """A loopback TCP server answering each request with ``answer(received)``'s bytes."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer: Callable[[Received], Answer]) -> None:
        super().__init__((HOST, 0), _Handler)
        self.answer = answer
        self.lock = threading.Lock()
        self.connections = 0
        self.received: list[Received] = []

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients drop connections mid-answer on purpose (broken framing): stay quiet."""

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/token"


@contextmanager
def raw_server(answer: Callable[[Received], Answer]) -> Iterator[RawServer]:
    """Serve ``answer`` on a free loopback port for the duration of the block."""
    server = RawServer(answer)
    with serving(server):
        yield server


def token_body(access: str, refresh: str | None = None) -> bytes:
    """A token response body, with a refresh token when one is given."""
    members: dict[str, object] = {"access_token": access, "token_type": "Bearer", "expires_in": 60}
    if refresh is not None:
        members["refresh_token"] = refresh
    return json.dumps(members).encode()


@dataclass
class RotatingTokens:
    """A provider that rotates the refresh token at every use and refuses a spent one.

    ``after`` is what to write after every answer: the fault under test. ``reused`` lists every
    spent token a client sent again (the loss the tests rule out).
    """

    after: bytes = b""
    first: str = "rt-0"
    spent: set[str] = field(default_factory=set)
    reused: list[str] = field(default_factory=list)
    issued: int = 0

    def __call__(self, received: Received) -> Answer:
        token = received.form.get("refresh_token", "")
        if token in self.spent or not token.startswith("rt-"):
            self.reused.append(token)
            error = json.dumps({"error": "invalid_grant"}).encode()
            return Answer(response(400, error))
        self.spent.add(token)
        self.issued += 1
        body = token_body(f"at-{self.issued}", f"rt-{self.issued}")
        return Answer(response(200, body) + self.after)


#: Bytes after an answer: a stray CRLF.
STRAY_CRLF = b"\r\n"
#: Bytes after an answer: a complete second answer, with a refresh token never issued.
UNSOLICITED = response(200, token_body("stale", "rt-stale"))
#: An interim answer, sent before a final one.
EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"


def with_early_hints(provider: Callable[[Received], Answer]) -> Callable[[Received], Answer]:
    """``provider``, with ``103 Early Hints`` before each of its answers."""

    def answer(received: Received) -> Answer:
        answered = provider(received)
        return Answer(EARLY_HINTS + answered.data, answered.close)

    return answer


#: Answers that break HTTP/1.1 framing: head (status line and headers, no blank line), body.
BROKEN_FRAMING: dict[str, tuple[bytes, bytes]] = {
    "conflicting-content-length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3",
        b"{}",
    ),
    "negative-content-length": (b"HTTP/1.1 200 OK\r\nContent-Length: -1", b"{}"),
    "non-numeric-content-length": (b"HTTP/1.1 200 OK\r\nContent-Length: two", b"{}"),
    "unknown-transfer-encoding": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip", b"{}"),
    "bad-chunk-size": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", b"zz\r\n{}\r\n0\r\n\r\n"),
    "http-9.9": (b"HTTP/9.9 200 OK\r\nContent-Length: 2", b"{}"),
    "nul-in-a-header": (b"HTTP/1.1 200 OK\r\nX-Odd: a\x00b\r\nContent-Length: 2", b"{}"),
    "header-without-colon": (b"HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 2", b"{}"),
    "no-status-line": (b"hello there", b""),
    "four-digit-status": (b"HTTP/1.1 2000 OK\r\nContent-Length: 2", b"{}"),
}


def broken(head: bytes, body: bytes) -> Callable[[Received], Answer]:
    """An answer function that writes ``head``, a blank line and ``body``, then hangs up."""
    return lambda received: Answer(head + b"\r\n\r\n" + body, close=True)
