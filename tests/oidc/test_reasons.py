"""Every IdTokenError reason, produced exactly, through the public API and every transport.

The tokens come from the loopback OIDC reference provider (:mod:`tests.oidc_cases`); each is
verified by ``Provider`` / ``AsyncProvider`` after a real discovery and JWKS fetch.
"""

from __future__ import annotations

import pytest

from tests.oidc_cases import CLIENT, OIDC_CLIENT_SECRET, REASON_CASES
from tests.oidc_harness import TRANSPORTS, verify
from tokenwire.conformance.reference.oidc_provider import OidcReferenceProvider
from tokenwire.core import IdTokenError
from tokenwire.core.oidc import ID_TOKEN_REASONS


def test_every_reason_has_a_case() -> None:
    assert set(REASON_CASES) == set(ID_TOKEN_REASONS)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("reason", ID_TOKEN_REASONS)
def test_each_reason_is_raised_exactly_through_every_transport(
    reasons_op: OidcReferenceProvider, transport: str, reason: str
) -> None:
    token, checks = REASON_CASES[reason](reasons_op)
    with pytest.raises(IdTokenError) as caught:
        verify(transport, reasons_op.issuer, token, **checks)
    assert caught.value.reason == reason
    assert token not in str(caught.value)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_valid_token_verifies_through_every_transport(
    reasons_op: OidcReferenceProvider, transport: str
) -> None:
    token = reasons_op.id_token(reasons_op.claims(nonce="n-1"), access_token="at-1", code="code-1")
    claims = verify(
        transport, reasons_op.issuer, token, nonce="n-1", access_token="at-1", code="code-1",
        max_age=600, **CLIENT,
    )  # fmt: skip
    assert (claims.sub, claims.aud, claims.alg) == ("tw-oidc-user", (CLIENT["client_id"],), "RS256")


def test_alg_none_is_refused_even_when_advertised(op: OidcReferenceProvider) -> None:
    op.algs = ("RS256", "none")
    token = op.id_token(alg="none", kid=False)
    with pytest.raises(IdTokenError) as caught:
        verify("httpcore-sync", op.issuer, token, **CLIENT)
    assert caught.value.reason == "alg_not_allowed"


def test_an_hs256_token_keyed_with_the_rsa_public_key_fails_even_with_a_client_secret(
    reasons_op: OidcReferenceProvider,
) -> None:
    token = reasons_op.id_token(alg="HS256", kid=False, hmac_secret=reasons_op.public_key_pem())
    with pytest.raises(IdTokenError) as caught:
        verify("stdlib", reasons_op.issuer, token, client_secret=OIDC_CLIENT_SECRET, **CLIENT)
    assert caught.value.reason == "bad_signature"


def test_an_hs256_token_with_the_clients_own_secret_verifies(
    reasons_op: OidcReferenceProvider,
) -> None:
    token = reasons_op.id_token(alg="HS256", kid=False, hmac_secret=OIDC_CLIENT_SECRET.encode())
    claims = verify("stdlib", reasons_op.issuer, token, client_secret=OIDC_CLIENT_SECRET, **CLIENT)
    assert claims.alg == "HS256"


def test_an_es256_token_verifies_with_its_key(reasons_op: OidcReferenceProvider) -> None:
    es256 = next(key for key in reasons_op.published if key.alg == "ES256")
    claims = verify("httpcore-sync", reasons_op.issuer, reasons_op.id_token(key=es256), **CLIENT)
    assert (claims.alg, claims.kid) == ("ES256", es256.kid)
