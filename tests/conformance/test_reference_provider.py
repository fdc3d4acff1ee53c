"""The embedded reference providers, driven by the tokenwire core over a bare http.client.

The transports are tested elsewhere; here a ten-line standard-library client keeps these tests
about the provider: every flavor, every grant and client authentication method, its error answers,
and each broken mode, observed on the wire and through ``parse_token_response``.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import msgspec
import pytest

from tokenwire.conformance.reference import (
    BASIC_CLIENT,
    BROKEN_MODES,
    FLAVORS,
    POST_CLIENT,
    PUBLIC_CLIENT,
    REDIRECT_URI,
    ReferenceProvider,
    RegisteredClient,
)
from tokenwire.core import (
    AuthorizationCode,
    AuthorizationRequest,
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    Grant,
    HttpRequest,
    HttpResponse,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    ProtocolError,
    RefreshToken,
    Token,
    authorization_url,
    basic_authorization,
    code_challenge,
    encode_form,
    new_code_verifier,
    parse_callback,
    parse_token_response,
    prepare_token_request,
)

FLAVOR_NAMES = sorted(FLAVORS)
FORM = ("Content-Type", "application/x-www-form-urlencoded")


def send(request: HttpRequest) -> HttpResponse:
    """Send ``request`` over a fresh loopback connection; never follows redirects."""
    url = urlsplit(request.url)
    assert url.hostname == "127.0.0.1"
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        target = url.path + (f"?{url.query}" if url.query else "")
        conn.request(
            request.method, target, body=request.body or None, headers=dict(request.headers)
        )
        response = conn.getresponse()
        return HttpResponse(
            status=response.status, headers=tuple(response.getheaders()), body=response.read()
        )
    finally:
        conn.close()


def post_form(
    provider: ReferenceProvider, fields: list[tuple[str, str]], *extra: tuple[str, str]
) -> HttpResponse:
    """A hand-made token request, for what ``prepare_token_request`` would never send."""
    return send(
        HttpRequest(
            method="POST", url=provider.token_url, headers=(FORM, *extra), body=encode_form(fields)
        )
    )


def exchange(provider: ReferenceProvider, client: ClientAuth, grant: Grant) -> Token:
    profile = provider.profile()
    response = send(prepare_token_request(profile, client, grant))
    return parse_token_response(profile, response, received_at=time.time())


def authorize(
    provider: ReferenceProvider, client: RegisteredClient, *, pkce: bool = True
) -> tuple[AuthorizationRequest, str]:
    """``GET /authorize`` over HTTP; returns the request and the code from the ``302``."""
    request = authorization_url(provider.profile(), client.client_id, REDIRECT_URI, pkce=pkce)
    response = send(HttpRequest(method="GET", url=request.url, headers=()))
    assert response.status == 302
    location = response.header("location")
    assert location is not None
    assert location.startswith(REDIRECT_URI + "?")
    return request, parse_callback(location, expected_state=request.state).code


def code_token(provider: ReferenceProvider, client: RegisteredClient = PUBLIC_CLIENT) -> Token:
    request, code = authorize(provider, client)
    return exchange(provider, client.auth(), request.grant(code))


@pytest.fixture
def rfc6749() -> Iterator[ReferenceProvider]:
    with ReferenceProvider("rfc6749") as provider:
        yield provider


# --- client_credentials ----------------------------------------------------------------------


@pytest.mark.parametrize("client", [POST_CLIENT, BASIC_CLIENT], ids=lambda c: c.auth_method)
@pytest.mark.parametrize("flavor", FLAVOR_NAMES)
def test_client_credentials_per_auth_method(flavor: str, client: RegisteredClient) -> None:
    with ReferenceProvider(flavor) as provider:
        token = exchange(provider, client.auth(), ClientCredentials())
        assert token.token_type == "Bearer"
        assert token.expires_in == provider.flavor.access_token_lifetime
        assert token.refresh_token is None
        assert (token.scope or "") == provider.flavor.default_scope
        assert provider.token_requests == 1


def test_awkward_basic_credentials_are_form_urlencoded(rfc6749: ReferenceProvider) -> None:
    # The fixed Basic client exists to exercise RFC 6749 §2.3.1: each of these must survive.
    for char in ":%+ ":
        assert char in BASIC_CLIENT.client_id
        assert char in (BASIC_CLIENT.client_secret or "")
    # Sent without the form-urlencoding step, a '+' or '%' in the secret decodes differently.
    client = rfc6749.register_client(
        RegisteredClient(
            client_id="plain-id",
            client_secret="a+b%2Bc d",
            auth_method="client_secret_basic",
        )
    )
    assert exchange(rfc6749, client.auth(), ClientCredentials()).access_token
    raw = basic_authorization("plain-id", "a+b%2Bc d", urlencode=False)
    response = post_form(rfc6749, [("grant_type", "client_credentials")], ("Authorization", raw))
    assert response.status == 401
    assert (response.header("www-authenticate") or "").startswith("Basic")
    with pytest.raises(InvalidClient):
        parse_token_response(rfc6749.profile(), response, received_at=0.0)


def test_rfc6749_success_headers(rfc6749: ReferenceProvider) -> None:
    response = send(
        prepare_token_request(rfc6749.profile(), POST_CLIENT.auth(), ClientCredentials("read"))
    )
    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert response.header("cache-control") == "no-store"
    assert response.header("pragma") == "no-cache"
    assert json.loads(response.body)["scope"] == "read"


# --- authorization_code + PKCE ---------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVOR_NAMES)
def test_code_with_pkce_round_trip(flavor: str) -> None:
    with ReferenceProvider(flavor) as provider:
        token = code_token(provider)
        assert token.refresh_token
        assert token.expires_in == provider.flavor.access_token_lifetime
        if flavor == "tencent-ciam":
            # JWT-shaped access and ID tokens, as Tencent's samples show.
            assert token.access_token.count(".") == 2
            assert token.id_token is not None
            assert token.id_token.count(".") == 2
            assert token.scope == "openid"
        else:
            assert "." not in token.access_token
            assert token.id_token is None
        if flavor == "api-v1":
            assert token.scope == "get_user_info"


@pytest.mark.parametrize("client", [POST_CLIENT, BASIC_CLIENT], ids=lambda c: c.auth_method)
def test_code_for_confidential_clients(
    rfc6749: ReferenceProvider, client: RegisteredClient
) -> None:
    assert code_token(rfc6749, client).refresh_token


def test_wrong_verifier_is_invalid_grant(rfc6749: ReferenceProvider) -> None:
    _, code = authorize(rfc6749, PUBLIC_CLIENT)
    wrong = AuthorizationCode(code, REDIRECT_URI, new_code_verifier())
    with pytest.raises(InvalidGrant):
        exchange(rfc6749, PUBLIC_CLIENT.auth(), wrong)


def test_code_is_single_use(rfc6749: ReferenceProvider) -> None:
    request, code = authorize(rfc6749, PUBLIC_CLIENT)
    exchange(rfc6749, PUBLIC_CLIENT.auth(), request.grant(code))
    with pytest.raises(InvalidGrant):
        exchange(rfc6749, PUBLIC_CLIENT.auth(), request.grant(code))


def test_code_is_bound_to_its_redirect_uri(rfc6749: ReferenceProvider) -> None:
    request, code = authorize(rfc6749, PUBLIC_CLIENT)
    other = AuthorizationCode(code, "http://127.0.0.1/elsewhere", request.code_verifier)
    with pytest.raises(InvalidGrant):
        exchange(rfc6749, PUBLIC_CLIENT.auth(), other)


def test_public_client_must_use_pkce(rfc6749: ReferenceProvider) -> None:
    request = authorization_url(
        rfc6749.profile(), PUBLIC_CLIENT.client_id, REDIRECT_URI, pkce=False
    )
    response = send(HttpRequest(method="GET", url=request.url, headers=()))
    assert response.status == 302  # the error goes back to the registered redirect URI
    with pytest.raises(InvalidRequest):
        parse_callback(response.header("location") or "", expected_state=request.state)


def test_unregistered_redirect_uri_is_not_followed(rfc6749: ReferenceProvider) -> None:
    request = authorization_url(
        rfc6749.profile(), PUBLIC_CLIENT.client_id, "http://127.0.0.1/attacker"
    )
    response = send(HttpRequest(method="GET", url=request.url, headers=()))
    assert response.status == 400
    assert response.header("location") is None
    assert json.loads(response.body)["error"] == "invalid_request"
    with pytest.raises(InvalidRequest):
        rfc6749.approve(request.url)


@pytest.mark.parametrize("flavor", FLAVOR_NAMES)
def test_in_process_code_helper(flavor: str) -> None:
    with ReferenceProvider(flavor) as provider:
        verifier = new_code_verifier()
        code = provider.issue_code(PUBLIC_CLIENT.client_id, code_challenge=code_challenge(verifier))
        grant = AuthorizationCode(code, REDIRECT_URI, verifier)
        assert exchange(provider, PUBLIC_CLIENT.auth(), grant).access_token
        assert provider.token_requests == 1
        with pytest.raises(InvalidRequest):  # public client without PKCE
            provider.issue_code(PUBLIC_CLIENT.client_id)


# --- refresh_token ---------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVOR_NAMES)
def test_refresh_with_rotation(flavor: str) -> None:
    with ReferenceProvider(flavor) as provider:
        first = code_token(provider)
        assert first.refresh_token is not None
        second = exchange(provider, PUBLIC_CLIENT.auth(), RefreshToken(first.refresh_token))
        assert second.refresh_token is not None
        assert second.refresh_token != first.refresh_token
        assert second.access_token != first.access_token
        assert second.scope == first.scope
        with pytest.raises(InvalidGrant):
            exchange(provider, PUBLIC_CLIENT.auth(), RefreshToken(first.refresh_token))
        third = exchange(provider, PUBLIC_CLIENT.auth(), RefreshToken(second.refresh_token))
        assert third.refresh_token not in (None, second.refresh_token)


def test_refresh_without_rotation() -> None:
    with ReferenceProvider("rfc6749", rotate_refresh_tokens=False) as provider:
        first = code_token(provider, POST_CLIENT)
        assert first.refresh_token is not None
        for _ in range(2):
            again = exchange(provider, POST_CLIENT.auth(), RefreshToken(first.refresh_token))
            assert again.refresh_token is None
            assert again.access_token != first.access_token


def test_refresh_token_is_bound_to_its_client(rfc6749: ReferenceProvider) -> None:
    token = code_token(rfc6749, POST_CLIENT)
    assert token.refresh_token is not None
    with pytest.raises(InvalidGrant):
        exchange(rfc6749, BASIC_CLIENT.auth(), RefreshToken(token.refresh_token))


def test_access_token_lifetime_override() -> None:
    with ReferenceProvider("api-v1", access_token_lifetime=5) as provider:
        assert exchange(provider, POST_CLIENT.auth(), ClientCredentials()).expires_in == 5
    with ReferenceProvider("rfc6749", access_token_lifetime=0) as provider:
        token = exchange(provider, POST_CLIENT.auth(), ClientCredentials())
        assert token.expires_in is None
        assert token.expires_at is None


# --- error answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        [("client_id", "nobody"), ("client_secret", "x"), ("grant_type", "client_credentials")],
        [("grant_type", "client_credentials")],
    ],
    ids=["unknown-client", "missing-client-id"],
)
def test_tencent_bodiless_401_is_invalid_client(fields: list[tuple[str, str]]) -> None:
    with ReferenceProvider("tencent-ciam") as provider:
        response = post_form(provider, fields)
        assert response.status == 401
        assert response.body == b""
        with pytest.raises(InvalidClient) as caught:
            parse_token_response(provider.profile(), response, received_at=0.0)
        assert caught.value.status == 401


def test_tencent_errors_carry_error_uri_and_its_content_type() -> None:
    with ReferenceProvider("tencent-ciam") as provider:
        wrong_secret = ClientAuth(POST_CLIENT.client_id, "wrong-secret")
        response = send(
            prepare_token_request(provider.profile(), wrong_secret, ClientCredentials())
        )
        assert response.status == 401
        assert response.header("content-type") == "application/json;charset=UTF-8"
        with pytest.raises(InvalidClient) as caught:
            parse_token_response(provider.profile(), response, received_at=0.0)
        assert caught.value.uri == "https://datatracker.ietf.org/doc/html/rfc6749#section-5.2"


def test_invalid_client_status_follows_the_method_tried(rfc6749: ReferenceProvider) -> None:
    post = send(
        prepare_token_request(
            rfc6749.profile(), ClientAuth(POST_CLIENT.client_id, "wrong"), ClientCredentials()
        )
    )
    assert post.status == 400
    assert post.header("www-authenticate") is None
    basic = send(
        prepare_token_request(
            rfc6749.profile(),
            ClientAuth(BASIC_CLIENT.client_id, "wrong", "client_secret_basic"),
            ClientCredentials(),
        )
    )
    assert basic.status == 401
    assert (basic.header("www-authenticate") or "").startswith("Basic ")
    for response in (post, basic):
        assert json.loads(response.body)["error"] == "invalid_client"
        assert response.header("cache-control") == "no-store"


_CREDS = [("client_id", POST_CLIENT.client_id), ("client_secret", POST_CLIENT.client_secret or "")]


@pytest.mark.parametrize(
    ("fields", "headers", "error"),
    [
        ([*_CREDS], (), "invalid_request"),
        ([*_CREDS, ("grant_type", "urn:example:unknown")], (), "unsupported_grant_type"),
        (
            [*_CREDS, ("grant_type", "client_credentials"), ("grant_type", "client_credentials")],
            (),
            "invalid_request",
        ),
        (
            [*_CREDS, ("grant_type", "client_credentials")],
            (
                (
                    "Authorization",
                    basic_authorization(POST_CLIENT.client_id, POST_CLIENT.client_secret or ""),
                ),
            ),
            "invalid_request",
        ),
        (
            [*_CREDS, ("grant_type", "refresh_token"), ("refresh_token", "bogus")],
            (),
            "invalid_grant",
        ),
    ],
    ids=[
        "missing-grant-type",
        "unknown-grant-type",
        "repeated-parameter",
        "two-auth-methods",
        "bogus-refresh-token",
    ],
)
def test_rfc6749_error_answers(
    rfc6749: ReferenceProvider,
    fields: list[tuple[str, str]],
    headers: tuple[tuple[str, str], ...],
    error: str,
) -> None:
    response = post_form(rfc6749, fields, *headers)
    assert response.status == 400
    assert json.loads(response.body)["error"] == error
    assert response.header("cache-control") == "no-store"


def test_token_endpoint_wants_a_form(rfc6749: ReferenceProvider) -> None:
    response = send(
        HttpRequest(
            method="POST",
            url=rfc6749.token_url,
            headers=(("Content-Type", "application/json"),),
            body=b'{"grant_type": "client_credentials"}',
        )
    )
    assert response.status == 400
    assert json.loads(response.body)["error"] == "invalid_request"
    get = send(HttpRequest(method="GET", url=rfc6749.token_url, headers=()))
    assert get.status == 405
    assert get.header("allow") == "POST"
    assert send(HttpRequest(method="GET", url=rfc6749.base_url + "/nope", headers=())).status == 404
    assert rfc6749.token_requests == 2


# --- broken modes ----------------------------------------------------------------------------


def _bogus_refresh(provider: ReferenceProvider) -> HttpResponse:
    return send(
        prepare_token_request(provider.profile(), POST_CLIENT.auth(), RefreshToken("bogus"))
    )


def _client_credentials(provider: ReferenceProvider) -> HttpResponse:
    return send(prepare_token_request(provider.profile(), POST_CLIENT.auth(), ClientCredentials()))


def test_broken_no_store() -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"no-store"})) as provider:
        for response in (_client_credentials(provider), _bogus_refresh(provider)):
            assert response.header("cache-control") is None
            assert response.header("pragma") is None
        assert exchange(provider, POST_CLIENT.auth(), ClientCredentials()).access_token


def test_broken_error_200() -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"error-200"})) as provider:
        response = _bogus_refresh(provider)
        assert response.status == 200
        assert json.loads(response.body)["error"] == "invalid_grant"
        with pytest.raises(InvalidGrant) as caught:
            parse_token_response(provider.profile(), response, received_at=0.0)
        assert caught.value.status == 200
        assert _client_credentials(provider).status == 200


def test_broken_expires_in_string() -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"expires-in-string"})) as provider:
        response = _client_credentials(provider)
        assert json.loads(response.body)["expires_in"] == "3600"
        lenient = provider.profile()
        assert parse_token_response(lenient, response, received_at=0.0).expires_in == 3600
        strict = msgspec.structs.replace(lenient, allow_string_expires_in=False)
        with pytest.raises(ProtocolError):
            parse_token_response(strict, response, received_at=0.0)


def test_broken_html_errors() -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"html-errors"})) as provider:
        response = _bogus_refresh(provider)
        assert response.status == 400
        assert response.header("content-type") == "text/html"
        assert response.body.startswith(b"<html>")
        with pytest.raises(ProtocolError) as caught:
            parse_token_response(provider.profile(), response, received_at=0.0)
        assert caught.value.status == 400
        assert _client_credentials(provider).header("content-type") == "application/json"


def test_all_broken_modes_are_known_and_others_refused() -> None:
    assert {"no-store", "error-200", "expires-in-string", "html-errors"} == BROKEN_MODES
    with pytest.raises(ConfigurationError, match="broken mode"):
        ReferenceProvider(broken=frozenset({"no-stor"}))
    with pytest.raises(ConfigurationError, match="flavor"):
        ReferenceProvider("keycloak")


# --- observability, lifecycle, secrets -------------------------------------------------------


def test_token_requests_counted_across_threads() -> None:
    with ReferenceProvider("api-v1", token_delay=0.05) as provider:
        results: list[int] = []
        lock = threading.Lock()

        def one() -> None:
            status = _client_credentials(provider).status
            with lock:
                results.append(status)

        threads = [threading.Thread(target=one) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert results == [200] * 6
        assert provider.token_requests == 6


def test_stop_and_restart_keeps_state() -> None:
    provider = ReferenceProvider("rfc6749")
    with pytest.raises(RuntimeError):
        _ = provider.base_url
    with provider:
        token = code_token(provider, POST_CLIENT)
        first_url = provider.base_url
    with pytest.raises(RuntimeError):
        _ = provider.base_url
    with provider:
        assert provider.base_url.startswith("http://127.0.0.1:")
        assert token.refresh_token is not None
        assert exchange(provider, POST_CLIENT.auth(), RefreshToken(token.refresh_token))
    assert first_url.startswith("http://127.0.0.1:")


def test_no_secret_in_reprs() -> None:
    with ReferenceProvider("rfc6749", broken=frozenset({"no-store"})) as provider:
        for text in (repr(BASIC_CLIENT), repr(POST_CLIENT), repr(provider)):
            assert (POST_CLIENT.client_secret or "") not in text
            assert (BASIC_CLIENT.client_secret or "") not in text
        assert "no-store" in repr(provider)
