"""What the request carried is never shown from the answer (issue 9 items 17, 21, Token.extra)."""

from __future__ import annotations

import copy
import pickle

import msgspec
import pytest

from tests.error_chain import shown
from tokenwire.core import (
    AuthorizationCode,
    ClientAuth,
    HttpResponse,
    OAuthError,
    Profile,
    ProtocolError,
    RefreshToken,
    Token,
    TokenwireError,
    authorization_url,
    device_authorization_flow,
    introspection_flow,
    parse_token_response,
    revocation_flow,
    token_flow,
)
from tokenwire.core.flow import Send, Step

PROFILE = Profile(
    token_url="https://as.example.com/token", authorization_url="https://as.example.com/authz"
)
# Shapes the token-run heuristic alone lets through: short, word-like, non-ASCII, with a slash.
CLIENT = ClientAuth("app", "horse battery/é")
REFRESH = "staple"
CODE = "Correct-Horse"
VERIFIER = "v" * 43


def run_flow(grant: RefreshToken | AuthorizationCode, response: HttpResponse) -> TokenwireError:
    flow = token_flow(PROFILE, CLIENT, grant, clock=lambda: 0.0, random=lambda: 0.0)
    step: Step = next(flow)
    assert isinstance(step, Send)
    with pytest.raises(TokenwireError) as caught:
        flow.send(response)
    return caught.value


def echo(template: str, status: int = 400, ctype: str = "text/html") -> HttpResponse:
    body = template.format(
        secret=CLIENT.client_secret,
        secret_form="horse+battery%2F%C3%A9",
        secret_json="horse battery\\/\\u00e9",
        refresh=REFRESH,
        code=CODE,
        verifier=VERIFIER,
    )
    return HttpResponse(status=status, headers=(("Content-Type", ctype),), body=body.encode())


@pytest.mark.parametrize(
    "template",
    [
        "<h1>Bad request</h1><p>client_secret was {secret} and token {refresh}</p>",
        "echo: client_secret={secret_form}&refresh_token={refresh}",
        '{{"error": "invalid_grant", "error_description": "{refresh} / {secret_json}"',
        "<p>{secret_json} {secret_form} {refresh}</p>",
    ],
)
def test_an_echoed_client_secret_or_refresh_token_is_hidden_in_every_form(template: str) -> None:
    error = run_flow(RefreshToken(REFRESH), echo(template))
    text = shown(error)
    for value in ("horse battery", "horse+battery", REFRESH, "%C3%A9", "\\u00e9"):
        assert value not in text


def test_an_oauth_error_description_echoing_the_code_and_verifier_hides_them() -> None:
    body = msgspec.json.encode(
        {"error": "invalid_grant", "error_description": f"code {CODE} verifier {VERIFIER}"}
    )
    error = run_flow(
        AuthorizationCode(CODE, "https://app.example/cb", VERIFIER),
        HttpResponse(status=400, headers=(), body=body),
    )
    assert isinstance(error, OAuthError)
    assert error.description is not None
    assert "verifier" in error.description
    assert CODE not in shown(error)
    assert VERIFIER not in shown(error)


@pytest.mark.parametrize(
    "body",
    [
        b'{"refresh_token": 98765432109876543, "token_type": "Bearer"}',
        b'{"access_token": 12345, "token_type": "Bearer"}',
        b'{"refresh_token": 98765432109876543, "access_token": "x"',
        b"refresh_token=ab&access_token=%E2%82%AC%E2%82%AC&id_token=word",
        b"access_token: \xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c",
    ],
)
def test_no_value_of_a_secret_member_is_shown_whatever_its_type(body: bytes) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_token_response(
            PROFILE, HttpResponse(status=200, headers=(), body=body), received_at=0.0
        )
    text = shown(caught.value)
    for value in ("98765432109876543", "12345", "ab&", "%E2%82%AC", "word", "пароль"):
        assert value not in text


def test_the_repr_of_an_authorization_request_hides_the_state_inside_the_url() -> None:
    request = authorization_url(PROFILE, "app", "https://app.example/cb")
    assert request.state in request.url
    assert request.state not in repr(request)
    assert "state=%3Credacted%3E" in repr(request) or "state=<redacted>" in repr(request)


def test_token_extra_cannot_be_changed_in_place() -> None:
    token = Token(access_token="a", token_type="Bearer", extra={"tenant": "t1"})
    with pytest.raises(TypeError):
        token.extra["tenant"] = "t2"  # type: ignore[index]
    with pytest.raises(TypeError):
        token.extra.clear()  # type: ignore[attr-defined]
    assert token.extra == {"tenant": "t1"}


def test_a_parsed_tokens_extra_is_read_only_and_survives_encoding_and_pickle() -> None:
    body = b'{"access_token": "a", "token_type": "Bearer", "tenant": "t1", "n": [1]}'
    token = parse_token_response(
        PROFILE, HttpResponse(status=200, headers=(), body=body), received_at=5.0
    )
    with pytest.raises(TypeError):
        token.extra.pop("tenant")  # type: ignore[attr-defined]
    decoded = msgspec.json.decode(msgspec.json.encode(token), type=Token)
    assert decoded == token
    with pytest.raises(TypeError):
        decoded.extra["n"] = 2  # type: ignore[index]
    for copied in (pickle.loads(pickle.dumps(token)), copy.deepcopy(token)):
        assert copied == token


#: A token shaped like a word, which the token-run heuristic alone would let through.
REVOKED = "plain-word"


def run_endpoint_flow(endpoint: str, response: HttpResponse) -> TokenwireError:
    profile = msgspec.structs.replace(
        PROFILE,
        revocation_url="https://as.example.com/revoke",
        introspection_url="https://as.example.com/introspect",
    )
    start = revocation_flow if endpoint == "revocation" else introspection_flow
    flow = start(profile, CLIENT, REVOKED, clock=lambda: 0.0, random=lambda: 0.0)
    step: Step = next(flow)
    assert isinstance(step, Send)
    with pytest.raises(TokenwireError) as caught:
        flow.send(response)
    return caught.value


@pytest.mark.parametrize("endpoint", ["revocation", "introspection"])
@pytest.mark.parametrize(
    "template",
    [
        '{{"error": "invalid_request", "error_description": "token {refresh} / {secret_json}"}}',
        '{{"error": {{"token": "{refresh}"}}}}',
        '{{"unexpected": "{refresh}", "client_secret": "{secret_json}"}}',
        "<p>token={refresh}&client_secret={secret_form}</p>",
    ],
)
def test_revocation_and_introspection_errors_hide_the_token_and_the_client_secret(
    endpoint: str, template: str
) -> None:
    response = echo(template.replace("{refresh}", REVOKED), ctype="application/json")
    text = shown(run_endpoint_flow(endpoint, response))
    for value in ("horse battery", "horse+battery", REVOKED, "%C3%A9", "\\u00e9"):
        assert value not in text


def test_a_device_authorization_error_hides_the_client_secret() -> None:
    profile = msgspec.structs.replace(
        PROFILE, device_authorization_url="https://as.example.com/device"
    )
    flow = device_authorization_flow(profile, CLIENT, clock=lambda: 0.0, random=lambda: 0.0)
    step: Step = next(flow)
    assert isinstance(step, Send)
    template = '{{"error": "invalid_client", "error_description": "bad {secret}"}}'
    with pytest.raises(TokenwireError) as caught:
        flow.send(echo(template, ctype="application/json"))
    assert "horse battery" not in shown(caught.value)
