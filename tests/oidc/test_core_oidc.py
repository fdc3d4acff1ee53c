"""The sans-IO OIDC core on its own: discovery documents, key sets, userinfo, the optional extra.

Tokens are signed with the conformance reference provider's keys (authlib's JOSE parts), so the
core is checked against an independent implementation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib import resources
from typing import Any

import pytest

from tokenwire.adapters.profiles import tencent_ciam
from tokenwire.conformance.reference.idtokens import new_key, sign
from tokenwire.core import (
    ConfigurationError,
    DiscoveryError,
    HttpResponse,
    IdTokenError,
    JwksError,
    UserinfoError,
    discovery_request,
    parse_jwks,
    parse_provider_metadata,
    parse_userinfo,
    profile_from_metadata,
    userinfo_request,
    validate_id_token,
)
from tokenwire.core.oidc import discovery_url, parse_jwks_json

ISSUER = "https://op.example.com"


def response(
    document: object, status: int = 200, content_type: str = "application/json"
) -> HttpResponse:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return HttpResponse(status=status, headers=(("Content-Type", content_type),), body=body)


def metadata(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "issuer": ISSUER,
        "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": f"{ISSUER}/jwks",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "frontchannel_logout_supported": True,
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


# --- discovery --------------------------------------------------------------------------------


def test_discovery_urls_follow_oidc_discovery_and_rfc_8414() -> None:
    assert discovery_request(ISSUER + "/").url == f"{ISSUER}/.well-known/openid-configuration"
    assert discovery_url(f"{ISSUER}/tenant", "openid") == (
        f"{ISSUER}/tenant/.well-known/openid-configuration"
    )
    assert discovery_url(f"{ISSUER}/tenant", "oauth") == (
        f"{ISSUER}/.well-known/oauth-authorization-server/tenant"
    )
    with pytest.raises(ConfigurationError):
        discovery_request("http://op.example.com")


def test_claims_beyond_the_named_ones_are_kept_in_extra() -> None:
    key = new_key("RS256", "r")
    keys = parse_jwks_json({"keys": [key.public_jwk()]})
    claims = {"iss": ISSUER, "sub": "u", "aud": "c", "exp": 2000, "iat": 1000, "email": "u@x"}
    verified = validate_id_token(
        sign(claims, key=key), keys=keys, client_id="c", issuer=ISSUER, now=1500
    )
    assert verified.extra == {"email": "u@x"}
    assert "u@x" not in repr(verified)


def test_a_claim_of_the_wrong_type_is_malformed() -> None:
    key = new_key("RS256", "r")
    keys = parse_jwks_json({"keys": [key.public_jwk()]})
    claims = {"iss": ISSUER, "sub": "u", "aud": "c", "exp": "tomorrow", "iat": 1000}
    with pytest.raises(IdTokenError) as caught:
        validate_id_token(sign(claims, key=key), keys=keys, client_id="c", issuer=ISSUER, now=1500)
    assert caught.value.reason == "malformed"


def test_metadata_is_parsed_with_unknown_members_kept_in_extra() -> None:
    parsed = parse_provider_metadata(response(metadata()), issuer=ISSUER)
    assert parsed.id_token_algs == ("RS256", "ES256")
    assert parsed.extra == {"frontchannel_logout_supported": True}


def test_the_issuer_must_equal_the_one_asked_for_exactly() -> None:
    with pytest.raises(DiscoveryError):
        parse_provider_metadata(response(metadata()), issuer=ISSUER + "/")


@pytest.mark.parametrize(
    "document",
    [
        metadata(jwks_uri=42),
        metadata(token_endpoint="http://op.example.com/token"),
        metadata(userinfo_endpoint="https://user:pw@op.example.com/u"),
        {"no": "issuer"},
        [1, 2],
        b"<html>502 Bad Gateway</html>",
    ],
)
def test_a_malformed_metadata_document_is_a_discovery_error(document: object) -> None:
    with pytest.raises(DiscoveryError):
        parse_provider_metadata(response(document), issuer=ISSUER)


def test_a_named_profile_built_from_discovery_keeps_its_quirks() -> None:
    base = tencent_ciam("tenant.portal.tencentciam.com")
    assert base.issuer == "https://tenant.portal.tencentciam.com"
    document = metadata(
        issuer=base.issuer, token_endpoint=f"{base.issuer}/oauth2/token", jwks_uri=None
    )
    profile = profile_from_metadata(
        parse_provider_metadata(response(document), issuer=base.issuer), base
    )
    assert profile.bodiless_401_is_invalid_client
    assert (profile.name, profile.jwks_url) == ("tencent-ciam", f"{base.issuer}/oauth2/jwks")


# --- key sets ---------------------------------------------------------------------------------


def test_unusable_keys_are_skipped_without_failing_the_set() -> None:
    rsa = new_key("RS256", "r").public_jwk()
    document = {
        "keys": [
            rsa,
            {**new_key("RS256", "enc").public_jwk(), "use": "enc"},
            {"kty": "XYZ", "kid": "future"},
            {"kty": "OKP", "crv": "X25519", "x": "AAAA"},
            {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},
        ]
    }
    keys = parse_jwks(response(document))
    assert (keys.kids(), keys.skipped) == (frozenset({"r"}), 4)


@pytest.mark.parametrize("member", ["d", "p", "k"])
def test_a_set_publishing_private_key_material_is_refused(member: str) -> None:
    with pytest.raises(JwksError):
        parse_jwks_json({"keys": [{**new_key("RS256", "r").public_jwk(), member: "AQAB"}]})


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"keys": {}}', b'{"keys": [1]}'])
def test_a_malformed_key_set_is_a_jwks_error(body: bytes) -> None:
    with pytest.raises(JwksError):
        parse_jwks(response(body))


# --- signatures across algorithms -------------------------------------------------------------


@pytest.mark.parametrize(
    "alg",
    [
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
        "Ed25519",
    ],
)
def test_every_supported_algorithm_verifies_and_hashes_claims_with_its_own_hash(alg: str) -> None:
    from tokenwire.conformance.reference.idtokens import half_hash

    key = new_key(alg, "k")
    keys = parse_jwks_json({"keys": [key.public_jwk()]})
    claims = {"iss": ISSUER, "sub": "u", "aud": "c", "exp": 2000, "iat": 1000,
              "at_hash": half_hash("access", alg), "c_hash": half_hash("code", alg)}  # fmt: skip
    token = sign(claims, key=key)
    verified = validate_id_token(
        token, keys=keys, client_id="c", issuer=ISSUER, now=1500, algs=[alg],
        access_token="access", code="code",
    )  # fmt: skip
    assert verified.alg == alg
    with pytest.raises(IdTokenError) as caught:
        validate_id_token(
            token,
            keys=keys,
            client_id="c",
            issuer=ISSUER,
            now=1500,
            algs=["RS256"] if alg != "RS256" else ["ES256"],
        )
    assert caught.value.reason == "alg_not_allowed"


def test_an_allow_list_given_as_one_string_is_refused_not_searched() -> None:
    key = new_key("RS256", "r")
    keys = parse_jwks_json({"keys": [key.public_jwk()]})
    token = sign({"iss": ISSUER, "sub": "u", "aud": "c", "exp": 2000, "iat": 1000}, key=key)
    with pytest.raises(ConfigurationError):
        validate_id_token(token, keys=keys, client_id="c", issuer=ISSUER, now=1500, algs="RS256")


def test_an_ed25519_key_declaring_eddsa_verifies_an_ed25519_header() -> None:
    key = new_key("EdDSA", "e")
    keys = parse_jwks_json({"keys": [key.public_jwk()]})
    token = sign(
        {"iss": ISSUER, "sub": "u", "aud": "c", "exp": 2000, "iat": 1000}, key=key, alg="Ed25519"
    )
    assert (
        validate_id_token(
            token, keys=keys, client_id="c", issuer=ISSUER, now=1500, algs=["Ed25519"]
        ).alg
        == "Ed25519"
    )


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d.e",
        "é.b.c",
        "e30.e30.",
        "eyJhbGciOiJSUzI1NiJ9.!!!.AAAA",
        "eyJhbGciOjF9.e30.AAAA",
    ],
)
def test_garbage_is_malformed_never_a_crash(token: str) -> None:
    keys = parse_jwks_json({"keys": [new_key("RS256", "r").public_jwk()]})
    with pytest.raises(IdTokenError) as caught:
        validate_id_token(token, keys=keys, client_id="c", issuer=ISSUER, now=0)
    assert caught.value.reason in ("malformed", "bad_signature")


# --- the Tencent CIAM seed --------------------------------------------------------------------


def seed_vector() -> dict[str, Any]:
    path = (
        resources.files("tokenwire.conformance") / "oidc_vectors" / "tencent-ciam-id-token-001.json"
    )
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_the_seed_id_token_shape_signed_by_a_test_key_verifies_with_the_tencent_profile() -> None:
    vector = seed_vector()
    profile = tencent_ciam(vector["domain"])
    key = new_key("RS256", vector["header"]["kid"])
    token = sign(vector["claims"], key=key, header=vector["header"])
    keys = parse_jwks_json({"keys": [key.public_jwk()]})
    assert profile.issuer is not None
    claims = validate_id_token(
        token, keys=keys, client_id=vector["client_id"], issuer=profile.issuer, now=vector["now"]
    )
    assert (claims.sub, claims.azp, claims.jti) == (
        "MOCK_USERNAME", "TENANT_CLIENT_ID", vector["claims"]["jti"],
    )  # fmt: skip


@pytest.mark.parametrize("kid", ["d49bc505-5572-4ed6-9e48-388c3d44bb46", "another-kid"])
def test_the_seeds_own_id_token_fails_with_unknown_kid_or_bad_signature(kid: str) -> None:
    vector = seed_vector()
    keys = parse_jwks_json({"keys": [new_key("RS256", kid).public_jwk()]})
    with pytest.raises(IdTokenError) as caught:
        validate_id_token(
            vector["seed_id_token"], keys=keys, client_id=vector["client_id"],
            issuer=tencent_ciam(vector["domain"]).issuer or "", now=vector["now"],
        )  # fmt: skip
    assert caught.value.reason in vector["outcome"]["seed_token"]
    assert vector["seed_id_token"][:40] not in str(caught.value)


# --- userinfo ---------------------------------------------------------------------------------


def test_the_userinfo_request_carries_the_access_token_as_bearer() -> None:
    request = userinfo_request(f"{ISSUER}/userinfo", "at-123")
    assert (request.method, request.header("authorization")) == ("GET", "Bearer at-123")
    assert "at-123" not in repr(request)


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (response({"sub": "someone-else"}), "sub_mismatch"),
        (response({"name": "no sub"}), "missing_sub"),
        (response(b"<html>"), "malformed"),
        (response({"error": "invalid_token"}, 401), "error_status"),
    ],
)
def test_a_bad_userinfo_response_is_a_userinfo_error(reply: HttpResponse, reason: str) -> None:
    with pytest.raises(UserinfoError) as caught:
        parse_userinfo(reply, expected_sub="u")
    assert caught.value.reason == reason


def test_a_signed_userinfo_response_is_verified_like_an_id_token() -> None:
    key = new_key("RS256", "r")
    keys = parse_jwks_json({"keys": [key.public_jwk()]})
    body = sign({"sub": "u", "iss": ISSUER, "aud": "c"}, key=key).encode()
    info = parse_userinfo(
        response(body, content_type="application/jwt"), expected_sub="u", keys=keys,
        issuer=ISSUER, client_id="c",
    )  # fmt: skip
    assert (info.sub, info.signed) == ("u", True)
    forged = sign({"sub": "u"}, key=new_key("RS256", "r")).encode()
    with pytest.raises(UserinfoError) as caught:
        parse_userinfo(
            response(forged, content_type="application/jwt"),
            keys=keys,
            issuer=ISSUER,
            client_id="c",
        )
    assert (caught.value.reason, caught.value.detail) == ("signature", "bad_signature")


# --- the optional extra -----------------------------------------------------------------------


def test_the_core_imports_without_cryptography_and_a_verify_says_how_to_install_it() -> None:
    key = new_key("RS256", "r")
    token = sign({"iss": ISSUER, "sub": "u", "aud": "c", "exp": 2000, "iat": 1000}, key=key)
    jwks = json.dumps({"keys": [key.public_jwk()]})
    script = textwrap.dedent(
        f"""
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "cryptography" or name.startswith("cryptography."):
                    raise ImportError("blocked for the test")
                return None

        sys.meta_path.insert(0, Block())
        import json
        import tokenwire.core
        from tokenwire.core import ConfigurationError, validate_id_token
        from tokenwire.core.oidc import parse_jwks_json
        keys = parse_jwks_json(json.loads({jwks!r}))
        try:
            validate_id_token({token!r}, keys=keys, client_id="c", issuer={ISSUER!r}, now=1500)
        except ConfigurationError as exc:
            print("ConfigurationError:", exc)
        assert "cryptography" not in sys.modules
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert 'pip install "tokenwire-core[oidc]"' in result.stdout
