"""Run a client method or a token source's logout through any built-in transport, sync or async.

The tests of the endpoint methods are written once and parametrized over
:func:`~tokenwire.conformance.runner.builtin_transports`: a sync transport gets a
:class:`TokenClient`, an async one an :class:`AsyncTokenClient` run on its event loop (asyncio
or trio), with the same clock and the same sleep (the async sleep calls the sync one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import trio

from tokenwire.adapters.client import AsyncTokenClient, TokenClient
from tokenwire.adapters.source import AsyncTokenSource, TokenSource
from tokenwire.adapters.stores import TokenStore
from tokenwire.adapters.transport import AsyncTransport, Transport
from tokenwire.conformance.runner import builtin_transports
from tokenwire.conformance.suite import TransportSpec
from tokenwire.core import ClientAuth, Profile, Token

__all__ = ["SPECS", "call", "logout"]

#: Every built-in transport, for ``pytest.mark.parametrize(..., ids=...)``.
SPECS = builtin_transports()


def _run_async(spec: TransportSpec, job: Callable[[], Any]) -> Any:
    if spec.mode == "trio":
        return trio.run(job)
    return asyncio.run(job())


def call(
    spec: TransportSpec,
    profile: Profile,
    auth: ClientAuth,
    method: str,
    *args: object,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] = lambda _: None,
) -> Any:
    """``client.<method>(*args)`` on a fresh client over a fresh ``spec`` transport."""
    extra: dict[str, Any] = {} if clock is None else {"clock": clock}
    if spec.mode == "sync":
        with TokenClient(profile, auth, cast(Transport, spec.factory()), sleep=sleep, **extra) as c:
            return getattr(c, method)(*args)

    async def asleep(seconds: float) -> None:
        sleep(seconds)

    async def job() -> Any:
        transport = cast(AsyncTransport, spec.factory())
        async with AsyncTokenClient(profile, auth, transport, sleep=asleep, **extra) as c:
            return await getattr(c, method)(*args)

    return _run_async(spec, job)


def logout(
    spec: TransportSpec,
    profile: Profile,
    auth: ClientAuth,
    token: Token,
    store: TokenStore,
    key: str,
    *,
    read_first: bool = True,
) -> str | None:
    """Build a source over ``token`` in ``store``, hand out its access token (if ``read_first``,
    which plants the token in the store), then log out; returns what was handed out."""
    if spec.mode == "sync":
        with TokenClient(profile, auth, cast(Transport, spec.factory())) as c:
            source = TokenSource(c, token=token, store=store, key=key)
            handed = source.access_token() if read_first else None
            source.logout()
            return handed

    async def job() -> str | None:
        transport = cast(AsyncTransport, spec.factory())
        async with AsyncTokenClient(profile, auth, transport) as c:
            source = AsyncTokenSource(c, token=token, store=store, key=key)
            handed = await source.access_token() if read_first else None
            await source.logout()
            return handed

    result: str | None = _run_async(spec, job)
    return result
