"""Round trips: whole grant lifecycles against the embedded reference providers.

Where a vector replays one recorded exchange, a round trip talks to a live (loopback) authlib
server: client_credentials with each client authentication method, authorization_code with PKCE
(the code fetched over HTTP from the authorization endpoint, with no browser), and refresh with
rotation on and off. They are written as checks (see :mod:`tokenwire.conformance.suite`), so each
runs unchanged through every transport.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

from tokenwire.conformance.reference import (
    BASIC_CLIENT,
    POST_CLIENT,
    PUBLIC_CLIENT,
    REDIRECT_URI,
    ReferenceProvider,
    RegisteredClient,
)
from tokenwire.conformance.suite import Case, Prepare, RoundTripCheck
from tokenwire.conformance.vectors import VectorClient
from tokenwire.core import (
    AuthorizationCode,
    ClientCredentials,
    InvalidGrant,
    Profile,
    RefreshToken,
    Token,
    authorization_url,
    parse_callback,
)


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


def roundtrip_cases(providers: dict[str, ReferenceProvider]) -> list[Case]:
    """Round trips against each provider; ``providers`` maps a label to a started provider."""
    cases = []
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
