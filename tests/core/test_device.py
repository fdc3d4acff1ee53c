"""The device authorization grant (RFC 8628) through the public core API, on a fake clock.

Proves issue 13 item 1: the request and its answer are built and parsed; ``authorization_pending``
waits ``interval``; ``slow_down`` widens the interval for every later poll (§3.5); ``access_denied``
and ``expired_token`` end the wait with typed errors; the device code's ``expires_in`` bounds the
whole wait, transport retries included; no device code shows in a repr or a message.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.core.scripted_flow import FakeClock, Played, failure, json_reply, play
from tokenwire.core import (
    AccessDenied,
    AuthorizationPending,
    ClientAuth,
    ConfigurationError,
    DeviceAuthorization,
    DeviceCode,
    ExpiredToken,
    HttpResponse,
    InvalidClient,
    InvalidGrant,
    Profile,
    ProtocolError,
    RetryPolicy,
    SlowDown,
    Token,
    TransportError,
    TransportFailure,
    decode_form,
    device_authorization_request,
    device_flow,
    parse_device_authorization,
    parse_token_response,
    prepare_token_request,
)

DEVICE_CODE = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"
PROFILE = Profile(
    token_url="https://as.example.com/token",
    device_authorization_url="https://as.example.com/device_authorization",
)
PUBLIC = ClientAuth("1406020730", method="none")
START = 1_700_000_000.0
TOKEN = json_reply(200, {"access_token": "AT-secret-123456", "token_type": "Bearer"})
PENDING = json_reply(400, {"error": "authorization_pending"})
SLOW = json_reply(400, {"error": "slow_down"})


def authorization(*, expires_in: int = 1800, interval: int = 5) -> DeviceAuthorization:
    return DeviceAuthorization(
        device_code=DEVICE_CODE,
        user_code="WDJB-MJHT",
        verification_uri="https://example.com/device",
        expires_in=expires_in,
        interval=interval,
        expires_at=START + expires_in,
        received_at=START,
    )


def poll(replies: Sequence[HttpResponse | TransportFailure], **kwargs: int) -> Played[Token]:
    clock = FakeClock(START)
    flow = device_flow(PROFILE, PUBLIC, authorization(**kwargs), clock=clock, random=lambda: 0.5)
    return play(flow, replies, clock)


# --- the request and its answer -------------------------------------------------------------


def test_the_device_authorization_request_is_rfc8628_section_3_1() -> None:
    request = device_authorization_request(PROFILE, PUBLIC, "example_scope")
    assert request.method == "POST"
    assert request.url == "https://as.example.com/device_authorization"
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    assert request.body == b"client_id=1406020730&scope=example_scope"


def test_a_confidential_client_authenticates_at_the_device_endpoint_as_at_the_token_endpoint() -> (
    None
):
    basic = ClientAuth("s6BhdRkqt3", "gX1fBat3bV", "client_secret_basic")
    request = device_authorization_request(
        PROFILE, basic, resource=("https://api.example.com/",), extra=(("audience", "tv"),)
    )
    assert request.header("authorization") == "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"
    assert decode_form(request.body) == [
        ("resource", "https://api.example.com/"),
        ("audience", "tv"),
    ]


def test_a_profile_without_a_device_endpoint_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="device_authorization_url"):
        device_authorization_request(Profile(token_url="https://as.example.com/token"), PUBLIC)


def test_the_rfc8628_example_answer_is_parsed_with_its_expiry_in_the_callers_clock() -> None:
    response = json_reply(
        200,
        {
            "device_code": DEVICE_CODE,
            "user_code": "WDJB-MJHT",
            "verification_uri": "https://example.com/device",
            "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT",
            "expires_in": 1800,
            "interval": 5,
        },
    )
    got = parse_device_authorization(PROFILE, response, received_at=START)
    assert got.device_code == DEVICE_CODE
    assert got.user_code == "WDJB-MJHT"
    assert got.verification_uri_complete == "https://example.com/device?user_code=WDJB-MJHT"
    assert (got.expires_in, got.interval, got.expires_at) == (1800, 5, START + 1800)
    assert DEVICE_CODE not in repr(got)
    assert DEVICE_CODE not in str(got)
    assert "WDJB-MJHT" in repr(got), "the user code is made to be shown"


def test_interval_defaults_to_five_seconds() -> None:
    response = json_reply(
        200,
        {"device_code": "d", "user_code": "u", "verification_uri": "https://e/", "expires_in": 60},
    )
    assert parse_device_authorization(PROFILE, response, received_at=START).interval == 5


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ({"user_code": "u", "verification_uri": "https://e/", "expires_in": 60}, "device_code"),
        ({"device_code": "d", "verification_uri": "https://e/", "expires_in": 60}, "user_code"),
        ({"device_code": "d", "user_code": "u", "expires_in": 60}, "verification_uri"),
        ({"device_code": "d", "user_code": "u", "verification_uri": "https://e/"}, "expires_in"),
        (
            {
                "device_code": "d",
                "user_code": "u",
                "verification_uri": "https://e/",
                "expires_in": -1,
            },
            "expires_in",
        ),
        (
            {
                "device_code": "d",
                "user_code": "u",
                "verification_uri": "https://e/",
                "expires_in": 60,
                "interval": "soon",
            },
            "interval",
        ),
        (
            {
                "device_code": "d",
                "user_code": "u",
                "verification_uri": "https://e/",
                "expires_in": 60,
                "verification_uri_complete": 7,
            },
            "verification_uri_complete",
        ),
    ],
)
def test_a_malformed_device_authorization_answer_is_a_protocol_error(
    body: dict[str, object], what: str
) -> None:
    with pytest.raises(ProtocolError, match=what):
        parse_device_authorization(PROFILE, json_reply(200, body), received_at=START)


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse(status=200, body=b"<html>busy</html>"),
        HttpResponse(status=200, body=b"[]"),
        HttpResponse(status=502, body=b""),
        json_reply(500, {"device_code": DEVICE_CODE}),
    ],
)
def test_an_answer_that_is_not_a_json_object_or_not_200_is_a_protocol_error(
    response: HttpResponse,
) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_device_authorization(PROFILE, response, received_at=START)
    assert DEVICE_CODE not in str(info.value)


def test_an_error_from_the_device_endpoint_is_typed() -> None:
    with pytest.raises(InvalidClient):
        parse_device_authorization(
            PROFILE, json_reply(401, {"error": "invalid_client"}), received_at=START
        )


def test_each_poll_is_the_rfc8628_section_3_4_token_request() -> None:
    request = prepare_token_request(PROFILE, PUBLIC, DeviceCode(DEVICE_CODE))
    assert request.body == (
        b"client_id=1406020730&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"
        b"&device_code=" + DEVICE_CODE.encode()
    )
    assert DEVICE_CODE not in repr(DeviceCode(DEVICE_CODE))


# --- the polling flow -----------------------------------------------------------------------


def test_authorization_pending_waits_the_interval_before_every_poll() -> None:
    played = poll([PENDING, PENDING, TOKEN])
    assert isinstance(played.result, Token)
    assert played.sleeps == [5.0, 5.0, 5.0]
    assert played.sent_at == [START + 5, START + 10, START + 15]


def test_a_slow_down_widens_the_interval_by_five_seconds_for_every_later_poll() -> None:
    played = poll([PENDING, SLOW, PENDING, PENDING, SLOW, PENDING, TOKEN])
    assert isinstance(played.result, Token)
    # Polls at +5, +10; slow_down: 10 s from then on; two slow_downs: 15 s.
    assert played.sleeps == [5.0, 5.0, 10.0, 10.0, 10.0, 15.0, 15.0]
    gaps = [b - a for a, b in zip(played.sent_at, played.sent_at[1:], strict=False)]
    assert gaps == [5.0, 10.0, 10.0, 10.0, 15.0, 15.0]


def test_access_denied_ends_the_wait_with_a_typed_error() -> None:
    played = poll([PENDING, json_reply(400, {"error": "access_denied"})])
    assert type(played.error) is AccessDenied
    assert len(played.sent) == 2


def test_expired_token_from_the_server_ends_the_wait_with_a_typed_error() -> None:
    played = poll([json_reply(400, {"error": "expired_token"})])
    assert type(played.error) is ExpiredToken
    assert played.error.status == 400


def test_another_oauth_error_ends_the_wait_as_it_came() -> None:
    played = poll([json_reply(400, {"error": "invalid_grant"})])
    assert type(played.error) is InvalidGrant


def test_the_device_codes_expires_in_bounds_the_whole_wait() -> None:
    played = poll([PENDING] * 5, expires_in=30, interval=5)
    # Polls at +5 ... +25; the next would be at +30, when the code is dead: nothing is sent.
    assert played.sent_at == [START + 5 * n for n in range(1, 6)]
    assert type(played.error) is ExpiredToken
    assert played.error.status is None
    assert "expired" in str(played.error)


def test_a_slow_down_can_push_the_next_poll_past_the_expiry() -> None:
    played = poll([PENDING, SLOW], expires_in=18, interval=5)
    assert played.sent_at == [START + 5, START + 10]
    assert type(played.error) is ExpiredToken


def test_transport_retries_inside_a_poll_follow_the_token_flows_rules() -> None:
    played = poll([failure(sent=True), PENDING, json_reply(503, {}), TOKEN])
    assert isinstance(played.result, Token)
    # interval, back-off after the reset (a device code is safe to resend), interval, back-off.
    assert played.sleeps == [5.0, pytest.approx(0.1875), 5.0, pytest.approx(0.1875)]


def test_transport_retries_cannot_outlast_the_device_code() -> None:
    clock = FakeClock(START)
    flow = device_flow(
        PROFILE,
        PUBLIC,
        authorization(expires_in=8, interval=5),
        clock=clock,
        random=lambda: 0.5,
        retry=RetryPolicy(max_attempts=5, base_delay=4.0, max_delay=4.0),
    )
    played = play(flow, [failure(sent=False)], clock)
    # Poll at +5 fails; the back-off (3 s) would end at +8, the expiry: the flow ends there.
    assert type(played.error) is ExpiredToken


def test_a_transport_failure_that_is_not_retried_ends_the_wait_typed() -> None:
    clock = FakeClock(START)
    flow = device_flow(
        PROFILE,
        PUBLIC,
        authorization(),
        clock=clock,
        random=lambda: 0.5,
        retry=RetryPolicy(max_attempts=1),
    )
    played = play(flow, [failure(sent=True)], clock)
    assert isinstance(played.error, TransportError)


def test_a_zero_interval_from_the_server_does_not_make_a_busy_loop() -> None:
    played = poll([PENDING, TOKEN], interval=0)
    assert played.sleeps == [1.0, 1.0]


def test_a_pending_poll_sent_by_hand_is_typed() -> None:
    with pytest.raises(AuthorizationPending):
        parse_token_response(PROFILE, PENDING, received_at=START)
    with pytest.raises(SlowDown):
        parse_token_response(PROFILE, SLOW, received_at=START)


def test_no_device_code_shows_in_any_request_repr_or_error_message() -> None:
    played = poll([PENDING, SLOW, json_reply(400, {"error": "access_denied"})])
    assert played.error is not None
    texts = [repr(request) for _, request in played.sent]
    texts += [str(played.error), repr(played.error), repr(authorization())]
    assert not any(DEVICE_CODE in text for text in texts)


def test_an_empty_device_code_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ConfigurationError):
        DeviceCode("")
