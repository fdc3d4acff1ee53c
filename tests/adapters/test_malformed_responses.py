"""Responses that break HTTP framing get one answer from every transport (issue 9, items 16, 20).

The answer is :class:`~tokenwire.core.TransportError` with ``sent=True``, whichever library parses
the bytes: a peer that breaks framing has not given an HTTP response the core could judge (that
is what :class:`~tokenwire.core.ProtocolError` is for: a well-framed answer whose content breaks
OAuth), and the request did reach it. So the flow applies its rule for a failure after sending:
a repeatable grant (client credentials) may go again, a refresh token or a code never does. The
transports used to disagree (one parsed a negative ``Content-Length`` or an unknown
``Transfer-Encoding`` as "read until close" and handed the body to the core, another raised), so
the retry decision depended on the library.

What the server sent never survives in the error: not in the message, and not in the chain (the
library's exception is replaced by one of the same type with a scrubbed message).
"""

from __future__ import annotations

import pytest

from tests.error_chain import chain, shown
from tests.raw_server import BROKEN_FRAMING, broken, raw_server
from tests.transport_harness import THREE_QUICK_TRIES, Harness, post
from tokenwire.adapters.profiles import generic
from tokenwire.core import ClientCredentials, Grant, RefreshToken, TransportError

SECRET = "RefreshTokenSecret-55c1e-FromTheServer"

#: Where a server may put a token in broken framing: the status line, a header, both.
LEAKY: dict[str, bytes] = {
    "status-line": f"HTTP/1.1 2x0 {SECRET}\r\nContent-Length: 0".encode(),
    "http-version": f"HTTP/{SECRET} 200 OK\r\nContent-Length: 0".encode(),
    "header-name": f"HTTP/1.1 200 OK\r\n{SECRET} {SECRET}: x\r\nContent-Length: 0".encode(),
    "header-value": f"HTTP/1.1 200 OK\r\nX-T: {SECRET}\x00\r\nContent-Length: 0".encode(),
    "content-length": f"HTTP/1.1 200 OK\r\nContent-Length: {SECRET}".encode(),
}


@pytest.mark.parametrize("case", BROKEN_FRAMING.values(), ids=BROKEN_FRAMING.keys())
def test_broken_framing_is_a_transport_error_after_sending_in_every_transport(
    harness: Harness, case: tuple[bytes, bytes]
) -> None:
    with raw_server(broken(*case)) as server:
        [outcome] = harness.exchange([post(server.url)])

    assert type(outcome) is TransportError, outcome
    assert outcome.sent is True


@pytest.mark.parametrize("case", BROKEN_FRAMING.values(), ids=BROKEN_FRAMING.keys())
def test_after_broken_framing_the_flow_resends_only_a_repeatable_grant(
    harness: Harness, case: tuple[bytes, bytes]
) -> None:
    grants: list[Grant] = [ClientCredentials(), RefreshToken("rt-0")]
    with raw_server(broken(*case)) as server:
        result = harness.tokens(generic(server.url), grants, retry=THREE_QUICK_TRIES)
        sent = [sorted(r.form) for r in server.received]

    assert [type(o) for o in result.outcomes] == [TransportError, TransportError]
    # Three tries of client credentials, one of the refresh token.
    assert result.attempts == 4
    assert [form.count("refresh_token") for form in sent] == [0, 0, 0, 1]


@pytest.mark.parametrize("head", LEAKY.values(), ids=LEAKY.keys())
def test_no_byte_the_server_sent_survives_in_the_error_or_its_chain(
    harness: Harness, head: bytes
) -> None:
    with raw_server(broken(head, b"")) as server:
        [outcome] = harness.exchange([post(server.url)])

    assert isinstance(outcome, TransportError)
    assert SECRET not in shown(outcome)
    assert SECRET[:20] not in shown(outcome)
    # The library's error is kept as the cause (its type, a scrubbed message), with no chain.
    [cause] = chain(outcome)[1:]
    assert isinstance(cause, Exception)
    assert not isinstance(cause, TransportError)
