"""Token introspection (RFC 7662) through the public core API.

Proves issue 13 item 3: the request (client authentication required, ``token_type_hint``); the
RFC's examples parse into :class:`Introspection`, ``active: false`` as a normal answer; every
malformed answer is a typed error; the token never shows in a repr or a message.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.scripted_flow import FakeClock, failure, json_reply, play
from tokenwire.core import (
    ClientAuth,
    ConfigurationError,
    HttpResponse,
    Introspection,
    InvalidClient,
    Profile,
    ProtocolError,
    introspection_flow,
    introspection_request,
    parse_introspection_response,
)

TOKEN = "mF_9.B5f-4.1JqM"
PROFILE = Profile(
    token_url="https://as.example.com/token",
    introspection_url="https://as.example.com/introspect",
)
BASIC = ClientAuth("s6BhdRkqt3", "gX1fBat3bV", "client_secret_basic")
RFC_EXAMPLE = {
    "active": True,
    "client_id": "l238j323ds-23ij4",
    "username": "jdoe",
    "scope": "read write dolphin",
    "sub": "Z5O3upPC88QrAjx00dis",
    "aud": "https://protected.example.net/resource",
    "iss": "https://server.example.com/",
    "exp": 1419356238,
    "iat": 1419350238,
    "extension_field": "twenty-seven",
}


def parse(body: object, status: int = 200) -> Introspection:
    return parse_introspection_response(PROFILE, json_reply(status, body))


def test_the_introspection_request_is_rfc7662_section_2_1() -> None:
    request = introspection_request(PROFILE, BASIC, TOKEN, "access_token")
    assert request.method == "POST"
    assert request.url == "https://as.example.com/introspect"
    assert request.header("accept") == "application/json"
    assert request.header("authorization") == "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"
    assert request.body == b"token=mF_9.B5f-4.1JqM&token_type_hint=access_token"


def test_a_profile_without_an_introspection_endpoint_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="introspection_url"):
        introspection_request(Profile(token_url="https://as.example.com/token"), BASIC, TOKEN)


def test_the_rfc7662_example_answer_is_parsed_with_the_rest_in_extra() -> None:
    got = parse(RFC_EXAMPLE)
    assert got.active is True
    assert got.client_id == "l238j323ds-23ij4"
    assert got.username == "jdoe"
    assert got.scopes == ("read", "write", "dolphin")
    assert got.sub == "Z5O3upPC88QrAjx00dis"
    assert got.aud == "https://protected.example.net/resource"
    assert got.audiences == ("https://protected.example.net/resource",)
    assert got.iss == "https://server.example.com/"
    assert (got.exp, got.iat, got.nbf) == (1419356238, 1419350238, None)
    assert got.extra == {"extension_field": "twenty-seven"}


def test_an_inactive_token_is_a_normal_answer_and_nothing_more_is_read() -> None:
    assert parse({"active": False}) == Introspection(active=False)
    # Whatever else a server sends about an inactive token is not looked at, nor a reason to fail.
    assert parse({"active": False, "exp": "garbage", "sub": 7}) == Introspection(active=False)


def test_an_audience_list_and_whole_float_times_are_accepted() -> None:
    got = parse({"active": True, "aud": ["a", "b"], "exp": 1419356238.0, "nbf": 0})
    assert got.aud == ("a", "b")
    assert got.audiences == ("a", "b")
    assert (got.exp, got.nbf) == (1419356238, 0)


def test_a_scope_list_is_joined_when_the_profile_allows_it() -> None:
    assert parse({"active": True, "scope": ["read", "write"]}).scope == "read write"


Body = dict[str, Any]


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ({}, "active"),
        ({"active": "true"}, "active"),
        ({"active": 1}, "active"),
        ({"active": True, "scope": 5}, "scope"),
        ({"active": True, "client_id": ["x"]}, "client_id"),
        ({"active": True, "username": {}}, "username"),
        ({"active": True, "token_type": False}, "token_type"),
        ({"active": True, "sub": 1}, "sub"),
        ({"active": True, "iss": None, "jti": 3}, "jti"),
        ({"active": True, "exp": "1419356238"}, "exp"),
        ({"active": True, "iat": True}, "iat"),
        ({"active": True, "nbf": -5}, "nbf"),
        ({"active": True, "exp": 1.5}, "exp"),
        ({"active": True, "aud": [1, 2]}, "aud"),
        ({"active": True, "aud": 7}, "aud"),
    ],
)
def test_a_malformed_member_is_a_protocol_error(body: Body, what: str) -> None:
    with pytest.raises(ProtocolError, match=what):
        parse(body)


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse(status=200),
        HttpResponse(status=200, body=b"<html>login</html>"),
        HttpResponse(status=200, body=b"[true]"),
        HttpResponse(status=500, body=b"{}"),
        json_reply(302, {"active": True}),
    ],
    ids=["empty", "html", "array", "500", "302"],
)
def test_an_answer_that_is_not_an_introspection_is_a_protocol_error(
    response: HttpResponse,
) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_introspection_response(PROFILE, response)
    assert info.value.status == response.status


def test_an_unauthenticated_call_is_invalid_client() -> None:
    with pytest.raises(InvalidClient) as info:
        parse({"error": "invalid_client"}, status=401)
    assert info.value.status == 401


def test_a_bodiless_401_follows_the_profile_quirk() -> None:
    quirky = Profile(
        token_url="https://as.example.com/token",
        introspection_url="https://as.example.com/introspect",
        bodiless_401_is_invalid_client=True,
    )
    with pytest.raises(InvalidClient):
        parse_introspection_response(quirky, HttpResponse(status=401))
    with pytest.raises(ProtocolError):
        parse_introspection_response(PROFILE, HttpResponse(status=401))


def test_the_flow_retries_a_reset_connection_because_introspection_changes_nothing() -> None:
    clock = FakeClock()
    flow = introspection_flow(PROFILE, BASIC, TOKEN, clock=clock, random=lambda: 0.5)
    played = play(flow, [failure(sent=True), json_reply(200, {"active": False})], clock)
    assert played.result == Introspection(active=False)
    assert len(played.sent) == 2


def test_the_token_never_shows_in_a_repr_or_an_error_message() -> None:
    request = introspection_request(PROFILE, BASIC, TOKEN)
    assert TOKEN not in repr(request)
    secret_member = {**RFC_EXAMPLE, "access_token": "eyJhbGciOiJSUzI1NiJ9.payload.sig"}
    got = parse(secret_member)
    assert "eyJhbGciOiJSUzI1NiJ9" not in repr(got)
    assert "eyJhbGciOiJSUzI1NiJ9" not in str(got)
    with pytest.raises(ProtocolError) as info:
        parse({"active": True, "exp": TOKEN})
    assert TOKEN not in str(info.value)
