"""Connection faults that must never cost a refresh token (issue 9, items 2 and 3).

A server that leaves bytes behind an answer (a stray CRLF, a second response nobody asked for) or
sends a ``103 Early Hints`` before it must not desynchronise a keep-alive connection: if the next
refresh went out on it, the server would rotate the token and the client would read the wrong
answer (or none), losing the rotated token. Each test runs through every built-in transport
against :class:`tests.raw_server.RotatingTokens`, a provider that rotates the refresh token at
every use and records any spent token sent again.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.raw_server import (
    STRAY_CRLF,
    UNSOLICITED,
    RotatingTokens,
    raw_server,
    with_early_hints,
)
from tests.transport_harness import Harness
from tokenwire.adapters.profiles import generic
from tokenwire.core import Grant, RefreshToken, Token


def _refresh_three_times(harness: Harness, provider: RotatingTokens) -> tuple[list[Any], int]:
    grants: list[Grant] = [RefreshToken(f"rt-{n}") for n in range(3)]
    with raw_server(provider) as server:
        result = harness.tokens(generic(server.url), grants)
    return result.outcomes, server.connections


@pytest.mark.parametrize(
    "after", [STRAY_CRLF, UNSOLICITED], ids=["stray-crlf", "unsolicited-second-response"]
)
def test_a_connection_with_bytes_left_after_an_answer_never_carries_the_next_refresh(
    harness: Harness, after: bytes
) -> None:
    provider = RotatingTokens(after=after)
    outcomes, connections = _refresh_three_times(harness, provider)

    assert [type(o) for o in outcomes] == [Token, Token, Token], outcomes
    assert [o.refresh_token for o in outcomes] == ["rt-1", "rt-2", "rt-3"]
    assert provider.reused == []
    assert connections == 3  # none reused after an answer that left bytes behind


def test_a_clean_answer_keeps_its_connection_for_the_next_refresh(harness: Harness) -> None:
    provider = RotatingTokens()
    outcomes, connections = _refresh_three_times(harness, provider)

    assert [o.refresh_token for o in outcomes] == ["rt-1", "rt-2", "rt-3"]
    assert connections == 1


def test_early_hints_before_an_answer_are_skipped_and_never_taken_for_it(
    harness: Harness,
) -> None:
    provider = RotatingTokens()
    grants: list[Grant] = [RefreshToken(f"rt-{n}") for n in range(3)]
    with raw_server(with_early_hints(provider)) as server:
        outcomes = harness.tokens(generic(server.url), grants).outcomes

    assert [type(o) for o in outcomes] == [Token, Token, Token], outcomes
    assert [o.refresh_token for o in outcomes] == ["rt-1", "rt-2", "rt-3"]
    assert provider.reused == []
