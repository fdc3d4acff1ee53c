"""OIDC benchmark: verify an ID token with a cached key set, side by side with joserfc and PyJWT.

Run by hand, on a quiet machine: ``uv run python -m tests.benchmarks.bench_oidc``.

Every contender does the whole job of a relying party handed an ID token, with the provider's key
set already cached: check the signature with the key the token's ``kid`` names, then the claims
(``iss``, ``aud``, ``exp``, ``iat``, ``sub`` present, ``nonce``). The keys and tokens come from the
loopback OIDC reference provider; each library reads the key set once over HTTP, as it would in an
application, and every timed call after that is pure CPU.

- **tokenwire**: ``Provider.verify_id_token(token, client_id=..., nonce=...)`` (discovered once,
  JWKS cached);
- **joserfc** (authlib's JOSE library): ``jwt.decode(token, key_set, algorithms=[alg])`` +
  ``JWTClaimsRegistry(...).validate(claims)`` with a ``KeySet`` imported once;
- **PyJWT**: ``PyJWKClient(jwks_uri).get_signing_key_from_jwt(token)`` (cached) +
  ``jwt.decode(token, key, algorithms=[alg], audience=..., issuer=..., options={"require": ...})``
  and the nonce compared;
- **floor**: the bare ``cryptography`` verify of the same token (split, base64url-decode the
  signature, ``public_key.verify``), the key object built once: no header, no claims.

Acceptance (issue 10): for RS256, tokenwire at least 1.5x faster than the fastest peer and within
1.3x of the floor; for ES256 and EdDSA within 1.3x of the floor. Exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
import uuid
import warnings
from collections.abc import Callable
from importlib import metadata
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from tests.benchmarks.bench_core import Timing, machine, measure
from tokenwire.adapters.oidc import Provider
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.reference.oidc_provider import OIDC_CLIENT_ID, OidcReferenceProvider

ALGS = ("RS256", "ES256", "EdDSA")
NONCE = "n-0S6_WzA2Mj"
TOKENWIRE = "tokenwire"
JOSERFC = "joserfc"
PYJWT = "PyJWT"
FLOOR = "floor (cryptography verify only)"
MIN_SPEEDUP = 1.5
MAX_FLOOR_RATIO = 1.3

Verify = Callable[[], str]


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def floor_call(token: str, public: Any, alg: str) -> Verify:
    """The bare signature check of ``token``; returns the payload part, decoded nothing else."""
    if alg == "RS256":
        pad, digest = padding.PKCS1v15(), hashes.SHA256()

        def verify_rsa() -> str:
            signed, _, signature = token.rpartition(".")
            public.verify(_b64(signature), signed.encode(), pad, digest)
            return signed

        return verify_rsa
    if alg == "ES256":
        ecdsa = ec.ECDSA(hashes.SHA256())

        def verify_ec() -> str:
            signed, _, signature = token.rpartition(".")
            raw = _b64(signature)
            der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
            public.verify(der, signed.encode(), ecdsa)
            return signed

        return verify_ec

    def verify_ed() -> str:
        signed, _, signature = token.rpartition(".")
        public.verify(_b64(signature), signed.encode())
        return signed

    return verify_ed


def build_calls(op: OidcReferenceProvider, alg: str) -> tuple[dict[str, Verify], Provider]:
    """Every contender verifying one ``alg`` token from ``op``; each returns the token's ``sub``."""
    key = next(k for k in op.published if k.alg == alg)
    # The seed's claim set (Tencent CIAM: sub, aud, azp, iss, exp, iat, jti) plus auth_time and a
    # nonce, as a login's ID token has them.
    claims = op.claims(
        nonce=NONCE, azp=OIDC_CLIENT_ID, jti=str(uuid.uuid4()), exp=int(time.time()) + 86400
    )
    token = op.id_token(claims, key=key)
    issuer = op.issuer
    provider = Provider.discover(issuer, transport=StdlibTransport())

    def tokenwire() -> str:
        return provider.verify_id_token(token, client_id=OIDC_CLIENT_ID, nonce=NONCE).sub

    key_set = KeySet.import_key_set(op.jwks())  # type: ignore[arg-type]
    registry = jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": OIDC_CLIENT_ID},
        sub={"essential": True},
        iat={"essential": True},
        exp={"essential": True},
        nonce={"essential": True, "value": NONCE},
    )

    def joserfc() -> str:
        decoded = jose_jwt.decode(token, key_set, algorithms=[alg])
        registry.validate(decoded.claims)
        sub: str = decoded.claims["sub"]
        return sub

    client = pyjwt.PyJWKClient(f"{issuer}/jwks", cache_keys=True)
    required = {"require": ["exp", "iat", "iss", "sub", "aud"]}

    def pyjwt_call() -> str:
        signing = client.get_signing_key_from_jwt(token)
        claims = pyjwt.decode(
            token, signing.key, algorithms=[alg], audience=OIDC_CLIENT_ID, issuer=issuer,
            options=required,  # type: ignore[arg-type]
        )  # fmt: skip
        if claims.get("nonce") != NONCE:
            raise ValueError("nonce")
        sub: str = claims["sub"]
        return sub

    public = key.key.get_op_key("verify")
    assert isinstance(
        public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
    )
    return {
        TOKENWIRE: tokenwire,
        JOSERFC: joserfc,
        PYJWT: pyjwt_call,
        FLOOR: floor_call(token, public, alg),
    }, provider


