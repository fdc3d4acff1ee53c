"""tokenwire's core against a real third-party server: panva's oidc-provider over loopback.

Requests are built by :func:`prepare_token_request`, sent as they are over ``http.client`` and
read back by :func:`parse_token_response`, so what passes here is the core's reading of RFC 6749
agreeing with an OpenID-certified implementation, with no tokenwire transport involved.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import msgspec
import pytest

from tests.oidc_peer import (
    API_RESOURCE,
    BASIC_CLIENT,
    LOGIN,
    POST_CLIENT,
    PUBLIC_CLIENT,
    REDIRECT_URI,
    OidcClient,
    OidcProviderPeer,
    send,
)
from tokenwire.core import (
    AuthorizationCode,
    AuthorizationRequest,
    ClientAuth,
    ClientCredentials,
    Grant,
    HttpRequest,
    HttpResponse,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    RefreshToken,
    StateMismatch,
    Token,
    authorization_url,
    code_challenge,
    decode_form,
    new_code_verifier,
    parse_token_response,
    prepare_token_request,
)


def post_token(peer: OidcProviderPeer, client: ClientAuth, grant: Grant) -> HttpResponse:
    return send(prepare_token_request(peer.profile(), client, grant))


def exchange(peer: OidcProviderPeer, client: ClientAuth, grant: Grant) -> Token:
    response = post_token(peer, client, grant)
    return parse_token_response(peer.profile(), response, received_at=time.time())


def jwt_claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, unverified: enough to see whom the server issued it to."""
    payload = jwt.split(".")[1]
    claims: dict[str, Any] = msgspec.json.decode(base64.urlsafe_b64decode(payload + "==="))
    return claims


def authorize(peer: OidcProviderPeer, client: OidcClient) -> tuple[AuthorizationRequest, str]:
    """Run the front channel with the core's own authorization URL: state, nonce, PKCE S256."""
    request = authorization_url(
        peer.profile(),
        client.client_id,
        REDIRECT_URI,
        scope="openid offline_access",
        nonce=True,
        extra=[("prompt", "consent")],
    )
    return request, peer.authorize(request.url, expected_state=request.state)


def tokens_for(peer: OidcProviderPeer, client: OidcClient) -> Token:
    request, code = authorize(peer, client)
    return exchange(peer, client.auth, request.grant(code))


# --- client_credentials --------------------------------------------------------------------


@pytest.mark.parametrize("client", [POST_CLIENT, BASIC_CLIENT], ids=lambda c: c.method)
def test_client_credentials(oidc_provider: OidcProviderPeer, client: OidcClient) -> None:
    request = prepare_token_request(
        oidc_provider.profile(), client.auth, ClientCredentials("api:read")
    )
    form = dict(decode_form(request.body))
    if client.method == "client_secret_basic":
        assert request.header("Authorization") is not None
        assert "client_id" not in form
        assert "client_secret" not in form
    else:
        assert request.header("Authorization") is None
        assert form["client_id"] == client.client_id

    token = parse_token_response(oidc_provider.profile(), send(request), received_at=time.time())

    assert token.token_type == "Bearer"
    assert token.expires_in == 3600
    assert token.scope == "api:read"
    assert token.refresh_token is None
    claims = jwt_claims(token.access_token)
    # The server recognised exactly this client: with the awkward Basic credentials that proves
    # id and secret were form-urlencoded and decoded back to the registered values.
    assert claims["client_id"] == client.client_id
    assert claims["aud"] == API_RESOURCE
    assert claims["scope"] == "api:read"


def test_unencoded_basic_credentials_are_refused(oidc_provider: OidcProviderPeer) -> None:
    """The awkward client is a real test of RFC 6749 §2.3.1: skipping the encoding fails."""
    assert BASIC_CLIENT.client_secret is not None
    raw = f"{BASIC_CLIENT.client_id}:{BASIC_CLIENT.client_secret}".encode()
    request = HttpRequest(
        method="POST",
        url=oidc_provider.token_url,
        headers=(
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", "Basic " + base64.b64encode(raw).decode("ascii")),
        ),
        body=b"grant_type=client_credentials",
    )
    with pytest.raises((InvalidClient, InvalidRequest)):
        parse_token_response(oidc_provider.profile(), send(request), received_at=time.time())


