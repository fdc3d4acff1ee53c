"""``prepare_token_request``: the exact request per grant, form encoding, and endpoint URL rules."""

from __future__ import annotations

from importlib import metadata
from urllib.parse import parse_qsl

import pytest

from tokenwire.adapters.profiles import tencent_ciam
from tokenwire.core import (
    USER_AGENT,
    AuthorizationCode,
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    ExtensionGrant,
    Grant,
    Profile,
    RefreshToken,
    __version__,
    encode_form,
    prepare_token_request,
)

URL = "https://as.example.com/oauth2/token"
PROFILE = Profile(token_url=URL)
CLIENT = ClientAuth("CLIENT_ID", "CLIENT_SECRET")
PREFIX = b"client_id=CLIENT_ID&client_secret=CLIENT_SECRET&"


@pytest.mark.parametrize(
    ("grant", "body"),
    [
        (
            AuthorizationCode("CODE", "https://app.example/cb", "VERIFIER"),
            b"grant_type=authorization_code&code=CODE"
            b"&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&code_verifier=VERIFIER",
        ),
        (
            AuthorizationCode("CODE", "https://app.example/cb"),
            b"grant_type=authorization_code&code=CODE&redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
        ),
        (RefreshToken("RT"), b"grant_type=refresh_token&refresh_token=RT"),
        (
            RefreshToken("RT", scope="openid profile"),
            b"grant_type=refresh_token&refresh_token=RT&scope=openid+profile",
        ),
        (ClientCredentials(), b"grant_type=client_credentials"),
        (ClientCredentials(scope="read write"), b"grant_type=client_credentials&scope=read+write"),
        (
            ExtensionGrant(
                "urn:ietf:params:oauth:grant-type:jwt-bearer", (("assertion", "A.B.C"),)
            ),
            b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=A.B.C",
        ),
    ],
    ids=["code+pkce", "code", "refresh", "refresh+scope", "cc", "cc+scope", "extension"],
)
def test_exact_request_per_grant(grant: Grant, body: bytes) -> None:
    request = prepare_token_request(PROFILE, CLIENT, grant)
    assert request.method == "POST"
    assert request.url == URL
    assert request.headers == (
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept", "application/json"),
        ("User-Agent", f"tokenwire/{__version__}"),
    )
    assert request.body == PREFIX + body


def test_seed_refresh_request_for_tencent_ciam() -> None:
    request = prepare_token_request(
        tencent_ciam("sample.portal.tencentciam.com"),
        ClientAuth("TENANT_CLIENT_ID", "TENANT_CLIENT_SECRET"),
        RefreshToken("MOCK_REFRESH_TOKEN"),
    )
    assert request.url == "https://sample.portal.tencentciam.com/oauth2/token"
    assert request.body == (
        b"client_id=TENANT_CLIENT_ID&client_secret=TENANT_CLIENT_SECRET"
        b"&grant_type=refresh_token&refresh_token=MOCK_REFRESH_TOKEN"
    )


def test_awkward_values_are_form_encoded() -> None:
    secret = "a b&c=d%e+f/g?h#i~j*k-l.m_n"
    code = "código ✓ 日本"
    request = prepare_token_request(
        PROFILE, ClientAuth("id with space", secret), AuthorizationCode(code, "app://cb?x=1&y=2")
    )
    assert request.body == (
        b"client_id=id+with+space&client_secret=a+b%26c%3Dd%25e%2Bf%2Fg%3Fh%23i~j*k-l.m_n"
        b"&grant_type=authorization_code&code=c%C3%B3digo+%E2%9C%93+%E6%97%A5%E6%9C%AC"
        b"&redirect_uri=app%3A%2F%2Fcb%3Fx%3D1%26y%3D2"
    )
    assert parse_qsl(request.body.decode("ascii"), strict_parsing=True) == [
        ("client_id", "id with space"),
        ("client_secret", secret),
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", "app://cb?x=1&y=2"),
    ]


def test_encode_form_round_trips_any_text() -> None:
    fields = [("k\n", "v\r\n"), ("", ""), ("ü", "\x00\x7f"), ("a", "=&;+%20")]
    assert parse_qsl(encode_form(fields).decode(), keep_blank_values=True) == fields


def test_lone_surrogate_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        prepare_token_request(PROFILE, CLIENT, RefreshToken("rt\udc80"))


def test_extra_token_params_are_appended_last() -> None:
    profile = Profile(
        token_url=URL, extra_token_params=(("audience", "https://api.example"), ("resource", "r 1"))
    )
    request = prepare_token_request(profile, CLIENT, ClientCredentials(scope="read"))
    assert request.body == (
        PREFIX + b"grant_type=client_credentials&scope=read"
        b"&audience=https%3A%2F%2Fapi.example&resource=r+1"
    )


def test_empty_scope_is_not_sent() -> None:
    request = prepare_token_request(PROFILE, CLIENT, ClientCredentials(scope=""))
    assert request.body == PREFIX + b"grant_type=client_credentials"


@pytest.mark.parametrize(
    "grant",
    [
        lambda: AuthorizationCode("", "https://app/cb"),
        lambda: RefreshToken(""),
        lambda: ExtensionGrant(""),
        lambda: ExtensionGrant("x", (("grant_type", "y"),)),
        lambda: ExtensionGrant("x", (("client_secret", "s"),)),
    ],
)
def test_bad_grants_are_configuration_errors(grant: object) -> None:
    assert callable(grant)
    with pytest.raises(ConfigurationError):
        grant()


@pytest.mark.parametrize(
    "url",
    [
        "https://as.example.com/token",
        "https://as.example.com:8443/oauth2/token?tenant=a",
        "http://127.0.0.1:8080/token",
        "http://127.5.6.7/token",
        "http://localhost/token",
        "http://LOCALHOST:9/token",
        "http://[::1]:8080/token",
    ],
)
def test_profile_accepts_tls_and_loopback_urls(url: str) -> None:
    assert Profile(token_url=url).token_url == url


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("http://as.example.com/token", "plain http"),
        ("http://10.0.0.1/token", "plain http"),
        ("http://localhost.example.com/token", "plain http"),
        ("https://user:pass@as.example.com/token", "credentials"),
        ("https://user@as.example.com/token", "credentials"),
        ("https://as.example.com/token#frag", "fragment"),
        ("ftp://as.example.com/token", "https://"),
        ("/oauth2/token", "https://"),
        ("https:///token", "https://"),
        ("https://as.example.com/tok\r\nX-Injected: 1", "control"),
        ("https://as.example.com/to ken", "whitespace"),
        ("https://as.example.com:99999/token", "not a valid URL"),
        ("https://[::1/token", "not a valid URL"),
    ],
)
def test_profile_rejects_unsafe_urls(url: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Profile(token_url=url)


def test_every_endpoint_of_a_profile_is_checked() -> None:
    with pytest.raises(ConfigurationError, match="revocation endpoint"):
        Profile(token_url=URL, revocation_url="http://as.example.com/revoke")
    with pytest.raises(ConfigurationError, match="authorization endpoint"):
        Profile(token_url=URL, authorization_url="https://u:p@as.example.com/authorize")


def test_every_token_request_carries_the_cores_user_agent() -> None:
    request = prepare_token_request(PROFILE, CLIENT, ClientCredentials())
    assert request.header("user-agent") == USER_AGENT == f"tokenwire/{__version__}"


def test_the_core_version_is_the_distributions() -> None:
    # That importing core reads no distribution metadata for it is checked in a fresh process,
    # beside the other import checks: tests/adapters/test_stdlib_only.py.
    assert __version__ == metadata.version("tokenwire-core")
