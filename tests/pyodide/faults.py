"""Loopback servers that misbehave the ways the fetch transport must survive (tests/pyodide).

The reference provider answers like a provider; these answer like what can sit in front of one:
a redirect and a body far over the cap; and one that answers a token and records the header
names it was sent. Each counts the requests it saw, so a test can tell that
a redirect was not followed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

from tokenwire.conformance.loopback import LoopbackHTTPServer, serving

#: Twice the default cap, sent without a Content-Length so the transport must count while reading.
OVERSIZED = 2 * 1024 * 1024


class FaultServer(LoopbackHTTPServer):
    """A loopback server recording the paths it was asked for."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.lock = threading.Lock()
        self.paths: list[str] = []
        #: The header names of each request, lower-cased, in the order they arrived.
        self.header_names: list[list[str]] = []

    @property
    def url(self) -> str:
        """The token endpoint URL on this server."""
        return f"{self.base_url}/token"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: FaultServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with self.server.lock:
            self.server.paths.append(self.path)
            self.server.header_names.append([name.lower() for name in self.headers])

    def do_GET(self) -> None:
        self._record()
        self.answer()

    def do_POST(self) -> None:
        self._record()
        self.answer()

    def answer(self) -> None:
        raise NotImplementedError


class Token(_Handler):
    """A 200 with a token, for tests about what was sent."""

    def answer(self) -> None:
        body = b'{"access_token":"AT","token_type":"Bearer","expires_in":60}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Redirect(_Handler):
    """``302`` to ``/elsewhere`` on the same server (a follower would show up in ``paths``)."""

    def answer(self) -> None:
        self.send_response(302)
        self.send_header("Location", f"{self.server.base_url}/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()


class Oversized(_Handler):
    """A 200 whose body is :data:`OVERSIZED` bytes, with no length declared."""

    def answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b" " * 65536
        with contextlib.suppress(OSError):  # the client hangs up at the cap
            for _ in range(OVERSIZED // len(chunk)):
                self.wfile.write(chunk)


@contextlib.contextmanager
def fault_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[FaultServer]:
    """Serve ``handler`` on a free loopback port for the block."""
    with serving(FaultServer(handler)) as server:
        assert isinstance(server, FaultServer)
        yield server
