"""Compact JWS verification (RFC 7515) for ID tokens and signed userinfo responses.

The rules, in the order they are checked (each failure an :class:`IdTokenError` reason):

* ``malformed``: not three base64url parts, a header that is not a JSON object with a string
  ``alg``, or a ``crit`` header (no JWS extension is understood, RFC 7515 §4.1.11);
* ``alg_not_allowed``: ``none`` (never, whatever the allow-list says), an ``alg`` not in the
  allow-list or not implemented, or an HMAC ``alg`` without the client's own secret: an HMAC is
  never keyed with a key from the JWKS, so a token "signed" with the provider's public key fails;
* ``unknown_kid``: no key of the set fits (its ``kid``, if the header names one, its key type and
  curve, and its own ``alg``, if it declares one);
* ``ambiguous_key``: no ``kid``, several keys fit, and none of them verifies;
* ``bad_signature``: the key (or the client's secret) does not verify the signature.

``Ed25519`` (RFC 9864) and ``EdDSA`` both name Ed25519 here. Signature checks import
``cryptography`` on first use (the ``oidc`` extra); HMAC needs only the standard library.
"""

from __future__ import annotations

from collections.abc import Collection
from types import ModuleType

import msgspec

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.oidc.b64 import b64url_decode
from tokenwire.core.oidc.errors import IdTokenError
from tokenwire.core.oidc.jwk import Jwk, JwkSet

__all__ = [
    "DEFAULT_ALGS",
    "SUPPORTED_ALGS",
    "JoseHeader",
    "hash_bits",
    "verify_jws",
]

#: The allow-list when the provider's metadata names none (OIDC Discovery §3).
DEFAULT_ALGS: tuple[str, ...] = ("RS256",)
_HMAC = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}
#: ``alg`` -> the ``kty`` and ``crv`` of a key that can verify it.
_FITS: dict[str, tuple[str, str | None]] = {
    **{f"RS{b}": ("RSA", None) for b in (256, 384, 512)},
    **{f"PS{b}": ("RSA", None) for b in (256, 384, 512)},
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", "Ed25519"),
    "Ed25519": ("OKP", "Ed25519"),
}
#: Every ``alg`` tokenwire verifies.
SUPPORTED_ALGS = frozenset(_FITS) | frozenset(_HMAC)
_EDDSA = frozenset({"EdDSA", "Ed25519"})
INSTALL_HINT = 'pip install "tokenwire-core[oidc]"'


class JoseHeader(msgspec.Struct, frozen=True, kw_only=True):
    """The members of a JWS header that verification reads."""

    alg: str
    kid: str | None = None
    typ: str | None = None
    crit: list[str] | None = None


_decode_header = msgspec.json.Decoder(JoseHeader).decode


_HEADERS: dict[bytes, JoseHeader] = {}
_MAX_HEADERS = 256


def _header(segment: bytes) -> JoseHeader:
    """The decoded header segment: a provider signs every token with a handful of headers, so
    each is decoded once (a pure function of its bytes; failures are not kept)."""
    header = _HEADERS.get(segment)
    if header is None:
        header = _decode_header(b64url_decode(segment))
        if len(_HEADERS) >= _MAX_HEADERS:
            _HEADERS.clear()
        _HEADERS[segment] = header
    return header


_crypto: ModuleType | None = None


def _backend() -> ModuleType:
    """``tokenwire.core.oidc._crypto``, imported on first use, or a hint to install the extra."""
    global _crypto  # noqa: PLW0603 -- imported once, on first use, by design
    if _crypto is None:
        try:
            import tokenwire.core.oidc._crypto as loaded
        except ImportError:
            missing = True
        else:
            missing = False
        if missing:
            raise ConfigurationError(
                f"verifying an ID token signature needs the 'cryptography' package: {INSTALL_HINT}"
            )
        _crypto = loaded
    return _crypto


def hash_bits(alg: str) -> int:
    """Bits of the hash behind ``alg`` (for ``at_hash``/``c_hash``): Ed25519 uses SHA-512."""
    return 512 if alg in _EDDSA else int(alg[2:])


def verify_jws(
    token: str,
    *,
    keys: JwkSet,
    algs: Collection[str],
    client_secret: str | None = None,
    what: str = "ID token",
) -> tuple[JoseHeader, bytes]:
    """Verify compact JWS ``token``; return its header and its (still encoded) payload part.

    ``algs`` is the allow-list; ``client_secret`` keys the HMAC algorithms, which are refused
    without it.
    """
    try:
        data = token.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise IdTokenError("malformed", f"the {what} is not an ASCII string") from None
    signed, _, encoded_signature = data.rpartition(b".")
    head, _, payload = signed.partition(b".")
    if not payload or b"." in payload:
        raise IdTokenError("malformed", f"the {what} is not a compact JWS (three parts)")
    try:
        header = _header(head)
        signature = b64url_decode(encoded_signature)
    except (ValueError, msgspec.DecodeError, RecursionError):
        raise IdTokenError("malformed", f"the {what} header or signature is not valid") from None
    if header.crit is not None:
        raise IdTokenError("malformed", f"the {what} header has 'crit' extensions")
    alg = header.alg
    if isinstance(algs, str):  # "RS256" in "RS256,HS256" would be a substring test
        raise ConfigurationError("algs must be a collection of alg names, not one string")
    if alg not in algs or alg not in SUPPORTED_ALGS:
        raise IdTokenError("alg_not_allowed", f"alg {_shown(alg)} is not allowed")
    if alg in _HMAC:
        if client_secret is None:
            raise IdTokenError(
                "alg_not_allowed",
                f"alg {alg} needs the client's own secret (client_secret=); "
                "it is never keyed with a JWKS key",
            )
        import hmac  # only for HMAC-signed tokens: hashlib is costly to import

        mac = hmac.new(client_secret.encode("utf-8"), signed, _HMAC[alg]).digest()
        if not hmac.compare_digest(mac, signature):
            raise IdTokenError("bad_signature", f"the {what} HMAC does not verify")
        return header, payload
    candidates = _fitting(keys, alg, header.kid)
    if not candidates:
        which = "no key with the token's kid" if header.kid is not None else "no key"
        raise IdTokenError("unknown_kid", f"the JWKS has {which} fitting alg {alg}")
    check = _backend().check_signature
    for key in candidates:
        if check(alg, key, signature, signed):
            return header, payload
    if header.kid is None and len(candidates) > 1:
        raise IdTokenError(
            "ambiguous_key", f"no kid, and none of {len(candidates)} fitting keys verifies"
        )
    raise IdTokenError("bad_signature", f"the {what} signature does not verify")


def _fitting(keys: JwkSet, alg: str, kid: str | None) -> list[Jwk]:
    kty, crv = _FITS[alg]
    found = []
    for key in keys.keys:
        if kid is not None and key.kid != kid:
            continue
        if key.kty != kty or (crv is not None and key.crv != crv):
            continue
        if key.alg is not None and key.alg != alg and not {key.alg, alg} <= _EDDSA:
            continue
        found.append(key)
    return found


def _shown(alg: str) -> str:
    return repr(alg[:20]) if alg.isascii() and alg.isprintable() else "(unprintable)"
