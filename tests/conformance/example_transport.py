"""An out-of-tree transport, written the way a third party would: h11 over a plain socket.

It imports nothing of tokenwire but :mod:`tokenwire.core` (the request and response values and
the error types), which is the point: a transport is a small plug, and the conformance suite is
what proves it fits (``docs/transports.md`` walks through it; ``test_plugin_out_of_tree.py`` runs
it). Kept short on purpose, so it speaks plain ``http://`` to loopback only and opens one
connection per request; a real transport adds TLS and keep-alive.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import h11

from tokenwire.core import (
    ConfigurationError,
    HttpRequest,
    HttpResponse,
    ResponseTooLarge,
    TransportError,
    TransportTimeout,
    check_endpoint_url,
)

#: The size cap tokenwire's own transports use: a token response is a few kilobytes, and a server
#: (or something posing as one) must not make the client buffer an unbounded body.
MAX_RESPONSE_BYTES = 1024 * 1024


class ExampleTransport:
    """A sync transport: ``send(HttpRequest) -> HttpResponse``, or a ``TransportError``.

    ``timeout`` bounds the connect and every read; ``total_timeout`` bounds the whole exchange, so a
    server that drips one byte at a time cannot hold the caller past it either.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        total_timeout: float = 30.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.max_response_bytes = max_response_bytes

    def send(self, request: HttpRequest) -> HttpResponse:
        host, port, where, target = _split(request.url)
        # Send exactly the request the core built; only the framing headers are ours to add.
        # h11 checks the headers here, so a bad one is refused before anything leaves. Its error
        # quotes the header's value (a credential, maybe): ours is raised outside the handler,
        # so that error is neither its cause nor its context.
        try:
            h11_request = h11.Request(
                method=request.method,
                target=target,
                headers=[
                    ("Host", where),
                    ("Content-Length", str(len(request.body))),
                    *request.headers,
                ],
            )
        except h11.LocalProtocolError:
            h11_request = None
        if h11_request is None:
            raise ConfigurationError("the request has a header HTTP/1.1 cannot carry")
        deadline = time.monotonic() + self.total_timeout
        try:
            sock = socket.create_connection((host, port), timeout=self.timeout)
        except TimeoutError as exc:
            raise TransportTimeout(f"timed out connecting to {where}", sent=False) from exc
        except OSError as exc:
            # The only failure after which the request certainly never reached the server: the
            # core flow may then retry any grant, even a refresh token that rotates.
            raise TransportError(f"could not connect to {where}: {_why(exc)}", sent=False) from exc
        with sock:
            try:
                return self._exchange(sock, h11_request, request.body, deadline)
            except TransportError:
                raise
            except TimeoutError as exc:
                # From here on the request may have been processed: ``sent`` stays True, so a
                # refresh or a code exchange is not replayed behind the caller's back.
                raise TransportTimeout(f"timed out waiting for {where}") from exc
            except (OSError, h11.ProtocolError) as exc:
                failure = TransportError(f"HTTP exchange with {where} failed: {_why(exc)}")
            # Raised outside the handler: h11's error quotes what the server sent (tokens, even),
            # and would be kept as the context of one raised inside it.
            raise failure

    def _exchange(
        self, sock: socket.socket, request: h11.Request, body: bytes, deadline: float
    ) -> HttpResponse:
        conn = h11.Connection(our_role=h11.CLIENT)
        sock.sendall(
            conn.send(request) + conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage())
        )
        status = 0
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []
        size = 0
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TransportTimeout("the exchange exceeded its total timeout")
                sock.settimeout(min(self.timeout, left))
                conn.receive_data(sock.recv(64 * 1024))
            elif isinstance(event, h11.Response):
                # No redirect is followed: a 3xx goes back to the core like any other status,
                # since replaying a token request (and its credentials) to another URL is unsafe.
                if event.http_version not in (b"1.0", b"1.1"):
                    # h11 parses any digit.digit version (``HTTP/9.9``): not an answer to frame.
                    raise TransportError("the answer is neither HTTP/1.0 nor HTTP/1.1")
                status = event.status_code
                headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers]
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > self.max_response_bytes:
                    # Stop here: the rest is never read, and the socket is closed unread.
                    raise ResponseTooLarge(
                        f"response exceeds the {self.max_response_bytes}-byte limit"
                    )
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return HttpResponse(status=status, headers=tuple(headers), body=b"".join(chunks))
            # h11.InformationalResponse (1xx) needs nothing: the final response follows.


def _why(exc: BaseException) -> str:
    """Name the failure, not its message: h11 may quote what the server sent (tokens, even)."""
    return getattr(exc, "strerror", None) or type(exc).__name__


def _split(url: str) -> tuple[str, int, str, str]:
    """``(host, port, authority, target)`` of a loopback ``http://`` URL; else refused.

    :func:`~tokenwire.core.check_endpoint_url` is the core's rule (no plain http off loopback, no
    credentials in the URL); this example also refuses https, because it has no TLS code at all.
    A real transport must verify TLS certificates by default.
    """
    check_endpoint_url(url)
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise ConfigurationError("ExampleTransport speaks plain http:// to loopback only")
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return parts.hostname or "", parts.port or 80, parts.netloc, target
