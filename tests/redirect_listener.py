"""A loopback redirect listener for browser tests: where the authorization server sends the code.

What a native app runs (RFC 8252 §7.3), reduced to what a test needs: ``GET /callback`` records
the whole callback URL and answers a small page; anything else is a 404. The test then reads the
code from :attr:`RedirectListener.callbacks` with :func:`tokenwire.core.parse_callback`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tokenwire.conformance.loopback import HOST, LoopbackHTTPServer, serving

DONE_PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>Signed in</title>"
    b"<link rel='icon' href='data:,'></head>"
    b"<body><h1 id='done'>Signed in</h1><p>You can close this tab.</p></body></html>"
)


@dataclass
class RedirectListener:
    """The callbacks received so far, and where to send them."""

    port: int = 0
    callbacks: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def redirect_uri(self) -> str:
        return f"http://{HOST}:{self.port}/callback"

    def received(self) -> list[str]:
        with self._lock:
            return list(self.callbacks)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # http.server's naming
        listener = self.server.listener
        if urlsplit(self.path).path == "/callback":
            with listener._lock:
                listener.callbacks.append(
                    f"{listener.redirect_uri.removesuffix('/callback')}{self.path}"
                )
            status, body, kind = 200, DONE_PAGE, "text/html; charset=utf-8"
        else:
            status, body, kind = 404, b"not found\n", "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: a callback URL carries a code."""


class _Server(LoopbackHTTPServer):
    def __init__(self, listener: RedirectListener) -> None:
        super().__init__((HOST, 0), _Handler)
        self.listener = listener


@contextlib.contextmanager
def redirect_listener() -> Iterator[RedirectListener]:
    """Listen on a free loopback port for the block's duration."""
    listener = RedirectListener()
    server = _Server(listener)
    with serving(server):
        listener.port = server.port
        yield listener