def check_results(calls: dict[str, Verify], sub: str) -> list[str]:
    """Every contender must verify the token (the floor returns its signed part instead)."""
    problems = []
    for name, call in calls.items():
        result = call()
        if name != FLOOR and result != sub:
            problems.append(f"{name}: returned {result!r}, not the token's sub")
    return problems


def report(alg: str, timings: list[Timing]) -> tuple[list[str], bool]:
    by_name = {t.name: t.median for t in timings}
    ours = by_name[TOKENWIRE]
    lines = [
        f"### {alg}",
        "",
        "| contender | µs/call (median) | µs/call (best) | ratio vs tokenwire |",
        "|---|---:|---:|---:|",
    ]
    for timing in timings:
        lines.append(
            f"| {timing.name} | {timing.median:.2f} | {timing.best:.2f} | "
            f"{timing.median / ours:.2f}x |"
        )
    fastest_peer = min(by_name[JOSERFC], by_name[PYJWT])
    floor_ratio = ours / by_name[FLOOR]
    ok = floor_ratio <= MAX_FLOOR_RATIO
    lines += ["", f"- tokenwire ÷ floor: {floor_ratio:.2f}x (≤ {MAX_FLOOR_RATIO}x: "
              f"{'PASS' if ok else 'FAIL'})"]  # fmt: skip
    if alg == "RS256":
        speedup = fastest_peer / ours
        fast = speedup >= MIN_SPEEDUP
        ok = ok and fast
        lines.append(
            f"- fastest peer ÷ tokenwire: {speedup:.2f}x (≥ {MIN_SPEEDUP}x: "
            f"{'PASS' if fast else 'FAIL'})"
        )
    return [*lines, ""], ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=0.05)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # joserfc: "EdDSA is deprecated via RFC 9864"
    versions = ", ".join(f"{d} {metadata.version(d)}" for d in ("cryptography", "joserfc", "pyjwt"))
    print("\n".join([*machine(), f"Also: {versions}", ""]))
    ok = True
    with OidcReferenceProvider(ALGS) as op:
        for alg in ALGS:
            calls, provider = build_calls(op, alg)
            with provider:
                problems = check_results(calls, "tw-oidc-user")
                if problems:
                    print("\n".join(problems))
                    return 1
                timings = measure(calls, repeats=args.repeats, seconds=args.seconds)  # type: ignore[arg-type]
            lines, passed = report(alg, timings)
            ok = ok and passed
            print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
