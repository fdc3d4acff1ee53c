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
    "stand_in",
    "timed_out",
    "too_large",
]


def detail(exc: BaseException) -> str:
    """A short, scrubbed description of a low-level failure, for a TransportError message."""
    text = scrub(str(exc), 120)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ScrubbedCause(Exception):
    """Stands in for a library exception that cannot be rebuilt from a message alone.

    Its message names the original type (``module.Class``) and carries the scrubbed text. Only
    ever a cause, never raised: so not exported (every exported error is a TokenwireError).
    """


def stand_in(exc: BaseException) -> BaseException:
    """What to keep as a :class:`TransportError`'s cause in place of the library's ``exc``.

    The library's exception often quotes what the server sent (``illegal status line:
    bytearray(b'HTTP/1.1 2x0 <a token>')``), and so does its own chain; a printed traceback shows
    all of it. The stand-in keeps the type (rebuilt from the scrubbed message; where the type
    cannot be rebuilt so, a :class:`ScrubbedCause` naming it), the scrubbed message, and no
    chain, traceback or attribute of the original.
    """
    text = scrub(str(exc), 120)
    kind = type(exc)
    rebuilt: BaseException | None
    try:
        rebuilt = kind(text)
        # A type whose str or repr needs more than a message is not rebuilt.
        _ = (repr(rebuilt), str(rebuilt))
    except Exception:  # any constructor may refuse a single string
        rebuilt = None
    if rebuilt is None or type(rebuilt) is not kind:
        return ScrubbedCause(f"{kind.__module__}.{kind.__qualname__}: {text}")
    return rebuilt


def _caused_by(error: TransportError, exc: BaseException) -> TransportError:
    # Setting __cause__ also suppresses the context in a printed traceback; the caller raises
    # ``error`` outside its ``except`` block, so the original is not kept as __context__ either.
    error.__cause__ = stand_in(exc)
    return error


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
        error: TransportError = CertificateError(
            f"TLS handshake with {where} failed: {detail(tls)}", sent=False
        )
    elif tls is not None:
        error = TransportError(f"TLS handshake with {where} failed: {detail(tls)}", sent=False)
    else:
        error = TransportError(f"could not connect to {where}: {detail(exc)}", sent=False)
    return _caused_by(error, exc)


def exchange_failed(where: str, exc: BaseException) -> TransportError:
    """The connection broke, or the server spoke broken HTTP, after the request may have left.

    Broken framing (conflicting or negative ``Content-Length``, an unknown ``Transfer-Encoding``,
    an HTTP version other than 1.0 or 1.1, a control character in a header) lands here too, in
    every transport: no HTTP response came back for the core to judge, and the request had left,
    so the flow's rule for a failure after sending applies (a repeatable grant may go again, a
    refresh token or a code never does). See ``docs/transports.md``.
    """
    error = TransportError(f"HTTP exchange with {where} failed: {detail(exc)}", sent=True)
    return _caused_by(error, exc)


def timed_out(
    where: str,
    phase: str,
    seconds: float,
    options: TransportOptions,
    deadline: float,
    exc: BaseException | None = None,
) -> TransportTimeout:
    """A wait expired. ``phase`` is ``connect`` (nothing sent), ``pool``, ``write`` or ``read``.

    If the total deadline has passed, that is what the message names, since it was the limit hit.
    ``exc``, the library's timeout, is kept as the cause (as a :func:`stand_in`).
    """
    sent = phase not in ("connect", "pool")
    error = _timed_out(where, phase, seconds, options, deadline, sent)
    if exc is not None:
        _caused_by(error, exc)
    return error


def _timed_out(
    where: str, phase: str, seconds: float, options: TransportOptions, deadline: float, sent: bool
) -> TransportTimeout:
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
