"""Signing with a private key on ``cryptography``: the client assertions of ``private_key_jwt``.

Beside :mod:`._crypto` (which only verifies) and, like it, imported only when a key is loaded, so
``import tokenwire.core`` works without the ``oidc`` extra. A key is loaded once per
:class:`~tokenwire.core.ClientAuth` (parsing a PEM or building an RSA key costs far more than
a signature); each request then pays for the signature alone. Nothing here puts key material in
an error message: a key that does not load says what was wrong with its shape, never its bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.oidc.b64 import b64url_decode

__all__ = ["load_private_key"]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
Sign = Callable[[bytes], bytes]

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "256": hashes.SHA256(),
    "384": hashes.SHA384(),
    "512": hashes.SHA512(),
}
#: EC curves by JWK name, with the JWS algorithm each signs and its coordinate size.
_CURVES: dict[str, tuple[ec.EllipticCurve, str, int]] = {
    "P-256": (ec.SECP256R1(), "ES256", 32),
    "P-384": (ec.SECP384R1(), "ES384", 48),
    "P-521": (ec.SECP521R1(), "ES512", 66),
}
_EC_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_RSA_ALGS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_EDDSA_ALGS = frozenset({"EdDSA", "Ed25519"})
MIN_RSA_BITS = 2048


def load_private_key(
    key: str | bytes, alg: str | None, kid: str | None
) -> tuple[str, str | None, Sign]:
    """``(alg, kid, sign)`` for a private key given as PEM or as a JWK (JSON text).

    ``alg`` defaults by the key's type (RS256, ES256/384/512 by curve, EdDSA); a ``kid`` given
    wins over the JWK's own. Raises :class:`ConfigurationError` for a key that cannot sign ``alg``.
    """
    text = key.encode() if isinstance(key, str) else key
    if text.lstrip().startswith(b"{"):
        private, jwk_kid = _from_jwk(text)
        kid = kid if kid is not None else jwk_kid
    else:
        private = _from_pem(text)
    alg, sign = _signer(private, alg)
    return alg, kid, sign


def _signer(private: PrivateKey, alg: str | None) -> tuple[str, Sign]:
    if isinstance(private, rsa.RSAPrivateKey):
        alg = alg or "RS256"
        if alg not in _RSA_ALGS:
            raise ConfigurationError(f"an RSA key cannot sign {alg!r}")
        if private.key_size < MIN_RSA_BITS:
            raise ConfigurationError(f"an RSA key must have at least {MIN_RSA_BITS} bits")
        digest = _HASHES[alg[2:]]
        pad: padding.AsymmetricPadding = (
            padding.PKCS1v15()
            if alg.startswith("RS")
            else padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        )
        rsa_key = private
        return alg, lambda data: rsa_key.sign(data, pad, digest)
    if isinstance(private, ec.EllipticCurvePrivateKey):
        entry = _CURVES.get(_EC_NAMES.get(private.curve.name, ""))
        if entry is None:
            raise ConfigurationError("the EC key's curve is not P-256, P-384 or P-521")
        _, curve_alg, size = entry
        alg = alg or curve_alg
        if alg != curve_alg:
            raise ConfigurationError(f"this EC key signs {curve_alg}, not {alg!r}")
        ecdsa = ec.ECDSA(_HASHES[alg[2:]])
        ec_key = private

        def sign_ec(data: bytes) -> bytes:
            return _raw_ecdsa(ec_key.sign(data, ecdsa), size)

        return alg, sign_ec
    alg = alg or "EdDSA"
    if alg not in _EDDSA_ALGS:
        raise ConfigurationError(f"an Ed25519 key cannot sign {alg!r}")
    return alg, private.sign


def _raw_ecdsa(der: bytes, size: int) -> bytes:
    """JWS's ``R || S``, each ``size`` bytes (RFC 7518 §3.4), from a DER ECDSA signature.

    Read by hand: ``SEQUENCE { INTEGER r, INTEGER s }`` (RFC 3279 §2.2.3) with short-form integer
    lengths (at most 67 bytes for P-521), the sequence's own length short or ``0x81``-long. Faster
    than ``decode_dss_signature`` and two ``int.to_bytes`` by the cost of a few objects, paid on
    every request; the result is checked against an independent JOSE library in the tests.
    """
    at = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    r_end = at + 2 + der[at + 1]
    r = der[at + 2 : r_end]
    s = der[r_end + 2 : r_end + 2 + der[r_end + 1]]
    return r.rjust(size, b"\0")[-size:] + s.rjust(size, b"\0")[-size:]


def _from_pem(text: bytes) -> PrivateKey:
    try:
        private = serialization.load_pem_private_key(text, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):  # not raised from: no key bytes shown
        private = None
    if private is None:
        raise ConfigurationError(
            "the private key is neither a JWK nor an unencrypted PEM private key"
        )
    if not isinstance(
        private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise ConfigurationError("the private key is not an RSA, EC or Ed25519 key")
    return private


def _from_jwk(text: bytes) -> tuple[PrivateKey, str | None]:
    try:
        jwk = msgspec.json.decode(text)
    except msgspec.DecodeError:
        jwk = None
    if not isinstance(jwk, dict):
        raise ConfigurationError("the private key JWK is not a JSON object")
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise ConfigurationError("the private key JWK's kid is not a string")
    try:
        private = _jwk_key(jwk)
    except (ValueError, TypeError, KeyError):
        private = None  # the message of such an error may quote a member: not raised from it
    if private is None:
        raise ConfigurationError(
            "the private key JWK is not a complete RSA, EC (P-256/384/521) or Ed25519 private key"
        )
    return private, kid


def _int(jwk: dict[str, object], name: str) -> int:
    value = jwk[name]
    if not isinstance(value, str):
        raise TypeError(name)
    return int.from_bytes(b64url_decode(value), "big")


def _jwk_key(jwk: dict[str, object]) -> PrivateKey | None:
    kty = jwk.get("kty")
    if kty == "RSA":
        public = rsa.RSAPublicNumbers(_int(jwk, "e"), _int(jwk, "n"))
        numbers = rsa.RSAPrivateNumbers(
            _int(jwk, "p"),
            _int(jwk, "q"),
            _int(jwk, "d"),
            _int(jwk, "dp"),
            _int(jwk, "dq"),
            _int(jwk, "qi"),
            public,
        )
        return numbers.private_key()
    crv = jwk.get("crv")
    if kty == "EC" and isinstance(crv, str) and crv in _CURVES:
        curve = _CURVES[crv][0]
        point = ec.EllipticCurvePublicNumbers(_int(jwk, "x"), _int(jwk, "y"), curve)
        return ec.EllipticCurvePrivateNumbers(_int(jwk, "d"), point).private_key()
    if kty == "OKP" and crv == "Ed25519":
        d = jwk["d"]
        if not isinstance(d, str):
            raise TypeError("d")
        return ed25519.Ed25519PrivateKey.from_private_bytes(b64url_decode(d))
    return None
