"""Round trips: whole grant lifecycles against the embedded reference providers.

Where a vector replays one recorded exchange, a round trip talks to a live (loopback) authlib
server: client_credentials with each client authentication method, authorization_code with PKCE
(the code fetched over HTTP from the authorization endpoint, with no browser), refresh with
rotation on and off, and on the plain provider the other endpoints: the device flow (a
``slow_down`` that widens the interval, counted in polls against the clock the flow is given; an
approved code), revocation then introspection, and token exchange. They are written as checks
(see :mod:`tokenwire.conformance.suite`), so each runs unchanged through every transport.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Generator
from functools import partial
from urllib.parse import urlsplit

from tokenwire.conformance.endpoint_vectors import EndpointCall
from tokenwire.conformance.reference import (
    BASIC_CLIENT,
    POST_CLIENT,
    PUBLIC_CLIENT,
    REDIRECT_URI,
    ReferenceProvider,
    RegisteredClient,
)
from tokenwire.conformance.suite import (
    AnyResult,
    Asked,
    Case,
    DevicePoll,
    EndpointCheck,
    Prepare,
    RoundTripCheck,
)
from tokenwire.conformance.vectors import VectorClient
from tokenwire.core import (
    AuthorizationCode,
    ClientCredentials,
    DeviceAuthorization,
    ExpiredToken,
    Introspection,
    InvalidGrant,
    Profile,
    RefreshToken,
    Token,
    TokenExchange,
    TokenTypes,
    authorization_url,
    parse_callback,
)
from tokenwire.core.device import SLOW_DOWN_STEP

#: The device code lifetime of the plain provider in the suite: short enough that a device flow
#: told to slow down at every poll runs out after a countable number of polls.
DEVICE_EXPIRES_IN = 60
#: The provider's polling interval (authlib's default, RFC 8628 §3.2's too).
DEVICE_INTERVAL = 5


def fetch_code(profile: Profile, client_id: str, scope: str | None) -> AuthorizationCode:
    """Walk the authorization endpoint over HTTP (it auto-approves) and return the code grant."""
    request = authorization_url(profile, client_id, REDIRECT_URI, scope=scope)
    parts = urlsplit(request.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5.0)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        response = conn.getresponse()
        response.read()
        location = response.getheader("location") or ""
    finally:
        conn.close()
    callback = parse_callback(location, expected_state=request.state)
    return request.grant(callback.code)


def _client(registered: RegisteredClient) -> VectorClient:
    return VectorClient(
        client_id=registered.client_id,
        client_secret=registered.client_secret,
        method=registered.auth_method,
    )


def _expect_token(result: object, problems: list[str], what: str) -> Token | None:
    if isinstance(result, Token):
        return result
    problems.append(f"{what}: expected a token, got {type(result).__name__}: {result}")
    return None


def client_credentials_check(provider: ReferenceProvider, scope: str | None) -> RoundTripCheck:
    problems: list[str] = []
    before = provider.token_requests
    token = _expect_token((yield ClientCredentials(scope)), problems, "client_credentials")
    if token is not None:
        if token.token_type != "Bearer":
            problems.append(f"token_type {token.token_type!r}")
        if token.expires_in != provider.flavor.access_token_lifetime:
            problems.append(f"expires_in {token.expires_in}")
    if provider.token_requests - before != 1:
        problems.append(f"{provider.token_requests - before} requests reached the token endpoint")
    return problems


def code_and_refresh_check(
    provider: ReferenceProvider, scope: str | None, rotate: bool
) -> RoundTripCheck:
    """Code + PKCE, then refresh; with rotation the old refresh token must then be refused."""
    problems: list[str] = []
    grant = fetch_code(provider.profile(), PUBLIC_CLIENT.client_id, scope)
    first = _expect_token((yield grant), problems, "authorization_code")
    if first is None or first.refresh_token is None:
        return [*problems, "no refresh token issued"] if first else problems
    second = _expect_token((yield RefreshToken(first.refresh_token)), problems, "refresh")
    if second is None:
        return problems
    if second.access_token == first.access_token:
        problems.append("refresh returned the same access token")
    if rotate:
        if second.refresh_token in (None, first.refresh_token):
            problems.append("refresh token was not rotated")
        reused = yield RefreshToken(first.refresh_token)
        if not isinstance(reused, InvalidGrant):
            problems.append(f"a rotated-out refresh token was accepted: {type(reused).__name__}")
    else:
        again = yield RefreshToken(first.refresh_token)
        if not isinstance(again, Token):
            problems.append(f"refresh without rotation failed the second time: {again}")
    return problems


def _bind(check: Callable[[], RoundTripCheck], provider: ReferenceProvider) -> Prepare:
    def prepare(sleeps: list[float]) -> tuple[Profile, RoundTripCheck]:
        return provider.profile(), check()

    return prepare


def _bind_endpoint(
    check: Callable[[ReferenceProvider, list[float]], EndpointCheck], provider: ReferenceProvider
) -> Prepare:
    def prepare(sleeps: list[float]) -> tuple[Profile, EndpointCheck]:
        return provider.profile(), check(provider, sleeps)

    return prepare


def slow_down_widening(expires_in: float, interval: float) -> list[float]:
    """The waits of a device flow told ``slow_down`` at every poll, until its code expires:
    each wait is 5 s longer than the one before (RFC 8628 §3.5)."""
    waits: list[float] = []
    while sum(waits) + interval < expires_in:
        waits.append(interval)
        interval += SLOW_DOWN_STEP
    return waits


def _start_device(
    problems: list[str],
) -> Generator[Asked, AnyResult, DeviceAuthorization | None]:
    """Ask for a device code (a helper of the device checks; returns it, or ``None``)."""
    started = yield EndpointCall(endpoint="device_authorization", scope="read")
    if not isinstance(started, DeviceAuthorization):
        problems.append(f"device authorization: got {type(started).__name__}: {started}")
        return None
    if (started.expires_in, started.interval) != (DEVICE_EXPIRES_IN, DEVICE_INTERVAL):
        problems.append(f"device code lives {started.expires_in} s, interval {started.interval}")
    return started


def device_slow_down_check(provider: ReferenceProvider, sleeps: list[float]) -> EndpointCheck:
    """``slow_down`` at every poll: the interval widens by 5 s each time, so the device code
    expires after exactly as many polls as the widened waits fit in its lifetime."""
    problems: list[str] = []
    started = yield from _start_device(problems)
    if started is None:
        return problems
    provider.slow_down(1000)
    before = provider.token_requests
    try:
        result = yield DevicePoll(started)
    finally:
        provider.slow_down(0)
    expected = slow_down_widening(DEVICE_EXPIRES_IN, DEVICE_INTERVAL)
    if not isinstance(result, ExpiredToken) or result.status is not None:
        problems.append(f"expected the client to give up at expiry, got {result!r}")
    polls = provider.token_requests - before
    if polls != len(expected):
        problems.append(f"{polls} polls reached the provider, expected {len(expected)}")
    if sleeps != expected:
        problems.append(f"the client waited {sleeps}, expected {expected}")
    return problems


def device_revoke_introspect_check(
    provider: ReferenceProvider, sleeps: list[float]
) -> EndpointCheck:
    """An approved device code gets a token after one interval; a revoked token is inactive."""
    problems: list[str] = []
    started = yield from _start_device(problems)
    if started is None:
        return problems
    provider.decide_device(started.user_code)
    token = yield DevicePoll(started)
    if not isinstance(token, Token) or token.refresh_token is None:
        return [*problems, f"expected a token with a refresh token, got {token!r}"]
    if sleeps != [float(DEVICE_INTERVAL)]:
        problems.append(f"the client waited {sleeps} before its only poll")
    for value, hint in (
        (token.access_token, "access_token"),
        (token.refresh_token, "refresh_token"),
    ):
        before = yield EndpointCall(endpoint="introspection", token=value, token_type_hint=hint)
        if not isinstance(before, Introspection) or not before.active or before.scope != "read":
            problems.append(f"{hint} before revocation: {before!r}")
        revoked = yield EndpointCall(endpoint="revocation", token=value, token_type_hint=hint)
        if revoked is not None:
            problems.append(f"revoking the {hint}: {revoked!r}")
        after = yield EndpointCall(endpoint="introspection", token=value, token_type_hint=hint)
        if not isinstance(after, Introspection) or after.active:
            problems.append(f"{hint} after revocation: {after!r}")
    unknown = yield EndpointCall(endpoint="revocation", token="never-issued")
    if unknown is not None:
        problems.append(f"revoking an unknown token must succeed (RFC 7009 §2.2): {unknown!r}")
    return problems


def token_exchange_check(provider: ReferenceProvider, sleeps: list[float]) -> EndpointCheck:
    """An access token traded for another (RFC 8693); the new one is active, the type said."""
    problems: list[str] = []
    subject = yield ClientCredentials("read")
    if not isinstance(subject, Token):
        return [f"client_credentials: {subject!r}"]
    exchanged = yield TokenExchange(
        subject_token=subject.access_token, subject_token_type=TokenTypes.ACCESS_TOKEN
    )
    if not isinstance(exchanged, Token):
        return [f"token exchange: {exchanged!r}"]
    if exchanged.issued_token_type != TokenTypes.ACCESS_TOKEN:
        problems.append(f"issued_token_type {exchanged.issued_token_type!r}")
    if exchanged.access_token == subject.access_token or exchanged.refresh_token is not None:
        problems.append("the exchange returned the subject token, or a refresh token")
    info = yield EndpointCall(endpoint="introspection", token=exchanged.access_token)
    if not isinstance(info, Introspection) or not info.active or info.scope != "read":
        problems.append(f"the exchanged token introspected as {info!r}")
    return problems


def roundtrip_cases(providers: dict[str, ReferenceProvider]) -> list[Case]:
    """Round trips against each provider; ``providers`` maps a label to a started provider."""
    cases = []
    plain = providers.get("rfc6749")
    if plain is not None:
        for name, endpoint_check in (
            ("device-slow-down-until-expiry", device_slow_down_check),
            ("device-revoke-introspect", device_revoke_introspect_check),
            ("token-exchange", token_exchange_check),
        ):
            cases.append(
                Case(
                    f"roundtrip-rfc6749-{name}",
                    "roundtrip",
                    _client(POST_CLIENT),
                    _bind_endpoint(endpoint_check, plain),
                    clock_follows_sleeps=True,
                )
            )
    for label, provider in providers.items():
        scope = provider.flavor.default_scope or None
        rotate = provider.rotate_refresh_tokens
        for registered in (POST_CLIENT, BASIC_CLIENT):
            cases.append(
                Case(
                    f"roundtrip-{label}-client-credentials-{registered.auth_method}",
                    "roundtrip",
                    _client(registered),
                    _bind(partial(client_credentials_check, provider, scope), provider),
                )
            )
        suffix = "rotation" if rotate else "no-rotation"
        cases.append(
            Case(
                f"roundtrip-{label}-code-pkce-refresh-{suffix}",
                "roundtrip",
                _client(PUBLIC_CLIENT),
                _bind(partial(code_and_refresh_check, provider, scope, rotate), provider),
            )
        )
    return cases
