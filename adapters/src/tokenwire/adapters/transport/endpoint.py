"""Endpoint URLs as a transport needs them: checked once, split once, cached per URL.

The check is the core's (:func:`tokenwire.core.check_endpoint_url`: https, or plain http on
loopback only, no credentials in the URL); this module adds what HTTP/1.1 needs on top (an
IDNA host, an ASCII request target) and a small per-transport cache, since a client talks to
one or two URLs and the check costs more than the rest of a transport's per-request work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from tokenwire.core import ConfigurationError, check_endpoint_url

__all__ = ["Endpoint", "EndpointCache", "parse_endpoint"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A checked endpoint URL, split once into what a transport needs to reach it."""

    url: str
    scheme: str
    host: str
    port: int
    #: The request target (path and query) for the request line.
    target: str
    #: The ``Host`` header value (RFC 9110 §7.2).
    authority: str

    @property
    def tls(self) -> bool:
        """True for ``https``."""
        return self.scheme == "https"

    @property
    def where(self) -> str:
        """``host:port`` for error messages: never the path or query, which might carry data."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_endpoint(url: str) -> Endpoint:
    """Check ``url`` with the core's rules and split it; :class:`ConfigurationError` if refused.

    The host is IDNA-encoded and the target must be ASCII (percent-encoded), as HTTP/1.1 needs.
    The error is raised outside the handler and chains nothing: the parser's own error quotes the
    URL, whose path or query may carry a secret.
    """
    check_endpoint_url(url)
    parts = urlsplit(url)
    try:
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
        target = parts.path or "/"
        if parts.query:
            target = f"{target}?{parts.query}"
        target.encode("ascii")
    except (ValueError, UnicodeError):
        valid = False
    else:
        valid = True
    if not valid:
        raise ConfigurationError(
            "token endpoint URL has an invalid port, host or non-ASCII path (percent-encode it)"
        )
    authority = f"[{host}]" if ":" in host else host
    if port is not None:
        authority = f"{authority}:{port}"
    default_port = 443 if parts.scheme == "https" else 80
    return Endpoint(url, parts.scheme, host, port or default_port, target, authority)


class EndpointCache(Generic[T]):
    """Per-transport memo of ``url -> build(parse_endpoint(url))``.

    The cache is small and is simply emptied when full; a refused URL is never cached and is
    refused every time.
    """

    __slots__ = ("_build", "_entries", "_size")

    def __init__(self, build: Callable[[Endpoint], T], size: int = 64) -> None:
        self._build = build
        self._entries: dict[str, T] = {}
        self._size = size

    def get(self, url: str) -> T:
        """The entry for ``url``, built (and the URL checked) on first use."""
        entry = self._entries.get(url)
        if entry is None:
            entry = self._build(parse_endpoint(url))
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[url] = entry
        return entry
