"""A real HTTP forward proxy on loopback for the proxy tests: CONNECT tunnels and absolute form.

Issue 12 asks for proxy support proven against a real proxy: the token URL names a host
(``tokens.test``) that only this proxy maps to 127.0.0.1, so a request that arrives proves the
client went through the proxy and did not resolve the name itself. Hence the proxy resolves names
only through the ``hosts`` mapping it is given, accepts a literal IP only if it is loopback, and
never asks the resolver: it dials numeric addresses with ``socket.connect``, which a test's patched
``socket.getaddrinfo`` does not touch. Anything else is answered 502 and never dialed, so no test
traffic can leave the machine.

One thread per client connection. Every socket has a timeout, and leaving :func:`running_proxy`
shuts every socket down and joins every thread, so nothing outlives the block. Absolute-form
requests are forwarded in origin form on a fresh upstream connection each, while the client's
connection is kept alive; the HTTP reading and framing rules live in :mod:`tests.proxy_wire`.
"""

from __future__ import annotations

import base64
import ipaddress
import select
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.proxy_wire import (
    CHUNK,
    Malformed,
    Reader,
    Request,
    get,
    length_of,
    parse_request,
    refusal,
    status_of,
)
from tokenwire.conformance.loopback import HOST

__all__ = ["THREAD", "ProxiedRequest", "RunningProxy", "running_proxy"]

#: No socket waits longer than this: a stuck peer ends its connection, never the test run.
TIMEOUT = 10.0
#: The name of every thread the proxy starts, so a test can see that none is left.
THREAD = "tokenwire-test-proxy"
#: Headers meant for the proxy itself: never forwarded upstream.
DROPPED = frozenset({"proxy-authorization", "proxy-connection"})


@dataclass(frozen=True)
class ProxiedRequest:
    """One request the proxy read, and the status it answered (200 for an open tunnel)."""

    method: str
    #: As on the request line: ``tokens.test:8443`` for CONNECT, a whole URL for absolute form.
    target: str
    #: The raw ``Proxy-Authorization`` value, so a test can see what the client sent.
    proxy_authorization: str | None
    status: int


