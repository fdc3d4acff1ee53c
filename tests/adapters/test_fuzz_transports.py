"""5,000 hostile responses per built-in transport, through a token client (issue 9, acceptance).

Bodies with bad bytes inside strings, deep nesting, odd numbers, odd headers, and broken framing
(:mod:`tests.transport_fuzz`), played by one raw-socket loopback server over keep-alive. Only a
``Token`` or a ``TokenwireError`` comes out of each refresh, and no secret (what the request
carried, or a token the server issued) is in any message, repr, argument or ``__cause__`` /
``__context__`` of the error; what the request carried is in no attribute either.
"""

from __future__ import annotations

from typing import cast

import pytest

from tests.raw_server import raw_server
from tests.transport_fuzz import Player, run_async, run_sync, wire_responses
from tests.transport_harness import EVENT_LOOPS
from tokenwire.adapters.profiles import generic
from tokenwire.adapters.transport import (
    BUILTIN_TRANSPORTS,
    AsyncTransport,
    BuiltinTransport,
    Transport,
    TransportOptions,
)

RESPONSES = 5_000
SEED = 20261130
OPTIONS = TransportOptions(connect_timeout=5.0, read_timeout=5.0, total_timeout=10.0)


@pytest.mark.parametrize("entry", BUILTIN_TRANSPORTS, ids=lambda e: e.name)
def test_5000_hostile_responses_give_tokens_or_typed_errors_that_show_no_secret(
    entry: BuiltinTransport,
) -> None:
    answers = wire_responses(RESPONSES, SEED)
    with raw_server(Player(answers)) as server:
        profile = generic(server.url)
        if entry.mode == "sync":
            transport = cast("Transport", entry.build(OPTIONS))
            try:
                kinds = run_sync(transport, profile, RESPONSES)
            finally:
                transport.close()  # type: ignore[attr-defined]
        else:

            async def go() -> dict[str, int]:
                transport = cast("AsyncTransport", entry.build(OPTIONS))
                try:
                    return await run_async(transport, profile, RESPONSES)
                finally:
                    await transport.aclose()  # type: ignore[attr-defined]

            kinds = EVENT_LOOPS[entry.mode](go)
        served = len(server.received)

    assert sum(kinds.values()) == RESPONSES
    assert served == RESPONSES  # one request per answer: no retry, no desynchronised reuse
    # The mix reaches tokens, the parser's errors and the transport's.
    assert {"Token", "ProtocolError", "TransportError"} <= kinds.keys(), kinds
