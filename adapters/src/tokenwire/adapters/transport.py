"""What every built-in transport shares: options, TLS set-up, the endpoint check, error mapping.

A transport's job is narrow (send one :class:`~tokenwire.core.HttpRequest`, hand back the
:class:`~tokenwire.core.HttpResponse`), but the rules around it must be the same whichever HTTP
library does the work, or the conformance suite would see different outcomes per transport:

* the same timeouts (connect, read, and a total deadline across the exchange) and the same
  response-size cap;
* the same TLS defaults (verified, certifi if installed, else the system store);
* the same refusal of plain ``http://`` off loopback (by
  :func:`tokenwire.core.check_endpoint_url`);
* the same typed errors: :class:`~tokenwire.core.TransportError` and its subclasses, with the cause
  chained, ``sent=False`` only for a failed connect, and never a body or a header in the message.

This module imports only the standard library and :mod:`tokenwire.core`, so the stdlib transport
can use it on runtimes without httpcore.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar
from urllib.parse import urlsplit

from tokenwire.core import (
    CertificateError,
    ConfigurationError,
    HttpRequest,
    HttpResponse,
    ResponseTooLarge,
    TransportError,
    TransportTimeout,
    check_endpoint_url,
)
from tokenwire.core.redact import scrub

#: What other distributions may import from here: the interface, not the helpers.
__all__ = ["AsyncTransport", "Transport", "TransportOptions"]

T = TypeVar("T")


class Transport(Protocol):
    """The plug every sync transport fits: send one request, return the response.

    Raises :class:`~tokenwire.core.TransportError` (or a subclass) on failure, with ``sent`` saying
    whether any byte of the request may have left; see ``docs/transports.md`` for the contract.
    """

    def send(self, request: HttpRequest) -> HttpResponse: ...


class AsyncTransport(Protocol):
    """The async twin of :class:`Transport`."""

    async def send(self, request: HttpRequest) -> HttpResponse: ...


#: Bodies are read in chunks of this size, so a body over the cap is noticed within one chunk.
CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportOptions:
    """Limits and TLS settings, the same for every built-in transport.

    ``total_timeout`` is a deadline over the whole exchange (connect, send, headers, body): each
    connect and read waits at most for what is left of it, so a server that drips bytes cannot
    hold a caller for longer. ``ssl_context`` replaces the default verified context;
    ``client_cert`` is ``(certfile, keyfile)`` for mutual TLS (``keyfile`` may be ``None`` when the
    key is in ``certfile``) and is loaded into whichever context is used.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_response_bytes: int = 1024 * 1024
    verify: bool = True
    ssl_context: ssl.SSLContext | None = None
    client_cert: tuple[str, str | None] | None = None

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
                raise ConfigurationError(f"{name} must be a positive number of seconds")
        cap = self.max_response_bytes
        if not isinstance(cap, int) or isinstance(cap, bool) or cap <= 0:
            raise ConfigurationError("max_response_bytes must be a positive integer")
        if self.ssl_context is not None and not self.verify:
            raise ConfigurationError(
                "verify=False has no effect with a custom ssl_context; configure the context"
            )


DEFAULT_OPTIONS = TransportOptions()


def build_ssl_context(options: TransportOptions) -> ssl.SSLContext:
    """The TLS context a transport uses for every connection (built once per transport).

    Verification is on by default against certifi's bundle when certifi is installed (the same
    roots on every machine), else the system store. A caller's own context is used as given, with
    the client certificate, if any, loaded into it.
    """
    if options.ssl_context is not None:
        context = options.ssl_context
    else:
        context = ssl.create_default_context(cafile=_certifi_bundle())
        if not options.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    if options.client_cert is not None:
        certfile, keyfile = options.client_cert
        try:
            context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(
                f"cannot load the client certificate {certfile!r}: {type(exc).__name__}"
            ) from exc
    return context


def _certifi_bundle() -> str | None:
    try:
        import certifi  # optional; only needed when a context is built
    except ImportError:
        return None
    where: str = certifi.where()
    return where


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
        return self.scheme == "https"

    @property
    def where(self) -> str:
        """``host:port`` for error messages: never the path or query, which might carry data."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_endpoint(url: str) -> Endpoint:
    """Check ``url`` with the core's rules and split it; :class:`ConfigurationError` if refused.

    The host is IDNA-encoded and the target must be ASCII (percent-encoded), as HTTP/1.1 needs.
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
    except (ValueError, UnicodeError) as exc:
        raise ConfigurationError(
            "token endpoint URL has an invalid port, host or non-ASCII path (percent-encode it)"
        ) from exc
    authority = f"[{host}]" if ":" in host else host
    if port is not None:
        authority = f"{authority}:{port}"
    default_port = 443 if parts.scheme == "https" else 80
    return Endpoint(url, parts.scheme, host, port or default_port, target, authority)


