"""The pieces fault scenarios are built from: raw replies, the request a reply answers, ``sent``.

The scenarios themselves run through every transport in ``test_suite.py``; these tests hold their
building blocks to what they promise, so that a scenario that passes means what it says.
"""

from __future__ import annotations

import msgspec
import pytest

from tokenwire.adapters.profiles import generic
from tokenwire.adapters.stdlib import TokenClient
from tokenwire.conformance.replay import ReplayServer, ScriptedReply
from tokenwire.conformance.vectors import ExpectedError, ExpectedRequest, check_error
from tokenwire.core import ClientAuth, TransportError

BODY = '{"access_token":"AT-1","token_type":"Bearer","expires_in":60}'
#: A well-framed answer, written byte for byte by a ``raw`` reply.
ANSWER = (
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    f"Content-Length: {len(BODY)}\r\n\r\n{BODY}"
)


def refreshing(refresh_token: str) -> ExpectedRequest:
    """The request a ``client_secret_post`` refresh of ``refresh_token`` must be."""
    return ExpectedRequest(
        path="/token",
        form=[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "fault-client"),
            ("client_secret", "fault-secret"),
        ],
    )


def test_a_reply_naming_its_request_catches_a_refresh_token_sent_twice_without_showing_it() -> None:
    replies = [
        ScriptedReply(action="raw", data=ANSWER, request=refreshing(rt)) for rt in ("RT-1", "RT-2")
    ]
    auth = ClientAuth("fault-client", "fault-secret", "client_secret_post")
    with ReplayServer() as replay, TokenClient(generic(f"{replay.base_url}/token"), auth) as client:
        replay.arm(replies)
        first = client.refresh("RT-1")
        again = client.refresh("RT-1")
        problems = replay.take().problems

    assert first.access_token == again.access_token == "AT-1"  # the raw answer, read as written
    assert len(problems) == 1, problems
    assert problems[0].startswith("request 2: form fields")
    assert "RT-1" not in problems[0]
    assert "fault-secret" not in problems[0]


def test_raw_data_is_bytes_so_a_character_past_latin_1_is_refused_when_a_scenario_loads() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"only characters U\+0000 to U\+00FF"):
        msgspec.json.decode(b'{"action": "raw", "data": "\\u20ac"}', type=ScriptedReply)
    nul = msgspec.json.decode(b'{"action": "raw", "data": "a\\u0000\\r\\n"}', type=ScriptedReply)
    assert nul.data.encode("latin-1") == b"a\x00\r\n"


def test_an_expected_transport_error_holds_the_transport_to_its_sent_bit() -> None:
    after_sending = ExpectedError(type="TransportError", sent=True)

    assert check_error(after_sending, TransportError("framing", sent=True)) == []
    assert check_error(after_sending, TransportError("framing", sent=False)) == [
        "error sent is False, expected True"
    ]
    assert check_error(ExpectedError(type="TransportError"), TransportError("x", sent=False)) == []
