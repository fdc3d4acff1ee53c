"""The OpenID Foundation's relying-party test modules (Basic and Config plans), one test each.

Each test runs against a loopback provider that behaves as that module's server does, and checks
the module's expectation through the public API (``oidcc-client-test-<module>``).
"""

from __future__ import annotations

import pytest

from tests.oidc_cases import CLIENT, OIDC_CLIENT_SECRET
from tests.oidc_harness import OPTIONS, discover, userinfo, verify
from tokenwire.adapters.oidc import Provider
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.reference.idtokens import new_key
from tokenwire.conformance.reference.oidc_provider import OidcReferenceProvider
from tokenwire.core import DiscoveryError, IdTokenError, UserinfoError


def reason(op: OidcReferenceProvider, token: str, **checks: object) -> str:
    with pytest.raises(IdTokenError) as caught:
        verify("httpcore-sync", op.issuer, token, **{**CLIENT, **checks})
    return caught.value.reason


def test_invalid_iss_is_rejected(op: OidcReferenceProvider) -> None:
    assert reason(op, op.id_token(op.claims(iss="https://example.invalid"))) == "iss_mismatch"


def test_missing_sub_is_rejected(op: OidcReferenceProvider) -> None:
    assert reason(op, op.id_token(op.claims(sub=None))) == "missing_claim"


def test_invalid_aud_is_rejected(op: OidcReferenceProvider) -> None:
    assert reason(op, op.id_token(op.claims(aud="https://rp.invalid"))) == "aud_mismatch"


def test_missing_aud_is_rejected(op: OidcReferenceProvider) -> None:
    assert reason(op, op.id_token(op.claims(aud=None))) == "missing_claim"


def test_missing_iat_is_rejected(op: OidcReferenceProvider) -> None:
    assert reason(op, op.id_token(op.claims(iat=None))) == "missing_claim"


def test_kid_absent_with_a_single_key_in_the_jwks_verifies(op: OidcReferenceProvider) -> None:
    claims = verify("stdlib", op.issuer, op.id_token(kid=False), **CLIENT)
    assert claims.kid is None


def test_kid_absent_with_several_keys_tries_each_and_verifies_with_the_signing_one() -> None:
    with OidcReferenceProvider(("RS256", "RS256")) as op:
        signer = op.published[1]
        claims = verify("stdlib", op.issuer, op.id_token(key=signer, kid=False), **CLIENT)
        assert claims.sub == "tw-oidc-user"
        assert reason(op, op.id_token(key=new_key("RS256", "x"), kid=False)) == "ambiguous_key"


def test_an_rs256_signed_id_token_verifies(op: OidcReferenceProvider) -> None:
    claims = verify("httpcore-sync", op.issuer, op.id_token(), **CLIENT)
    assert (claims.alg, claims.kid) == ("RS256", op.signer.kid)


def test_an_unsigned_id_token_is_refused(op: OidcReferenceProvider) -> None:
    op.algs = ("none", "RS256")
    assert reason(op, op.id_token(alg="none", kid=False)) == "alg_not_allowed"


def test_an_invalid_rs256_signature_is_rejected(op: OidcReferenceProvider) -> None:
    token = op.id_token()
    head, body, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert reason(op, f"{head}.{body}.{flipped}") == "bad_signature"


def test_an_invalid_es256_signature_is_rejected() -> None:
    with OidcReferenceProvider(("ES256",)) as op:
        token = op.id_token(key=new_key("ES256", "forger"), kid=op.signer.kid)
        assert reason(op, token) == "bad_signature"


def test_an_invalid_hs256_signature_is_rejected(op: OidcReferenceProvider) -> None:
    op.algs = ("RS256", "HS256")
    token = op.id_token(alg="HS256", kid=False, hmac_secret=b"not-the-client-secret-0123456789")
    assert reason(op, token, client_secret=OIDC_CLIENT_SECRET) == "bad_signature"


def test_a_userinfo_response_about_another_subject_is_rejected(op: OidcReferenceProvider) -> None:
    op.userinfo_sub = "someone-else"
    with pytest.raises(UserinfoError) as caught:
        userinfo("httpcore-sync", op.issuer, op.access_token(), expected_sub="tw-oidc-user")
    assert caught.value.reason == "sub_mismatch"


def test_an_invalid_nonce_is_rejected(op: OidcReferenceProvider) -> None:
    token = op.id_token(op.claims(nonce="not-what-we-sent"))
    assert reason(op, token, nonce="what-we-sent") == "nonce_mismatch"


def test_signing_key_rotation_is_followed_with_one_jwks_refetch(op: OidcReferenceProvider) -> None:
    with Provider.discover(op.issuer, transport=StdlibTransport(OPTIONS)) as provider:
        before = provider.verify_id_token(op.id_token(), **CLIENT)
        op.rotate()
        after = provider.verify_id_token(op.id_token(), **CLIENT, now=before.iat + 60)
        assert before.kid != after.kid
        assert provider.jwks_fetches == 2
    assert op.requests["/jwks"] == 2


def test_a_discovery_document_for_another_issuer_is_rejected(op: OidcReferenceProvider) -> None:
    op.announced_issuer = "https://issuer.invalid"
    with pytest.raises(DiscoveryError):
        discover("httpcore-sync", op.issuer)