class EndpointCache(Generic[T]):
    """Per-transport memo of ``url -> build(parse_endpoint(url))``.

    The check and the split cost more than the rest of a transport's per-request work, and a
    client talks to one or two URLs, so they are done once per URL. The cache is small and is
    simply emptied when full; a refused URL is never cached and is refused every time.
    """

    __slots__ = ("_build", "_entries", "_size")

    def __init__(self, build: Callable[[Endpoint], T], size: int = 64) -> None:
        self._build = build
        self._entries: dict[str, T] = {}
        self._size = size

    def get(self, url: str) -> T:
        entry = self._entries.get(url)
        if entry is None:
            entry = self._build(parse_endpoint(url))
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[url] = entry
        return entry


def time_left(deadline: float, limit: float) -> float:
    """Seconds one wait may take: ``limit``, or less if the deadline is nearer (may be <= 0)."""
    left = deadline - time.monotonic()
    return left if left < limit else limit


# --- failures -----------------------------------------------------------------------------------
# Messages name the peer (host:port) and the failure, never the request or response: those carry
# client secrets, codes, tokens. The library's own message is scrubbed of token-like runs anyway.


def detail(exc: BaseException) -> str:
    """A short, scrubbed description of a low-level failure, for a TransportError message."""
    text = scrub(str(exc), 120)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _tls_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def connect_failed(where: str, exc: BaseException) -> TransportError:
    """The connection (TCP or TLS handshake) could not be set up: nothing was sent."""
    tls = _tls_cause(exc)
    if isinstance(tls, ssl.SSLCertVerificationError | ssl.CertificateError):
        return CertificateError(f"TLS handshake with {where} failed: {detail(tls)}", sent=False)
    if tls is not None:
        return TransportError(f"TLS handshake with {where} failed: {detail(tls)}", sent=False)
    return TransportError(f"could not connect to {where}: {detail(exc)}", sent=False)


def exchange_failed(where: str, exc: BaseException) -> TransportError:
    """The connection broke, or the server spoke broken HTTP, after the request may have left."""
    return TransportError(f"HTTP exchange with {where} failed: {detail(exc)}", sent=True)


def timed_out(
    where: str, phase: str, seconds: float, options: TransportOptions, deadline: float
) -> TransportTimeout:
    """A wait expired. ``phase`` is ``connect`` (nothing sent), ``pool``, ``write`` or ``read``.

    If the total deadline has passed, that is what the message names, since it was the limit hit.
    """
    sent = phase not in ("connect", "pool")
    if time.monotonic() >= deadline:
        return TransportTimeout(
            f"exchange with {where} exceeded the total timeout of {options.total_timeout:g} s",
            sent=sent,
        )
    what = {
        "connect": "connecting to",
        "pool": "waiting for a free connection to",
        "write": "sending to",
        "read": "waiting for a response from",
    }.get(phase, "talking to")
    return TransportTimeout(f"timed out after {seconds:g} s {what} {where}", sent=sent)


def too_large(where: str, cap: int) -> ResponseTooLarge:
    """The body exceeds the cap; the caller stops reading and drops the connection."""
    return ResponseTooLarge(
        f"response from {where} exceeds the {cap}-byte limit (max_response_bytes); "
        "the rest was not read"
    )


def check_declared_length(value: str | None, where: str, cap: int) -> None:
    """Refuse a body up front when its ``Content-Length`` already says it is over the cap."""
    if value is not None and value.strip().isdigit() and int(value) > cap:
        raise too_large(where, cap)


# An RFC 9110 field name (token) and a field value without CR, LF or NUL.
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
#: Headers a transport computes itself, from the URL and from the body it actually sends.
_COMPUTED = frozenset({"host", "content-length", "transfer-encoding"})


def wire_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """A request's headers as bytes for the wire, minus those the transport computes.

    A header that HTTP/1.1 cannot carry (a bad name, a CR/LF, a value that is not Latin-1) is the
    caller's error, refused with :class:`ConfigurationError` before anything is sent, the same way
    by every transport. The message never shows the value (it may be a credential).
    """
    out = []
    for name, value in headers:
        if name.lower() in _COMPUTED:
            continue
        if not _FIELD_NAME.fullmatch(name) or _BAD_VALUE.search(value):
            raise ConfigurationError(
                f"request header {scrub(name, 40)!r} cannot be sent: bad name or CR/LF in value"
            )
        try:
            out.append((name.encode("ascii"), value.encode("latin-1")))
        except UnicodeEncodeError:
            raise ConfigurationError(
                f"request header {scrub(name, 40)!r} has a value that is not Latin-1"
            ) from None
    return out
