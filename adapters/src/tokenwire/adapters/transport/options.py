"""The limits every built-in transport keeps: :class:`TransportOptions` and the deadline arithmetic.

One options type for every transport, so that the conformance suite sees the same timeouts and the
same size cap whichever HTTP library does the work, and so that a token source can size its lease
from any transport's ``total_timeout`` (see :func:`tokenwire.adapters.transport.transport_options`).
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass

from tokenwire.adapters.transport.proxy import Proxy
from tokenwire.core import ConfigurationError, HttpRequest

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_OPTIONS",
    "MAX_TIMEOUT",
    "TransportOptions",
    "check_timeout",
    "exchange_deadline",
    "time_left",
]

#: Bodies are read in chunks of this size, so a body over the cap is noticed within one chunk.
CHUNK_SIZE = 64 * 1024

#: The longest wait any option may ask for, in seconds (one hour). A token request that needs
#: longer has failed; and every runtime can hold this much: ``inf`` or ``1e12`` would overflow a
#: socket timeout (``OverflowError``) in the middle of an exchange instead of being refused here.
MAX_TIMEOUT = 3600.0


def check_timeout(name: str, value: object) -> float:
    """``value`` as seconds if it is a number in (0, :data:`MAX_TIMEOUT`]; else ConfigurationError.

    ``name`` is what the caller called it (an option, a command-line flag), for the message.
    """
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not 0 < value <= MAX_TIMEOUT  # also refuses NaN
    ):
        raise ConfigurationError(
            f"{name} must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}"
        )
    return float(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportOptions:
    """Limits and TLS settings, the same for every built-in transport.

    ``total_timeout`` is a deadline over the whole exchange (connect, send, headers, body): each
    connect and read waits at most for what is left of it, so a server that drips bytes cannot
    hold a caller for longer. ``ssl_context`` replaces the default verified context;
    ``client_cert`` is ``(certfile, keyfile)`` for mutual TLS (``keyfile`` may be ``None`` when the
    key is in ``certfile``) and is loaded into whichever context is used. Every timeout is bounded
    here, at construction, by :data:`MAX_TIMEOUT`: a value no socket can hold (``inf``, ``1e12``)
    is a :class:`ConfigurationError` now, not an ``OverflowError`` in the middle of an exchange.

    ``proxy`` (a URL such as ``http://user:pass@proxy.corp:3128``, or a
    :class:`~tokenwire.adapters.transport.Proxy`) sends every request through that HTTP proxy; it
    is parsed here, so a bad one fails now and the repr shows it without its credentials. With no
    ``proxy``, ``trust_env=True`` lets ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and
    ``NO_PROXY`` decide, read when the transport is built (see
    :mod:`tokenwire.adapters.transport.proxy`); ``trust_env=False`` ignores them.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_response_bytes: int = 1024 * 1024
    verify: bool = True
    ssl_context: ssl.SSLContext | None = None
    client_cert: tuple[str, str | None] | None = None
    proxy: Proxy | str | None = None
    trust_env: bool = True

    def __post_init__(self) -> None:
        if self.proxy is not None and not isinstance(self.proxy, Proxy):
            object.__setattr__(self, "proxy", Proxy.parse(self.proxy))
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            check_timeout(name, getattr(self, name))
        cap = self.max_response_bytes
        if not isinstance(cap, int) or isinstance(cap, bool) or cap <= 0:
            raise ConfigurationError("max_response_bytes must be a positive integer")
        if self.ssl_context is not None and not self.verify:
            raise ConfigurationError(
                "verify=False has no effect with a custom ssl_context; configure the context"
            )


#: What a built-in transport uses when given no options.
DEFAULT_OPTIONS = TransportOptions()


def time_left(deadline: float, limit: float) -> float:
    """Seconds one wait may take: ``limit``, or less if the deadline is nearer (may be <= 0)."""
    left = deadline - time.monotonic()
    return left if left < limit else limit


def exchange_deadline(request: HttpRequest, options: TransportOptions) -> float:
    """When an exchange of ``request`` must end (``time.monotonic()`` seconds): after the
    transport's ``total_timeout``, or sooner if the request's own ``timeout`` (what is left of
    its flow's deadline) is shorter."""
    total = options.total_timeout
    timeout = request.timeout
    if timeout is not None and timeout < total:
        total = timeout
    return time.monotonic() + total