@pytest.mark.parametrize("client", [POST_CLIENT, BASIC_CLIENT], ids=lambda c: c.method)
def test_token_endpoint_headers(oidc_provider: OidcProviderPeer, client: OidcClient) -> None:
    """What this server sends, which the probe suite must report without a false failure.

    ``Cache-Control: no-store`` on success and error, never ``Pragma``; a wrong secret is a 401
    ``invalid_client`` with ``WWW-Authenticate: Basic`` only when the client used Basic.
    """
    ok = post_token(oidc_provider, client.auth, ClientCredentials())
    wrong = ClientAuth(client.client_id, "not-the-secret", client.method)
    refused = post_token(oidc_provider, wrong, ClientCredentials())

    assert ok.status == 200
    assert refused.status == 401
    for response in (ok, refused):
        assert response.header("Cache-Control") == "no-store"
        assert response.header("Pragma") is None
        assert (response.header("Content-Type") or "").startswith("application/json")
    assert ok.header("WWW-Authenticate") is None
    challenge = refused.header("WWW-Authenticate")
    if client.method == "client_secret_basic":
        assert challenge is not None
        assert challenge.startswith("Basic ")
        assert 'error="invalid_client"' in challenge
    else:
        assert challenge is None
    with pytest.raises(InvalidClient) as caught:
        parse_token_response(oidc_provider.profile(), refused, received_at=time.time())
    assert caught.value.status == 401


# --- authorization_code + PKCE ---------------------------------------------------------------


@pytest.mark.parametrize("client", [PUBLIC_CLIENT, BASIC_CLIENT], ids=lambda c: c.method)
def test_authorization_code_with_pkce(oidc_provider: OidcProviderPeer, client: OidcClient) -> None:
    request, code = authorize(oidc_provider, client)
    token = exchange(oidc_provider, client.auth, request.grant(code))

    assert token.token_type == "Bearer"
    assert token.expires_in == 3600
    assert token.refresh_token is not None, "offline_access with prompt=consent gives one"
    assert set(token.scopes) == {"openid", "offline_access"}
    assert token.id_token is not None
    claims = jwt_claims(token.id_token)
    assert claims["aud"] == client.client_id
    assert claims["iss"] == oidc_provider.issuer
    assert claims["sub"] == LOGIN
    assert claims["nonce"] == request.nonce


def test_code_is_single_use(oidc_provider: OidcProviderPeer) -> None:
    """A replayed code is refused, and (RFC 6749 §4.1.2) the tokens it gave are revoked."""
    request, code = authorize(oidc_provider, PUBLIC_CLIENT)
    grant = request.grant(code)
    token = exchange(oidc_provider, PUBLIC_CLIENT.auth, grant)
    assert token.refresh_token is not None

    with pytest.raises(InvalidGrant):
        exchange(oidc_provider, PUBLIC_CLIENT.auth, grant)
    with pytest.raises(InvalidGrant):
        exchange(oidc_provider, PUBLIC_CLIENT.auth, RefreshToken(token.refresh_token))


def test_public_client_must_use_pkce(oidc_provider: OidcProviderPeer) -> None:
    with pytest.raises(InvalidRequest) as caught:
        oidc_provider.obtain_code(
            PUBLIC_CLIENT, "openid", code_challenge=None, state="s-no-pkce", nonce=None
        )
    assert caught.value.error == "invalid_request"
    assert "PKCE" in (caught.value.description or "")


def test_wrong_code_verifier_is_refused(oidc_provider: OidcProviderPeer) -> None:
    verifier = new_code_verifier()
    code = oidc_provider.obtain_code(
        PUBLIC_CLIENT,
        "openid",
        code_challenge=code_challenge(verifier),
        state="s-wrong-verifier",
        nonce="n-wrong-verifier",
    )
    other = new_code_verifier()
    with pytest.raises(InvalidGrant):
        exchange(oidc_provider, PUBLIC_CLIENT.auth, AuthorizationCode(code, REDIRECT_URI, other))


def test_callback_state_is_checked(oidc_provider: OidcProviderPeer) -> None:
    request = authorization_url(oidc_provider.profile(), PUBLIC_CLIENT.client_id, REDIRECT_URI)
    with pytest.raises(StateMismatch):
        oidc_provider.authorize(request.url, expected_state=request.state + "x")


# --- refresh with rotation ---------------------------------------------------------------------


@pytest.mark.parametrize("client", [PUBLIC_CLIENT, POST_CLIENT], ids=lambda c: c.method)
def test_refresh_rotates_and_old_token_is_refused(
    oidc_provider: OidcProviderPeer, client: OidcClient
) -> None:
    first = tokens_for(oidc_provider, client)
    assert first.refresh_token is not None

    second = exchange(oidc_provider, client.auth, RefreshToken(first.refresh_token))

    assert second.refresh_token is not None
    rotated = second.refresh_token != first.refresh_token
    assert rotated, "server.mjs turns rotation on for every client"
    renewed = second.access_token != first.access_token
    assert renewed
    assert second.expires_in == 3600
    with pytest.raises(InvalidGrant):
        exchange(oidc_provider, client.auth, RefreshToken(first.refresh_token))
    # Reuse detection: replaying the old refresh token revoked the whole grant, so the rotated
    # one is dead too. A probe that checks the old token burns the new one with it.
    with pytest.raises(InvalidGrant):
        exchange(oidc_provider, client.auth, RefreshToken(second.refresh_token))
