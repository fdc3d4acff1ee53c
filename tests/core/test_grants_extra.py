"""Token exchange (RFC 8693), JWT bearer (RFC 7523 §2.1), and what every grant now takes.

Proves issue 13 item 4: the two grants build their RFC's request, with the token type URIs as
constants; ``issued_token_type`` is parsed into the :class:`Token`; every grant takes ``resource``
(RFC 8707, repeatable) and extra per-request fields, which win over the profile's; no token or
assertion shows in a repr or a message.
"""

from __future__ import annotations

import pytest

from tests.core.scripted_flow import json_reply
from tokenwire.core import (
    AuthorizationCode,
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    DeviceCode,
    ExtensionGrant,
    Grant,
    JwtBearer,
    Profile,
    ProtocolError,
    RefreshToken,
    TokenExchange,
    TokenTypes,
    decode_form,
    parse_token_response,
    prepare_token_request,
)

PROFILE = Profile(token_url="https://as.example.com/as/token.oauth2")
RS08 = ClientAuth("rs08", "long-secure-random-secret", "client_secret_basic")
SUBJECT = "accVkjcJyb4BWCxGsndESCJQbdFMogUC5PbRDqceLTC"
ASSERTION = "eyJhbGciOiJFUzI1NiIsImtpZCI6IjE2In0.eyJpc3Mi.J9l-ZhwP"
API = "https://backend.example.com/api"


def form(grant: Grant, profile: Profile = PROFILE) -> list[tuple[str, str]]:
    return decode_form(prepare_token_request(profile, RS08, grant).body)


def test_the_token_type_uris_are_rfc8693_section_3() -> None:
    assert TokenTypes.ACCESS_TOKEN == "urn:ietf:params:oauth:token-type:access_token"
    assert TokenTypes.REFRESH_TOKEN == "urn:ietf:params:oauth:token-type:refresh_token"
    assert TokenTypes.ID_TOKEN == "urn:ietf:params:oauth:token-type:id_token"
    assert TokenTypes.SAML1 == "urn:ietf:params:oauth:token-type:saml1"
    assert TokenTypes.SAML2 == "urn:ietf:params:oauth:token-type:saml2"
    assert TokenTypes.JWT == "urn:ietf:params:oauth:token-type:jwt"


def test_the_token_exchange_request_is_rfc8693_section_2_3() -> None:
    grant = TokenExchange(
        subject_token=SUBJECT, subject_token_type=TokenTypes.ACCESS_TOKEN, resource=(API,)
    )
    request = prepare_token_request(PROFILE, RS08, grant)
    assert request.header("authorization") == "Basic cnMwODpsb25nLXNlY3VyZS1yYW5kb20tc2VjcmV0"
    assert request.body == (
        b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
        b"&resource=https%3A%2F%2Fbackend.example.com%2Fapi"
        b"&subject_token=accVkjcJyb4BWCxGsndESCJQbdFMogUC5PbRDqceLTC"
        b"&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"
    )


def test_a_token_exchange_carries_every_optional_member_and_repeats_audience() -> None:
    grant = TokenExchange(
        subject_token=SUBJECT,
        subject_token_type=TokenTypes.ID_TOKEN,
        actor_token="ACTOR-secret-token",
        actor_token_type=TokenTypes.JWT,
        requested_token_type=TokenTypes.REFRESH_TOKEN,
        audience=("orders", "billing"),
        scope="read",
        resource=(API, "https://other.example.com/"),
        extra=(("custom", "1"),),
    )
    assert form(grant) == [
        ("grant_type", TokenExchange.grant_type),
        ("resource", API),
        ("resource", "https://other.example.com/"),
        ("audience", "orders"),
        ("audience", "billing"),
        ("scope", "read"),
        ("requested_token_type", TokenTypes.REFRESH_TOKEN),
        ("subject_token", SUBJECT),
        ("subject_token_type", TokenTypes.ID_TOKEN),
        ("actor_token", "ACTOR-secret-token"),
        ("actor_token_type", TokenTypes.JWT),
        ("custom", "1"),
    ]
    shown = repr(grant)
    assert SUBJECT not in shown
    assert "ACTOR-secret-token" not in shown
    assert "orders" in shown


@pytest.mark.parametrize(
    "kwargs",
    [
        {"subject_token": "", "subject_token_type": TokenTypes.ACCESS_TOKEN},
        {"subject_token": SUBJECT, "subject_token_type": ""},
        {"subject_token": SUBJECT, "subject_token_type": TokenTypes.JWT, "actor_token": "a"},
        {"subject_token": SUBJECT, "subject_token_type": TokenTypes.JWT, "actor_token_type": "t"},
        {"subject_token": SUBJECT, "subject_token_type": TokenTypes.JWT, "audience": "one"},
    ],
)
def test_a_token_exchange_the_rfc_forbids_is_refused_before_anything_is_sent(
    kwargs: dict[str, object],
) -> None:
    with pytest.raises(ConfigurationError) as info:
        TokenExchange(**kwargs)  # type: ignore[arg-type]
    assert SUBJECT not in str(info.value)


