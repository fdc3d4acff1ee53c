"""The transport harness: one interface over every built-in transport, sync or async.

A :class:`Harness` sends raw requests (:meth:`Harness.exchange`) or runs grants through a token
client (:meth:`Harness.tokens`) over one transport, counting the attempts the flow makes, and
hands back every outcome (a response, a token or the typed error) for the test to compare. There
is one harness per row of :data:`tokenwire.adapters.transport.BUILTIN_TRANSPORTS`, the same table
the conformance runner uses, so a new built-in transport is tested here without a new list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar, cast

import trio

from tests.error_chain import shown
from tests.transport_servers import CLIENT, SECRETS
from tokenwire.adapters.client import AsyncTokenClient, TokenClient
from tokenwire.adapters.transport import (
    BUILTIN_TRANSPORTS,
    AsyncTransport,
    BuiltinTransport,
    Transport,
    TransportOptions,
)
from tokenwire.core import (
    ClientAuth,
    Grant,
    HttpRequest,
    HttpResponse,
    Profile,
    RetryPolicy,
    TokenwireError,
)

T = TypeVar("T")

ONE_TRY = RetryPolicy(max_attempts=1)
THREE_QUICK_TRIES = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)
QUICK = TransportOptions(connect_timeout=5.0, read_timeout=5.0, total_timeout=10.0)


class ClosingTransport(Transport, Protocol):
    """A sync transport with ``close()``, as every built-in one has."""

    def close(self) -> None: ...


class AsyncClosingTransport(AsyncTransport, Protocol):
    """An async transport with ``aclose()``, as every built-in one has."""

    async def aclose(self) -> None: ...


class CountingTransport:
    """Counts the attempts the flow makes through ``inner``."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.attempts = 0

    def send(self, request: HttpRequest) -> HttpResponse:
        self.attempts += 1
        return self.inner.send(request)


class AsyncCountingTransport:
    """The async twin of :class:`CountingTransport`."""

    def __init__(self, inner: AsyncTransport) -> None:
        self.inner = inner
        self.attempts = 0

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.attempts += 1
        return await self.inner.send(request)


Outcome = Any  # HttpResponse | Token | TokenwireError


@dataclass
class Result:
    """What :meth:`Harness.tokens` saw: one outcome per grant, and the attempts sent."""

    outcomes: list[Outcome]
    attempts: int


class Harness:
    """One built-in transport, named as in the table, behind one sync interface."""

    name: ClassVar[str]

    def exchange(
        self, requests: Sequence[HttpRequest], options: TransportOptions | None = None
    ) -> list[Outcome]:
        raise NotImplementedError

    def tokens(
        self,
        profile: Profile,
        grants: Sequence[Grant],
        *,
        options: TransportOptions | None = QUICK,
        retry: RetryPolicy = ONE_TRY,
        between: Callable[[], object] = lambda: None,
        auth: ClientAuth = CLIENT,
    ) -> Result:
        raise NotImplementedError


#: Builds a transport with the given options (the transport's defaults for ``None``).
SyncFactory = Callable[[TransportOptions | None], ClosingTransport]
AsyncFactory = Callable[[TransportOptions | None], AsyncClosingTransport]


class SyncHarness(Harness):
    """Runs requests and grants through a sync transport, in the calling thread."""

    def __init__(self, name: str, transport: SyncFactory) -> None:
        self.name = name  # type: ignore[misc]
        self.transport = transport

    def exchange(
        self, requests: Sequence[HttpRequest], options: TransportOptions | None = None
    ) -> list[Outcome]:
        out: list[Outcome] = []
        transport = self.transport(options)
        try:
            for request in requests:
                try:
                    out.append(transport.send(request))
                except TokenwireError as exc:
                    out.append(exc)
        finally:
            transport.close()
        return out

    def tokens(
        self,
        profile: Profile,
        grants: Sequence[Grant],
        *,
        options: TransportOptions | None = QUICK,
        retry: RetryPolicy = ONE_TRY,
        between: Callable[[], object] = lambda: None,
        auth: ClientAuth = CLIENT,
    ) -> Result:
        inner = self.transport(options)
        counting = CountingTransport(inner)
        out: list[Outcome] = []
        with TokenClient(profile, auth, counting, retry=retry) as client:
            for i, grant in enumerate(grants):
                if i:
                    between()
                try:
                    out.append(client.request(grant))
                except TokenwireError as exc:
                    out.append(exc)
        inner.close()
        return Result(out, counting.attempts)


class AsyncHarness(Harness):
    """Runs requests and grants through an async transport, in a fresh event loop each time."""

    def __init__(
        self,
        name: str,
        transport: AsyncFactory,
        run: Callable[[Callable[[], Awaitable[Any]]], Any],
    ) -> None:
        self.name = name  # type: ignore[misc]
        self.transport = transport
        self._run = run

    def run(self, fn: Callable[[], Awaitable[T]]) -> T:
        result: T = self._run(fn)
        return result

    def exchange(
        self, requests: Sequence[HttpRequest], options: TransportOptions | None = None
    ) -> list[Outcome]:
        async def go() -> list[Outcome]:
            out: list[Outcome] = []
            transport = self.transport(options)
            try:
                for request in requests:
                    try:
                        out.append(await transport.send(request))
                    except TokenwireError as exc:
                        out.append(exc)
            finally:
                await transport.aclose()
            return out

        return self.run(go)

    def tokens(
        self,
        profile: Profile,
        grants: Sequence[Grant],
        *,
        options: TransportOptions | None = QUICK,
        retry: RetryPolicy = ONE_TRY,
        between: Callable[[], object] = lambda: None,
        auth: ClientAuth = CLIENT,
    ) -> Result:
        async def go() -> Result:
            inner = self.transport(options)
            counting = AsyncCountingTransport(inner)
            out: list[Outcome] = []
            # The default sleep: it must work on whichever loop runs this.
            async with AsyncTokenClient(profile, auth, counting, retry=retry) as client:
                for i, grant in enumerate(grants):
                    if i:
                        between()
                    try:
                        out.append(await client.request(grant))
                    except TokenwireError as exc:
                        out.append(exc)
            await inner.aclose()
            return Result(out, counting.attempts)

        return self.run(go)


#: How to run a coroutine function to completion on each async mode's event loop.
EVENT_LOOPS: dict[str, Callable[[Callable[[], Awaitable[Any]]], Any]] = {
    "asyncio": lambda fn: asyncio.run(fn()),  # type: ignore[arg-type]
    "trio": trio.run,
}


def _harness(entry: BuiltinTransport) -> Harness:
    if entry.mode == "sync":
        return SyncHarness(entry.name, cast("SyncFactory", entry.build))
    return AsyncHarness(entry.name, cast("AsyncFactory", entry.build), EVENT_LOOPS[entry.mode])


#: One harness per built-in transport, in the table's order.
HARNESSES: list[Harness] = [_harness(entry) for entry in BUILTIN_TRANSPORTS]


def post(url: str, headers: tuple[tuple[str, str], ...] = ()) -> HttpRequest:
    """A small form POST to ``url``, with ``headers`` after its Content-Type."""
    return HttpRequest(
        method="POST",
        url=url,
        headers=(("Content-Type", "application/x-www-form-urlencoded"), *headers),
        body=b"grant_type=client_credentials",
    )


def assert_no_secret(error: BaseException) -> None:
    """Neither the error nor anything in its cause/context chain shows a secret."""
    text = shown(error)
    for secret in SECRETS:
        assert secret not in text, f"{type(error).__name__} or its chain leaks a secret: {text}"
