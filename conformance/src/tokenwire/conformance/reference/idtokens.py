"""Signing keys and ID tokens for the OIDC reference provider, built on authlib's JOSE parts.

Keys come from ``joserfc`` (authlib's JOSE library), the ``at_hash``/``c_hash`` from
``authlib.oidc.core`` and signatures from ``joserfc.jws``: none of it from tokenwire, so that a
shared misreading of the specifications cannot pass unnoticed. Tokens no honest provider would sign
(``alg: none``, an HMAC keyed with the provider's public key) are assembled by hand, because a JOSE
library rightly refuses to make them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authlib.oidc.core.util import create_half_hash
from joserfc import jws
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey

__all__ = ["SigningKey", "b64url", "half_hash", "new_key", "sign"]

#: ``alg`` -> how to make a key for it.
_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


@dataclass(frozen=True)
class SigningKey:
    """A provider key: its ``kid``, the ``alg`` it signs with, and the joserfc key."""

    kid: str
    alg: str
    key: Key

    def public_jwk(self, *, with_alg: bool = True) -> dict[str, Any]:
        """The public JWK to publish, with ``use: sig`` (and ``alg`` unless told not to)."""
        jwk = dict(self.key.as_dict(private=False))
        jwk.update(kid=self.kid, use="sig")
        if with_alg:
            jwk["alg"] = self.alg
        return jwk


def new_key(alg: str, kid: str) -> SigningKey:
    """A fresh private key for ``alg`` (RS*/PS*: RSA 2048, ES*: its curve, EdDSA: Ed25519)."""
    key: Key
    if alg[:2] in ("RS", "PS"):
        key = RSAKey.generate_key(2048, parameters={"kid": kid})
    elif alg in _CURVES:
        key = ECKey.generate_key(_CURVES[alg], parameters={"kid": kid})
    elif alg in ("EdDSA", "Ed25519"):
        key = OKPKey.generate_key("Ed25519", parameters={"kid": kid})
    else:
        raise ValueError(f"no key type for {alg}")
    return SigningKey(kid, alg, key)


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2), as every JWS part is written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def half_hash(value: str, alg: str) -> str:
    """``at_hash``/``c_hash`` of ``value`` as authlib computes it (OIDC Core §3.1.3.6)."""
    digest_alg = "EdDSA" if alg == "Ed25519" else alg
    result = create_half_hash(value, digest_alg)
    return result.decode("ascii") if isinstance(result, bytes) else str(result)


def sign(
    claims: Mapping[str, Any],
    *,
    key: SigningKey | None,
    alg: str | None = None,
    header: Mapping[str, Any] | None = None,
    kid: str | bool | None = True,
    hmac_secret: bytes | None = None,
) -> str:
    """A compact JWS of ``claims``.

    ``alg`` defaults to the key's; ``kid=True`` puts the key's kid in the header, ``False`` leaves
    it out, a string puts that one. ``alg="none"`` makes an unsigned token; an ``HS*`` alg signs
    with ``hmac_secret``.
    """
    alg = alg or (key.alg if key is not None else "none")
    protected: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    if kid is True and key is not None:
        protected["kid"] = key.kid
    elif isinstance(kid, str):
        protected["kid"] = kid
    protected.update(header or {})
    payload = json.dumps(dict(claims), separators=(",", ":")).encode()
    if alg == "none":
        return f"{_segment(protected)}.{b64url(payload)}."
    if alg.startswith("HS"):
        if hmac_secret is None:
            raise ValueError("an HS alg needs hmac_secret")
        signing_input = f"{_segment(protected)}.{b64url(payload)}"
        digest = getattr(hashlib, f"sha{alg[2:]}")
        mac = hmac.new(hmac_secret, signing_input.encode("ascii"), digest).digest()
        return f"{signing_input}.{b64url(mac)}"
    if key is None:
        raise ValueError(f"{alg} needs a key")
    return _serialize(protected, payload, key.key, alg)


def _segment(header: Mapping[str, Any]) -> str:
    return b64url(json.dumps(dict(header), separators=(",", ":")).encode())


def _serialize(protected: dict[str, Any], payload: bytes, key: Key, alg: str) -> str:
    with warnings.catch_warnings():
        # joserfc warns that EdDSA is deprecated by RFC 9864; the provider signs with it on purpose.
        warnings.simplefilter("ignore")
        return jws.serialize_compact(protected, payload, key, algorithms=[alg])
