"""Property tests: whatever a server sends, ``parse_token_response`` answers with a ``Token`` or a
``TokenwireError``, and never shows a token value in any message or repr.

Secrets are generated distinctive (a fixed ``tw0_`` prefix, then token-alphabet characters) and
planted where servers put credentials: the token members, members a server should never echo
(``code``, ``client_secret``), error descriptions, header values and HTML error pages.
"""

from __future__ import annotations

import string
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenwire.core import (
    HttpResponse,
    OAuthError,
    Profile,
    Token,
    TokenwireError,
    parse_token_response,
)

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TOKEN_ALPHABET = string.ascii_letters + string.digits + "-._~+/"
SECRET_MEMBERS = ("access_token", "refresh_token", "id_token", "code", "client_secret")
ERROR_CODES = (
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "slow_down",
)

secrets_ = st.lists(
    st.text(TOKEN_ALPHABET, min_size=8, max_size=40).map(lambda s: "tw0_" + s),
    min_size=len(SECRET_MEMBERS),
    max_size=len(SECRET_MEMBERS),
    unique=True,
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**18, max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.from_regex(r"\A\s*[0-9]{1,25}\s*\Z")
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

profiles = st.builds(
    Profile,
    token_url=st.just("https://as.example.com/token"),
    bodiless_401_is_invalid_client=st.booleans(),
    allow_string_expires_in=st.booleans(),
    allow_scope_list=st.booleans(),
    require_token_type=st.booleans(),
)

statuses = st.sampled_from([200, 201, 400, 401, 403, 429, 500, 502, 503]) | st.integers(100, 599)


@st.composite
def token_objects(draw: st.DrawFn, secrets: list[str]) -> dict[str, Any]:
    """A token-response-shaped object whose members may have any type, secrets in some."""
    obj: dict[str, Any] = {}
    for member, secret in zip(SECRET_MEMBERS, secrets, strict=True):
        if draw(st.booleans()):
            obj[member] = draw(
                st.sampled_from([secret, [secret], {"value": secret}, f" {secret} "]) | json_scalars
            )
    for member in ("token_type", "expires_in", "scope"):
        if draw(st.booleans()):
            obj[member] = draw(
                json_values
                | st.sampled_from(["Bearer", "bearer", "BEARER", "mac", "", "299", "-1", "1e3"])
                | st.sampled_from([299, 3600.0, 1.5, -1, True, 2**63, 2**64, 10**400])
                | st.lists(st.sampled_from(["openid", "profile", ""]), max_size=3)
            )
    obj.update(draw(st.dictionaries(st.text(max_size=10), json_values, max_size=3)))
    if draw(st.booleans()):
        obj[draw(st.sampled_from(secrets))] = draw(json_scalars)  # a secret as a member name
    return obj


@st.composite
def error_objects(draw: st.DrawFn, secrets: list[str]) -> dict[str, Any]:
    obj = draw(token_objects(secrets))
    secret = draw(st.sampled_from(secrets))
    obj["error"] = draw(st.sampled_from(ERROR_CODES) | st.just(secret) | json_scalars)
    for member in ("error_description", "error_uri"):
        if draw(st.booleans()):
            obj[member] = draw(
                st.sampled_from(
                    [
                        f"the refresh token {secret} is not valid",
                        f"https://as.example.com/errors?token={secret}",
                        secret,
                    ]
                )
                | json_scalars
            )
    return obj


@st.composite
def html_pages(draw: st.DrawFn, secrets: list[str]) -> bytes:
    secret = draw(st.sampled_from(secrets))
    before = draw(st.text(max_size=40))
    after = draw(st.text(max_size=40))
    padding = draw(st.sampled_from(["", " " * 700, "x" * 600, "lorem ipsum " * 60]))
    page = (
        f"<html><head><title>502 Bad Gateway</title></head><body>{padding}{before}"
        f"<p>refresh_token={secret}</p><pre>{secret}</pre>{after}</body></html>"
    )
    return page.encode("utf-8", "surrogatepass")


@st.composite
def bodies(draw: st.DrawFn, secrets: list[str]) -> bytes:
    kind = draw(st.sampled_from(["bytes", "json", "token", "error", "html", "nasty"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return msgspec.json.encode(draw(json_values))
    if kind == "token":
        return msgspec.json.encode(draw(token_objects(secrets)))
    if kind == "error":
        return msgspec.json.encode(draw(error_objects(secrets)))
    if kind == "html":
        return draw(html_pages(secrets))
    return draw(
        st.sampled_from(
            [
                b"[" * 10_000 + b"]" * 10_000,
                b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
                b'{"access_token":"x","token_type":"Bearer","expires_in":1' + b"0" * 400 + b"}",
                b'{"access_token":"x","token_type":"Bearer","expires_in":"' + b"9" * 5000 + b'"}',
                b'{"access_token":"x","token_type":"Bearer","expires_in":1e400}',
                b"\xef\xbb\xbf{}",
                b"\x00",
                b"   ",
                b"",
                b"null",
            ]
        )
    )


@st.composite
def responses(draw: st.DrawFn, secrets: list[str]) -> HttpResponse:
    secret = draw(st.sampled_from(secrets))
    content_type = st.sampled_from(
        [
            "application/json",
            "application/json;charset=UTF-8",
            "application/json ; charset=utf-8",
            "text/html",
            f"text/html; boundary={secret}",
        ]
    )
    headers = draw(
        st.lists(
            st.tuples(st.sampled_from(["Content-Type", "content-type"]), content_type)
            | st.tuples(st.sampled_from(["Set-Cookie", "Retry-After", "X-Trace"]), st.text())
            | st.tuples(st.just("Set-Cookie"), st.just(f"session={secret}")),
            max_size=4,
        )
    )
    return HttpResponse(status=draw(statuses), headers=tuple(headers), body=draw(bodies(secrets)))


def shown(value: object) -> str:
    """Everything a printer could show of ``value``: repr, str, and rich's repr protocol."""
    parts = [repr(value), str(value)]
    rich_repr = getattr(value, "__rich_repr__", None)
    if rich_repr is not None and not isinstance(value, type):
        parts += [shown(item) for item in rich_repr()]
    if isinstance(value, BaseException):
        parts += [shown(arg) for arg in value.args]
        parts += [shown(value.__cause__), shown(value.__context__)]
        parts += [str(getattr(value, "excerpt", ""))]
    return "\n".join(parts)


def assert_no_secret(value: object, secrets: list[str]) -> None:
    text = shown(value)
    for secret in secrets:
        assert secret not in text, f"a secret leaked through {type(value).__name__}"


@SETTINGS
@given(data=st.data(), secrets=secrets_, profile=profiles)
def test_only_tokens_or_typed_errors_and_no_secret_shown(
    data: st.DataObject, secrets: list[str], profile: Profile
) -> None:
    response = data.draw(responses(secrets))
    result: Token | TokenwireError
    try:
        result = parse_token_response(profile, response, received_at=1_000.0)
    except TokenwireError as exc:
        result = exc
    assert_no_secret(result, secrets)
    if isinstance(result, OAuthError):
        assert isinstance(result.error, str)
        assert result.error
    if not isinstance(result, Token):
        return
    token = result
    assert response.status == 200
    assert isinstance(token, Token)
    assert isinstance(token.access_token, str)
    assert token.access_token
    if token.expires_in is not None:
        assert token.expires_at == 1_000.0 + token.expires_in


@SETTINGS
@given(
    profile=profiles,
    status=statuses,
    error=st.text(min_size=1, max_size=30),
    description=st.one_of(st.none(), st.text(max_size=50)),
)
def test_an_error_member_is_an_oauth_error_at_any_status(
    profile: Profile, status: int, error: str, description: str | None
) -> None:
    body = msgspec.json.encode(
        {"error": error, "error_description": description, "access_token": "tw0_abcdefghijkl"}
    )
    response = HttpResponse(status=status, body=body)
    with pytest.raises(OAuthError) as info:
        parse_token_response(profile, response, received_at=0.0)
    assert info.value.error == error
    assert info.value.description == description
    assert info.value.status == status
