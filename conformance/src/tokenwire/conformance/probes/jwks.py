"""Checks of a provider's key set, read from its ``jwks_uri`` (RFC 7517, OIDC Discovery §3).

Like the metadata checks they read the raw document: the core's parser refuses a set holding a
private key outright, and a probe must name the key and the member instead. No key material is
ever shown: a key is named by its position, ``kid``, ``kty`` and ``alg``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tokenwire.conformance.probes.issuer_model import JWKS, IssuerCheck, IssuerSeen
from tokenwire.conformance.probes.model import Finding, deviates, passed, warned
from tokenwire.core.oidc.jwk import PRIVATE_MEMBERS
from tokenwire.core.redact import scrub

__all__ = ["CHECKS", "ALG_KEY_TYPES"]

#: Which key type (and curve) each JWS ``alg`` needs (RFC 7518 §3.1, RFC 8037 §3.1).
ALG_KEY_TYPES: dict[str, tuple[str, str | None]] = {
    **{f"{p}{n}": ("RSA", None) for p in ("RS", "PS") for n in ("256", "384", "512")},
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", None),
    "Ed25519": ("OKP", "Ed25519"),
}


def _keys(seen: IssuerSeen) -> list[Any] | None:
    exchange = seen.exchanges.get(JWKS)
    data = None if exchange is None else exchange.json
    keys = None if data is None else data.get("keys")
    return keys if isinstance(keys, list) else None


def _needs_keys(seen: IssuerSeen) -> str | None:
    if JWKS not in seen.exchanges:
        return "the metadata names no usable jwks_uri"
    if _keys(seen) is None:
        return "the key set could not be read (see jwks.document)"
    return None


def _name(index: int, key: object) -> str:
    if not isinstance(key, dict):
        return f"key {index}"
    kid = key.get("kid")
    label = f"kid {scrub(kid, 40)!r}" if isinstance(kid, str) else "no kid"
    return f"key {index} ({label}, {scrub(str(key.get('kty')), 10)})"


def _document(seen: IssuerSeen) -> Finding:
    exchange = seen.exchanges[JWKS]
    if exchange.status != 200:
        return deviates(f"{exchange.describe()} for the jwks_uri")
    keys = _keys(seen)
    if keys is None:
        return deviates("not a JSON object with a 'keys' array")
    bad = [_name(i, k) for i, k in enumerate(keys) if not (isinstance(k, dict) and k.get("kty"))]
    if bad:
        return deviates(f"not a key object with kty: {', '.join(bad)}")
    if not keys:
        return deviates("the 'keys' array is empty")
    return passed(f"{len(keys)} key(s)")


def _no_private(seen: IssuerSeen) -> Finding:
    keys = _keys(seen) or []
    exposed = [
        f"{_name(i, k)} has {', '.join(sorted(PRIVATE_MEMBERS & k.keys()))}"
        for i, k in enumerate(keys)
        if isinstance(k, dict) and PRIVATE_MEMBERS & k.keys()
    ]
    if exposed:
        return deviates("private or symmetric key material published: " + "; ".join(exposed))
    return passed(f"{len(keys)} key(s), public members only")


def _unique_kids(seen: IssuerSeen) -> Finding:
    keys = [k for k in _keys(seen) or [] if isinstance(k, dict)]
    kids = Counter(
        (k.get("kid"), k.get("kty"), k.get("use")) for k in keys if isinstance(k.get("kid"), str)
    )
    twice = sorted({str(kid) for (kid, _, _), n in kids.items() if n > 1})
    if twice:
        listed = ", ".join(repr(scrub(kid, 40)) for kid in twice)
        return deviates(f"kid used by more than one key of the same type and use: {listed}")
    unnamed = sum(1 for k in keys if not isinstance(k.get("kid"), str))
    if unnamed and len(keys) > 1:
        return warned(f"{unnamed} of {len(keys)} keys have no kid: a client cannot pick one")
    return passed(f"{len(kids)} distinct kid(s)")


def _alg_use(seen: IssuerSeen) -> Finding:
    keys = [k for k in _keys(seen) or [] if isinstance(k, dict)]
    problems: list[str] = []
    for i, key in enumerate(keys):
        use, ops, alg = key.get("use"), key.get("key_ops"), key.get("alg")
        if use is not None and use not in ("sig", "enc"):
            problems.append(f"{_name(i, key)}: use {scrub(str(use), 20)!r}")
        if use == "sig" and isinstance(ops, list) and not {"verify", "sign"} & set(ops):
            problems.append(f"{_name(i, key)}: use sig but key_ops {ops!r}")
        wanted = ALG_KEY_TYPES.get(alg) if isinstance(alg, str) else None
        if wanted is not None and use != "enc":
            kty, crv = wanted
            if key.get("kty") != kty or (crv is not None and key.get("crv") != crv):
                problems.append(f"{_name(i, key)}: alg {alg} does not fit this key")
    uses = {k.get("use") for k in keys}
    if "enc" in uses and None in uses:
        problems.append("signing and encryption keys are published, but not every key has use")
    metadata = seen.metadata or {}
    algs = metadata.get("id_token_signing_alg_values_supported")
    if isinstance(algs, list):
        for alg in algs:
            wanted = ALG_KEY_TYPES.get(alg) if isinstance(alg, str) else None
            if wanted is None:
                continue  # none, HS*: no key of the set signs with them
            fits = [
                k
                for k in keys
                if k.get("kty") == wanted[0]
                and k.get("use", "sig") == "sig"
                and k.get("alg", alg) == alg
                and (wanted[1] is None or k.get("crv") == wanted[1])
            ]
            if not fits:
                problems.append(f"no signing key for {alg}, which the metadata lists")
    if problems:
        return deviates("; ".join(problems))
    return passed(f"{len(keys)} key(s): use, alg and key type agree")


CHECKS: tuple[IssuerCheck, ...] = (
    IssuerCheck(
        id="jwks.document",
        section="RFC 7517 §5, OIDC Discovery §3",
        level="MUST",
        title="the jwks_uri serves a JSON object whose keys array holds key objects",
        uses=(JWKS,),
        evaluate=_document,
        needs=lambda seen: None if JWKS in seen.exchanges else "the metadata names no jwks_uri",
    ),
    IssuerCheck(
        id="jwks.no-private-keys",
        section="RFC 7517 §9.2, OIDC Discovery §3",
        level="MUST",
        title="no key holds private or symmetric key material",
        uses=(JWKS,),
        evaluate=_no_private,
        needs=_needs_keys,
    ),
    IssuerCheck(
        id="jwks.unique-kid",
        section="RFC 7517 §4.5, OIDC Core §10.1",
        level="SHOULD",
        title="distinct keys have distinct kid values",
        uses=(JWKS,),
        evaluate=_unique_kids,
        needs=_needs_keys,
    ),
    IssuerCheck(
        id="jwks.alg-use",
        section="RFC 7517 §4.2-4.4, RFC 7518 §3.1, OIDC Discovery §3",
        level="MUST",
        title="use, key_ops and alg agree with each key, and each listed signing alg has a key",
        uses=(JWKS,),
        evaluate=_alg_use,
        needs=_needs_keys,
    ),
)
