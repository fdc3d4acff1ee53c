"""Failures mapped to tokenwire's errors, the same way by every built-in transport.

A transport's low-level failure (a refused connect, a TLS handshake, a timeout, a reset, a body
over the cap) becomes :class:`~tokenwire.core.TransportError` or a subclass, with ``sent=False``
only where nothing can have left (a failed connect). Messages name the peer (``host:port``) and the
failure, never the request or response: those carry client secrets, codes and tokens. The
library's own message is scrubbed of token-like runs anyway.
"""

from __future__ import annotations

import ssl
import time

from tokenwire.adapters.transport.options import TransportOptions
from tokenwire.core import CertificateError, ResponseTooLarge, TransportError, TransportTimeout
from tokenwire.core.redact import scrub

__all__ = [
    "check_declared_length",
    "connect_failed",
    "detail",
    "exchange_failed",
    "timed_out",
    "too_large",
]


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