def test_issued_token_type_is_parsed_into_the_token() -> None:
    response = json_reply(
        200,
        {
            "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6IjllciJ9.e30.sig",
            "issued_token_type": TokenTypes.ACCESS_TOKEN,
            "token_type": "Bearer",
            "expires_in": 60,
        },
    )
    token = parse_token_response(PROFILE, response, received_at=0.0)
    assert token.issued_token_type == TokenTypes.ACCESS_TOKEN
    assert token.extra == {}
    assert "issued_token_type" in repr(token)


def test_a_token_without_issued_token_type_has_none_and_the_fast_path_stays_exact() -> None:
    response = json_reply(200, {"access_token": "AT", "token_type": "Bearer"})
    assert parse_token_response(PROFILE, response, received_at=0.0).issued_token_type is None


def test_an_issued_token_type_that_is_not_a_string_is_a_protocol_error() -> None:
    response = json_reply(200, {"access_token": "AT", "token_type": "N_A", "issued_token_type": 1})
    with pytest.raises(ProtocolError, match="issued_token_type"):
        parse_token_response(PROFILE, response, received_at=0.0)


def test_the_jwt_bearer_request_is_rfc7523_section_2_1() -> None:
    request = prepare_token_request(PROFILE, RS08, JwtBearer(ASSERTION))
    assert request.body == (
        b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        + ASSERTION.encode()
    )
    assert form(JwtBearer(ASSERTION, "read write"))[-1] == ("scope", "read write")
    assert ASSERTION not in repr(JwtBearer(ASSERTION))
    assert JwtBearer.repeatable is False
    with pytest.raises(ConfigurationError):
        JwtBearer("")


ALL_GRANTS = [
    AuthorizationCode(
        "CODE", "https://app.example/cb", "v" * 43, resource=(API,), extra=(("audience", "a"),)
    ),
    RefreshToken("RT", "read", resource=(API,), extra=(("audience", "a"),)),
    ClientCredentials("read", resource=(API,), extra=(("audience", "a"),)),
    ExtensionGrant("urn:x", (("p", "1"),), resource=(API,), extra=(("audience", "a"),)),
    DeviceCode("DC", resource=(API,), extra=(("audience", "a"),)),
    JwtBearer(ASSERTION, resource=(API,), extra=(("audience", "a"),)),
    TokenExchange(
        subject_token=SUBJECT,
        subject_token_type=TokenTypes.JWT,
        resource=(API,),
        extra=(("audience", "a"),),
    ),
]


@pytest.mark.parametrize("grant", ALL_GRANTS, ids=lambda g: type(g).__name__)
def test_every_grant_takes_resource_indicators_and_extra_fields(grant: Grant) -> None:
    fields = form(grant)
    assert ("resource", API) in fields
    assert fields[-1] == ("audience", "a")
    assert "resource=('https://backend.example.com/api',)" in repr(grant)
    assert "extra=<['audience']>" in repr(grant)


def test_resource_is_repeatable() -> None:
    grant = ClientCredentials(resource=(API, "https://b.example.com/"))
    assert form(grant) == [
        ("grant_type", "client_credentials"),
        ("resource", API),
        ("resource", "https://b.example.com/"),
    ]


def test_a_grant_without_resource_or_extra_encodes_as_before() -> None:
    assert prepare_token_request(PROFILE, RS08, ClientCredentials("read")).body == (
        b"grant_type=client_credentials&scope=read"
    )
    assert repr(ClientCredentials("read")) == "ClientCredentials(scope='read')"


def test_a_requests_extra_field_wins_over_the_profiles() -> None:
    auth0 = Profile(
        token_url="https://tenant.auth0.com/oauth/token",
        extra_token_params=(("audience", "https://default.api/"), ("organization", "org_1")),
    )
    assert form(ClientCredentials(), auth0) == [
        ("grant_type", "client_credentials"),
        ("audience", "https://default.api/"),
        ("organization", "org_1"),
    ]
    grant = ClientCredentials(extra=(("audience", "https://other.api/"),))
    assert form(grant, auth0) == [
        ("grant_type", "client_credentials"),
        ("audience", "https://other.api/"),
        ("organization", "org_1"),
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"resource": "https://backend.example.com/api"},
        {"resource": ("relative/path",)},
        {"resource": ("https://backend.example.com/api#frag",)},
        {"resource": (7,)},
        {"extra": "audience=a"},
        {"extra": (("grant_type", "password"),)},
        {"extra": (("client_secret", "s3cr3t-value"),)},
        {"extra": (("audience",),)},
        {"extra": (("audience", 5),)},
    ],
)
def test_a_bad_resource_or_extra_is_refused_when_the_grant_is_built(
    kwargs: dict[str, object],
) -> None:
    with pytest.raises(ConfigurationError) as info:
        ClientCredentials(**kwargs)  # type: ignore[arg-type]
    assert "s3cr3t-value" not in str(info.value)
