"""Every attempt of a ``*_jwt`` client carries a newly signed client assertion (RFC 7523 §3).

A provider may refuse a ``jti`` it has seen, and an assertion signed before a long ``Retry-After``
may be past its ``exp`` when resent, so a retry signs again: new ``jti``, ``iat`` on the flow's
clock at the attempt. A client without an assertion resends the very same request object. The
token flow and the other endpoints' flow share the mechanism, so both are stepped here.

The client is ``client_secret_jwt`` (HMAC from the standard library: ``tests/core`` also runs in
Pyodide, without ``cryptography``); the ``private_key_jwt`` twin of the first test is in
``tests/oidc/test_client_assertion.py``, and the same behaviour over real loopback servers in
``tests/adapters/test_retry_assertions.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Generator
from typing import Any

import msgspec
import pytest

from tests.core.scripted_flow import FakeClock, json_reply, play
from tests.error_chain import shown
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    HttpRequest,
    HttpResponse,
    InvalidClient,
    Profile,
    RetryPolicy,
    Send,
    Sleep,
    Token,
    device_authorization_flow,
    introspection_flow,
    revocation_flow,
    token_flow,
)
from tokenwire.core.flow import Reply, Step
from tokenwire.core.form import decode_form

NOW = 1_700_000_000.0
BASE = "https://as.example.com"
PROFILE = Profile(
    token_url=f"{BASE}/token",
    revocation_url=f"{BASE}/revoke",
    introspection_url=f"{BASE}/introspect",
    device_authorization_url=f"{BASE}/device",
)
SECRET = "a-client-secret-of-thirty-two-bytes-or-more"
JWT = ClientAuth("svc", SECRET, "client_secret_jwt")
POLICY = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=8.0)
OK = json_reply(200, {"access_token": "AT", "token_type": "Bearer", "expires_in": 300})


def throttled(status: int, seconds: int) -> HttpResponse:
    """A "not now" answer naming its ``Retry-After`` in seconds."""
    return HttpResponse(status=status, headers=(("Retry-After", str(seconds)),))


def assertion_of(request: HttpRequest) -> str:
    """The ``client_assertion`` form field ``request`` carries."""
    return dict(decode_form(request.body))["client_assertion"]


def claims(assertion: str) -> dict[str, Any]:
    """The claims of an HS256 assertion, once its signature with ``SECRET`` is checked."""
    header, payload, signature = assertion.split(".")
    digest = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)) == digest
    decoded: dict[str, Any] = msgspec.json.decode(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def draws() -> Callable[[], float]:
    """A ``random`` that never repeats itself (the ``jti`` comes from it)."""
    values = iter(i / 1000 for i in range(1, 1000))
    return lambda: next(values)


def test_a_jwt_clients_retry_after_a_429_carries_a_new_assertion_issued_at_the_flows_clock() -> (
    None
):
    clock = FakeClock(NOW)
    flow = token_flow(PROFILE, JWT, ClientCredentials(), clock=clock, random=draws(), retry=POLICY)
    played = play(flow, [throttled(429, 7), OK], clock)
    assert isinstance(played.result, Token)
    first, second = (claims(assertion_of(request)) for _, request in played.sent)
    assert first["jti"] != second["jti"]
    assert [first["iat"], second["iat"]] == [NOW, NOW + 7]
    assert [first["exp"], second["exp"]] == [NOW + 60, NOW + 67]
    rest = [
        [pair for pair in decode_form(request.body) if pair[0] != "client_assertion"]
        for _, request in played.sent
    ]
    assert rest[0] == rest[1]


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
def test_a_client_without_an_assertion_resends_the_same_request_object(method: str) -> None:
    clock = FakeClock(NOW)
    client = ClientAuth("svc", SECRET, method)  # type: ignore[arg-type]
    flow = token_flow(
        PROFILE, client, ClientCredentials(), clock=clock, random=draws(), retry=POLICY
    )
    played = play(flow, [throttled(429, 7), OK], clock)
    assert isinstance(played.result, Token)
    assert played.sent[0][1] is played.sent[1][1]


def test_an_assertion_echoed_in_the_retrys_error_body_is_not_shown() -> None:
    clock = FakeClock(NOW)
    flow = token_flow(PROFILE, JWT, ClientCredentials(), clock=clock, random=draws(), retry=POLICY)
    sent = next(flow)
    assert isinstance(sent, Send)
    assert isinstance(flow.send(throttled(503, 1)), Sleep)
    resent = flow.send(None)
    assert isinstance(resent, Send)
    first, second = assertion_of(sent.request), assertion_of(resent.request)
    assert second != first
    body = {"error": "invalid_client", "error_description": f"jti replayed in {second}"}
    with pytest.raises(InvalidClient) as caught:
        flow.send(json_reply(401, body))
    text = shown(caught.value)
    for part in (second, *second.split(".")):
        assert part not in text


def test_a_rebuilt_request_is_sent_with_what_is_left_of_the_deadline() -> None:
    clock = FakeClock(NOW)
    flow = token_flow(
        PROFILE,
        JWT,
        ClientCredentials(),
        clock=clock,
        random=draws(),
        retry=POLICY,
        deadline=10.0,
        monotonic=clock,
    )
    played = play(flow, [throttled(503, 3), OK], clock)
    assert isinstance(played.result, Token)
    assert [request.timeout for _, request in played.sent] == [10.0, 7.0]
    assert assertion_of(played.sent[0][1]) != assertion_of(played.sent[1][1])


EndpointFlow = Callable[[ClientAuth, FakeClock], Generator[Step, Reply, Any]]
DEVICE = {"device_code": "d", "user_code": "u", "verification_uri": f"{BASE}/d", "expires_in": 60}
ENDPOINTS: dict[str, tuple[EndpointFlow, HttpResponse]] = {
    "revocation": (
        lambda client, clock: revocation_flow(PROFILE, client, "T", clock=clock, random=draws()),
        HttpResponse(status=200),
    ),
    "introspection": (
        lambda client, clock: introspection_flow(PROFILE, client, "T", clock=clock, random=draws()),
        json_reply(200, {"active": False}),
    ),
    "device_authorization": (
        lambda client, clock: device_authorization_flow(
            PROFILE, client, clock=clock, random=draws()
        ),
        json_reply(200, DEVICE),
    ),
}


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_an_endpoint_retry_of_a_jwt_client_carries_a_new_assertion(endpoint: str) -> None:
    start, ok = ENDPOINTS[endpoint]
    clock = FakeClock(NOW)
    played = play(start(JWT, clock), [throttled(503, 2), ok], clock)
    assert played.error is None
    first, second = (claims(assertion_of(request)) for _, request in played.sent)
    assert first["jti"] != second["jti"]
    assert [first["iat"], second["iat"]] == [NOW, NOW + 2]


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_an_endpoint_retry_of_a_client_without_an_assertion_resends_the_same_request(
    endpoint: str,
) -> None:
    start, ok = ENDPOINTS[endpoint]
    clock = FakeClock(NOW)
    played = play(start(ClientAuth("svc", SECRET), clock), [throttled(503, 2), ok], clock)
    assert played.error is None
    assert played.sent[0][1] is played.sent[1][1]
