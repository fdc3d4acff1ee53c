"""``authorization_url`` (state, nonce, PKCE S256) and ``parse_callback`` (RFC 6749 §4.1, 9207)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from tokenwire.core import (
    AccessDenied,
    AuthorizationCode,
    ConfigurationError,
    InvalidScope,
    IssuerMismatch,
    OAuthError,
    Profile,
    ProtocolError,
    StateMismatch,
    authorization_url,
    code_challenge,
    new_code_verifier,
    parse_callback,
)

ISSUER = "https://as.example.com"
PROFILE = Profile(
    token_url=f"{ISSUER}/token", authorization_url=f"{ISSUER}/authorize", issuer=ISSUER
)
REDIRECT = "https://app.example/cb"
VERIFIER_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def counting_randbytes() -> tuple[Callable[[int], bytes], list[int]]:
    """A deterministic randomness source that records what was asked of it."""
    counter = itertools.count(1)
    asked: list[int] = []

    def randbytes(n: int) -> bytes:
        asked.append(n)
        seed = next(counter)
        return bytes((seed * 37 + i) % 256 for i in range(n))

    return randbytes, asked


def query(url: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(url).query, strict_parsing=True)
    assert all(len(v) == 1 for v in parsed.values()), "no parameter is repeated"
    return {k: v[0] for k, v in parsed.items()}


def test_rfc7636_appendix_b_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    appendix_b_octets = bytes(
        [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
         22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121]
    )  # fmt: skip
    assert new_code_verifier(lambda n: appendix_b_octets[:n]) == verifier


def test_authorization_url_carries_state_nonce_and_s256_challenge() -> None:
    randbytes, asked = counting_randbytes()
    request = authorization_url(
        PROFILE, "client id", REDIRECT, scope=["openid", "profile"], nonce=True, randbytes=randbytes
    )
    assert request.url.startswith(f"{ISSUER}/authorize?")
    params = query(request.url)
    assert params["response_type"] == "code"
    assert params["client_id"] == "client id"
    assert params["redirect_uri"] == REDIRECT
    assert params["scope"] == "openid profile"
    assert params["state"] == request.state
    assert params["nonce"] == request.nonce
    assert request.state != request.nonce
    assert len(request.state) >= 22
    assert request.nonce is not None
    assert len(request.nonce) >= 22
    assert params["code_challenge_method"] == "S256"
    verifier = request.code_verifier
    assert verifier is not None
    assert params["code_challenge"] == code_challenge(verifier)
    assert verifier not in request.url
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= VERIFIER_CHARS
    assert asked == [24, 24, 32], "state, nonce and verifier all come from the injected source"
    assert request.grant("CODE") == AuthorizationCode("CODE", REDIRECT, verifier)


def test_default_randomness_gives_distinct_values_each_time() -> None:
    first = authorization_url(PROFILE, "c", REDIRECT, nonce=True)
    second = authorization_url(PROFILE, "c", REDIRECT, nonce=True)
    assert len({first.state, first.nonce, second.state, second.nonce}) == 4
    assert first.code_verifier != second.code_verifier


def test_without_pkce_and_nonce() -> None:
    request = authorization_url(PROFILE, "c", REDIRECT, pkce=False, extra=[("prompt", "login")])
    params = query(request.url)
    assert "code_challenge" not in params
    assert "nonce" not in params
    assert request.code_verifier is None
    assert params["prompt"] == "login"


def test_authorization_endpoint_with_a_query_keeps_it() -> None:
    profile = Profile(token_url=f"{ISSUER}/token", authorization_url=f"{ISSUER}/auth?tenant=t1")
    params = query(authorization_url(profile, "c", REDIRECT).url)
    assert params["tenant"] == "t1"
    assert params["response_type"] == "code"


def test_profile_without_authorization_endpoint() -> None:
    with pytest.raises(ConfigurationError, match="no authorization endpoint"):
        authorization_url(Profile(token_url=f"{ISSUER}/token"), "c", REDIRECT)


@pytest.mark.parametrize("nbytes", [32, 64, 96])
def test_verifier_length_bounds(nbytes: int) -> None:
    randbytes, _ = counting_randbytes()
    verifier = new_code_verifier(randbytes, nbytes)
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= VERIFIER_CHARS


@pytest.mark.parametrize("nbytes", [0, 16, 31, 97])
def test_verifier_length_out_of_bounds(nbytes: int) -> None:
    with pytest.raises(ConfigurationError):
        new_code_verifier(nbytes=nbytes)


@pytest.mark.parametrize("verifier", ["a" * 42, "a" * 129, "a" * 42 + "+", "a" * 42 + " "])
def test_challenge_refuses_bad_verifiers(verifier: str) -> None:
    with pytest.raises(ConfigurationError):
        code_challenge(verifier)


@pytest.mark.parametrize(
    "callback",
    [
        f"{REDIRECT}?code=C0DE&state=S",
        f"{REDIRECT}#code=C0DE&state=S",
        f"{REDIRECT}?x=1#code=C0DE&state=S",
        "/cb?code=C0DE&state=S",
        "?code=C0DE&state=S",
        "#code=C0DE&state=S",
        "code=C0DE&state=S",
        {"code": "C0DE", "state": "S"},
    ],
)
def test_callback_forms(callback: str | dict[str, str]) -> None:
    result = parse_callback(callback, expected_state="S")
    assert result.code == "C0DE"
    assert result.state == "S"
    assert result.iss is None


def test_callback_values_are_percent_decoded() -> None:
    result = parse_callback(f"{REDIRECT}?code=a%2Bb+c&state=s%3D1", expected_state="s=1")
    assert result.code == "a+b c"


@pytest.mark.parametrize(
    "callback",
    [
        f"{REDIRECT}?code=C&state=T",
        f"{REDIRECT}?code=C",
        f"{REDIRECT}?code=C&state=",
        f"{REDIRECT}?code=C&state=s",
        f"{REDIRECT}?error=access_denied&state=T",
    ],
)
def test_state_mismatch(callback: str) -> None:
    with pytest.raises(StateMismatch):
        parse_callback(callback, expected_state="S")


def test_issuer_is_checked_when_sent() -> None:
    good = parse_callback(
        f"{REDIRECT}?code=C&state=S&iss={ISSUER}", expected_state="S", issuer=ISSUER
    )
    assert good.iss == ISSUER
    with pytest.raises(IssuerMismatch):
        parse_callback(
            f"{REDIRECT}?code=C&state=S&iss=https://evil.example",
            expected_state="S",
            issuer=ISSUER,
        )
    with pytest.raises(IssuerMismatch):  # RFC 9207 §2.4: checked before the error is trusted
        parse_callback(
            f"{REDIRECT}?error=access_denied&state=S&iss=https://evil.example",
            expected_state="S",
            issuer=ISSUER,
        )
    # not sent: nothing to compare (a server without RFC 9207 support)
    assert (
        parse_callback(f"{REDIRECT}?code=C&state=S", expected_state="S", issuer=ISSUER).iss is None
    )


def test_a_callback_without_iss_is_refused_when_the_provider_advertises_rfc_9207() -> None:
    for callback in (f"{REDIRECT}?code=C&state=S", f"{REDIRECT}?error=access_denied&state=S"):
        with pytest.raises(IssuerMismatch, match="no iss"):
            parse_callback(callback, expected_state="S", issuer=ISSUER, require_iss=True)
    sent = parse_callback(
        f"{REDIRECT}?code=C&state=S&iss={ISSUER}",
        expected_state="S",
        issuer=ISSUER,
        require_iss=True,
    )
    assert sent.iss == ISSUER
    with pytest.raises(ConfigurationError, match="expected issuer"):
        parse_callback(f"{REDIRECT}?code=C&state=S", expected_state="S", require_iss=True)


def test_error_callback_becomes_its_typed_error() -> None:
    with pytest.raises(AccessDenied) as info:
        parse_callback(
            f"{REDIRECT}?error=access_denied&error_description=The+user+said+no&state=S",
            expected_state="S",
        )
    assert info.value.error == "access_denied"
    assert info.value.description == "The user said no"
    with pytest.raises(InvalidScope):
        parse_callback("?error=invalid_scope&state=S", expected_state="S")
    with pytest.raises(OAuthError) as other:
        parse_callback("?error=login_required&state=S", expected_state="S")
    assert type(other.value) is OAuthError
    assert other.value.error == "login_required"


@pytest.mark.parametrize(
    "callback",
    [
        f"{REDIRECT}?code=A&code=B&state=S",
        f"{REDIRECT}?code=A&state=S&state=S",
        f"{REDIRECT}?code=A&state=S#code=B",
    ],
)
def test_duplicate_parameters_are_a_protocol_error(callback: str) -> None:
    with pytest.raises(ProtocolError, match="repeats"):
        parse_callback(callback, expected_state="S")


@pytest.mark.parametrize("callback", [f"{REDIRECT}?state=S", f"{REDIRECT}?code=&state=S"])
def test_missing_code_is_a_protocol_error(callback: str) -> None:
    with pytest.raises(ProtocolError, match="neither code nor error") as info:
        parse_callback(callback, expected_state="S")
    assert not isinstance(info.value, StateMismatch)
