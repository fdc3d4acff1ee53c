"""httpcore network backends that bound every wait by the exchange's total deadline.

httpcore knows only per-operation timeouts (connect, read, write, pool): a server that drips one
byte per read timeout could hold a caller forever. :mod:`tokenwire.adapters.httpcore` therefore
runs its pools over these backends, whose streams shrink every connect, read, write and TLS
handshake timeout to what is left of the deadline in :data:`EXCHANGE_DEADLINE` (a context
variable, so it follows the calling thread or task), and raise httpcore's own timeout when none
is left, which the transport maps like any other. Kept apart from the transports: this is the
part that knows httpcore's backend interface, and the sync and async twins differ only by
``await``.

A backend built with ``tunnel=True`` (the pools that reach ``https://`` endpoints through a proxy)
opens streams to the proxy that carry a ``CONNECT`` before TLS starts over them: until then
nothing has reached the endpoint, so a timeout, a reset or the proxy hanging up there is raised as
httpcore's connect error, which the transport reports with ``sent=False``, as the stdlib
transport does. httpcore alone would report a read timeout or "disconnected without a response",
which cannot be told from a lost answer to the token request itself.
"""

from __future__ import annotations

import contextvars
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
from typing_extensions import override

from tokenwire.adapters.client import current_async_library

__all__ = ["EXCHANGE_DEADLINE", "AsyncDeadlineBackend", "DeadlineBackend"]

#: What a stream to a proxy raises before its tunnel is open, as the connect failure it is.
_BEFORE_TUNNEL: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (httpcore.TimeoutException, httpcore.ConnectTimeout),
    (httpcore.NetworkError, httpcore.ConnectError),
)
_HUNG_UP = "the proxy closed the connection before the tunnel was open"


def _as_connect_failure(exc: Exception) -> Exception:
    """``exc``, raised on a stream to a proxy before its tunnel opened, as a connect failure."""
    for seen, raised in _BEFORE_TUNNEL:
        if isinstance(exc, seen):
            return raised(str(exc))
    return exc


#: The deadline of the exchange running in this thread or task (``time.monotonic()`` seconds);
#: ``None`` outside an exchange (the waits then keep httpcore's own timeouts).
EXCHANGE_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "tokenwire_httpcore_deadline", default=None
)


def _budget(timeout: float | None, expired: type[Exception]) -> float | None:
    """``timeout`` shrunk to what is left of the current deadline; raise ``expired`` if none is."""
    deadline = EXCHANGE_DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("total timeout exceeded")
    return left if timeout is None or left < timeout else timeout


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every wait is bounded by the current exchange's deadline."""

    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    @override
    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _budget(timeout, httpcore.ReadTimeout))

    @override
    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _budget(timeout, httpcore.WriteTimeout))

    @override
    def close(self) -> None:
        self._stream.close()

    @override
    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, budget))

    @override
    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _TunnelStream(_DeadlineStream):
    """A stream to a proxy, before TLS to the endpoint starts over it: its failures (and an end
    of stream, which can only cut the proxy's answer to ``CONNECT``) are connect failures."""

    __slots__ = ()

    @override
    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data = super().read(max_bytes, timeout)
        except Exception as exc:
            raise _as_connect_failure(exc) from None
        if not data:
            raise httpcore.ConnectError(_HUNG_UP)
        return data

    @override
    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            super().write(buffer, timeout)
        except Exception as exc:
            raise _as_connect_failure(exc) from None


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, with every stream it opens bounded by the exchange's deadline.

    With ``tunnel=True``, streams are to a proxy and carry a ``CONNECT`` first (see above).
    """

    def __init__(self, *, tunnel: bool = False) -> None:
        self._backend = httpcore.SyncBackend()
        self._stream = _TunnelStream if tunnel else _DeadlineStream

    @override
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, budget, local_address, socket_options)
        return self._stream(stream)

    @override
    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    """The async twin of :class:`_DeadlineStream`."""

    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    @override
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _budget(timeout, httpcore.ReadTimeout))

    @override
    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _budget(timeout, httpcore.WriteTimeout))

    @override
    async def aclose(self) -> None:
        await self._stream.aclose()

    @override
    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        stream = await self._stream.start_tls(ssl_context, server_hostname, budget)
        return _AsyncDeadlineStream(stream)

    @override
    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _AsyncTunnelStream(_AsyncDeadlineStream):
    """The async twin of :class:`_TunnelStream`."""

    __slots__ = ()

    @override
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data = await super().read(max_bytes, timeout)
        except Exception as exc:
            raise _as_connect_failure(exc) from None
        if not data:
            raise httpcore.ConnectError(_HUNG_UP)
        return data

    @override
    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            await super().write(buffer, timeout)
        except Exception as exc:
            raise _as_connect_failure(exc) from None


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """The async twin of :class:`DeadlineBackend`.

    Picks httpcore's trio or anyio (asyncio) backend on first use, as httpcore's own does.
    """

    def __init__(self, *, tunnel: bool = False) -> None:
        self._backend: httpcore.AsyncNetworkBackend | None = None
        self._stream = _AsyncTunnelStream if tunnel else _AsyncDeadlineStream

    def _chosen(self) -> httpcore.AsyncNetworkBackend:
        if self._backend is None:
            if current_async_library() == "trio":
                self._backend = httpcore.TrioBackend()
            else:
                self._backend = httpcore.AnyIOBackend()
        return self._backend

    @override
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        stream = await self._chosen().connect_tcp(host, port, budget, local_address, socket_options)
        return self._stream(stream)

    @override
    async def sleep(self, seconds: float) -> None:
        await self._chosen().sleep(seconds)
