"""``AsyncTokenSource``: the async twin of ``TokenSource``, on asyncio or trio.

Same renewal (:meth:`Renewer.renew <tokenwire.adapters.source.renewal.Renewer.renew>`), driven
over an async transport with the running loop's sleep; the in-process single flight is an
:class:`anyio.Event` (anyio comes with the ``httpcore`` extra and works on both loops). It is
imported only when a renewal runs, so the sync source never needs it.

Store operations are called directly from the event loop, not offloaded to a thread. They are
short (a dict lookup, one SQLite transaction, one Redis round trip), they happen only around a
renewal, never on the hot path, and calling them inline keeps cleanup exact: when a renewal is
cancelled, the lease is released by a plain call that a cancelled scope cannot interrupt. The cost
is that a slow store (a busy SQLite file, a far Redis) blocks the loop for up to the store's own
timeout; the waiting between polls, and every HTTP exchange, is asynchronous.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tokenwire.adapters.client import AsyncTokenClient, async_sleep
from tokenwire.adapters.source.base import Flight, SourceBase
from tokenwire.adapters.source.renewal import Cached, RefreshTimeout, Renewal, perform
from tokenwire.adapters.stores import TokenStore
from tokenwire.adapters.transport import AsyncTransport
from tokenwire.core import Grant, Send, Sleep, Token, TransportError, TransportFailure

__all__ = ["AsyncTokenSource", "arun"]


async def arun(
    renewal: Renewal,
    store: TokenStore,
    transport: AsyncTransport,
    *,
    sleep: Callable[[float], Awaitable[object]] = async_sleep,
) -> Cached:
    """Drive ``renewal`` to its end over an async ``transport``; the twin of ``run``.

    Cancellation is thrown into the renewal like any other error, so that it releases its lease
    (a synchronous store call) before the cancellation propagates.
    """
    reply: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = renewal.send(reply) if error is None else renewal.throw(error)
        except StopIteration as stop:
            result: Cached = stop.value
            return result
        reply, error = None, None
        try:
            if isinstance(step, Send):
                try:
                    reply = await transport.send(step.request)
                except TransportError as exc:
                    reply = TransportFailure(exc)
            elif isinstance(step, Sleep):
                await sleep(step.seconds)
            else:
                reply = perform(store, step)
        except BaseException as exc:  # handed to the renewal, which re-raises it
            error = exc


class AsyncTokenSource(SourceBase):
    """The async :class:`~tokenwire.adapters.source.TokenSource`: same arguments, same rules.

    ``client`` is an :class:`~tokenwire.adapters.client.AsyncTokenClient`; ``sleep`` (used between
    polls of a shared store and between retries) defaults to the running loop's sleep. A source
    belongs to the event loop it first renews on, like its client's connection pool.
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
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = async_sleep,
        random: Callable[[], float] = random.random,
    ) -> None:
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
        )
        self.client = client
        self._sleep = sleep

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

    async def _renew(self) -> Cached:
        """Join the renewal in progress, or lead one; every wait is bounded.

        No lock is needed to elect the leader: nothing awaits between the check and the claim.
        """
        import anyio

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
        try:
            result = await arun(
                renewer.renew(), renewer.store, self.client.transport, sleep=self._sleep
            )
        except BaseException as exc:
            flight.error = exc
            raise
        else:
            return self._settle(flight, result)
        finally:
            self._flight = None
            flight.done.set()
