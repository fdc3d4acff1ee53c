"""The transport interface, and what every built-in transport shares.

A transport's job is narrow (send one :class:`~tokenwire.core.HttpRequest`, hand back the
:class:`~tokenwire.core.HttpResponse`), but the rules around it must be the same whichever HTTP
library does the work, or the conformance suite would see different outcomes per transport. Each
concern lives in its own module; this package re-exports every public name, so
``from tokenwire.adapters.transport import X`` is the one import to use:

* :mod:`.interface`: the :class:`Transport` / :class:`AsyncTransport` Protocols and what a
  transport may declare (``options``, ``runtime_headers``), read by :func:`transport_options`
  and :func:`transport_runtime_headers`;
* :mod:`.options`: :class:`TransportOptions` (the same timeouts, deadline and size cap for all);
* :mod:`.proxy`: which endpoint goes through which HTTP proxy (``proxy=``, ``HTTPS_PROXY``,
  ``NO_PROXY``), decided the same way for every transport;
* :mod:`.tls`: the same TLS defaults (verified, certifi if installed, else the system store);
* :mod:`.endpoint`: the endpoint check (the core's refusal of plain ``http://`` off loopback) and
  the per-transport cache of checked URLs;
* :mod:`.failures`: the same typed errors, :class:`~tokenwire.core.TransportError` and its
  subclasses, ``sent=False`` only for a failed connect, never a body or a header in the message;
* :mod:`.headers`: the headers a transport sends (the core's, plus framing only);
* :mod:`.registry`: the built-in transports by name, for the conformance runner and the CLIs.

Everything here imports only the standard library and :mod:`tokenwire.core`, so the stdlib
transport can use it on runtimes without httpcore.
"""

from __future__ import annotations

from tokenwire.adapters.transport.endpoint import Endpoint, EndpointCache, parse_endpoint
from tokenwire.adapters.transport.failures import (
    check_declared_length,
    connect_failed,
    detail,
    exchange_failed,
    stand_in,
    timed_out,
    too_large,
)
from tokenwire.adapters.transport.headers import (
    FRAMING_HEADERS,
    response_header_problem,
    wire_headers,
)
from tokenwire.adapters.transport.interface import (
    AsyncTransport,
    Transport,
    transport_options,
    transport_runtime_headers,
)
from tokenwire.adapters.transport.options import (
    CHUNK_SIZE,
    DEFAULT_OPTIONS,
    MAX_TIMEOUT,
    TransportOptions,
    check_timeout,
    exchange_deadline,
    time_left,
)
from tokenwire.adapters.transport.proxy import Proxy, ProxyChoice, bypasses, route_where
from tokenwire.adapters.transport.registry import (
    BUILTIN_TRANSPORTS,
    BuiltinTransport,
    TransportMode,
    build_sync_transport,
    default_library,
    sync_libraries,
)
from tokenwire.adapters.transport.tls import build_ssl_context

__all__ = [
    "BUILTIN_TRANSPORTS",
    "CHUNK_SIZE",
    "DEFAULT_OPTIONS",
    "FRAMING_HEADERS",
    "MAX_TIMEOUT",
    "AsyncTransport",
    "BuiltinTransport",
    "Endpoint",
    "EndpointCache",
    "Proxy",
    "ProxyChoice",
    "Transport",
    "TransportMode",
    "TransportOptions",
    "build_ssl_context",
    "build_sync_transport",
    "bypasses",
    "check_declared_length",
    "check_timeout",
    "connect_failed",
    "default_library",
    "detail",
    "exchange_deadline",
    "exchange_failed",
    "parse_endpoint",
    "response_header_problem",
    "route_where",
    "stand_in",
    "sync_libraries",
    "time_left",
    "timed_out",
    "too_large",
    "transport_options",
    "transport_runtime_headers",
    "wire_headers",
]
