"""Bad input gets a typed error that keeps no raw bytes (issue 9 items 7, 8, 10)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import parse_qs

import pytest

from tests.error_chain import chain
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    HttpResponse,
    Profile,
    ProtocolError,
    RefreshToken,
    StateMismatch,
    TokenwireError,
    parse_callback,
    parse_token_response,
    token_flow,
)
from tokenwire.core.flow import Send, Sleep, retry_after

PROFILE = Profile(token_url="https://as.example.com/token")
SECRET = b"rt-\xff\xfe-SECRETBYTES"


@pytest.mark.parametrize("status", [200, 400])
def test_invalid_utf8_inside_a_json_string_is_a_protocol_error_without_the_bytes(
    status: int,
) -> None:
    body = b'{"access_token": "' + SECRET + b'", "token_type": "Bearer"}'
    with pytest.raises(ProtocolError) as caught:
        parse_token_response(
            PROFILE, HttpResponse(status=status, headers=(), body=body), received_at=0.0
        )
    assert chain(caught.value) == [caught.value]
    assert "SECRETBYTES" not in repr(caught.value.args)
    assert "SECRETBYTES" not in str(caught.value)


def test_a_retry_after_date_no_clock_can_reach_counts_as_absent() -> None:
    response = HttpResponse(
        status=429, headers=(("Retry-After", "Mon, 01 Jan 99999999999 00:00:00 GMT"),), body=b""
    )
    assert retry_after(response, lambda: 0.0) is None


def test_the_flow_backs_off_after_a_429_whose_retry_after_date_no_clock_reaches() -> None:
    flow = token_flow(
        PROFILE, ClientAuth("c", "s"), ClientCredentials(), clock=lambda: 0.0, random=lambda: 0.0
    )
    assert isinstance(next(flow), Send)
    far = (("Retry-After", "Mon, 01 Jan 99999999999 00:00:00 GMT"),)
    step = flow.send(HttpResponse(status=429, headers=far, body=b""))
    assert isinstance(step, Sleep)
    assert step.seconds == pytest.approx(0.125)  # the back-off, as for an absent Retry-After


def test_a_lone_surrogate_in_the_callback_state_is_a_state_mismatch() -> None:
    with pytest.raises(StateMismatch):
        parse_callback("https://app.example/cb?code=c&state=%ED%A0%80", expected_state="s")
    with pytest.raises(StateMismatch):
        parse_callback({"code": "c", "state": "\ud800"}, expected_state="s")


def test_parse_qs_lists_as_callback_parameters_are_a_configuration_error() -> None:
    params = cast(Mapping[str, str], parse_qs("code=c&state=s"))
    with pytest.raises(ConfigurationError, match="parse_qsl"):
        parse_callback(params, expected_state="s")


@pytest.mark.parametrize("callback", [b"https://app.example/cb?code=c&state=s", 42, None])
def test_a_callback_that_is_neither_text_nor_a_mapping_is_a_configuration_error(
    callback: object,
) -> None:
    with pytest.raises(ConfigurationError):
        parse_callback(cast(Any, callback), expected_state="s")


def test_a_non_text_expected_state_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        parse_callback("https://app.example/cb?code=c&state=s", expected_state=cast(Any, b"s"))


def test_every_callback_failure_is_a_tokenwire_error() -> None:
    for callback in ("?state=%ED%A0%80&error=%ED%A0%80", "?state=s&error=%FF", "?state=s"):
        with pytest.raises(TokenwireError):
            parse_callback(callback, expected_state="s")
    assert RefreshToken("x").secret_values() == ("x",)