@dataclass
class RunningProxy:
    """A proxy listening on ``host:port``: its URLs, and what it saw."""

    port: int
    host: str = HOST
    #: Every request read, in order (appended under ``lock``).
    log: list[ProxiedRequest] = field(default_factory=list)
    #: Every ``(address, port)`` the proxy connected to: a refused name never shows up here.
    dialed: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without credentials."""
        return f"http://{self.host}:{self.port}"

    def url_with(self, user: str, password: str) -> str:
        """The proxy URL with ``user`` and ``password`` percent-encoded into its userinfo."""
        return f"http://{quote(user, safe='')}:{quote(password, safe='')}@{self.host}:{self.port}"


class _Proxy:
    """The listener and its connection threads; :meth:`stop` ends them all."""

    def __init__(self, hosts: Mapping[str, str], credentials: tuple[str, str] | None) -> None:
        for address in hosts.values():
            if not ipaddress.ip_address(address).is_loopback:
                raise ValueError(f"the test proxy maps names to loopback only, not {address}")
        self.hosts = {name.lower(): address for name, address in hosts.items()}
        self.expected = None
        if credentials is not None:
            token = base64.b64encode(":".join(credentials).encode()).decode()
            self.expected = f"Basic {token}"
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((HOST, 0))
        self.listener.listen(16)
        self.running = RunningProxy(port=self.listener.getsockname()[1])
        self.stopping = threading.Event()
        self.sockets: set[socket.socket] = set()
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept, name=THREAD, daemon=True)
        self.accepting.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            if not select.select([self.listener], [], [], 0.05)[0]:  # polls the stop flag
                continue
            try:
                client, _ = self.listener.accept()
            except OSError:  # a client that gave up before being accepted
                continue
            self._track(client)
            thread = threading.Thread(target=self._serve, args=(client,), name=THREAD, daemon=True)
            self.threads.append(thread)
            thread.start()

    def _track(self, sock: socket.socket) -> None:
        sock.settimeout(TIMEOUT)
        with self.running.lock:
            self.sockets.add(sock)
            if self.stopping.is_set():  # stop() has shut the others down already
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _close(self, sock: socket.socket) -> None:
        with self.running.lock:
            self.sockets.discard(sock)
            sock.close()

    def stop(self) -> None:
        """Shut every socket down (that wakes every blocked thread), then join them all."""
        self.stopping.set()
        self.accepting.join(TIMEOUT)
        self.listener.close()
        with self.running.lock:
            for sock in self.sockets:
                with suppress(OSError):  # already disconnected
                    sock.shutdown(socket.SHUT_RDWR)
        for thread in self.threads:
            thread.join(TIMEOUT)
        alive = [thread for thread in [self.accepting, *self.threads] if thread.is_alive()]
        if alive or self.sockets:
            raise RuntimeError(
                f"the test proxy left {len(alive)} threads, {len(self.sockets)} sockets"
            )

    def _record(self, request: Request, status: int) -> None:
        entry = ProxiedRequest(request.method, request.target, request.authorization, status)
        with self.running.lock:
            self.running.log.append(entry)

    def _serve(self, client: socket.socket) -> None:
        reader = Reader(client)
        try:
            while self._serve_one(client, reader):
                pass
        except (OSError, Malformed):
            pass  # the client hung up, timed out, or sent garbage after a refusal: just close
        finally:
            self._close(client)

    def _serve_one(self, client: socket.socket, reader: Reader) -> bool:
        """Answer one request; True to read the next one on the same connection."""
        request = Request()
        try:
            lines = reader.head()
            if lines is None:
                return False
            parse_request(request, lines)
        except Malformed:
            return self._refuse(client, request, 400)
        if self.expected is not None and request.authorization != self.expected:
            return self._refuse(client, request, 407)
        address = self._resolve(request.host)
        if address is None:
            return self._refuse(client, request, 502)
        try:
            upstream = self._dial(address, request.port)
        except OSError:
            return self._refuse(client, request, 502)
        try:
            if request.method != "CONNECT":
                return self._forward(client, reader, upstream, request)
            self._record(request, 200)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._tunnel(client, upstream, reader.take())
            return False
        finally:
            self._close(upstream)

    def _refuse(self, client: socket.socket, request: Request, status: int) -> bool:
        self._record(request, status)
        client.sendall(refusal(status))
        return False

    def _resolve(self, host: str) -> str | None:
        """The loopback address for ``host``, from the mapping or a loopback literal; else None."""
        mapped = self.hosts.get(host.lower())
        if mapped is not None:
            return mapped
        try:
            return host if ipaddress.ip_address(host).is_loopback else None
        except ValueError:
            return None  # a name the mapping does not know: never resolved, never dialed

    def _dial(self, address: str, port: int) -> socket.socket:
        family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
        upstream = socket.socket(family, socket.SOCK_STREAM)
        self._track(upstream)
        with self.running.lock:
            self.running.dialed.append((address, port))
        try:
            upstream.connect((address, port))  # numeric: no resolver involved
        except OSError:
            self._close(upstream)
            raise
        return upstream

    def _forward(
        self, client: socket.socket, reader: Reader, upstream: socket.socket, request: Request
    ) -> bool:
        """Send the request upstream in origin form, relay the answer; True to keep alive."""
        head = [f"{request.method} {request.path} HTTP/1.1"]
        head += [
            f"{name}: {value}" for name, value in request.headers if name.lower() not in DROPPED
        ]
        answer = Reader(upstream)
        try:
            upstream.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            for chunk in reader.body(request.length or 0):
                upstream.sendall(chunk)
            lines = answer.head()
            status, response = status_of(lines)
            bodiless = status in (204, 304) or status < 200 or request.method == "HEAD"
            size = 0 if bodiless else length_of(response)
        except (OSError, Malformed):
            return self._refuse(client, request, 502)
        self._record(request, status)
        client.sendall(("\r\n".join(lines or []) + "\r\n\r\n").encode("latin-1"))
        for chunk in answer.body(size):
            client.sendall(chunk)
        closing = [get(request.headers, "connection"), get(response, "connection")]
        return size is not None and not any(value and "close" in value.lower() for value in closing)

    def _tunnel(self, client: socket.socket, upstream: socket.socket, early: bytes) -> None:
        """Relay bytes both ways until either side closes (or stays silent for ``TIMEOUT``)."""
        if early:
            upstream.sendall(early)
        peers = {client: upstream, upstream: client}
        while True:
            ready = select.select(list(peers), [], [], TIMEOUT)[0]
            if not ready:
                return
            for sock in ready:
                data = sock.recv(CHUNK)
                if not data:
                    return
                peers[sock].sendall(data)


@contextmanager
def running_proxy(
    hosts: Mapping[str, str], *, credentials: tuple[str, str] | None = None
) -> Iterator[RunningProxy]:
    """Run a proxy on 127.0.0.1 that knows only the names in ``hosts`` (name -> loopback IP).

    With ``credentials`` (user, password), every request must carry exactly that Basic
    ``Proxy-Authorization`` or is answered 407. Every thread and socket is gone on exit.
    """
    proxy = _Proxy(hosts, credentials)
    try:
        yield proxy.running
    finally:
        proxy.stop()
