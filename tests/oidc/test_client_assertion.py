"""Client assertions (RFC 7523 §2.2, OIDC Core §9), sans-IO: claims, keys, per-request signing.

Signatures are checked with joserfc, an independent JOSE implementation, so a key loaded wrongly
or an ECDSA signature left in DER would fail here and not only against a provider.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc import jws
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey

from tests.core.scripted_flow import FakeClock, json_reply, play
from tests.error_chain import shown
from tokenwire.core import (
    CLIENT_ASSERTION_TYPE,
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    HttpResponse,
    InvalidClient,
    Profile,
    client_assertion,
    prepare_token_request,
    sign_assertion,
    token_flow,
)
from tokenwire.core.flow import Send
from tokenwire.core.form import decode_form
from tokenwire.core.oidc._sign import _raw_ecdsa

# RFC 9864 deprecates the name "EdDSA" for "Ed25519"; providers still use it: both are tested.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

TOKEN_URL = "https://as.example.com/oauth/token"
ISSUER = "https://as.example.com"
PROFILE = Profile(token_url=TOKEN_URL, issuer=ISSUER)
SECRET = "a-client-secret-of-thirty-two-bytes-or-more"

Key = RSAKey | ECKey | OKPKey
KEYS: dict[str, Key] = {
    "RS256": RSAKey.generate_key(2048, private=True),
    "PS256": RSAKey.generate_key(2048, private=True),
    "ES256": ECKey.generate_key("P-256", private=True),
    "ES384": ECKey.generate_key("P-384", private=True),
    "ES512": ECKey.generate_key("P-521", private=True),  # a DER signature over 127 bytes
    "EdDSA": OKPKey.generate_key("Ed25519", private=True),
    "Ed25519": OKPKey.generate_key("Ed25519", private=True),
}


def jwk_text(key: Key, kid: str | None = None) -> str:
    member = dict(key.as_dict(private=True))
    if kid is not None:
        member["kid"] = kid
    return msgspec.json.encode(member).decode()


def verified(assertion: str, key: Key | OctKey, alg: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of ``assertion``, once joserfc has checked its signature."""
    compact = jws.deserialize_compact(assertion, key, algorithms=[alg])
    return compact.protected, msgspec.json.decode(compact.payload)


def fixed(value: float) -> Callable[[], float]:
    return lambda: value


def sent_assertion(body: bytes) -> str:
    return dict(decode_form(body))["client_assertion"]


@pytest.mark.parametrize("alg", sorted(KEYS))
@pytest.mark.parametrize("form", ["jwk", "pem"])
def test_private_key_jwt_signs_the_oidc_core_claims_with_a_jwk_or_pem_key(
    alg: str, form: str
) -> None:
    key = KEYS[alg]
    private = jwk_text(key) if form == "jwk" else key.as_pem(private=True).decode()
    auth = ClientAuth(
        "svc-1", method="private_key_jwt", private_key=private, signing_alg=alg, key_id="key-1"
    )
    assertion = client_assertion(auth, TOKEN_URL, now=1_700_000_000.7, jti="jti-1")
    header, claims = verified(assertion, key, alg)
    assert header == {"alg": alg, "typ": "JWT", "kid": "key-1"}
    assert claims == {
        "iss": "svc-1",
        "sub": "svc-1",
        "aud": TOKEN_URL,
        "jti": "jti-1",
        "iat": 1_700_000_000,
        "exp": 1_700_000_060,
    }


@pytest.mark.parametrize(
    ("key", "alg"), [(KEYS["RS256"], "RS256"), (KEYS["ES256"], "ES256"), (KEYS["EdDSA"], "EdDSA")]
)
def test_the_algorithm_follows_the_key_and_the_jwk_kid_is_sent(key: Key, alg: str) -> None:
    auth = ClientAuth("svc", method="private_key_jwt", private_key=jwk_text(key, kid="from-jwk"))
    header, _ = verified(client_assertion(auth, TOKEN_URL, now=0, jti="j"), key, alg)
    assert header["alg"] == alg
    assert header["kid"] == "from-jwk"


