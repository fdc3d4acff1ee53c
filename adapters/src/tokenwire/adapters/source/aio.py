"""``AsyncTokenSource``: the async twin of ``TokenSource``, on asyncio or trio.

Same renewal (:meth:`Renewer.renew <tokenwire.adapters.source.renewal.Renewer.renew>`), stepped
by :func:`~tokenwire.adapters.drive.adrive` over the client's async transport with the running
loop's sleep; the in-process single flight is an :class:`anyio.Event` (anyio comes with the
``httpcore`` extra and works on both loops). anyio is imported only when an async source is built,
so the sync source never needs it; without it, building one raises a
:class:`~tokenwire.core.ConfigurationError` that names the install line.

Store operations are called directly from the event loop, not offloaded to a thread. They are
short (a dict lookup, one SQLite transaction, one Redis round trip), they happen only around a
renewal, never on the hot path, and calling them inline keeps cleanup exact: when a renewal is
cancelled, the lease is released by a plain call that a cancelled scope cannot interrupt. The cost
is that a slow store (a busy SQLite file, a far Redis) blocks the loop for up to the store's own
timeout; the waiting between polls, and every HTTP exchange, is asynchronous.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from types import ModuleType

from tokenwire.adapters.client import AsyncTokenClient
from tokenwire.adapters.drive import adrive
from tokenwire.adapters.source.base import Flight, SourceBase
from tokenwire.adapters.source.cached import Cached
from tokenwire.adapters.source.errors import RefreshTimeout
from tokenwire.adapters.source.steps import StoreOp
from tokenwire.adapters.stores import TokenStore
from tokenwire.adapters.trace import Tracing
from tokenwire.core import ConfigurationError, Grant, Token

__all__ = ["AsyncTokenSource"]


def _anyio() -> ModuleType:
    """The anyio module, or a ConfigurationError that says how to install it."""
    try:
        import anyio
    except ImportError:
        error = ConfigurationError(
            "AsyncTokenSource needs anyio (it works on asyncio and trio alike): "
            'pip install "tokenwire-adapters[httpcore]", or pip install anyio'
        )
    else:
        return anyio
    raise error  # outside the handler: no ImportError chained on


def _inline(perform: Callable[[StoreOp], object]) -> Callable[[StoreOp], Awaitable[object]]:
    """``perform`` (a source's store operations) as adrive's awaitable one, run inline.

    The coroutine never suspends, so nothing can cancel it half-way: a lease release that
    follows a cancellation always completes.
    """

    async def perform_inline(op: StoreOp) -> object:
        return perform(op)

    return perform_inline


class AsyncTokenSource(SourceBase):
    """The async :class:`~tokenwire.adapters.source.TokenSource`: same arguments, same rules.

    ``client`` is an :class:`~tokenwire.adapters.client.AsyncTokenClient`, whose
    :meth:`~tokenwire.adapters.client.AsyncTokenClient.flow` requests every token; ``clock``,
    ``random`` and ``sleep`` (used between polls of a shared store and between retries) default
    to the client's (its default sleep is the running loop's). A source belongs to the event loop
    it first renews on, like its client's connection pool. ``trace`` is as for the sync source.
    Needs anyio (the ``httpcore`` extra brings it): without it, construction raises
    :class:`~tokenwire.core.ConfigurationError`.
    """

    def __init__(
        self,
        client: AsyncTokenClient,
        grant: Grant | None = None,
        *,
        token: Token | None = None,
        store: TokenStore | None = None,
        key: str | None = None,
        lease_ttl: float | None = None,
        wait_timeout: float | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        random: Callable[[], float] | None = None,
        trace: Tracing = None,
    ) -> None:
        self._anyio = _anyio()
        super().__init__(
            client,
            grant,
            token=token,
            store=store,
            key=key,
            lease_ttl=lease_ttl,
            wait_timeout=wait_timeout,
            clock=clock,
            random=random,
            trace=trace,
        )
        self.client = client
        self._sleep = client.sleep if sleep is None else sleep

    async def access_token(self) -> str:
        """A valid access token; no await at all while the cached token is outside its leeway."""
        cached = self._cached
        if cached is not None and self._clock() < cached.due_at:
            return cached.access_token
        return (await self._renew()).access_token

    async def token(self) -> Token:
        """The whole valid token (access token, scope, expiry, ...)."""
        cached = self._cached
        if cached is not None and self._clock() < cached.due_at:
            return cached.token
        return (await self._renew()).token

    async def logout(self) -> None:
        """:meth:`TokenSource.logout <tokenwire.adapters.source.TokenSource.logout>`, awaited:
        forget the token, then revoke the refresh token and the access token."""
        await adrive(
            self._begin_logout(self.client.revocation_flow),
            self.client.transport,
            sleep=self._sleep,
            perform=_inline(self._perform),
            observer=self.observer,
        )

    async def _renew(self) -> Cached:
        """Join the renewal in progress, or lead one; every wait is bounded.

        No lock is needed to elect the leader: nothing awaits between the check and the claim.
        """
        anyio = self._anyio
        timeout = self._renewer.flight_timeout
        deadline = time.monotonic() + timeout
        while True:
            cached = self._fresh()
            if cached is not None:
                return cached
            flight = self._flight
            if flight is None:
                flight = self._flight = Flight(anyio.Event())
                return await self._lead(flight)
            with anyio.move_on_after(max(0.0, deadline - time.monotonic())):
                await flight.done.wait()
            if not flight.done.is_set():
                raise RefreshTimeout(
                    f"waited for this loop's refresh of the token longer than {timeout:g} s"
                )
            outcome = flight.outcome()
            if outcome is not None:
                return outcome
            # The leader was cancelled: this task leads a new attempt.

    async def _lead(self, flight: Flight) -> Cached:
        renewer = self._renewer
        started = self.observer.renewal_started(renewer.key)
        try:
            result = await adrive(
                renewer.renew(),
                self.client.transport,
                sleep=self._sleep,
                perform=_inline(self._perform),
                observer=self.observer,
            )
        except BaseException as exc:
            flight.error = exc
            self.observer.renewal_finished(renewer.key, started, None, exc)
            raise
        else:
            self.observer.renewal_finished(renewer.key, started, result.token, None)
            return self._settle(flight, result)
        finally:
            self._flight = None
            flight.done.set()
