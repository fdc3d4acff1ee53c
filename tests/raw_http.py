"""A loopback token endpoint that answers every POST with the exact bytes a test gives it.

The replay server's canned responses are text; fault tests need bodies no text can hold
(invalid UTF-8 inside a JSON string) and want to see what the client sent (form fields).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from tokenwire.conformance.loopback import LoopbackHTTPServer, serving


class RawEndpoint:
    """What to answer (``status``, ``headers``, ``body``) and what was received (``forms``)."""

    def __init__(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.status = status
        self.body = body
        self.headers = headers
        self.forms: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.url = ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: test output stays readable."""

    def do_POST(self) -> None:
        endpoint: RawEndpoint = self.server.endpoint  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
        with endpoint.lock:
            endpoint.forms.append(form)
        self.send_response(endpoint.status)
        for name, value in endpoint.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(endpoint.body)))
        self.end_headers()
        self.wfile.write(endpoint.body)


@contextlib.contextmanager
def raw_endpoint(
    body: bytes, *, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Iterator[RawEndpoint]:
    """Serve ``body`` at ``http://127.0.0.1:PORT/token`` for the duration of the block."""
    endpoint = RawEndpoint(status, body, headers or [("Content-Type", "application/json")])
    server = LoopbackHTTPServer(("127.0.0.1", 0), _Handler)
    server.endpoint = endpoint  # type: ignore[attr-defined]
    with serving(server):
        endpoint.url = f"{server.base_url}/token"
        yield endpoint
