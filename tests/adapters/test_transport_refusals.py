"""What every built-in transport refuses before any I/O (issue 9, items 9 and 11).

A duration no socket can hold (``inf``, ``1e12``) used to surface as ``OverflowError`` in the
middle of an exchange, and a header value with VT, FF or spaces around it was sent by one
transport and failed after connecting (``TransportError(sent=True)``) in the others. Both are the
caller's error, refused with :class:`ConfigurationError` at construction or before a connection.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from tests.transport_harness import Harness, assert_no_secret, post
from tests.transport_servers import ACCESS, Handler, Server
from tokenwire.adapters.cli import main
from tokenwire.adapters.transport import BUILTIN_TRANSPORTS, MAX_TIMEOUT, TransportOptions
from tokenwire.core import ConfigurationError

UNBOUNDED = [math.inf, 1e12, MAX_TIMEOUT * 2, math.nan, 0.0, -1.0]


@pytest.mark.parametrize("seconds", UNBOUNDED, ids=str)
@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout", "total_timeout"])
def test_a_timeout_no_socket_can_hold_is_refused_when_the_options_are_built(
    name: str, seconds: float
) -> None:
    with pytest.raises(ConfigurationError, match=name):
        TransportOptions(**{name: seconds})  # type: ignore[arg-type]


def test_the_longest_allowed_timeout_builds_every_transport() -> None:
    longest = TransportOptions(
        connect_timeout=MAX_TIMEOUT, read_timeout=MAX_TIMEOUT, total_timeout=MAX_TIMEOUT
    )
    for entry in BUILTIN_TRANSPORTS:
        assert entry.build(longest).options is longest  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["inf", "1e12", "nan", "0", "-5"])
def test_the_cli_refuses_an_unbounded_timeout_as_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["token", "--token-url", "http://127.0.0.1:9/token", "--client-id", "c", "--timeout", value]
    )

    assert code == 2
    assert "--timeout must be a number of seconds" in capsys.readouterr().err


BAD_VALUES = {
    "vertical-tab": f"Bearer\x0b{ACCESS}",
    "form-feed": f"Bearer {ACCESS}\x0c",
    "leading-space": f" Bearer {ACCESS}",
    "trailing-tab": f"Bearer {ACCESS}\t",
    "delete": f"Bearer {ACCESS}\x7f",
    "escape": f"\x1b[31mBearer {ACCESS}",
}


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_header_value_with_a_control_character_or_outer_space_is_refused_before_connecting(
    harness: Harness, serve: Callable[..., Server], value: str
) -> None:
    server = serve(Handler)
    [outcome] = harness.exchange([post(server.url, (("Authorization", value),))])

    assert isinstance(outcome, ConfigurationError)
    assert_no_secret(outcome)
    assert server.connections == 0


def test_spaces_and_tabs_inside_a_header_value_are_sent_as_built(
    harness: Harness, serve: Callable[..., Server]
) -> None:
    server = serve(Handler)
    [outcome] = harness.exchange([post(server.url, (("X-Inner", "a b\tc"),))])

    assert outcome.status == 200
    assert ("X-Inner", "a b\tc") in server.requests[0].headers
