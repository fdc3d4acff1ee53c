"""One async client used from one event loop after another (issue 9, item 22).

An :class:`AsyncTokenClient` kept in a module and used by two ``asyncio.run()`` calls used to
fail with an untyped ``RuntimeError: Event loop is closed``: the pool's connections belonged to
the first loop. The httpcore transport now keeps a pool for the loop it runs on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import trio

from tests.transport_servers import CLIENT, Handler, Server
from tokenwire.adapters.httpcore import AsyncTokenClient
from tokenwire.adapters.profiles import generic
from tokenwire.core import ClientCredentials, Token


def test_one_async_client_serves_two_asyncio_runs_and_then_trio(
    serve: Callable[..., Server],
) -> None:
    server = serve(Handler)
    client = AsyncTokenClient(generic(server.url), CLIENT)

    async def twice() -> list[Token]:
        return [await client.request(ClientCredentials()) for _ in range(2)]

    tokens = asyncio.run(twice()) + asyncio.run(twice()) + trio.run(twice)
    trio.run(client.aclose)

    assert [type(t) for t in tokens] == [Token] * 6
    assert len(server.requests) == 6
    # Keep-alive still works within each loop: one connection per loop.
    assert server.connections == 3
