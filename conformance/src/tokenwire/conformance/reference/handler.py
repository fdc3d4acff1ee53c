"""The HTTP side: a threaded loopback server that turns wire requests into calls to the provider.

It only reads the request (with a size cap) and writes the reply; what to answer is decided by the
``app`` callable it is given. HTTP/1.1 with ``Content-Length`` on every reply, so clients can keep
the connection alive as they would with a real provider.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from typing_extensions import override

from tokenwire.conformance.loopback import HOST, LoopbackHTTPServer
from tokenwire.conformance.reference.replies import ProviderReply, text_reply
from tokenwire.core import HttpRequest

log = logging.getLogger(__name__)

#: Larger request bodies are refused with 413 unread; no token request comes near this.
MAX_REQUEST_BODY = 64 * 1024

App = Callable[[HttpRequest], ProviderReply]


class ReferenceHTTPServer(LoopbackHTTPServer):
    """A loopback server on a kernel-chosen port whose every request is answered by ``app``."""

    def __init__(self, app: App) -> None:
        # Binding to port 0 lets the kernel pick a free port with no race, and the socket is
        # listening when the constructor returns, so there is nothing to wait for.
        super().__init__((HOST, 0), ReferenceRequestHandler)
        self.app = app


class ReferenceRequestHandler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus delayed ACK
    # holds every answer back by tens of milliseconds on loopback.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    #: An idle keep-alive connection is dropped after this many seconds, freeing its thread.
    timeout = 30.0
    server: ReferenceHTTPServer

    def do_GET(self) -> None:  # http.server's naming
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    @override
    def log_message(self, format: str, *args: object) -> None:
        """Silent: request lines can carry codes and states, and tests need no access log."""

    def _serve(self) -> None:
        if self.headers.get("Transfer-Encoding"):
            # Token requests are small forms sent with a length; an unread chunked body would be
            # taken for the next request on this connection, so refuse it and close.
            self.close_connection = True
            self._write(text_reply(411, "a Content-Length is required\n"))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BODY:
            self.close_connection = True
            self._write(text_reply(413 if length > 0 else 400, "bad request body length\n"))
            return
        request = HttpRequest(
            method=self.command,
            url=self.server.base_url + self.path,
            headers=tuple(self.headers.items()),
            body=self.rfile.read(length) if length else b"",
        )
        try:
            reply = self.server.app(request)
        except Exception:
            # A bug in the reference provider: answer as a server would, and keep serving.
            log.exception("reference provider failed on %s %s", self.command, _path(self.path))
            reply = ProviderReply(
                500, (("Content-Type", "application/json"),), json={"error": "server_error"}
            )
        self._write(reply)

    def _write(self, reply: ProviderReply) -> None:
        payload = reply.payload()
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _path(target: str) -> str:
    """The path of a request target without its query, which may carry codes or states."""
    return urlsplit(target).path
