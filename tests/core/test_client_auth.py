"""Client authentication (RFC 6749 §2.3): the exact Basic header, and credentials in one place."""

from __future__ import annotations

import base64
from urllib.parse import unquote_plus

import pytest

from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    HttpRequest,
    Profile,
    RefreshToken,
    basic_authorization,
    decode_form,
    prepare_token_request,
)

PROFILE = Profile(token_url="https://as.example.com/oauth2/token")
RAW_PROFILE = Profile(token_url="https://as.example.com/oauth2/token", basic_auth_urlencode=False)
CLIENT_ID = "tw:special client"
SECRET = "p@ss w0rd:&+/%=?"


def test_basic_header_follows_rfc6749_section_2_3_1() -> None:
    # By hand, per RFC 6749 Appendix B (application/x-www-form-urlencoded, UTF-8): space is '+',
    # every other character outside ALPHA / DIGIT / "-" "." "_" "*" is %XX.
    encoded_id = "tw%3Aspecial+client"
    encoded_secret = "p%40ss+w0rd%3A%26%2B%2F%25%3D%3F"
    expected = "Basic " + base64.b64encode(f"{encoded_id}:{encoded_secret}".encode()).decode()

    request = prepare_token_request(
        PROFILE, ClientAuth(CLIENT_ID, SECRET, "client_secret_basic"), ClientCredentials()
    )

    assert request.header("Authorization") == expected
    assert basic_authorization(CLIENT_ID, SECRET) == expected
    # and a server that decodes per the RFC gets the originals back
    user, _, password = base64.b64decode(expected.removeprefix("Basic ")).decode().partition(":")
    assert (unquote_plus(user), unquote_plus(password)) == (CLIENT_ID, SECRET)


def test_basic_header_encodes_non_ascii_as_utf8() -> None:
    value = basic_authorization("clïent", "sécret")
    assert base64.b64decode(value.removeprefix("Basic ")) == b"cl%C3%AFent:s%C3%A9cret"


def test_profile_can_switch_the_encoding_off() -> None:
    request = prepare_token_request(
        RAW_PROFILE, ClientAuth("tw-client", SECRET, "client_secret_basic"), ClientCredentials()
    )
    expected = "Basic " + base64.b64encode(f"tw-client:{SECRET}".encode()).decode()
    assert request.header("authorization") == expected


def test_unencoded_basic_refuses_a_colon_in_the_client_id() -> None:
    with pytest.raises(ConfigurationError, match="':'"):
        prepare_token_request(
            RAW_PROFILE, ClientAuth(CLIENT_ID, SECRET, "client_secret_basic"), ClientCredentials()
        )


def test_unencodable_secret_is_a_configuration_error() -> None:
    for profile in (PROFILE, RAW_PROFILE):
        with pytest.raises(ConfigurationError) as info:
            prepare_token_request(
                profile,
                ClientAuth("c", "bad\ud800secret", "client_secret_basic"),
                ClientCredentials(),
            )
        assert info.value.__context__ is None


def fields(request: HttpRequest) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in decode_form(request.body):
        out.setdefault(name, []).append(value)
    return out


def test_client_secret_post_puts_credentials_in_the_body_only() -> None:
    request = prepare_token_request(PROFILE, ClientAuth(CLIENT_ID, SECRET), RefreshToken("rt"))
    assert fields(request)["client_id"] == [CLIENT_ID]
    assert fields(request)["client_secret"] == [SECRET]
    assert request.header("authorization") is None
    assert request.url == PROFILE.token_url


def test_client_secret_basic_puts_credentials_in_the_header_only() -> None:
    request = prepare_token_request(
        PROFILE, ClientAuth(CLIENT_ID, SECRET, "client_secret_basic"), RefreshToken("rt")
    )
    body = fields(request)
    assert "client_id" not in body
    assert "client_secret" not in body
    assert request.header("authorization") is not None
    assert [name for name, _ in request.headers].count("Authorization") == 1
    assert request.url == PROFILE.token_url


def test_none_sends_only_the_client_id() -> None:
    request = prepare_token_request(
        PROFILE, ClientAuth(CLIENT_ID, method="none"), RefreshToken("rt")
    )
    body = fields(request)
    assert body["client_id"] == [CLIENT_ID]
    assert "client_secret" not in body
    assert request.header("authorization") is None


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("", SECRET), "client_id"),
        (("client", None), "needs a client_secret"),
        (("client", ""), "needs a client_secret"),
        (("client", None, "client_secret_basic"), "needs a client_secret"),
        (("client", SECRET, "none"), "sends no secret"),
        (("client", SECRET, "private_key_jwt"), "sends no secret"),
        (("client", SECRET, "client_assertion_jwt"), "unknown client authentication method"),
        (("client", SECRET, "Client_Secret_Post"), "unknown client authentication method"),
    ],
)
def test_bad_client_auth_is_a_configuration_error(args: tuple[object, ...], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as info:
        ClientAuth(*args)  # type: ignore[arg-type]
    assert SECRET not in str(info.value)


def test_public_client_needs_no_secret() -> None:
    assert ClientAuth("client", method="none").client_secret is None
