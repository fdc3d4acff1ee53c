"""HTTP request and response values exchanged between the sans-IO core and a transport.

They are plain data: the core builds an :class:`HttpRequest`, a transport sends it and hands back an
:class:`HttpResponse`. Headers are a tuple of ``(name, value)`` pairs rather than a dict so that
order and repeated names survive, and are looked up case-insensitively (RFC 9110 §5.1).
"""

from __future__ import annotations

from collections.abc import Iterator

from typing_extensions import override

from tokenwire.core.redact import RedactedStruct, Shown, redact_headers

__all__ = [
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "header",
]

#: Headers as ``(name, value)`` pairs in the order sent or received; names keep their case.
Headers = tuple[tuple[str, str], ...]


def header(headers: Headers, name: str) -> str | None:
    """Return the first value of header ``name`` (case-insensitive), or ``None``."""
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


class HttpRequest(RedactedStruct, frozen=True, kw_only=True):
    """A request the core wants sent; a transport must send exactly this.

    ``timeout``, when set, is the most this one exchange may take, in seconds: a flow with a
    deadline sets it to what is left. A transport that can bound an exchange (every built-in one)
    uses the smaller of it and its own total timeout; one that cannot still works, the flow's
    deadline then holds only between attempts (see ``docs/transports.md``).
    """

    method: str
    url: str
    headers: Headers
    body: bytes = b""
    timeout: float | None = None

    def header(self, name: str) -> str | None:
        return header(self.headers, name)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        # The body carries secrets (client_secret, codes, refresh tokens) and so may the
        # Authorization header; neither is ever shown.
        yield "method", self.method
        yield "url", self.url
        yield "headers", redact_headers(self.headers)
        yield "body", Shown(f"<{len(self.body)} bytes>")
        if self.timeout is not None:
            yield "timeout", self.timeout


class HttpResponse(RedactedStruct, frozen=True, kw_only=True):
    """What came back from the server, as bytes; parsing is the core's job."""

    status: int
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return header(self.headers, name)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "status", self.status
        yield "headers", redact_headers(self.headers)
        yield "body", Shown(f"<{len(self.body)} bytes>")
