"""A protected resource server on loopback, for the bearer-auth tests (httpx and requests).

It accepts exactly one access token, the current one, which it reads from a callable at each
request (the tests hand it the token source's store, as a real resource server would look tokens
up in the authorization server's database), and answers any other with ``401`` and the
challenge it is set to send. It records every request it gets (the token presented, the body
length, whether the body came chunked), so a test can count attempts and see which token each
carried. It reads chunked bodies too, since a streamed request body arrives that way.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import msgspec

from tokenwire.adapters.bearer import bearer_of
from tokenwire.adapters.stores import TokenStore
from tokenwire.conformance.loopback import HOST, LoopbackHTTPServer, serving

#: RFC 6750 §3.1: what a resource server says when a token is expired or revoked.
INVALID_TOKEN = 'Bearer realm="tokenwire-tests", error="invalid_token"'
#: Upper bound on :attr:`ProtectedResource.hold_refusals`; never reached when things work.
HOLD_TIMEOUT = 30.0


@dataclass(frozen=True)
class Seen:
    """One request as the resource server saw it."""

    method: str
    path: str
    token: str | None
    body: bytes
    chunked: bool
    status: int


@dataclass
class ProtectedResource:
    """The server's state; :func:`protected_resource` serves it."""

    #: The one token accepted now; ``None`` accepts every token that is not revoked.
    current: Callable[[], str | None] | None
    #: ``WWW-Authenticate`` sent with a 401; ``None`` sends a bare 401.
    challenge: str | None = INVALID_TOKEN
    #: When set, every token is refused: the current one as well.
    refuse_all: bool = False
    #: Tokens refused even while current (revoked at the authorization server, say).
    revoked: set[str] = field(default_factory=set)
    #: Whatever token the first request carries is revoked on arrival (it expired just then).
    revoke_first: bool = False
    #: When set, the first ``parties`` refusals wait here, so that a test's whole burst of
    #: requests has arrived with the old token before any of them hears the 401. Later refusals
    #: (a retry refused again) are answered at once.
    hold_refusals: threading.Barrier | None = None
    _held: int = 0
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def accepts(self, token: str | None) -> bool:
        if self.refuse_all or token is None or token in self.revoked:
            return False
        return self.current is None or token == self.current()

    def arrived(self, token: str | None) -> None:
        """Note that a request carrying ``token`` arrived (before it is judged)."""
        with self._lock:
            if self.revoke_first and not self.seen and token is not None:
                self.revoked.add(token)

    def hold(self) -> None:
        """Wait at :attr:`hold_refusals`, if this is one of the refusals it holds."""
        with self._lock:
            barrier = self.hold_refusals
            if barrier is None or self._held >= barrier.parties:
                return
            self._held += 1
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=HOLD_TIMEOUT)

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.seen)

    def tokens(self) -> list[str | None]:
        """The token each request carried, in the order they arrived."""
        with self._lock:
            return [seen.token for seen in self.seen]

    def url(self, path: str = "/api/things") -> str:
        return f"{self.base_url}{path}"


def stored_access_token(store: TokenStore, key: str) -> Callable[[], str | None]:
    """The current-token lookup over a token store: what the source wrote last for ``key``."""

    def current() -> str | None:
        stored = store.get(key)
        return None if stored is None else stored.token.access_token

    return current


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30.0
    server: _Server

    def do_GET(self) -> None:  # http.server's naming
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the tests read :attr:`ProtectedResource.seen` instead."""

    def _read_body(self) -> tuple[bytes, bool]:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks), True
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0)), False

    def _serve(self) -> None:
        resource = self.server.resource
        body, chunked = self._read_body()
        token = bearer_of(self.headers.get("Authorization"))
        resource.arrived(token)
        if resource.accepts(token):
            status, headers = 200, [("Content-Type", "application/json")]
            payload = msgspec.json.encode({"ok": True, "received": len(body)})
        else:
            resource.hold()
            status, headers = 401, [("Content-Type", "application/json")]
            if resource.challenge is not None:
                headers.append(("WWW-Authenticate", resource.challenge))
            payload = b'{"error":"unauthorized"}'
        resource.record(Seen(self.command, self.path, token, body, chunked, status))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(LoopbackHTTPServer):
    #: Hundreds of clients connect at once in the concurrency tests; the default backlog (5)
    #: would leave most of them waiting on SYN retransmits.
    request_queue_size = 1024

    def __init__(self, resource: ProtectedResource) -> None:
        super().__init__((HOST, 0), _Handler)
        self.resource = resource


@contextlib.contextmanager
def protected_resource(
    current: Callable[[], str | None] | None,
) -> Iterator[ProtectedResource]:
    """Serve a :class:`ProtectedResource` on a free loopback port for the block's duration."""
    resource = ProtectedResource(current)
    server = _Server(resource)
    with serving(server):
        resource.base_url = server.base_url
        yield resource
