"""Every built-in transport against a real third-party server: panva's oidc-provider.

The same grant round trips (client_credentials, authorization_code with PKCE, refresh with
rotation) through ``TokenClient`` over httpcore and stdlib, and ``AsyncTokenClient`` over httpcore
on asyncio and on trio. The codes come from driving the provider's login and consent forms.
"""

from __future__ import annotations

import secrets

import pytest

from tests.oidc_peer import (
    API_RESOURCE,
    BASIC_CLIENT,
    LOGIN,
    POST_CLIENT,
    PUBLIC_CLIENT,
    OidcClient,
    OidcProviderPeer,
)
from tests.peers_oidc.test_oidc_peer import jwt_claims
from tests.transport_flows import token_request
from tokenwire.adapters.transport import (
    BUILTIN_TRANSPORTS,
    TransportOptions,
)
from tokenwire.conformance.runner import builtin_transports
from tokenwire.core import (
    AuthorizationCode,
    ClientCredentials,
    Grant,
    InvalidGrant,
    RefreshToken,
    Token,
    code_challenge,
    new_code_verifier,
)

OPTIONS = TransportOptions(connect_timeout=2.0, read_timeout=10.0, total_timeout=15.0)
#: The names of the built-in transports, from the one table the conformance runner uses too.
TRANSPORTS = [entry.name for entry in BUILTIN_TRANSPORTS]
_BY_NAME = {entry.name: entry for entry in BUILTIN_TRANSPORTS}


def test_every_builtin_transport_is_covered() -> None:
    assert [spec.name for spec in builtin_transports()] == TRANSPORTS


def request(transport: str, peer: OidcProviderPeer, client: OidcClient, grant: Grant) -> Token:
    """One token request through ``transport``, with a fresh client as an application would."""
    return token_request(transport, peer.profile(), client.auth, grant)


def code_grant(peer: OidcProviderPeer, client: OidcClient) -> tuple[AuthorizationCode, str]:
    """An authorization code with PKCE, asking for a refresh token; and the nonce sent."""
    verifier = new_code_verifier()
    nonce = secrets.token_urlsafe(16)
    code = peer.obtain_code(
        client,
        "openid offline_access",
        code_challenge=code_challenge(verifier),
        state=secrets.token_urlsafe(16),
        nonce=nonce,
        prompt="consent",
    )
    return AuthorizationCode(code, client.redirect_uri, verifier), nonce


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("client", [POST_CLIENT, BASIC_CLIENT], ids=lambda c: c.method)
def test_client_credentials(
    oidc_provider: OidcProviderPeer, transport: str, client: OidcClient
) -> None:
    token = request(transport, oidc_provider, client, ClientCredentials("api:read"))

    assert token.token_type == "Bearer"
    assert token.expires_in == 3600
    assert token.scope == "api:read"
    assert token.refresh_token is None
    claims = jwt_claims(token.access_token)
    # Issued to exactly this client: for the awkward Basic client, proof that the transport
    # sent the form-urlencoded credentials unaltered.
    assert claims["client_id"] == client.client_id
    assert claims["aud"] == API_RESOURCE


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("client", [PUBLIC_CLIENT, BASIC_CLIENT], ids=lambda c: c.method)
def test_authorization_code_with_pkce(
    oidc_provider: OidcProviderPeer, transport: str, client: OidcClient
) -> None:
    grant, nonce = code_grant(oidc_provider, client)

    token = request(transport, oidc_provider, client, grant)

    assert token.token_type == "Bearer"
    assert set(token.scopes) == {"openid", "offline_access"}
    assert token.refresh_token
    assert token.id_token is not None
    claims = jwt_claims(token.id_token)
    assert (claims["aud"], claims["sub"], claims["nonce"]) == (client.client_id, LOGIN, nonce)
    # The code is single-use, through this transport too.
    with pytest.raises(InvalidGrant):
        request(transport, oidc_provider, client, grant)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("client", [PUBLIC_CLIENT, POST_CLIENT], ids=lambda c: c.method)
def test_refresh_with_rotation(
    oidc_provider: OidcProviderPeer, transport: str, client: OidcClient
) -> None:
    grant, _ = code_grant(oidc_provider, client)
    first = request(transport, oidc_provider, client, grant)
    assert first.refresh_token

    second = request(transport, oidc_provider, client, RefreshToken(first.refresh_token))

    assert second.refresh_token
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert second.expires_in == 3600
    with pytest.raises(InvalidGrant):
        request(transport, oidc_provider, client, RefreshToken(first.refresh_token))
