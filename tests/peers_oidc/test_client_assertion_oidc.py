"""JWT client authentication (RFC 7523 §2.2, OIDC Core §9) against panva's oidc-provider.

``client_secret_jwt`` and ``private_key_jwt`` (RS256, ES256, EdDSA) obtain tokens through every
built-in transport; the provider remembers each assertion's ``jti``, so an assertion sent twice is
refused, which proves tokenwire signs a new one for each request rather than caching it. The
introspection and revocation flows authenticate the same way (and an unknown key is refused).
"""

from __future__ import annotations

import logging
import random
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.error_chain import shown
from tests.jwt_clients import (
    KEY_ALGS,
    PRIVATE_KEY_JWT_ID,
    SECRET_JWT_ID,
    private_key_jwt_clients,
    secret_jwt_client,
)
from tests.oidc_peer import API_RESOURCE, OidcProviderPeer, send
from tests.peers_oidc.test_oidc_peer import jwt_claims
from tests.transport_harness import HARNESSES, Harness
from tokenwire.adapters.drive import drive
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    Introspection,
    InvalidClient,
    Token,
    client_assertion,
    introspection_flow,
    parse_token_response,
    prepare_token_request,
    revocation_flow,
)

CLIENTS = ("HS256", *KEY_ALGS)


def _client(peer: OidcProviderPeer, alg: str) -> ClientAuth:
    return secret_jwt_client() if alg == "HS256" else private_key_jwt_clients(peer)[alg]


@pytest.mark.parametrize("alg", CLIENTS)
@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
def test_jwt_client_authentication_obtains_tokens_through_every_transport(
    oidc_provider: OidcProviderPeer, harness: Harness, alg: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tokenwire")
    auth = _client(oidc_provider, alg)
    # Two requests on one client: each carries its own assertion (a cached one would be refused).
    grants = [ClientCredentials(scope="api:read"), ClientCredentials(scope="api:write")]
    result = harness.tokens(oidc_provider.profile(), grants, auth=auth)
    assert all(isinstance(outcome, Token) for outcome in result.outcomes), result.outcomes
    for outcome in result.outcomes:
        assert isinstance(outcome, Token)
        claims = jwt_claims(outcome.access_token)
        assert claims["client_id"] == auth.client_id
        assert claims["aud"] == API_RESOURCE
    # Every assertion this client signs starts with the same header segment: none was logged.
    assert auth.signer.header.decode() not in caplog.text


@pytest.mark.parametrize("alg", ["HS256", "ES256"])
def test_a_replayed_client_assertion_is_refused_by_the_provider(
    oidc_provider: OidcProviderPeer, alg: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    auth = _client(oidc_provider, alg)
    profile = oidc_provider.profile()
    assertion = client_assertion(auth, profile.token_url, now=time.time(), jti=uuid.uuid4().hex)
    request = prepare_token_request(profile, auth, ClientCredentials(), assertion=assertion)

    first = parse_token_response(profile, send(request), received_at=time.time())
    assert jwt_claims(first.access_token)["client_id"] == auth.client_id
    with pytest.raises(InvalidClient) as refused:
        parse_token_response(profile, send(request), received_at=time.time())
    # The control: the same claims with a new jti are accepted, so the jti alone was refused.
    fresh = client_assertion(auth, profile.token_url, now=time.time(), jti=uuid.uuid4().hex)
    again = prepare_token_request(profile, auth, ClientCredentials(), assertion=fresh)
    assert parse_token_response(profile, send(again), received_at=time.time()).access_token
    signature = assertion.rsplit(".", 1)[1]
    for text in (shown(refused.value), repr(auth), caplog.text):
        assert assertion not in text
        assert signature not in text


def _impostor(alg: str) -> ClientAuth:
    """The same client id, signing with a key (or secret) the provider does not know."""
    if alg == "HS256":
        return ClientAuth(
            SECRET_JWT_ID, "not-the-registered-secret-of-this-client", "client_secret_jwt"
        )
    key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ClientAuth(PRIVATE_KEY_JWT_ID, method="private_key_jwt", private_key=key.decode())


@pytest.mark.parametrize("alg", ["HS256", "EdDSA"])
def test_a_jwt_client_authenticates_at_introspection_and_revocation(
    oidc_provider: OidcProviderPeer, alg: str
) -> None:
    # RFC 7662 §2.1 and RFC 7009 §2.1: both endpoints authenticate the client first; an unknown
    # token then gets active: false, and a 200 from revocation.
    profile = oidc_provider.profile()
    clock, draw = time.time, random.random
    unknown = "not-a-token-this-provider-issued"
    with StdlibTransport() as transport:

        def introspect(auth: ClientAuth) -> Introspection:
            flow = introspection_flow(profile, auth, unknown, clock=clock, random=draw)
            return drive(flow, transport)

        auth = _client(oidc_provider, alg)
        assert not introspect(auth).active
        drive(revocation_flow(profile, auth, unknown, clock=clock, random=draw), transport)
        with pytest.raises(InvalidClient):
            introspect(_impostor(alg))
