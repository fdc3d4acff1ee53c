"""Signature checks on ``cryptography``: the one module that needs the ``oidc`` extra.

Imported only when a signature is checked (by :func:`tokenwire.core.oidc.jws.verifier`), so
``import tokenwire.core`` works without ``cryptography``. Key objects are built once per key and
kept (a JWKS changes rarely, and building an RSA key costs more than checking a signature with it);
the padding and hash objects are built once at import.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tokenwire.core.oidc.jwk import Jwk

__all__ = ["check_signature"]

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
Check = Callable[[PublicKey, bytes, bytes], None]

_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}
_HASHES: dict[int, hashes.HashAlgorithm] = {
    256: hashes.SHA256(),
    384: hashes.SHA384(),
    512: hashes.SHA512(),
}
_PKCS1 = padding.PKCS1v15()


#: Key objects by the identity of their :class:`Jwk` (kept alongside, so an id is never reused
#: while its entry lives); bounded by clearing, since a provider publishes a handful of keys.
_KEYS: dict[int, tuple[Jwk, PublicKey]] = {}
_MAX_KEYS = 64


def _key(jwk: Jwk) -> PublicKey:
    entry = _KEYS.get(id(jwk))
    if entry is not None and entry[0] is jwk:
        return entry[1]
    key = _build(jwk)
    if len(_KEYS) >= _MAX_KEYS:
        _KEYS.clear()
    _KEYS[id(jwk)] = (jwk, key)
    return key


def _build(jwk: Jwk) -> PublicKey:
    if jwk.kty == "RSA":
        numbers = rsa.RSAPublicNumbers(int.from_bytes(jwk.e, "big"), int.from_bytes(jwk.n, "big"))
        return numbers.public_key()
    if jwk.kty == "EC" and jwk.crv is not None:
        return ec.EllipticCurvePublicKey.from_encoded_point(
            _CURVES[jwk.crv], b"\x04" + jwk.x + jwk.y
        )
    return ed25519.Ed25519PublicKey.from_public_bytes(jwk.x)


def _rsa(bits: int) -> Check:
    digest = _HASHES[bits]

    def check(key: PublicKey, signature: bytes, data: bytes) -> None:
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, data, _PKCS1, digest)

    return check


def _pss(bits: int) -> Check:
    digest = _HASHES[bits]
    pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)

    def check(key: PublicKey, signature: bytes, data: bytes) -> None:
        assert isinstance(key, rsa.RSAPublicKey)
        key.verify(signature, data, pss, digest)

    return check


def _ecdsa(bits: int, size: int) -> Check:
    algorithm = ec.ECDSA(_HASHES[bits])

    def check(key: PublicKey, signature: bytes, data: bytes) -> None:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        # JWS carries R || S, each the curve's size (RFC 7518 §3.4), not DER.
        if len(signature) != 2 * size:
            raise InvalidSignature
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), data, algorithm)

    return check


def _eddsa(key: PublicKey, signature: bytes, data: bytes) -> None:
    assert isinstance(key, ed25519.Ed25519PublicKey)
    key.verify(signature, data)


_CHECKS: dict[str, Check] = {
    "RS256": _rsa(256),
    "RS384": _rsa(384),
    "RS512": _rsa(512),
    "PS256": _pss(256),
    "PS384": _pss(384),
    "PS512": _pss(512),
    "ES256": _ecdsa(256, 32),
    "ES384": _ecdsa(384, 48),
    "ES512": _ecdsa(512, 66),
    "EdDSA": _eddsa,
    "Ed25519": _eddsa,
}


def check_signature(alg: str, jwk: Jwk, signature: bytes, data: bytes) -> bool:
    """True if ``signature`` over ``data`` verifies with ``jwk`` under ``alg``."""
    try:
        _CHECKS[alg](_key(jwk), signature, data)
    except (InvalidSignature, ValueError, AssertionError):
        return False
    return True
