"""Token revocation (RFC 7009) through the public core API.

Proves issue 13 item 2: the request (client authentication as at the token endpoint,
``token_type_hint``); a 200 is success whatever the body (§2.2); a 503 with ``Retry-After`` is
retried; ``unsupported_token_type`` is typed; every malformed answer is a typed error; the token
never shows in a repr or a message.
"""

from __future__ import annotations

import pytest

from tests.core.scripted_flow import FakeClock, failure, json_reply, play
from tokenwire.core import (
    ClientAuth,
    ConfigurationError,
    HttpResponse,
    InvalidClient,
    OAuthError,
    Profile,
    ProtocolError,
    RetryPolicy,
    TemporarilyUnavailable,
    TransportError,
    UnsupportedTokenType,
    parse_revocation_response,
    revocation_flow,
    revocation_request,
)

TOKEN = "45ghiukldjahdnhzdauz"
PROFILE = Profile(
    token_url="https://as.example.com/token", revocation_url="https://as.example.com/revoke"
)
BASIC = ClientAuth("s6BhdRkqt3", "gX1fBat3bV", "client_secret_basic")
POST = ClientAuth("s6BhdRkqt3", "gX1fBat3bV")
PUBLIC = ClientAuth("s6BhdRkqt3", method="none")
NOW = 1_700_000_000.0


def test_the_revocation_request_is_rfc7009_section_2_1() -> None:
    request = revocation_request(PROFILE, BASIC, TOKEN, "refresh_token")
    assert request.method == "POST"
    assert request.url == "https://as.example.com/revoke"
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    assert request.header("authorization") == "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"
    assert request.body == b"token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token"


@pytest.mark.parametrize(
    ("client", "body"),
    [
        (POST, b"client_id=s6BhdRkqt3&client_secret=gX1fBat3bV&token=45ghiukldjahdnhzdauz"),
        (PUBLIC, b"client_id=s6BhdRkqt3&token=45ghiukldjahdnhzdauz"),
    ],
)
def test_the_client_authenticates_as_at_the_token_endpoint(client: ClientAuth, body: bytes) -> None:
    request = revocation_request(PROFILE, client, TOKEN)
    assert request.body == body
    assert request.header("authorization") is None


def test_a_profile_without_a_revocation_endpoint_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="revocation_url"):
        revocation_request(Profile(token_url="https://as.example.com/token"), BASIC, TOKEN)


def test_an_empty_token_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ConfigurationError):
        revocation_request(PROFILE, BASIC, "")


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse(status=200),
        HttpResponse(status=200, body=b"<html>revoked</html>"),
        HttpResponse(status=200, body=b"{not json"),
        json_reply(200, {"error": "invalid_token"}),
    ],
    ids=["empty", "html", "broken-json", "error-member"],
)
def test_a_200_is_success_whatever_the_body(response: HttpResponse) -> None:
    parse_revocation_response(PROFILE, response)  # returns: success


def test_unsupported_token_type_is_typed() -> None:
    with pytest.raises(UnsupportedTokenType) as info:
        parse_revocation_response(
            PROFILE, json_reply(400, {"error": "unsupported_token_type", "error_description": "no"})
        )
    assert info.value.status == 400
    assert info.value.description == "no"


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (json_reply(401, {"error": "invalid_client"}), InvalidClient),
        (json_reply(503, {"error": "temporarily_unavailable"}), TemporarilyUnavailable),
        (json_reply(400, {"error": "something_new"}), OAuthError),
        (HttpResponse(status=503, headers=(("Retry-After", "2"),)), ProtocolError),
        (HttpResponse(status=500, body=b"<html>oops</html>"), ProtocolError),
        (json_reply(400, ["a", "list"]), ProtocolError),
        (json_reply(400, {"message": "bad"}), ProtocolError),
        (json_reply(400, {"error": 42}), ProtocolError),
    ],
)
def test_every_failed_answer_is_a_typed_error(
    response: HttpResponse, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        parse_revocation_response(PROFILE, response)
    assert type(info.value) is error
    assert getattr(info.value, "status", None) == response.status


def test_a_503_with_retry_after_is_retried_after_the_delay_it_names() -> None:
    clock = FakeClock(NOW)
    flow = revocation_flow(PROFILE, BASIC, TOKEN, clock=clock, random=lambda: 0.5)
    unavailable = HttpResponse(status=503, headers=(("Retry-After", "2"),))
    played = play(flow, [unavailable, HttpResponse(status=200)], clock)
    assert played.error is None
    assert played.sleeps == [2.0]
    assert played.sent_at == [NOW, NOW + 2]


def test_a_503_past_the_last_attempt_raises_its_typed_error() -> None:
    clock = FakeClock(NOW)
    flow = revocation_flow(
        PROFILE, BASIC, TOKEN, clock=clock, random=lambda: 0.5, retry=RetryPolicy(max_attempts=2)
    )
    unavailable = HttpResponse(status=503, headers=(("Retry-After", "1"),))
    played = play(flow, [unavailable, unavailable], clock)
    assert isinstance(played.error, ProtocolError)
    assert played.error.status == 503


def test_a_failure_after_sending_is_retried_because_revoking_twice_is_harmless() -> None:
    clock = FakeClock(NOW)
    flow = revocation_flow(PROFILE, BASIC, TOKEN, clock=clock, random=lambda: 0.5)
    played = play(flow, [failure(sent=True), HttpResponse(status=200)], clock)
    assert played.error is None
    assert len(played.sent) == 2


def test_unsupported_token_type_is_not_retried() -> None:
    clock = FakeClock(NOW)
    flow = revocation_flow(PROFILE, BASIC, TOKEN, clock=clock, random=lambda: 0.5)
    played = play(flow, [json_reply(400, {"error": "unsupported_token_type"})], clock)
    assert type(played.error) is UnsupportedTokenType
    assert played.sleeps == []


def test_a_transport_failure_on_the_last_attempt_is_raised_typed() -> None:
    clock = FakeClock(NOW)
    flow = revocation_flow(
        PROFILE, BASIC, TOKEN, clock=clock, random=lambda: 0.5, retry=RetryPolicy(max_attempts=1)
    )
    played = play(flow, [failure(sent=False)], clock)
    assert isinstance(played.error, TransportError)


def test_the_token_never_shows_in_the_request_repr_or_an_error_message() -> None:
    request = revocation_request(PROFILE, BASIC, TOKEN, "access_token")
    assert TOKEN not in repr(request)
    assert TOKEN not in str(request)
    echo = HttpResponse(status=400, body=f"<html>cannot revoke {TOKEN}</html>".encode())
    with pytest.raises(ProtocolError) as info:
        parse_revocation_response(PROFILE, echo)
    assert TOKEN not in str(info.value)
    echo_json = json_reply(400, {"error": "unsupported_token_type", "error_description": TOKEN})
    with pytest.raises(UnsupportedTokenType) as typed:
        parse_revocation_response(PROFILE, echo_json)
    assert TOKEN not in str(typed.value)
