"""The built-in transports, over real loopback sockets, held to one behaviour.

Every behaviour that must not depend on the HTTP library is checked through each built-in
transport (httpcore sync, httpcore async on asyncio and on trio, the stdlib one: the rows of
:data:`tokenwire.adapters.transport.BUILTIN_TRANSPORTS`) by one parametrized harness
(:mod:`tests.transport_harness`) against the servers of :mod:`tests.transport_servers`: a round
trip, keep-alive, the size cap, no redirects, timeouts, connect failures and the flow's retries,
the endpoint and header checks, TLS, and no secret in any error.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import pytest
import trio

from tests.transport_harness import (
    QUICK,
    THREE_QUICK_TRIES,
    Harness,
    assert_no_secret,
    post,
)
from tests.transport_servers import (
    ACCESS,
    CLIENT,
    CLIENT_SECRET,
    CODE,
    REFRESH,
    VERIFIER,
    CloseAfterAnswer,
    DeclaredTooLarge,
    Drip,
    Handler,
    HangUp,
    MultiHeader,
    Redirect,
    Server,
    Stall,
    UndeclaredTooLarge,
)
from tests.transport_tls import Pem, self_signed, server_context, trusting
from tokenwire.adapters import httpcore as tw_httpcore
from tokenwire.adapters import stdlib as tw_stdlib
from tokenwire.adapters.client import current_async_library
from tokenwire.adapters.profiles import generic
from tokenwire.adapters.transport import TransportOptions
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.core import (
    AuthorizationCode,
    CertificateError,
    ClientCredentials,
    ConfigurationError,
    Grant,
    HttpResponse,
    ProtocolError,
    RefreshToken,
    ResponseTooLarge,
    Token,
    TransportError,
    TransportTimeout,
    basic_authorization,
)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pem]:
    directory = tmp_path_factory.mktemp("tls")
    return {name: self_signed(directory, name) for name in ("server", "client")}


# --- behaviour ----------------------------------------------------------------------------------


def test_token_round_trip(harness: Harness, serve: Callable[..., Server]) -> None:
    server = serve(Handler)
    grants: list[Grant] = [
        ClientCredentials("a b"),
        RefreshToken(REFRESH),
        AuthorizationCode(CODE, "https://app.example/cb", VERIFIER),
    ]
    result = harness.tokens(generic(server.url), grants)

    assert [type(o) for o in result.outcomes] == [Token, Token, Token]
    token = result.outcomes[0]
    assert (token.access_token, token.token_type, token.expires_in) == (ACCESS, "Bearer", 3600)
    assert token.scopes == ("a", "b")
    assert result.attempts == 3
    first = server.requests[0]
    assert (first.method, first.path) == ("POST", "/token")
    headers = {k.lower(): v for k, v in first.headers}
    assert headers["host"] == f"{HOST}:{server.port}"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["content-length"] == str(len(first.body))
    assert headers["authorization"] == basic_authorization("tw-client", CLIENT_SECRET)
    assert first.body == b"grant_type=client_credentials&scope=a+b"
    assert server.requests[2].body.endswith(f"code_verifier={VERIFIER}".encode())


def test_response_status_headers_and_body_come_back_as_sent(
    harness: Harness, serve: Callable[..., Server]
) -> None:
    server = serve(MultiHeader)
    [response] = harness.exchange([post(server.url)])

    assert isinstance(response, HttpResponse)
    assert response.status == 201
    assert response.body == b"hello"
    assert [v for k, v in response.headers if k.lower() == "x-multi"] == ["one", "two"]
    assert response.header("content-length") == "5"


def test_keep_alive_reuses_one_connection(harness: Harness, serve: Callable[..., Server]) -> None:
    server = serve(Handler)
    result = harness.tokens(generic(server.url), [ClientCredentials()] * 4)

    assert all(isinstance(o, Token) for o in result.outcomes)
    assert len(server.requests) == 4
    assert server.connections == 1


def test_connection_closed_while_idle_is_not_written_to(
    harness: Harness, serve: Callable[..., Server]
) -> None:
    # Refresh grants are never resent once they may have arrived: if the transport wrote the
    # second request on the connection the server had closed, the refresh would fail.
    server = serve(CloseAfterAnswer)

    def wait_for_close() -> None:
        assert server.closed.wait(5)
        server.closed.clear()

    result = harness.tokens(
        generic(server.url), [RefreshToken(REFRESH)] * 2, between=wait_for_close
    )

    assert [type(o) for o in result.outcomes] == [Token, Token]
    assert result.attempts == 2
    assert server.connections == 2


def test_body_declared_over_the_cap_is_refused(
    harness: Harness, serve: Callable[..., Server]
) -> None:
    server = serve(DeclaredTooLarge)
    result = harness.tokens(generic(server.url), [ClientCredentials()], retry=THREE_QUICK_TRIES)

    [error] = result.outcomes
    assert isinstance(error, ResponseTooLarge)
    assert "max_response_bytes" in str(error)
    assert result.attempts == 1  # the same answer would come again: the flow does not retry
    assert_no_secret(error)


def test_reading_stops_at_the_cap(harness: Harness, serve: Callable[..., Server]) -> None:
    server = serve(UndeclaredTooLarge)
    [error] = harness.exchange([post(server.url)], QUICK)

    # Not TransportTimeout: the client did not wait for the bytes the server holds back.
    assert type(error) is ResponseTooLarge
    assert error.sent


def test_cap_is_configurable(harness: Harness, serve: Callable[..., Server]) -> None:
    server = serve(MultiHeader)  # a 5-byte body
    small = TransportOptions(max_response_bytes=4)
    exact = TransportOptions(max_response_bytes=5)

    [refused] = harness.exchange([post(server.url)], small)
    [accepted] = harness.exchange([post(server.url)], exact)

    assert isinstance(refused, ResponseTooLarge)
    assert isinstance(accepted, HttpResponse)
    assert accepted.body == b"hello"


def test_redirect_is_never_followed(harness: Harness, serve: Callable[..., Server]) -> None:
    server = serve(Redirect)
    result = harness.tokens(generic(server.url), [ClientCredentials()], retry=THREE_QUICK_TRIES)

    [error] = result.outcomes
    assert isinstance(error, ProtocolError)
    assert error.status == 302
    assert [r.path for r in server.requests] == ["/token"]


def test_stalled_server_times_out(harness: Harness, serve: Callable[..., Server]) -> None:
    server = serve(Stall)
    options = TransportOptions(read_timeout=0.2, total_timeout=10.0)
    result = harness.tokens(generic(server.url), [RefreshToken(REFRESH)], options=options)

    [error] = result.outcomes
    assert isinstance(error, TransportTimeout)
    assert error.sent  # the request left: a refresh token must not be resent
    assert "waiting for a response" in str(error)
    assert result.attempts == 1
    assert_no_secret(error)


def test_total_timeout_caps_every_wait(harness: Harness, serve: Callable[..., Server]) -> None:
    # The read timeout alone would let the exchange wait 60 s; the total deadline cuts it short.
    server = serve(Stall)
    options = TransportOptions(read_timeout=60.0, total_timeout=0.3)
    [error] = harness.exchange([post(server.url)], options)

    assert isinstance(error, TransportTimeout)
    assert "total timeout of 0.3 s" in str(error)


def test_total_timeout_stops_a_server_that_drips(
    harness: Harness, serve: Callable[..., Server]
) -> None:
    # Every read returns a byte long before the read timeout; only the deadline can end this.
    server = serve(Drip)
    options = TransportOptions(read_timeout=5.0, total_timeout=0.5)
    [error] = harness.exchange([post(server.url)], options)

    assert isinstance(error, TransportTimeout)
    assert "total timeout of 0.5 s" in str(error)


def test_refused_connect_is_retried_by_the_flow_for_every_grant(harness: Harness) -> None:
    port = free_port()  # nothing listens there
    grants: list[Grant] = [
        ClientCredentials(),
        RefreshToken(REFRESH),
        AuthorizationCode(CODE, "https://app.example/cb", VERIFIER),
    ]
    result = harness.tokens(generic(f"http://{HOST}:{port}/token"), grants, retry=THREE_QUICK_TRIES)

    assert result.attempts == 9  # nothing was sent, so even a code or refresh token is retried
    for error in result.outcomes:
        assert type(error) is TransportError
        assert error.sent is False
        assert f"{HOST}:{port}" in str(error)
        assert isinstance(error.__cause__, Exception)
        assert_no_secret(error)


def test_failure_after_sending_is_retried_only_for_repeatable_grants(
    harness: Harness, serve: Callable[..., Server]
) -> None:
    server = serve(HangUp)
    result = harness.tokens(
        generic(server.url),
        [RefreshToken(REFRESH), ClientCredentials()],
        retry=THREE_QUICK_TRIES,
    )

    refresh, credentials = result.outcomes
    assert type(refresh) is TransportError
    assert refresh.sent is True
    assert type(credentials) is TransportError
    assert result.attempts == 1 + 3
    assert len(server.requests) == 4
    assert_no_secret(refresh)


@pytest.mark.parametrize(
    "url",
    ["http://example.com/token", "http://10.1.2.3:8080/token", "http://[2001:db8::1]/token"],
)
def test_plain_http_off_loopback_is_refused_before_any_socket(
    harness: Harness, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    touched: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        touched.append(args)
        raise AssertionError("the network was touched")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    [error] = harness.exchange([post(url)])

    assert isinstance(error, ConfigurationError)
    assert "http://" in str(error)
    assert touched == []


def test_header_that_http_cannot_carry_is_refused_before_sending(
    harness: Harness, serve: Callable[..., Server]
) -> None:
    server = serve(Handler)
    secret_value = f"Bearer {ACCESS}\r\nX-Injected: 1"
    outcomes = harness.exchange(
        [
            post(server.url, (("Authorization", secret_value),)),
            post(server.url, (("Bad Name", "x"),)),
            post(server.url, (("X-Latin", "snow ☃"),)),
        ]
    )

    for error in outcomes:
        assert isinstance(error, ConfigurationError)
        assert_no_secret(error)
    assert server.requests == []


def test_computed_headers_are_not_taken_from_the_request(
    harness: Harness, serve: Callable[..., Server]
) -> None:
    # Host and Content-Length describe the URL and the body actually sent, whatever a caller says.
    server = serve(Handler)
    request = post(server.url, (("Host", "evil.example"), ("Content-Length", "9999")))
    [response] = harness.exchange([request])

    assert isinstance(response, HttpResponse)
    headers = [(k.lower(), v) for k, v in server.requests[0].headers]
    assert ("host", f"{HOST}:{server.port}") in headers
    assert [v for k, v in headers if k == "content-length"] == [str(len(request.body))]


# --- TLS ----------------------------------------------------------------------------------------


def test_self_signed_certificate_fails_verification_by_default(
    harness: Harness, serve: Callable[..., Server], certs: dict[str, Pem]
) -> None:
    server = serve(Handler, server_context(certs["server"]))
    result = harness.tokens(
        generic(server.url), [ClientCredentials()], options=None, retry=THREE_QUICK_TRIES
    )

    [error] = result.outcomes
    assert type(error) is CertificateError
    assert error.sent is False  # the handshake failed: nothing was sent
    assert result.attempts == 1  # the same certificate would come again: never retried
    assert "TLS" in str(error)
    assert "CERTIFICATE_VERIFY_FAILED" in str(error)
    assert server.requests == []
    assert_no_secret(error)


def test_custom_ssl_context_trusting_the_certificate_succeeds(
    harness: Harness, serve: Callable[..., Server], certs: dict[str, Pem]
) -> None:
    server = serve(Handler, server_context(certs["server"]))
    options = TransportOptions(ssl_context=trusting(certs["server"]))
    result = harness.tokens(generic(server.url), [ClientCredentials()] * 2, options=options)

    assert [type(o) for o in result.outcomes] == [Token, Token]
    assert server.connections == 1


def test_verify_false_accepts_any_certificate(
    harness: Harness, serve: Callable[..., Server], certs: dict[str, Pem]
) -> None:
    server = serve(Handler, server_context(certs["server"]))
    [response] = harness.exchange([post(server.url)], TransportOptions(verify=False))

    assert isinstance(response, HttpResponse)
    assert response.status == 200


def test_client_certificate_for_mutual_tls(
    harness: Harness, serve: Callable[..., Server], certs: dict[str, Pem]
) -> None:
    server = serve(Handler, server_context(certs["server"], client_ca=certs["client"]))
    client = certs["client"]
    options = TransportOptions(
        ssl_context=trusting(certs["server"]), client_cert=(str(client.cert), str(client.key))
    )
    result = harness.tokens(generic(server.url), [ClientCredentials()], options=options)

    assert [type(o) for o in result.outcomes] == [Token]
    assert server.peer_certs == [True]


# --- the default sleep follows the running loop ---------------------------------------------------


def test_current_async_library_names_the_running_loop() -> None:
    async def which() -> str:
        return current_async_library()

    assert asyncio.run(which()) == "asyncio"
    assert trio.run(which) == "trio"


def test_module_token_clients_work_without_a_transport(serve: Callable[..., Server]) -> None:
    server = serve(Handler)
    profile = generic(server.url)
    with tw_httpcore.TokenClient(profile, CLIENT) as sync_client:
        assert sync_client.client_credentials().access_token == ACCESS
    with tw_stdlib.TokenClient(profile, CLIENT) as stdlib_client:
        assert stdlib_client.refresh(REFRESH).access_token == ACCESS

    async def go() -> Token:
        async with tw_httpcore.AsyncTokenClient(profile, CLIENT) as async_client:
            return await async_client.client_credentials()

    assert asyncio.run(go()).access_token == ACCESS
    assert trio.run(go).access_token == ACCESS
    assert len(server.requests) == 4
