"""JSON Web Key Sets (RFC 7517): parsed into public verification keys, nothing else.

A provider's set may hold keys tokenwire cannot use (encryption keys, ``kty`` values it does not
know, curves it does not verify, RSA keys under 2048 bits): those are skipped and counted, so one
odd key does not break sign-in. A set that publishes private or symmetric key material is refused
outright: a provider that leaks its private key cannot be trusted with any of its keys.

Parsing needs no cryptography library; the key material is decoded and its sizes checked here,
and turned into a verifier object only when a signature is checked (:mod:`._crypto`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from tokenwire.core.http import HttpResponse
from tokenwire.core.oidc.b64 import b64url_decode
from tokenwire.core.oidc.errors import JwksError
from tokenwire.core.redact import scrub

__all__ = ["PRIVATE_MEMBERS", "Jwk", "JwkSet", "parse_jwks", "parse_jwks_json"]

#: Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
#: EC curves and their coordinate sizes in bytes (RFC 7518 §6.2.1).
EC_CURVES = {"P-256": 32, "P-384": 48, "P-521": 66}
MIN_RSA_BITS = 2048

_decode = msgspec.json.Decoder().decode


class Jwk(msgspec.Struct, frozen=True, kw_only=True):
    """One public verification key. ``n``/``e`` (RSA) or ``x``/``y`` (EC, OKP) are raw bytes."""

    kty: str
    kid: str | None = None
    alg: str | None = None
    crv: str | None = None
    n: bytes = b""
    e: bytes = b""
    x: bytes = b""
    y: bytes = b""


class JwkSet(msgspec.Struct, frozen=True, kw_only=True):
    """A provider's usable verification keys, in the order published.

    ``skipped`` counts the keys left out (other ``use``, unknown ``kty`` or curve, too small).
    """

    keys: tuple[Jwk, ...] = ()
    skipped: int = 0

    def kids(self) -> frozenset[str]:
        """The ``kid`` of every usable key."""
        return frozenset(key.kid for key in self.keys if key.kid is not None)


def parse_jwks(response: HttpResponse) -> JwkSet:
    """Parse a JWKS endpoint's response; raise :class:`JwksError` if it is not a usable set."""
    if response.status != 200:
        raise JwksError("the JWKS endpoint did not answer 200", status=response.status)
    try:
        document = _decode(response.body)
    except (msgspec.DecodeError, RecursionError):
        raise JwksError(
            "the JWKS is not JSON", status=response.status, excerpt=scrub(_text(response.body))
        ) from None
    return parse_jwks_json(document)


def parse_jwks_json(document: object) -> JwkSet:
    """Build a :class:`JwkSet` from a decoded JWKS document (``{"keys": [...]}``)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksError("the JWKS is not an object with a 'keys' array")
    keys: list[Jwk] = []
    skipped = 0
    for member in document["keys"]:
        if not isinstance(member, dict):
            raise JwksError("a JWKS 'keys' entry is not an object")
        if PRIVATE_MEMBERS & member.keys():
            raise JwksError("the JWKS publishes private or symmetric key material; refused")
        key = _public_key(member)
        if key is None:
            skipped += 1
        else:
            keys.append(key)
    return JwkSet(keys=tuple(keys), skipped=skipped)


def _public_key(member: Mapping[str, Any]) -> Jwk | None:
    """The :class:`Jwk` for one set member, or ``None`` when tokenwire cannot verify with it."""
    use = member.get("use")
    ops = member.get("key_ops")
    if use is not None and use != "sig":
        return None
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return None
    kid, alg, kty = member.get("kid"), member.get("alg"), member.get("kty")
    if not isinstance(kid, str | None) or not isinstance(alg, str | None):
        return None
    try:
        if kty == "RSA":
            n, e = _bytes(member, "n"), _bytes(member, "e")
            if len(n.lstrip(b"\0")) * 8 < MIN_RSA_BITS or not e:
                return None
            return Jwk(kty=kty, kid=kid, alg=alg, n=n, e=e)
        crv = member.get("crv")
        if kty == "EC" and isinstance(crv, str) and crv in EC_CURVES:
            x, y = _bytes(member, "x"), _bytes(member, "y")
            if len(x) != EC_CURVES[crv] or len(y) != EC_CURVES[crv]:
                return None
            return Jwk(kty=kty, kid=kid, alg=alg, crv=crv, x=x, y=y)
        if kty == "OKP" and crv == "Ed25519":
            x = _bytes(member, "x")
            return Jwk(kty=kty, kid=kid, alg=alg, crv=crv, x=x) if len(x) == 32 else None
    except ValueError:
        return None
    return None


def _bytes(member: Mapping[str, Any], name: str) -> bytes:
    value = member.get(name)
    if not isinstance(value, str):
        raise ValueError(name)  # noqa: TRY004 -- "not usable", as a bad encoding is
    return b64url_decode(value)


def _text(body: bytes) -> str:
    return body[:400].decode("utf-8", "replace")