def test_client_secret_jwt_signs_hs256_with_the_client_secret() -> None:
    auth = ClientAuth("svc", SECRET, "client_secret_jwt")
    header, claims = verified(
        client_assertion(auth, TOKEN_URL, now=10, jti="j"), OctKey.import_key(SECRET), "HS256"
    )
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["iss"] == claims["sub"] == "svc"


def test_each_token_request_carries_a_new_assertion_signed_at_the_flows_clock() -> None:
    auth = ClientAuth("svc", SECRET, "client_secret_jwt")
    draws = iter([0.1, 0.2, 0.3, 0.4])
    bodies = []
    for now in (100.0, 200.0):
        flow = token_flow(
            PROFILE, auth, ClientCredentials(), clock=fixed(now), random=lambda: next(draws)
        )
        step = next(flow)
        assert isinstance(step, Send)
        bodies.append(step.request.body)
        flow.close()
    fields = [dict(decode_form(body)) for body in bodies]
    assert all(f["client_assertion_type"] == CLIENT_ASSERTION_TYPE for f in fields)
    assert all(f["client_id"] == "svc" and "client_secret" not in f for f in fields)
    claims = [
        verified(f["client_assertion"], OctKey.import_key(SECRET), "HS256")[1] for f in fields
    ]
    assert [c["iat"] for c in claims] == [100, 200]
    assert claims[0]["jti"] != claims[1]["jti"]


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_a_private_key_jwt_retry_after_a_429_carries_a_new_assertion_at_the_flows_clock(
    alg: str,
) -> None:
    key = KEYS[alg]
    auth = ClientAuth("svc", method="private_key_jwt", private_key=jwk_text(key), signing_alg=alg)
    clock = FakeClock(1_700_000_000.0)
    draws = iter(i / 100 for i in range(1, 100))
    flow = token_flow(PROFILE, auth, ClientCredentials(), clock=clock, random=lambda: next(draws))
    throttled = HttpResponse(status=429, headers=(("Retry-After", "9"),))
    played = play(
        flow, [throttled, json_reply(200, {"access_token": "AT", "token_type": "Bearer"})], clock
    )
    assert played.error is None
    first, second = (verified(sent_assertion(r.body), key, alg)[1] for _, r in played.sent)
    assert first["jti"] != second["jti"]
    assert [first["iat"], second["iat"]] == [1_700_000_000, 1_700_000_009]


def test_a_profile_may_ask_for_the_issuer_as_the_audience() -> None:
    auth = ClientAuth("svc", SECRET, "client_secret_jwt")
    profile = msgspec.structs.replace(PROFILE, client_assertion_audience="issuer")
    assertion = sign_assertion(profile, auth, clock=lambda: 1.0, random=lambda: 0.5)
    assert assertion is not None
    _, claims = verified(assertion, OctKey.import_key(SECRET), "HS256")
    assert claims["aud"] == ISSUER
    no_issuer = Profile(token_url=TOKEN_URL, client_assertion_audience="issuer")
    with pytest.raises(ConfigurationError, match="no issuer"):
        sign_assertion(no_issuer, auth, clock=lambda: 1.0, random=lambda: 0.5)


