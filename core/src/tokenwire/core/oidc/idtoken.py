"""ID token validation (OpenID Connect Core §3.1.3.7, §2, §12.2) into :class:`IdTokenClaims`.

After the signature (:func:`tokenwire.core.oidc.jws.verify_jws`), the claims are checked in this
order, each failure an :class:`IdTokenError` with the reason named:

* ``malformed``: the payload is not a JSON object, or a claim has the wrong type;
* ``missing_claim``: no ``iss``, ``sub``, ``aud``, ``exp`` or ``iat``;
* ``iss_mismatch``: ``iss`` is not exactly the discovered issuer;
* ``aud_mismatch``: ``aud`` does not contain the client id;
* ``azp_mismatch``: ``azp`` present and not the client id, or absent with several audiences;
* ``expired``: ``exp`` is not after ``now - leeway``;
* ``iat_in_future``: ``iat`` is after ``now + leeway``;
* ``nonce_mismatch``: a nonce was sent and the token's is absent or different (no nonce sent: a
  nonce in the token is ignored);
* ``auth_time_missing`` / ``auth_time_too_old``: ``max_age`` was asked and ``auth_time`` is absent,
  or older than ``max_age`` (with the leeway);
* ``at_hash_mismatch`` / ``c_hash_mismatch``: present, the access token or code given, and not the
  left half of its hash (§3.1.3.6, §3.3.2.11);
* on refresh, against the ``previous`` claims (§12.2): ``iss_mismatch``, ``sub_changed``,
  ``aud_mismatch``.

``now`` is the caller's clock: the core reads none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Annotated, Any

import msgspec
from typing_extensions import override

from tokenwire.core.oidc.b64 import b64url_decode, b64url_encode
from tokenwire.core.oidc.errors import IdTokenError
from tokenwire.core.oidc.jwk import JwkSet
from tokenwire.core.oidc.jws import DEFAULT_ALGS, hash_bits, verify_jws
from tokenwire.core.redact import RedactedStruct, Shown, hidden

__all__ = ["DEFAULT_LEEWAY", "IdTokenClaims", "validate_id_token"]

#: Seconds of clock skew tolerated for ``exp``, ``iat`` and ``auth_time``.
DEFAULT_LEEWAY = 30.0

_NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


class _Wire(msgspec.Struct, frozen=True):
    """The claims as sent: every one optional here, so that a missing one has its own reason."""

    iss: str | None = None
    sub: _NonEmpty | None = None
    aud: str | tuple[str, ...] | None = None
    exp: float | None = None
    iat: float | None = None
    auth_time: float | None = None
    nonce: str | None = None
    acr: str | None = None
    amr: tuple[str, ...] | None = None
    azp: str | None = None
    at_hash: str | None = None
    c_hash: str | None = None
    sid: str | None = None
    jti: str | None = None


class _Only(_Wire, frozen=True, forbid_unknown_fields=True):
    """The same claims and nothing else: when a token has no other claim (most tokens of most
    providers), one typed decode in C is all there is to do."""


_NAMED = frozenset(_Wire.__struct_fields__)
_REQUIRED = ("iss", "sub", "aud", "exp", "iat")
_decode_wire = msgspec.json.Decoder(_Wire).decode
_decode_only = msgspec.json.Decoder(_Only).decode
_decode_any = msgspec.json.Decoder(dict[str, Any]).decode


class IdTokenClaims(RedactedStruct, frozen=True, kw_only=True):
    """The verified claims of an ID token: the standard ones typed, the rest in ``extra``."""

    iss: str
    sub: str
    aud: tuple[str, ...]
    exp: float
    iat: float
    auth_time: float | None = None
    nonce: str | None = None
    acr: str | None = None
    amr: tuple[str, ...] = ()
    azp: str | None = None
    at_hash: str | None = None
    c_hash: str | None = None
    sid: str | None = None
    jti: str | None = None
    #: The token's other claims (``email``, ``name``, ``jti``, ...), as sent.
    extra: dict[str, Any] = msgspec.field(default_factory=dict)
    #: The header's ``alg`` and ``kid`` that verified it.
    alg: str = "RS256"
    kid: str | None = None

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "iss", self.iss
        yield "sub", self.sub
        yield "aud", self.aud
        yield "exp", self.exp
        yield "iat", self.iat
        yield "auth_time", self.auth_time
        yield "nonce", hidden(self.nonce)
        yield "azp", self.azp
        yield "at_hash", hidden(self.at_hash)
        yield "c_hash", hidden(self.c_hash)
        yield "extra", Shown(f"<{len(self.extra)} claims>")
        yield "alg", self.alg


def validate_id_token(
    id_token: str,
    *,
    keys: JwkSet,
    client_id: str,
    issuer: str,
    now: float,
    nonce: str | None = None,
    max_age: float | None = None,
    access_token: str | None = None,
    code: str | None = None,
    previous: IdTokenClaims | None = None,
    client_secret: str | None = None,
    algs: Collection[str] | None = None,
    leeway: float = DEFAULT_LEEWAY,
) -> IdTokenClaims:
    """Verify ``id_token``'s signature and claims; return its claims or raise :class:`IdTokenError`.

    ``keys`` is the provider's key set, ``algs`` the allow-list (the metadata's
    ``id_token_signing_alg_values_supported``; RS256 when ``None``), ``client_secret`` the
    client's own secret for HMAC-signed tokens. ``previous`` is the claims of the ID token this one
    replaces on refresh.
    """
    allowed = DEFAULT_ALGS if algs is None else algs
    header, payload = verify_jws(id_token, keys=keys, algs=allowed, client_secret=client_secret)
    claims = decode_claims(payload, alg=header.alg, kid=header.kid)
    check_claims(
        claims,
        client_id=client_id,
        issuer=issuer,
        now=now,
        nonce=nonce,
        max_age=max_age,
        leeway=leeway,
    )
    at_hash, c_hash = claims.at_hash, claims.c_hash
    if (
        access_token is not None
        and at_hash is not None
        and not _matches(at_hash, access_token, header.alg)
    ):
        raise IdTokenError("at_hash_mismatch", "at_hash is not the access token's hash")
    if code is not None and c_hash is not None and not _matches(c_hash, code, header.alg):
        raise IdTokenError("c_hash_mismatch", "c_hash is not the authorization code's hash")
    if previous is not None:
        check_refreshed(claims, previous)
    return claims


def decode_claims(payload: bytes, *, alg: str, kid: str | None) -> IdTokenClaims:
    """Decode the payload part; raise ``malformed`` or ``missing_claim``."""
    extra: dict[str, Any] = {}
    try:
        raw = b64url_decode(payload)
        try:
            wire: _Wire = _decode_only(raw)
        except msgspec.ValidationError:  # other claims, or a wrong type: the full path decides
            wire = _decode_wire(raw)
            extra = {k: v for k, v in _decode_any(raw).items() if k not in _NAMED}
    except (ValueError, msgspec.DecodeError, RecursionError) as exc:
        where = str(exc).rpartition(" - at ")[2] if isinstance(exc, msgspec.ValidationError) else ""
        detail = f" ({where[:40]})" if where.startswith("$.") else ""
        raise IdTokenError("malformed", f"the claims are not a valid JSON object{detail}") from None
    iss, sub, aud, exp, iat = wire.iss, wire.sub, wire.aud, wire.exp, wire.iat
    if iss is None or sub is None or aud is None or exp is None or iat is None:
        missing = [
            n for n, v in zip(_REQUIRED, (iss, sub, aud, exp, iat), strict=True) if v is None
        ]
        raise IdTokenError("missing_claim", f"the ID token has no {', '.join(missing)}")
    return IdTokenClaims(
        iss=iss,
        sub=sub,
        aud=(aud,) if isinstance(aud, str) else aud,
        exp=exp,
        iat=iat,
        auth_time=wire.auth_time,
        nonce=wire.nonce,
        acr=wire.acr,
        amr=wire.amr or (),
        azp=wire.azp,
        at_hash=wire.at_hash,
        c_hash=wire.c_hash,
        sid=wire.sid,
        jti=wire.jti,
        extra=extra,
        alg=alg,
        kid=kid,
    )


def check_claims(
    claims: IdTokenClaims,
    *,
    client_id: str,
    issuer: str,
    now: float,
    nonce: str | None,
    max_age: float | None,
    leeway: float,
) -> None:
    """The time-independent and time-dependent claim checks of §3.1.3.7, in order."""
    if claims.iss != issuer:
        raise IdTokenError("iss_mismatch", "iss is not the discovered issuer")
    if client_id not in claims.aud:
        raise IdTokenError("aud_mismatch", "aud does not contain the client id")
    if claims.azp is not None:
        if claims.azp != client_id:
            raise IdTokenError("azp_mismatch", "azp is not the client id")
    elif len(claims.aud) > 1:
        raise IdTokenError("azp_mismatch", "several audiences and no azp")
    if claims.exp <= now - leeway:
        raise IdTokenError("expired", "the ID token has expired")
    if claims.iat > now + leeway:
        raise IdTokenError("iat_in_future", "the ID token was issued in the future")
    if nonce is not None and (claims.nonce is None or not same(claims.nonce, nonce)):
        raise IdTokenError("nonce_mismatch", "nonce is not the one sent")
    if max_age is not None:
        if claims.auth_time is None:
            raise IdTokenError("auth_time_missing", "max_age was asked and auth_time is absent")
        if claims.auth_time + max_age < now - leeway:
            raise IdTokenError("auth_time_too_old", "the authentication is older than max_age")


def check_refreshed(claims: IdTokenClaims, previous: IdTokenClaims) -> None:
    """OIDC Core §12.2: a refreshed ID token keeps ``iss``, ``sub`` and ``aud``."""
    if claims.iss != previous.iss:
        raise IdTokenError("iss_mismatch", "iss differs from the previous ID token's")
    if claims.sub != previous.sub:
        raise IdTokenError("sub_changed", "sub differs from the previous ID token's")
    if set(claims.aud) != set(previous.aud):
        raise IdTokenError("aud_mismatch", "aud differs from the previous ID token's")


def same(a: str, b: str) -> bool:
    """``a == b`` in constant time (imported on first use: hmac pulls in hashlib)."""
    from hmac import compare_digest

    return compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def half_hash(value: str, alg: str) -> str:
    """The ``at_hash``/``c_hash`` of ``value``: base64url of the left half of its hash."""
    import hashlib  # only when a hash claim is checked

    digest = hashlib.new(f"sha{hash_bits(alg)}", value.encode("ascii")).digest()
    return b64url_encode(digest[: len(digest) // 2])


def _matches(claimed: str, value: str, alg: str) -> bool:
    try:
        expected = half_hash(value, alg)
    except UnicodeEncodeError:
        return False
    return same(claimed, expected)
