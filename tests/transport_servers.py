"""Loopback HTTP servers for the transport tests: each answers the way a real server fails.

A :class:`Server` records connections and requests (optionally over TLS); a :class:`Handler`
subclass picks the answer (a token, repeated headers, a body over the cap, a redirect, a stall, a
drip, a hang-up). Secrets are recognisable strings, so a test can assert that none shows up in an
error. Started by :class:`ServerPool`, which releases and stops them all at the end of a test.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tokenwire.conformance.loopback import HOST, LoopbackHTTPServer, serving
from tokenwire.core import ClientAuth, basic_authorization

# Recognisable secrets: none of them may ever show up in an error's str or repr.
CLIENT_SECRET = "S3cretClientValue-7f3a9"
REFRESH = "RefreshTokenSecret-55c1e"
CODE = "AuthCodeSecret-0d9e2b"
VERIFIER = "VerifierSecret-" + "v" * 40
ACCESS = "AccessTokenSecret-91ab4"
CLIENT = ClientAuth("tw-client", CLIENT_SECRET, method="client_secret_basic")
SECRETS = (
    CLIENT_SECRET,
    REFRESH,
    CODE,
    VERIFIER,
    ACCESS,
    basic_authorization("tw-client", CLIENT_SECRET).split()[1],
)
CAP = 1024 * 1024
TOKEN_BODY = json.dumps(
    {"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600, "scope": "a b"}
).encode()


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


class Server(LoopbackHTTPServer):
    """A loopback server that records connections and requests, optionally over TLS."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__((HOST, 0), handler)
        self.tls = tls
        self.lock = threading.Lock()
        self.connections = 0
        self.requests: list[Seen] = []
        self.peer_certs: list[bool] = []
        #: Set at teardown: handlers that stall wait on it, so no thread outlives the test.
        self.release = threading.Event()
        #: Set each time the server has closed a client connection.
        self.closed = threading.Event()

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        if self.tls is not None:
            # The handshake runs in the handler's thread, on first read, not in the accept loop.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        self.closed.set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer is what several tests do on purpose: stay quiet."""

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{HOST}:{self.port}/token"


class Handler(BaseHTTPRequestHandler):
    """Answers every POST with a token; subclasses change :meth:`answer`."""

    protocol_version = "HTTP/1.1"
    timeout = 10  # a handler can never wait longer than this on its socket
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if isinstance(self.connection, ssl.SSLSocket):
            self.server.peer_certs.append(bool(self.connection.getpeercert()))
        with self.server.lock:
            self.server.requests.append(Seen(self.command, self.path, self.headers.items(), body))
        self.answer()

    def answer(self) -> None:
        self.reply(200, TOKEN_BODY, [("Content-Type", "application/json")])

    def reply(
        self, status: int, body: bytes, headers: Sequence[tuple[str, str]] = (), length: bool = True
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class MultiHeader(Handler):
    def answer(self) -> None:
        self.reply(201, b"hello", [("X-Multi", "one"), ("X-Multi", "two")])


class CloseAfterAnswer(Handler):
    """Answers, then closes the connection without saying so (no ``Connection: close``)."""

    def answer(self) -> None:
        super().answer()
        self.close_connection = True


class DeclaredTooLarge(Handler):
    def answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(2 * CAP))
        self.end_headers()
        self.wfile.write(b"x" * (2 * CAP))


class UndeclaredTooLarge(Handler):
    """Sends a little more than the cap with no length, then stalls until teardown.

    A client that kept reading past the cap would wait for the rest and time out instead of
    raising ResponseTooLarge.
    """

    def answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"x" * (CAP + 128 * 1024))
        self.server.release.wait(10)


class Redirect(Handler):
    def answer(self) -> None:
        self.reply(302, b"", [("Location", f"http://{HOST}:{self.server.port}/elsewhere")])


class Stall(Handler):
    def answer(self) -> None:
        self.server.release.wait(10)
        self.close_connection = True


class Drip(Handler):
    """Starts an answer, then sends a header a byte at a time, each well within a read timeout."""

    def answer(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
        for _ in range(40):
            if self.server.release.wait(0.05):  # paces the drip; ends it at teardown
                return
            self.wfile.write(b"a")
        # A client still listening after two seconds gets a complete, successful answer.
        self.wfile.write(b"\r\nContent-Length: 0\r\n\r\n")


class HangUp(Handler):
    """Reads the whole request, then closes the connection without answering."""

    def answer(self) -> None:
        self.close_connection = True


@contextmanager
def server_pool() -> Iterator[Callable[..., Server]]:
    """``start(handler, tls=None)`` starts a server; all are released and stopped on exit."""
    started: list[tuple[Server, Any]] = []

    def start(handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> Server:
        server = Server(handler, tls)
        running = serving(server)
        running.__enter__()
        started.append((server, running))
        return server

    try:
        yield start
    finally:
        for server, running in started:
            server.release.set()
            running.__exit__(None, None, None)