def test_a_jwt_client_request_without_an_assertion_is_a_configuration_error() -> None:
    auth = ClientAuth("svc", SECRET, "client_secret_jwt")
    with pytest.raises(ConfigurationError, match="signed for each request"):
        prepare_token_request(PROFILE, auth, ClientCredentials())
    with pytest.raises(ConfigurationError, match="sends no client assertion"):
        prepare_token_request(
            PROFILE, ClientAuth("svc", SECRET), ClientCredentials(), assertion="a.b.c"
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "private_key_jwt"}, "needs a private_key"),
        ({"method": "private_key_jwt", "private_key": "not a key"}, "neither a JWK nor"),
        (
            {"method": "private_key_jwt", "private_key": '{"kty": "RSA", "n": "AQAB"}'},
            "not a complete",
        ),
        (
            {
                "method": "private_key_jwt",
                "private_key": jwk_text(KEYS["ES256"]),
                "signing_alg": "RS256",
            },
            "signs ES256",
        ),
        (
            {
                "method": "private_key_jwt",
                "private_key": jwk_text(KEYS["RS256"]),
                "signing_alg": "ES256",
            },
            "RSA key cannot sign",
        ),
        (
            {"method": "client_secret_jwt", "client_secret": SECRET, "signing_alg": "RS256"},
            "client_secret_jwt signs with",
        ),
        (
            {
                "method": "client_secret_post",
                "client_secret": SECRET,
                "private_key": jwk_text(KEYS["EdDSA"]),
            },
            "signs nothing",
        ),
        (
            {
                "method": "private_key_jwt",
                "client_secret": SECRET,
                "private_key": jwk_text(KEYS["EdDSA"]),
            },
            "sends no secret",
        ),
        ({"method": "tls_client_auth", "client_secret": SECRET}, "sends no secret"),
    ],
)
def test_a_bad_signing_setup_fails_at_construction_without_showing_the_key(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        ClientAuth("svc", **kwargs)
    text = shown(caught.value)
    for secret in (kwargs.get("private_key"), kwargs.get("client_secret")):
        if secret and len(secret) > 12:
            assert secret not in text
    if "private_key" in kwargs and kwargs["private_key"].startswith("{"):
        d = msgspec.json.decode(kwargs["private_key"]).get("d")
        assert d is None or d not in text


def test_the_private_key_never_appears_in_a_repr() -> None:
    private = jwk_text(KEYS["EdDSA"])
    auth = ClientAuth("svc", method="private_key_jwt", private_key=private)
    d = msgspec.json.decode(private)["d"]
    for text in (repr(auth), str(auth), repr(auth.signer)):
        assert d not in text
        assert private not in text
    assert "private_key='<redacted>'" in repr(auth)


def test_an_assertion_echoed_in_an_error_body_is_not_shown() -> None:
    auth = ClientAuth("svc", method="private_key_jwt", private_key=jwk_text(KEYS["ES256"]))
    flow = token_flow(PROFILE, auth, ClientCredentials(), clock=lambda: 5.0, random=lambda: 0.5)
    step = next(flow)
    assert isinstance(step, Send)
    assertion = sent_assertion(step.request.body)
    body = msgspec.json.encode(
        {"error": "invalid_client", "error_description": f"rejected assertion {assertion}"}
    )
    with pytest.raises(InvalidClient) as caught:
        flow.send(HttpResponse(status=401, headers=(), body=body))
    text = shown(caught.value)
    for part in (assertion, *assertion.split(".")):
        assert part not in text


def test_private_key_jwt_without_the_oidc_extra_names_the_install_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "tokenwire.core.oidc._sign", None)
    with pytest.raises(ConfigurationError, match=r"tokenwire-core\[oidc\]"):
        ClientAuth("svc", method="private_key_jwt", private_key=jwk_text(KEYS["EdDSA"]))


@pytest.mark.parametrize("method", ["tls_client_auth", "self_signed_tls_client_auth"])
def test_mtls_methods_send_the_client_id_alone_in_the_body(method: str) -> None:
    auth = ClientAuth("svc", method=method)  # type: ignore[arg-type]
    request = prepare_token_request(PROFILE, auth, ClientCredentials())
    assert decode_form(request.body)[0] == ("client_id", "svc")
    assert "client_secret" not in dict(decode_form(request.body))
    assert all(name.lower() != "authorization" for name, _ in request.headers)


@pytest.mark.parametrize(
    ("curve", "size"), [(ec.SECP256R1(), 32), (ec.SECP384R1(), 48), (ec.SECP521R1(), 66)]
)
def test_ecdsa_signatures_become_fixed_size_r_and_s_whatever_their_der_shape(
    curve: ec.EllipticCurve, size: int
) -> None:
    # 400 signatures meet both DER shapes of an integer (a 0x00 sign byte about half the time, a
    # shorter r or s about once in 128) and, for P-521, the long-form sequence length.
    key = ec.generate_private_key(curve)
    for i in range(400):
        der = key.sign(i.to_bytes(2, "big"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        assert _raw_ecdsa(der, size) == r.to_bytes(size, "big") + s.to_bytes(size, "big")
