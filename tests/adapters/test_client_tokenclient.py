"""TokenClient / AsyncTokenClient and TransportOptions, over scripted in-memory transports.

The clients are thin: these tests check that they hand the right grant to the core's flow, let the
flow (not the client) decide retries and waits, pick and close their transport as documented, and
never print a secret. Real sockets are exercised in ``test_transports.py``.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import trio

from tokenwire.adapters import client as tw_client
from tokenwire.adapters import httpcore as tw_httpcore
from tokenwire.adapters import stdlib as tw_stdlib
from tokenwire.adapters.profiles import generic
from tokenwire.adapters.transport import (
    Endpoint,
    EndpointCache,
    TransportOptions,
    build_ssl_context,
    parse_endpoint,
)
from tokenwire.core import (
    ClientAuth,
    ConfigurationError,
    HttpRequest,
    HttpResponse,
    InvalidGrant,
    RetryPolicy,
    Token,
    TransportError,
    decode_form,
)

SECRET = "S3cretClientValue-7f3a9"
PROFILE = generic("https://id.example/oauth2/token")
CLIENT = ClientAuth("tw-client", SECRET)
TOKEN = HttpResponse(
    status=200,
    headers=(("Content-Type", "application/json"),),
    body=json.dumps({"access_token": "at-1", "token_type": "bearer", "expires_in": 60}).encode(),
)
BUSY = HttpResponse(status=503, headers=(("Retry-After", "2"),), body=b"")
BAD_GRANT = HttpResponse(status=400, body=b'{"error": "invalid_grant"}')


class Scripted:
    """A transport that answers from a script and records what it was asked to send."""

    def __init__(self, *replies: HttpResponse | TransportError) -> None:
        self.replies = list(replies)
        self.sent: list[HttpRequest] = []
        self.closed = False

    def _next(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, TransportError):
            raise reply
        return reply

    def send(self, request: HttpRequest) -> HttpResponse:
        return self._next(request)

    def close(self) -> None:
        self.closed = True


class AsyncScripted(Scripted):
    async def send(self, request: HttpRequest) -> HttpResponse:  # type: ignore[override]
        return self._next(request)

    async def aclose(self) -> None:
        self.closed = True


def fields(request: HttpRequest) -> dict[str, str]:
    return dict(decode_form(request.body))


RUNNERS: dict[str, Callable[[Callable[[], Awaitable[Any]]], Any]] = {
    "asyncio": lambda fn: asyncio.run(fn()),  # type: ignore[arg-type]
    "trio": trio.run,
}


# --- the grant shortcuts ------------------------------------------------------------------------


def test_shortcuts_send_the_grant_they_name() -> None:
    transport = Scripted(TOKEN, TOKEN, TOKEN)
    client = tw_client.TokenClient(PROFILE, CLIENT, transport)

    token = client.refresh("rt-1", scope="read")
    client.client_credentials("write")
    client.exchange_code("code-1", "https://app.example/cb", "v" * 43)

    assert isinstance(token, Token)
    assert token.access_token == "at-1"
    assert token.token_type == "Bearer"
    sent = [fields(r) for r in transport.sent]
    assert sent[0]["grant_type"] == "refresh_token"
    assert (sent[0]["refresh_token"], sent[0]["scope"]) == ("rt-1", "read")
    assert (sent[1]["grant_type"], sent[1]["scope"]) == ("client_credentials", "write")
    assert sent[2]["grant_type"] == "authorization_code"
    assert (sent[2]["code"], sent[2]["redirect_uri"]) == ("code-1", "https://app.example/cb")
    assert sent[2]["code_verifier"] == "v" * 43
    assert all(r.url == PROFILE.token_url for r in transport.sent)


@pytest.mark.parametrize("loop", RUNNERS)
def test_async_shortcuts_send_the_grant_they_name(loop: str) -> None:
    transport = AsyncScripted(TOKEN, TOKEN, TOKEN)

    async def go() -> list[Token]:
        async with tw_client.AsyncTokenClient(PROFILE, CLIENT, transport) as client:
            return [
                await client.refresh("rt-1", scope="read"),
                await client.client_credentials("write"),
                await client.exchange_code("code-1", "https://app.example/cb"),
            ]

    tokens = RUNNERS[loop](go)

    assert [t.access_token for t in tokens] == ["at-1"] * 3
    grant_types = [fields(r)["grant_type"] for r in transport.sent]
    assert grant_types == ["refresh_token", "client_credentials", "authorization_code"]
    assert "code_verifier" not in fields(transport.sent[2])
    assert transport.closed


# --- retries come from the flow, identically sync and async -------------------------------------


def test_retry_after_is_waited_with_the_injected_sleep() -> None:
    slept: list[float] = []
    transport = Scripted(BUSY, TOKEN)
    client = tw_client.TokenClient(PROFILE, CLIENT, transport, sleep=slept.append)

    token = client.refresh("rt-1")

    assert token.access_token == "at-1"
    assert slept == [2.0]
    assert len(transport.sent) == 2


@pytest.mark.parametrize("loop", RUNNERS)
def test_async_client_retries_like_the_sync_one(loop: str) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    transport = AsyncScripted(BUSY, TOKEN)
    client = tw_client.AsyncTokenClient(PROFILE, CLIENT, transport, sleep=sleep)

    async def go() -> Token:
        return await client.refresh("rt-1")

    assert RUNNERS[loop](go).access_token == "at-1"
    assert slept == [2.0]
    assert len(transport.sent) == 2


def test_connect_failure_is_retried_and_oauth_error_is_not() -> None:
    refused = TransportError("could not connect", sent=False)
    transport = Scripted(refused, BAD_GRANT, TOKEN)
    client = tw_client.TokenClient(
        PROFILE, CLIENT, transport, sleep=lambda s: None, random=lambda: 0.0
    )

    with pytest.raises(InvalidGrant):
        client.refresh("rt-1")
    assert len(transport.sent) == 2


def test_retry_policy_is_passed_to_the_flow() -> None:
    refused = TransportError("could not connect", sent=False)
    transport = Scripted(refused, refused, TOKEN)
    client = tw_client.TokenClient(
        PROFILE, CLIENT, transport, retry=RetryPolicy(max_attempts=2), sleep=lambda s: None
    )

    with pytest.raises(TransportError) as caught:
        client.client_credentials()
    assert caught.value is refused
    assert len(transport.sent) == 2


@pytest.mark.parametrize("loop", RUNNERS)
def test_default_async_sleep_runs_on_either_loop(loop: str) -> None:
    async def go() -> str:
        await tw_client.async_sleep(0)
        return tw_client.current_async_library()

    assert RUNNERS[loop](go) == loop


# --- transports: choosing, owning, closing ------------------------------------------------------


def test_generic_clients_need_a_transport() -> None:
    with pytest.raises(ConfigurationError, match="needs a transport"):
        tw_client.TokenClient(PROFILE, CLIENT)
    with pytest.raises(ConfigurationError, match="needs a transport"):
        tw_client.AsyncTokenClient(PROFILE, CLIENT)


def test_transport_and_options_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        tw_httpcore.TokenClient(PROFILE, CLIENT, Scripted(), options=TransportOptions())


def test_module_clients_default_to_their_transport() -> None:
    options = TransportOptions(read_timeout=3.0)
    with tw_httpcore.TokenClient(PROFILE, CLIENT, options=options) as sync:
        assert isinstance(sync.transport, tw_httpcore.HttpcoreTransport)
        assert sync.transport.options is options
    with tw_stdlib.TokenClient(PROFILE, CLIENT) as stdlib:
        assert isinstance(stdlib.transport, tw_stdlib.StdlibTransport)
        assert stdlib.transport.options == TransportOptions()
    aclient = tw_httpcore.AsyncTokenClient(PROFILE, CLIENT)
    assert isinstance(aclient.transport, tw_httpcore.AsyncHttpcoreTransport)


def test_closing_the_client_closes_its_transport() -> None:
    transport = Scripted()
    with tw_client.TokenClient(PROFILE, CLIENT, transport):
        assert not transport.closed
    assert transport.closed


def test_client_repr_shows_no_secret() -> None:
    for client in (
        tw_client.TokenClient(PROFILE, CLIENT, Scripted()),
        tw_client.AsyncTokenClient(PROFILE, CLIENT, AsyncScripted()),
    ):
        text = repr(client)
        assert SECRET not in text
        assert "tw-client" in text
        assert PROFILE.token_url in text


# --- options, TLS context, endpoints ------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"connect_timeout": 0},
        {"read_timeout": -1.0},
        {"total_timeout": True},
        {"max_response_bytes": 0},
        {"max_response_bytes": 1.5},
        {"verify": False, "ssl_context": ssl.create_default_context()},
    ],
)
def test_bad_options_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        TransportOptions(**bad)


def test_defaults() -> None:
    options = TransportOptions()
    assert (options.connect_timeout, options.read_timeout, options.total_timeout) == (5, 10, 30)
    assert options.max_response_bytes == 1024 * 1024
    assert options.verify


def test_tls_context_verifies_by_default_and_honours_choices() -> None:
    default = build_ssl_context(TransportOptions())
    assert default.verify_mode == ssl.CERT_REQUIRED
    assert default.check_hostname
    assert default.get_ca_certs() or default.cert_store_stats()["x509_ca"] > 0

    unverified = build_ssl_context(TransportOptions(verify=False))
    assert unverified.verify_mode == ssl.CERT_NONE

    mine = ssl.create_default_context()
    assert build_ssl_context(TransportOptions(ssl_context=mine)) is mine


@pytest.mark.parametrize(
    "transport",
    [tw_httpcore.HttpcoreTransport, tw_httpcore.AsyncHttpcoreTransport, tw_stdlib.StdlibTransport],
)
def test_unreadable_client_certificate_is_a_configuration_error(
    transport: Callable[[TransportOptions], object], tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(ConfigurationError, match="client certificate"):
        transport(TransportOptions(client_cert=(missing, None)))


def test_endpoint_is_split_once_and_refusals_are_not_cached() -> None:
    endpoint = parse_endpoint("https://id.example/oauth2/token?tenant=a")
    assert (endpoint.host, endpoint.port, endpoint.target) == (
        "id.example",
        443,
        "/oauth2/token?tenant=a",
    )
    assert endpoint.authority == "id.example"
    assert endpoint.where == "id.example:443"
    loopback = parse_endpoint("http://[::1]:8080")
    assert (loopback.target, loopback.authority, loopback.where) == (
        "/",
        "[::1]:8080",
        "[::1]:8080",
    )

    built: list[str] = []

    def build(endpoint: Endpoint) -> str:
        built.append(endpoint.url)
        return endpoint.url

    cache: EndpointCache[str] = EndpointCache(build)
    for _ in range(3):
        assert cache.get("https://id.example/token") == "https://id.example/token"
        with pytest.raises(ConfigurationError):
            cache.get("http://id.example/token")
    assert built == ["https://id.example/token"]
