"""tokenwire's OIDC adapters against a real OpenID provider: panva's oidc-provider over loopback.

Discovery, the key set, a login with code + PKCE + nonce ending in verified ID token claims whose
``sub`` is userinfo's, a refresh whose new ID token keeps ``iss``/``sub``/``aud`` (OIDC Core
§12.2), and a key rotation the client follows with exactly one key-set refetch.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.oidc_harness import OPTIONS
from tests.oidc_peer import POST_CLIENT, PUBLIC_CLIENT, OidcClient, OidcProviderPeer
from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.httpcore import HttpcoreTransport
from tokenwire.adapters.oidc import JwksPolicy, Provider
from tokenwire.core import IdTokenClaims, Token, code_challenge, new_code_verifier


def login(
    peer: OidcProviderPeer, provider: Provider, client: OidcClient, scope: str = "openid"
) -> tuple[Token, IdTokenClaims]:
    """A full login: code with PKCE and nonce, exchanged and verified."""
    verifier, nonce = new_code_verifier(), secrets.token_urlsafe(16)
    code = peer.obtain_code(
        client, scope, code_challenge=code_challenge(verifier),
        state=secrets.token_urlsafe(16), nonce=nonce,
    )  # fmt: skip
    with TokenClient(provider.profile, client.auth, HttpcoreTransport(OPTIONS)) as tokens:
        token = tokens.exchange_code(code, client.redirect_uri, verifier)
    assert token.id_token is not None
    claims = provider.verify_id_token(
        token.id_token, client_id=client.client_id, nonce=nonce, access_token=token.access_token
    )
    return token, claims


@pytest.fixture
def provider(oidc_provider: OidcProviderPeer) -> Iterator[Provider]:
    """A freshly discovered provider; refetches not rate-limited (rotation follows at once)."""
    with Provider.discover(
        oidc_provider.issuer,
        transport=HttpcoreTransport(OPTIONS),
        policy=JwksPolicy(min_refetch_interval=0.0),
    ) as discovered:
        yield discovered


def test_discovery_names_the_provider_and_its_endpoints(
    oidc_provider: OidcProviderPeer, provider: Provider
) -> None:
    assert provider.metadata.issuer == oidc_provider.issuer
    assert provider.profile.token_url == oidc_provider.token_url
    assert provider.metadata.jwks_uri == f"{oidc_provider.issuer}/jwks"
    assert "tw-ephemeral" in provider.keys().kids()


@pytest.mark.parametrize("client", [POST_CLIENT, PUBLIC_CLIENT], ids=lambda c: c.method)
def test_a_login_ends_with_verified_claims_whose_sub_is_userinfos(
    oidc_provider: OidcProviderPeer, provider: Provider, client: OidcClient
) -> None:
    token, claims = login(oidc_provider, provider, client)
    info = provider.userinfo(token.access_token, expected_sub=claims.sub)
    assert info.sub == claims.sub == "tokenwire-user"
    assert claims.iss == oidc_provider.issuer
    assert claims.aud == (client.client_id,)


def test_a_refreshed_id_token_keeps_iss_sub_and_aud(
    oidc_provider: OidcProviderPeer, provider: Provider
) -> None:
    token, claims = login(oidc_provider, provider, POST_CLIENT, "openid offline_access")
    assert token.refresh_token is not None
    with TokenClient(provider.profile, POST_CLIENT.auth, HttpcoreTransport(OPTIONS)) as tokens:
        refreshed = tokens.refresh(token.refresh_token)
    assert refreshed.id_token is not None
    again = provider.verify_id_token(
        refreshed.id_token, client_id=POST_CLIENT.client_id, previous=claims,
        access_token=refreshed.access_token,
    )  # fmt: skip
    assert (again.iss, again.sub, again.aud) == (claims.iss, claims.sub, claims.aud)


def test_after_a_key_rotation_a_new_login_verifies_with_one_jwks_refetch(
    oidc_provider: OidcProviderPeer, provider: Provider
) -> None:
    _, first = login(oidc_provider, provider, POST_CLIENT)
    assert provider.jwks_fetches == 1
    kid = oidc_provider.rotate_keys()
    _, second = login(oidc_provider, provider, POST_CLIENT)
    assert first.kid != second.kid == kid
    assert provider.jwks_fetches == 2
