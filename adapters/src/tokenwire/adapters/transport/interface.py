"""The transport interface: the Protocols a transport fits, and what it may declare about itself.

A transport is any object with a ``send`` method; that is all :class:`Transport` and
:class:`AsyncTransport` require, so a test double or a third party's transport needs nothing from
tokenwire but :mod:`tokenwire.core`. Two facts about a transport are optional, declared as
attributes and read through the helpers here (never by ``getattr`` experiments elsewhere), so
that what a transport may declare is written in one place:

* ``options: TransportOptions``: its limits. A token source sizes its renewal lease from
  ``options.total_timeout`` (read with :func:`transport_options`).
* ``runtime_headers: frozenset[str]``: the headers its runtime adds to every request and that it
  cannot remove (a browser's ``fetch`` adds ``accept-encoding`` and ``sec-fetch-*``). The
  conformance suite's header case reports them as declared instead of failing them (read with
  :func:`transport_runtime_headers`).
"""

from __future__ import annotations

from typing import Protocol

from tokenwire.adapters.transport.options import TransportOptions
from tokenwire.core import ConfigurationError, HttpRequest, HttpResponse

__all__ = ["AsyncTransport", "Transport", "transport_options", "transport_runtime_headers"]


class Transport(Protocol):
    """The plug every sync transport fits: send one request, return the response.

    ``send`` returns the response for every status and raises
    :class:`~tokenwire.core.TransportError` (or a subclass) on failure, with ``sent`` saying
    whether any byte of the request may have left; see ``docs/transports.md`` for the contract.

    Optional, and not part of the structural type (a transport without them still fits):

    * ``close()``: called by ``TokenClient.close()`` and the conformance runner when present;
    * ``options: TransportOptions``: the transport's timeouts and limits; token sources read
      ``options.total_timeout`` (through :func:`transport_options`) to size their leases, and
      assume :data:`~tokenwire.adapters.transport.DEFAULT_OPTIONS` when it is absent;
    * ``runtime_headers: frozenset[str]`` (a class attribute; lower-case names): headers the
      transport's runtime adds and the transport cannot remove. Anything else it adds beyond
      ``Host`` and ``Content-Length`` fails the conformance suite.
    """

    def send(self, request: HttpRequest) -> HttpResponse: ...


class AsyncTransport(Protocol):
    """The async twin of :class:`Transport`: ``async def send``, and ``aclose()`` if any.

    It may declare ``options`` and ``runtime_headers`` exactly as a sync transport does.
    """

    async def send(self, request: HttpRequest) -> HttpResponse: ...


def transport_options(transport: object) -> TransportOptions | None:
    """The :class:`TransportOptions` ``transport`` declares in its ``options``, or ``None``.

    ``None`` when the transport declares none (or declares something else under that name): the
    caller then assumes :data:`~tokenwire.adapters.transport.DEFAULT_OPTIONS` or its own limits.
    """
    options = getattr(transport, "options", None)
    return options if isinstance(options, TransportOptions) else None


def transport_runtime_headers(transport: object) -> frozenset[str]:
    """The header names ``transport`` declares its runtime adds, lower-cased (empty if none).

    Raises :class:`ConfigurationError` when ``runtime_headers`` is not a set of strings, so a
    typo'd declaration is not silently read as "none".
    """
    declared = getattr(transport, "runtime_headers", None)
    if declared is None:
        return frozenset()
    if not isinstance(declared, set | frozenset) or not all(isinstance(n, str) for n in declared):
        raise ConfigurationError(
            f"{type(transport).__name__}.runtime_headers must be a frozenset of header names"
        )
    return frozenset(name.lower() for name in declared)
