"""A client's deadline holds against a stalled real server, through every built-in transport.

The replay server reads each request and answers nothing. With a read timeout shorter than the
deadline, the flow retries, and the deadline cuts the last attempt short: the request ends with
``TransportTimeout`` naming the deadline and the attempts, and the server saw no more attempts
than the policy allows. How long it took is the benchmark's business (bench_ops.py), not this
test's. A deadline does not take cancellation away from an async caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import trio

from tests.stall_harness import stalled_request
from tokenwire.adapters.httpcore import AsyncTokenClient
from tokenwire.adapters.transport import BUILTIN_TRANSPORTS, BuiltinTransport
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.core import ClientAuth, ClientCredentials, Profile, TransportTimeout


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as replay:
        yield replay


@pytest.mark.parametrize("entry", BUILTIN_TRANSPORTS, ids=[t.name for t in BUILTIN_TRANSPORTS])
def test_a_deadline_ends_retries_against_a_stalled_server_with_a_transport_timeout(
    entry: BuiltinTransport, server: ReplayServer
) -> None:
    result = stalled_request(entry, server, deadline=1.0, read_timeout=0.4, attempts=3)
    error = result.outcome
    assert isinstance(error, TransportTimeout), error
    assert "1 s deadline" in str(error)
    assert 1 <= result.requests_seen <= 3
    # The message counts the attempts made; the server saw those whose request reached it (a
    # last attempt with little time left may end before its request is read).
    made = re.search(r"after (\d) attempts?", str(error))
    assert made is not None
    assert result.requests_seen <= int(made.group(1)) <= 3


def test_an_async_caller_can_still_cancel_a_request_that_has_a_deadline(
    server: ReplayServer,
) -> None:
    server.arm([ScriptedReply(action="stall")])
    profile = Profile(token_url=f"{server.base_url}/token")
    auth = ClientAuth("cancel-client", "CancelClientSecret-8e21aa")

    async def go() -> bool:
        async with AsyncTokenClient(profile, auth, deadline=60.0) as client:
            with trio.move_on_after(0.2) as scope:
                await client.request(ClientCredentials())
            return scope.cancelled_caught

    assert trio.run(go) is True
    assert server.take().requests == 1
