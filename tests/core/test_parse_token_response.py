"""``parse_token_response``: accept what is unambiguous, reject the rest with a typed error."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tokenwire.core import (
    HttpResponse,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    Profile,
    ProtocolError,
    ServerError,
    TemporarilyUnavailable,
    Token,
    UnauthorizedClient,
    UnsupportedGrantType,
    parse_token_response,
)

PROFILE = Profile(token_url="https://as.example.com/token")
STRICT = Profile(
    token_url="https://as.example.com/token",
    allow_string_expires_in=False,
    allow_scope_list=False,
)
LENIENT_TYPE = Profile(token_url="https://as.example.com/token", require_token_type=False)
CIAM_LIKE = Profile(token_url="https://as.example.com/token", bodiless_401_is_invalid_client=True)
BASE: dict[str, Any] = {"access_token": "AT", "token_type": "Bearer"}
JSON = (("Content-Type", "application/json"),)


def response(
    body: object, status: int = 200, headers: tuple[tuple[str, str], ...] = JSON
) -> HttpResponse:
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    return HttpResponse(status=status, headers=headers, body=raw)


def parse(body: object, status: int = 200, profile: Profile = PROFILE, **kw: Any) -> Token:
    return parse_token_response(profile, response(body, status, **kw), received_at=1000.0)


def test_full_success() -> None:
    token = parse(
        {
            "access_token": "AT",
            "token_type": "Bearer",
            "expires_in": 299,
            "refresh_token": "RT",
            "scope": "openid profile",
            "id_token": "ID",
        }
    )
    assert token == Token(
        access_token="AT",
        token_type="Bearer",
        expires_in=299,
        refresh_token="RT",
        scope="openid profile",
        id_token="ID",
        expires_at=1299.0,
        received_at=1000.0,
        extra={},
    )
    assert token.scopes == ("openid", "profile")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (299, 299),
        (0, 0),
        ("3600", 3600),
        (" 7200 ", 7200),
        (3600.0, 3600),
        (7200.0, 7200),
        (2**63 - 1, 2**63 - 1),
        ("9223372036854775807", 2**63 - 1),
    ],
)
def test_expires_in_accepted(value: object, expected: int) -> None:
    token = parse({**BASE, "expires_in": value})
    assert token.expires_in == expected
    assert isinstance(token.expires_in, int)
    assert token.expires_at == 1000.0 + expected


@pytest.mark.parametrize(
    "value",
    [
        -1,
        -0.5,
        1.5,
        True,
        False,
        "",
        "-1",
        "+1",
        "1.0",
        "1e3",
        "٣٠٠",  # Arabic-Indic digits: str.isdigit() says yes, the RFC says no
        "abc",
        [3600],
        {"seconds": 3600},
        2**63,
        10**400,
        1e300,
        "9" * 20,
        "9" * 5000,
    ],
)
def test_expires_in_rejected(value: object) -> None:
    with pytest.raises(ProtocolError, match="expires_in"):
        parse({**BASE, "expires_in": value})


def test_string_expires_in_rejected_when_the_profile_disallows_it() -> None:
    with pytest.raises(ProtocolError, match="expires_in"):
        parse({**BASE, "expires_in": "3600"}, profile=STRICT)
    assert parse({**BASE, "expires_in": 3600}, profile=STRICT).expires_in == 3600


def test_null_expires_in_means_absent() -> None:
    token = parse({**BASE, "expires_in": None})
    assert token.expires_in is None
    assert token.expires_at is None


@pytest.mark.parametrize("value", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_token_type_bearer_in_any_case(value: str) -> None:
    assert parse({**BASE, "token_type": value}).token_type == "Bearer"


def test_other_token_types_are_kept_as_sent() -> None:
    assert parse({**BASE, "token_type": "DPoP"}).token_type == "DPoP"
    assert parse({**BASE, "token_type": "mac"}).token_type == "mac"


@pytest.mark.parametrize("value", ["", 1, None, ["Bearer"]])
def test_token_type_missing_or_wrong(value: object) -> None:
    body = {"access_token": "AT"} if value is None else {"access_token": "AT", "token_type": value}
    with pytest.raises(ProtocolError, match="token_type"):
        parse(body)


def test_missing_token_type_allowed_by_profile_means_bearer() -> None:
    assert parse({"access_token": "AT"}, profile=LENIENT_TYPE).token_type == "Bearer"
    with pytest.raises(ProtocolError, match="token_type"):
        parse({"access_token": "AT", "token_type": 7}, profile=LENIENT_TYPE)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("openid profile", "openid profile"),
        ("", ""),
        (["openid", "profile"], "openid profile"),
        ([], ""),
        (None, None),
    ],
)
def test_scope_forms(value: object, expected: str | None) -> None:
    assert parse({**BASE, "scope": value}).scope == expected


@pytest.mark.parametrize("value", [["openid", 1], 7, {"a": "b"}, True])
def test_scope_of_wrong_type(value: object) -> None:
    with pytest.raises(ProtocolError, match="scope"):
        parse({**BASE, "scope": value})


def test_scope_list_rejected_when_the_profile_disallows_it() -> None:
    with pytest.raises(ProtocolError, match="scope"):
        parse({**BASE, "scope": ["openid"]}, profile=STRICT)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json;charset=UTF-8",
        "application/json; charset=utf-8",
        "application/json ; charset = utf-8",
        "Application/JSON",
    ],
)
def test_json_content_types(content_type: str) -> None:
    token = parse(BASE, headers=(("content-type", content_type),))
    assert token.access_token == "AT"


def test_unknown_members_are_kept_in_extra() -> None:
    token = parse({**BASE, "refresh_expires_in": 86400, "session": {"id": 1}, "flags": [1, 2]})
    assert token.extra == {"refresh_expires_in": 86400, "session": {"id": 1}, "flags": [1, 2]}


def test_empty_optional_token_strings_mean_absent() -> None:
    token = parse({**BASE, "refresh_token": "", "id_token": ""})
    assert token.refresh_token is None
    assert token.id_token is None


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "not JSON"),
        (b"access_token=AT&token_type=bearer", "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b'{"access_token": "AT",', "not JSON"),
        (b"[" * 100_000, "nested deeper"),
        (b"[" * 5_000 + b"]" * 5_000, "nested deeper"),
        (b"", "empty body"),
        (b" \r\n ", "empty body"),
        (b"[]", "not an object"),
        (b'"AT"', "not an object"),
        (b"null", "not an object"),
        (b"42", "not an object"),
        (b"{}", "access_token"),
        (b'{"token_type": "Bearer"}', "access_token"),
        (b'{"access_token": null, "token_type": "Bearer"}', "access_token"),
        (b'{"access_token": "", "token_type": "Bearer"}', "access_token"),
        (b'{"access_token": 12345, "token_type": "Bearer"}', "access_token"),
        (b'{"access_token": ["AT"], "token_type": "Bearer"}', "access_token"),
        (b'{"access_token": "AT", "token_type": "Bearer", "refresh_token": 1}', "refresh_token"),
        (b'{"access_token": "AT", "token_type": "Bearer", "id_token": {}}', "id_token"),
    ],
)
def test_protocol_errors(body: bytes, match: str) -> None:
    with pytest.raises(ProtocolError, match=match) as info:
        parse(body, headers=(("Content-Type", "text/html"),))
    assert info.value.status == 200


def test_html_error_page_is_a_protocol_error_with_a_short_excerpt() -> None:
    page = b"<html><title>502 Bad Gateway</title>" + b"<p>upstream failed</p>" * 200 + b"</html>"
    with pytest.raises(ProtocolError) as info:
        parse(page, status=502, headers=(("Content-Type", "text/html"),))
    assert info.value.status == 502
    assert "502 Bad Gateway" in info.value.excerpt
    assert len(info.value.excerpt) <= 160
    assert "text/html" in str(info.value)


def test_success_status_other_than_200_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="non-200") as info:
        parse(BASE, status=201)
    assert info.value.status == 201


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("invalid_request", InvalidRequest),
        ("invalid_client", InvalidClient),
        ("invalid_grant", InvalidGrant),
        ("unauthorized_client", UnauthorizedClient),
        ("unsupported_grant_type", UnsupportedGrantType),
        ("invalid_scope", InvalidScope),
        ("server_error", ServerError),
        ("temporarily_unavailable", TemporarilyUnavailable),
    ],
)
def test_each_rfc6749_error_code_has_its_class(code: str, cls: type[OAuthError]) -> None:
    body = {"error": code, "error_description": "why", "error_uri": "https://as.example.com/e"}
    with pytest.raises(cls) as info:
        parse(body, status=401 if code == "invalid_client" else 400)
    assert type(info.value) is cls
    assert info.value.error == code
    assert info.value.description == "why"
    assert info.value.uri == "https://as.example.com/e"
    assert info.value.status in (400, 401)


def test_unknown_error_code_stays_a_plain_oauth_error() -> None:
    with pytest.raises(OAuthError) as info:
        parse({"error": "interaction_required", "error_description": "wait"}, status=400)
    assert type(info.value) is OAuthError
    assert info.value.error == "interaction_required"
    with pytest.raises(OAuthError) as info:
        parse({"error": "Invalid_Grant"}, status=400)
    assert type(info.value) is OAuthError
    assert info.value.error == "Invalid_Grant"


def test_error_body_with_status_200_is_an_oauth_error() -> None:
    with pytest.raises(InvalidGrant) as info:
        parse({"error": "invalid_grant", "access_token": "AT", "token_type": "Bearer"}, status=200)
    assert info.value.status == 200


@pytest.mark.parametrize("error", [None, "", 42, ["invalid_grant"], {"code": "x"}, True])
def test_error_member_of_wrong_type_is_a_protocol_error(error: object) -> None:
    with pytest.raises(ProtocolError, match="error member"):
        parse({"error": error}, status=400)


def test_error_fields_of_wrong_types_are_dropped() -> None:
    with pytest.raises(InvalidGrant) as info:
        parse({"error": "invalid_grant", "error_description": 5, "error_uri": ["x"]}, status=400)
    assert info.value.description is None
    assert info.value.uri is None


@pytest.mark.parametrize("body", [b"", b"  "])
def test_bodiless_401_depends_on_the_profile(body: bytes) -> None:
    with pytest.raises(InvalidClient) as info:
        parse(body, status=401, profile=CIAM_LIKE, headers=())
    assert info.value.error == "invalid_client"
    assert info.value.status == 401
    with pytest.raises(ProtocolError, match="empty body") as perr:
        parse(body, status=401, profile=PROFILE, headers=())
    assert perr.value.status == 401
    with pytest.raises(ProtocolError, match="empty body"):
        parse(body, status=400, profile=CIAM_LIKE, headers=())
