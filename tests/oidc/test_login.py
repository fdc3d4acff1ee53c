"""A whole OIDC login against the reference provider, through every transport.

Authorization URL with state, nonce and PKCE (core), the callback checked (``state``, ``iss``),
the code exchanged by ``TokenClient``/``AsyncTokenClient`` on the discovered profile, the ID token
verified with nonce, ``at_hash`` and ``c_hash``, userinfo matched to it, and a refresh whose new ID
token keeps ``iss``, ``sub`` and ``aud`` (OIDC Core §12.2).
"""

from __future__ import annotations

import pytest

from tests.oidc_harness import OPTIONS, TRANSPORTS, with_provider
from tests.oidc_peer import send
from tokenwire.adapters.client import AsyncTokenClient, TokenClient
from tokenwire.adapters.httpcore import AsyncHttpcoreTransport, HttpcoreTransport
from tokenwire.adapters.oidc import AsyncProvider, Provider
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.reference.oidc_provider import (
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    OidcReferenceProvider,
)
from tokenwire.core import (
    AuthorizationRequest,
    ClientAuth,
    HttpRequest,
    IdTokenClaims,
    IdTokenError,
    Profile,
    authorization_url,
    parse_callback,
)

REDIRECT_URI = "http://127.0.0.1/cb"
AUTH = ClientAuth(OIDC_CLIENT_ID, OIDC_CLIENT_SECRET)
Outcome = tuple[IdTokenClaims, str, IdTokenClaims]


def front_channel(profile: Profile) -> tuple[AuthorizationRequest, str]:
    """The user's side: follow the authorization URL to the callback; return the code."""
    request = authorization_url(profile, OIDC_CLIENT_ID, REDIRECT_URI, scope="openid", nonce=True)
    reply = send(HttpRequest(method="GET", url=request.url, headers=()))
    assert reply.status == 302
    location = reply.header("location")
    assert location is not None
    callback = parse_callback(location, expected_state=request.state, issuer=profile.issuer)
    return request, callback.code


def sync_login(provider: Provider, transport: str) -> Outcome:
    request, code = front_channel(provider.profile)
    plug = HttpcoreTransport(OPTIONS) if transport == "httpcore-sync" else StdlibTransport(OPTIONS)
    with TokenClient(provider.profile, AUTH, plug) as tokens:
        token = tokens.request(request.grant(code))
        assert token.id_token is not None
        claims = provider.verify_id_token(
            token.id_token, client_id=OIDC_CLIENT_ID, nonce=request.nonce,
            access_token=token.access_token, code=code, max_age=600,
        )  # fmt: skip
        info = provider.userinfo(token.access_token, expected_sub=claims.sub)
        assert token.refresh_token is not None
        again = tokens.refresh(token.refresh_token)
    assert again.id_token is not None
    renewed = provider.verify_id_token(
        again.id_token, client_id=OIDC_CLIENT_ID, previous=claims, access_token=again.access_token
    )
    return claims, info.sub, renewed


async def async_login(provider: AsyncProvider) -> Outcome:
    request, code = front_channel(provider.profile)
    plug = AsyncHttpcoreTransport(OPTIONS)
    async with AsyncTokenClient(provider.profile, AUTH, plug) as tokens:
        token = await tokens.request(request.grant(code))
        assert token.id_token is not None
        claims = await provider.verify_id_token(
            token.id_token, client_id=OIDC_CLIENT_ID, nonce=request.nonce,
            access_token=token.access_token, code=code, max_age=600,
        )  # fmt: skip
        info = await provider.userinfo(token.access_token, expected_sub=claims.sub)
        assert token.refresh_token is not None
        again = await tokens.refresh(token.refresh_token)
    assert again.id_token is not None
    renewed = await provider.verify_id_token(
        again.id_token, client_id=OIDC_CLIENT_ID, previous=claims, access_token=again.access_token
    )
    return claims, info.sub, renewed


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_login_verifies_its_id_token_matches_userinfo_and_survives_a_refresh(
    op: OidcReferenceProvider, transport: str
) -> None:
    claims, userinfo_sub, renewed = with_provider(
        transport, op.issuer, lambda p: sync_login(p, transport), async_login
    )
    assert claims.sub == userinfo_sub == renewed.sub == "tw-oidc-user"
    assert None not in (claims.nonce, claims.c_hash, claims.at_hash)
    assert renewed.nonce is None
    assert (renewed.iss, renewed.aud) == (claims.iss, claims.aud)


def test_a_swapped_code_is_caught_by_c_hash(op: OidcReferenceProvider) -> None:
    with Provider.discover(op.issuer, transport=StdlibTransport(OPTIONS)) as provider:
        request, code = front_channel(provider.profile)
        with TokenClient(provider.profile, AUTH, StdlibTransport(OPTIONS)) as tokens:
            token = tokens.request(request.grant(code))
        assert token.id_token is not None
        with pytest.raises(IdTokenError) as caught:
            provider.verify_id_token(token.id_token, client_id=OIDC_CLIENT_ID, code=code + "x")
    assert caught.value.reason == "c_hash_mismatch"
