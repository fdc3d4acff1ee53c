"""The loopback redirect listener of a native app's login (RFC 8252 §7.3).

:class:`LoopbackReceiver` listens on ``127.0.0.1`` on a port the system picks (so two logins at
once never collide, and nothing is exposed off the machine), takes the first ``GET /callback``,
hands its URL to the thread waiting in :meth:`LoopbackReceiver.wait`, and holds the browser's
request open until that thread decides what the page says (:meth:`LoopbackReceiver.answer`), so
the browser shows the outcome, not a guess. Other paths get a 404; a second callback is told the
login is over. It never logs a request line: a callback URL carries a code.
"""

from __future__ import annotations

import html
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from typing_extensions import override

from tokenwire.adapters.login.state import LoginError

__all__ = ["LoopbackReceiver", "page"]

HOST = "127.0.0.1"
#: How long the browser's request is held open waiting for the outcome, in seconds.
ANSWER_TIMEOUT = 60.0
#: How long closing waits for that page to be written, in seconds.
DELIVER_TIMEOUT = 5.0


def page(title: str, message: str, *, ok: bool) -> bytes:
    """A small self-contained HTML page (no external resource) for the browser."""
    mark = "done" if ok else "failed"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><link rel='icon' href='data:,'></head><body>"
        f"<h1 id='{mark}'>{html.escape(title)}</h1><p id='message'>{html.escape(message)}</p>"
        "</body></html>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # http.server's naming
        receiver = self.server.receiver
        if urlsplit(self.path).path != receiver.path:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")
            return
        if not receiver._take():
            body = page("Login already finished", "You can close this tab.", ok=False)
            self._send(409, body, "text/html; charset=utf-8")
            return
        receiver._callbacks.put(f"http://{HOST}:{receiver.port}{self.path}")
        answered = receiver._answered.wait(ANSWER_TIMEOUT)
        body = receiver._page if answered else page("Login timed out", "", ok=False)
        try:
            self._send(200 if receiver._ok else 400, body, "text/html; charset=utf-8")
        finally:
            receiver._delivered.set()

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    @override
    def log_message(self, format: str, *args: object) -> None:
        """Silent: a callback URL carries a code."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: LoopbackReceiver, port: int) -> None:
        super().__init__((HOST, port), _Handler)
        self.receiver = receiver


class LoopbackReceiver:
    """Waits for one authorization callback on ``http://127.0.0.1:<port><path>``.

    Use it as a context manager: the server starts on entry and stops on exit.
    """

    def __init__(self, *, path: str = "/callback", port: int = 0) -> None:
        self.path = path
        self._callbacks: queue.Queue[str] = queue.Queue(maxsize=1)
        self._answered = threading.Event()
        self._delivered = threading.Event()
        self._taken = False
        self._lock = threading.Lock()
        self._page = b""
        self._ok = False
        self._server = _Server(self, port)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="tokenwire-login-loopback", daemon=True
        )

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to register the authorization request with."""
        return f"http://{HOST}:{self.port}{self.path}"

    def _take(self) -> bool:
        with self._lock:
            taken, self._taken = self._taken, True
            return not taken

    def wait(self, timeout: float) -> str:
        """The callback URL, once the browser brings it; :class:`LoginError` after ``timeout``."""
        try:
            return self._callbacks.get(timeout=timeout)
        except queue.Empty:
            raise LoginError(
                "timeout", f"the browser did not come back within {timeout:g} s"
            ) from None

    def answer(self, title: str, message: str, *, ok: bool) -> None:
        """What the browser shows for the callback it brought."""
        self._page = page(title, message, ok=ok)
        self._ok = ok
        self._answered.set()

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._answered.is_set():
            self.answer("Login failed", "The command stopped before the login finished.", ok=False)
        if self._taken:
            self._delivered.wait(DELIVER_TIMEOUT)  # let the browser get its page before we go
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5.0)
