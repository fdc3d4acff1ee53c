"""One ID token per :class:`IdTokenError` reason, minted by the OIDC reference provider.

Each case returns the token and the ``verify_id_token`` arguments that must make it fail with
exactly that reason; every other check in the token passes. The provider must advertise
``RS256`` and ``HS256`` and publish two RSA keys (see :func:`reason_provider`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tokenwire.conformance.reference.idtokens import new_key
from tokenwire.conformance.reference.oidc_provider import (
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    OidcReferenceProvider,
)
from tokenwire.core import IdTokenClaims

Case = tuple[str, dict[str, Any]]
CLIENT: dict[str, Any] = {"client_id": OIDC_CLIENT_ID}


def reason_provider() -> OidcReferenceProvider:
    """RS256 and ES256 keys and HS256 advertised; after a kept rotation, two RSA keys published."""
    provider = OidcReferenceProvider(("RS256", "ES256", "HS256"))
    provider.rotate(keep_old=True)
    return provider


def _previous(provider: OidcReferenceProvider, **changes: Any) -> IdTokenClaims:
    now = time.time()
    fields: dict[str, Any] = {
        "iss": provider.issuer,
        "sub": "tw-oidc-user",
        "aud": (OIDC_CLIENT_ID,),
        "exp": now + 300,
        "iat": now - 600,
    }
    fields.update(changes)
    return IdTokenClaims(**fields)


def _malformed(p: OidcReferenceProvider) -> Case:
    return "not-a.jwt", CLIENT


def _missing_claim(p: OidcReferenceProvider) -> Case:
    return p.id_token(p.claims(sub=None)), CLIENT


def _alg_not_allowed(p: OidcReferenceProvider) -> Case:
    # HS256 is advertised, but "signed" with the provider's public key and no client secret given.
    return p.id_token(alg="HS256", kid=False, hmac_secret=p.public_key_pem()), CLIENT


def _unknown_kid(p: OidcReferenceProvider) -> Case:
    return p.id_token(kid="forged-kid"), CLIENT


def _ambiguous_key(p: OidcReferenceProvider) -> Case:
    return p.id_token(key=new_key("RS256", "unpublished"), kid=False), CLIENT


def _bad_signature(p: OidcReferenceProvider) -> Case:
    return p.id_token(key=new_key("RS256", "other"), kid=p.signer.kid), CLIENT


def _iss_mismatch(p: OidcReferenceProvider) -> Case:
    return p.id_token(p.claims(iss="https://issuer.invalid")), CLIENT


def _aud_mismatch(p: OidcReferenceProvider) -> Case:
    return p.id_token(p.claims(aud="another-client")), CLIENT


def _azp_mismatch(p: OidcReferenceProvider) -> Case:
    return p.id_token(p.claims(aud=[OIDC_CLIENT_ID, "another-client"])), CLIENT


def _expired(p: OidcReferenceProvider) -> Case:
    now = int(time.time())
    return p.id_token(p.claims(exp=now - 120, iat=now - 600)), CLIENT


def _iat_in_future(p: OidcReferenceProvider) -> Case:
    now = int(time.time())
    return p.id_token(p.claims(iat=now + 600, exp=now + 900)), CLIENT


def _nonce_mismatch(p: OidcReferenceProvider) -> Case:
    return p.id_token(p.claims(nonce="sent-by-someone-else")), {**CLIENT, "nonce": "ours"}


def _auth_time_missing(p: OidcReferenceProvider) -> Case:
    return p.id_token(p.claims(auth_time=None)), {**CLIENT, "max_age": 600}


def _auth_time_too_old(p: OidcReferenceProvider) -> Case:
    old = int(time.time()) - 3600
    return p.id_token(p.claims(auth_time=old)), {**CLIENT, "max_age": 600}


def _at_hash_mismatch(p: OidcReferenceProvider) -> Case:
    return p.id_token(access_token="the-real-one"), {**CLIENT, "access_token": "a-swapped-one"}


def _c_hash_mismatch(p: OidcReferenceProvider) -> Case:
    return p.id_token(code="the-real-code"), {**CLIENT, "code": "a-swapped-code"}


def _sub_changed(p: OidcReferenceProvider) -> Case:
    return p.id_token(), {**CLIENT, "previous": _previous(p, sub="somebody-else")}


#: reason -> how to make a token that fails with exactly it.
REASON_CASES: dict[str, Callable[[OidcReferenceProvider], Case]] = {
    "malformed": _malformed,
    "missing_claim": _missing_claim,
    "alg_not_allowed": _alg_not_allowed,
    "unknown_kid": _unknown_kid,
    "ambiguous_key": _ambiguous_key,
    "bad_signature": _bad_signature,
    "iss_mismatch": _iss_mismatch,
    "aud_mismatch": _aud_mismatch,
    "azp_mismatch": _azp_mismatch,
    "expired": _expired,
    "iat_in_future": _iat_in_future,
    "nonce_mismatch": _nonce_mismatch,
    "auth_time_missing": _auth_time_missing,
    "auth_time_too_old": _auth_time_too_old,
    "at_hash_mismatch": _at_hash_mismatch,
    "c_hash_mismatch": _c_hash_mismatch,
    "sub_changed": _sub_changed,
}

__all__ = ["CLIENT", "OIDC_CLIENT_SECRET", "REASON_CASES", "reason_provider"]
