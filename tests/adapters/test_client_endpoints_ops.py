"""The client's other endpoints are observed and bounded like its token requests (issue 12 on
issue 13's methods): each request's trace events name its operation, a per-call ``deadline``
bounds it (the trace shows the time left), and an async client does the same."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest

from tokenwire.adapters.client import AsyncTokenClient, TokenClient
from tokenwire.adapters.httpcore import AsyncHttpcoreTransport
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.adapters.trace import RequestStarted, TraceEvent
from tokenwire.conformance.reference import ReferenceProvider


@pytest.fixture(scope="module")
def provider() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as started:
        yield started


def test_each_endpoint_request_names_its_operation_and_carries_the_calls_deadline(
    provider: ReferenceProvider,
) -> None:
    events: list[TraceEvent] = []
    client = TokenClient(
        provider.profile(),
        provider.POST_CLIENT.auth(),
        StdlibTransport(),
        trace=events.append,
        sleep=lambda seconds: None,
    )
    with client:
        started = client.start_device_authorization("read", deadline=20)
        provider.decide_device(started.user_code)
        token = client.poll_device(started, deadline=20)
        client.introspect(token.access_token, "access_token", deadline=20)
        client.revoke(token.access_token, "access_token", deadline=20)
    requests = [e for e in events if isinstance(e, RequestStarted)]
    assert [e.operation for e in requests] == [
        "device_authorization",
        "device_code",
        "introspection",
        "revocation",
    ]
    assert all(e.timeout is not None and 0 < e.timeout <= 20 for e in requests)


def test_without_a_deadline_endpoint_requests_carry_none_and_the_async_client_names_them_too(
    provider: ReferenceProvider,
) -> None:
    events: list[TraceEvent] = []

    async def run() -> None:
        client = AsyncTokenClient(
            provider.profile(),
            provider.POST_CLIENT.auth(),
            AsyncHttpcoreTransport(),
            trace=events.append,
        )
        async with client:
            token = await client.client_credentials("read")
            info = await client.introspect(token.access_token)
            assert info.active
            await client.revoke(token.access_token)

    anyio.run(run)
    requests = [e for e in events if isinstance(e, RequestStarted)]
    assert [e.operation for e in requests] == ["client_credentials", "introspection", "revocation"]
    assert [e.timeout for e in requests] == [None, None, None]
