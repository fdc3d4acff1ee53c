"""Token sources run their client's flow: its clock, and any override of ``flow``.

Every test talks to the embedded reference provider over loopback. The client is given a fake
wall clock that starts far in the past, so a source that read the real time instead of its
client's would see every token as long expired and ask for a new one on every call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import trio

from tokenwire.adapters.httpcore import AsyncTokenClient, TokenClient
from tokenwire.adapters.source import AsyncTokenSource, TokenSource
from tokenwire.conformance.reference import POST_CLIENT, ReferenceProvider
from tokenwire.core import ClientCredentials, Grant, Token, TokenFlow
from tokenwire.core.token import leeway

LIFETIME = 300
#: Long before any real clock reading: tokens stamped with it are expired by the real time.
START = 1_000_000.0


class Clock:
    """A wall clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> Iterator[ReferenceProvider]:
    """A reference provider issuing 300-second tokens (so a 30-second leeway)."""
    with ReferenceProvider("rfc6749", access_token_lifetime=LIFETIME) as running:
        yield running


def due_at(token: Token) -> float:
    """When ``token`` enters its leeway, computed here independently of the source."""
    assert token.expires_at is not None
    return token.expires_at - leeway(LIFETIME)


def test_a_token_source_renews_when_its_clients_clock_enters_the_leeway(
    provider: ReferenceProvider,
) -> None:
    clock = Clock()
    with TokenClient(provider.profile(), POST_CLIENT.auth(), clock=clock) as client:
        source = TokenSource(client, ClientCredentials())
        before = provider.token_requests

        first = source.token()
        assert first.received_at == START  # the flow stamped it with the client's clock
        clock.now = due_at(first) - 0.001  # just before the leeway: not yet
        assert source.access_token() == first.access_token
        assert provider.token_requests == before + 1

        clock.now = due_at(first)  # the leeway begins: renewed, once
        second = source.access_token()
        assert second != first.access_token
        assert source.access_token() == second
        assert provider.token_requests == before + 2


def test_an_async_token_source_renews_when_its_clients_clock_enters_the_leeway(
    provider: ReferenceProvider,
) -> None:
    clock = Clock()

    async def main() -> tuple[Token, str, str, str, int]:
        async with AsyncTokenClient(provider.profile(), POST_CLIENT.auth(), clock=clock) as client:
            source = AsyncTokenSource(client, ClientCredentials())
            first = await source.token()
            clock.now = due_at(first) - 0.001
            early = await source.access_token()
            requests_before_leeway = provider.token_requests
            clock.now = due_at(first)
            return (
                first,
                early,
                await source.access_token(),
                await source.access_token(),
                requests_before_leeway,
            )

    before = provider.token_requests
    first, early, second, again, before_leeway = trio.run(main)
    assert first.received_at == START
    assert early == first.access_token
    assert before_leeway == before + 1
    assert second != first.access_token
    assert again == second
    assert provider.token_requests == before + 2


class CountingClient(TokenClient):
    """A client whose ``flow`` is overridden: counts the grants it is asked to run."""

    grants: list[Grant]

    def flow(self, grant: Grant, *, deadline: float | None = None) -> TokenFlow:
        self.grants = [*getattr(self, "grants", []), grant]
        return super().flow(grant, deadline=deadline)


class AsyncCountingClient(AsyncTokenClient):
    """The async :class:`CountingClient`."""

    grants: list[Grant]

    def flow(self, grant: Grant, *, deadline: float | None = None) -> TokenFlow:
        self.grants = [*getattr(self, "grants", []), grant]
        return super().flow(grant, deadline=deadline)


def test_a_token_source_requests_tokens_through_its_clients_flow(
    provider: ReferenceProvider,
) -> None:
    grant = ClientCredentials()
    client = CountingClient(provider.profile(), POST_CLIENT.auth())
    with client:
        token = TokenSource(client, grant).token()
    assert token.access_token
    assert client.grants == [grant]


def test_an_async_token_source_requests_tokens_through_its_clients_flow(
    provider: ReferenceProvider,
) -> None:
    grant = ClientCredentials()

    async def main() -> tuple[Token, list[Grant]]:
        client = AsyncCountingClient(provider.profile(), POST_CLIENT.auth())
        async with client:
            return await AsyncTokenSource(client, grant).token(), client.grants

    token, grants = asyncio.run(main())
    assert token.access_token
    assert grants == [grant]


def test_a_clients_request_runs_its_public_flow(provider: ReferenceProvider) -> None:
    grant = ClientCredentials()
    client = CountingClient(provider.profile(), POST_CLIENT.auth())
    with client:
        token = client.request(grant)
    assert token.access_token
    assert client.grants == [grant]
