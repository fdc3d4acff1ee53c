"""A token request with a deadline against a stalled replay server, through any built-in transport.

Shared by the deadline test (tests/adapters/test_deadline_stall.py: how it ends, how many attempts
the server saw) and the benchmark (tests/benchmarks/bench_ops.py: how long it took). The
replay server reads every request and answers nothing; the transport's read timeout is shorter
than the deadline, so the flow retries until the deadline cuts the last attempt short.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from tests.transport_harness import EVENT_LOOPS
from tokenwire.adapters.client import AsyncTokenClient, TokenClient
from tokenwire.adapters.transport import (
    AsyncTransport,
    BuiltinTransport,
    Transport,
    TransportOptions,
)
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.core import ClientAuth, ClientCredentials, Profile, RetryPolicy, TokenwireError

CLIENT = ClientAuth("stall-client", "StallClientSecret-4d2c9")
STALL = ScriptedReply(action="stall")


@dataclass
class Stalled:
    """How one request against the stalled server ended."""

    outcome: object  # the Token, or the TokenwireError raised
    seconds: float
    requests_seen: int


def stalled_request(
    entry: BuiltinTransport,
    server: ReplayServer,
    *,
    deadline: float,
    read_timeout: float,
    attempts: int = 3,
) -> Stalled:
    """One client-credentials request with ``deadline`` through ``entry``'s transport."""
    server.arm([STALL] * attempts)
    profile = Profile(token_url=f"{server.base_url}/token")
    options = TransportOptions(connect_timeout=5.0, read_timeout=read_timeout, total_timeout=30.0)
    retry = RetryPolicy(max_attempts=attempts, base_delay=0.1, max_delay=0.2)
    started = time.monotonic()
    if entry.mode == "sync":
        transport = cast("Transport", entry.build(options))
        with TokenClient(profile, CLIENT, transport, retry=retry, deadline=deadline) as client:
            try:
                outcome: object = client.request(ClientCredentials())
            except TokenwireError as exc:
                outcome = exc
    else:

        async def go() -> object:
            transport = cast("AsyncTransport", entry.build(options))
            async with AsyncTokenClient(
                profile, CLIENT, transport, retry=retry, deadline=deadline
            ) as client:
                try:
                    return await client.request(ClientCredentials())
                except TokenwireError as exc:
                    return exc

        run: Callable[[Callable[[], Awaitable[Any]]], Any] = EVENT_LOOPS[entry.mode]
        outcome = run(go)
    seconds = time.monotonic() - started
    return Stalled(outcome, seconds, server.take().requests)
