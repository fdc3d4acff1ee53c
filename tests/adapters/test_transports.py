"""The built-in transports, over real loopback sockets, held to one behaviour.

Every behaviour that must not depend on the HTTP library is checked through each of the four
transports (httpcore sync, httpcore async on asyncio and on trio, the stdlib one) by one
parametrized harness: a round trip, keep-alive, the size cap, no redirects, timeouts, connect
failures and the flow's retries, the endpoint and header checks, TLS, and no secret in any error.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
import trio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tokenwire.adapters import httpcore as tw_httpcore
from tokenwire.adapters import stdlib as tw_stdlib
from tokenwire.adapters.client import AsyncTokenClient, TokenClient, current_async_library
from tokenwire.adapters.profiles import generic
from tokenwire.adapters.transport import AsyncTransport, Transport, TransportOptions
from tokenwire.conformance.loopback import HOST, LoopbackHTTPServer, free_port, serving
from tokenwire.core import (
    AuthorizationCode,
    CertificateError,
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    Grant,
    HttpRequest,
    HttpResponse,
    Profile,
    ProtocolError,
    RefreshToken,
    ResponseTooLarge,
    RetryPolicy,
    Token,
    TokenwireError,
    TransportError,
    TransportTimeout,
    basic_authorization,
)

T = TypeVar("T")

# Recognisable secrets: none of them may ever show up in an error's str or repr.
CLIENT_SECRET = "S3cretClientValue-7f3a9"
REFRESH = "RefreshTokenSecret-55c1e"
CODE = "AuthCodeSecret-0d9e2b"
VERIFIER = "VerifierSecret-" + "v" * 40
ACCESS = "AccessTokenSecret-91ab4"
CLIENT = ClientAuth("tw-client", CLIENT_SECRET, method="client_secret_basic")
SECRETS = (
    CLIENT_SECRET,
    REFRESH,
    CODE,
    VERIFIER,
    ACCESS,
    basic_authorization("tw-client", CLIENT_SECRET).split()[1],
)

ONE_TRY = RetryPolicy(max_attempts=1)
THREE_QUICK_TRIES = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)
QUICK = TransportOptions(connect_timeout=5.0, read_timeout=5.0, total_timeout=10.0)
CAP = 1024 * 1024
TOKEN_BODY = json.dumps(
    {"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600, "scope": "a b"}
).encode()


# --- loopback servers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


class Server(LoopbackHTTPServer):
    """A loopback server that records connections and requests, optionally over TLS."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__((HOST, 0), handler)
        self.tls = tls
        self.lock = threading.Lock()
        self.connections = 0
        self.requests: list[Seen] = []
        self.peer_certs: list[bool] = []
        #: Set at teardown: handlers that stall wait on it, so no thread outlives the test.
        self.release = threading.Event()
        #: Set each time the server has closed a client connection.
        self.closed = threading.Event()

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        if self.tls is not None:
            # The handshake runs in the handler's thread, on first read, not in the accept loop.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        self.closed.set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-answer is what several tests do on purpose: stay quiet."""

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{HOST}:{self.port}/token"


class Handler(BaseHTTPRequestHandler):
    """Answers every POST with a token; subclasses change :meth:`answer`."""

    protocol_version = "HTTP/1.1"
    timeout = 10  # a handler can never wait longer than this on its socket
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if isinstance(self.connection, ssl.SSLSocket):
            self.server.peer_certs.append(bool(self.connection.getpeercert()))
        with self.server.lock:
            self.server.requests.append(Seen(self.command, self.path, self.headers.items(), body))
        self.answer()

    def answer(self) -> None:
        self.reply(200, TOKEN_BODY, [("Content-Type", "application/json")])

    def reply(
        self, status: int, body: bytes, headers: Sequence[tuple[str, str]] = (), length: bool = True
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class MultiHeader(Handler):
    def answer(self) -> None:
        self.reply(201, b"hello", [("X-Multi", "one"), ("X-Multi", "two")])


class CloseAfterAnswer(Handler):
    """Answers, then closes the connection without saying so (no ``Connection: close``)."""

    def answer(self) -> None:
        super().answer()
        self.close_connection = True


class DeclaredTooLarge(Handler):
    def answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(2 * CAP))
        self.end_headers()
        self.wfile.write(b"x" * (2 * CAP))


class UndeclaredTooLarge(Handler):
    """Sends a little more than the cap with no length, then stalls until teardown.

    A client that kept reading past the cap would wait for the rest and time out instead of
    raising ResponseTooLarge.
    """

    def answer(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"x" * (CAP + 128 * 1024))
        self.server.release.wait(10)


class Redirect(Handler):
    def answer(self) -> None:
        self.reply(302, b"", [("Location", f"http://{HOST}:{self.server.port}/elsewhere")])


class Stall(Handler):
    def answer(self) -> None:
        self.server.release.wait(10)
        self.close_connection = True


class Drip(Handler):
    """Starts an answer, then sends a header a byte at a time, each well within a read timeout."""

    def answer(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
        for _ in range(40):
            if self.server.release.wait(0.05):  # paces the drip; ends it at teardown
                return
            self.wfile.write(b"a")
        # A client still listening after two seconds gets a complete, successful answer.
        self.wfile.write(b"\r\nContent-Length: 0\r\n\r\n")


class HangUp(Handler):
    """Reads the whole request, then closes the connection without answering."""

    def answer(self) -> None:
        self.close_connection = True


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    started: list[tuple[Server, Any]] = []

    def start(handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> Server:
        server = Server(handler, tls)
        running = serving(server)
        running.__enter__()
        started.append((server, running))
        return server

    yield start
    for server, running in started:
        server.release.set()
        running.__exit__(None, None, None)


# --- the harness: one interface over the four transports ----------------------------------------


class CountingTransport:
    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.attempts = 0

    def send(self, request: HttpRequest) -> HttpResponse:
        self.attempts += 1
        return self.inner.send(request)


class AsyncCountingTransport:
    def __init__(self, inner: AsyncTransport) -> None:
        self.inner = inner
        self.attempts = 0

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.attempts += 1
        return await self.inner.send(request)


Outcome = Any  # HttpResponse | Token | TokenwireError


@dataclass
class Result:
    outcomes: list[Outcome]
    attempts: int


class Harness:
    name: ClassVar[str]

    def exchange(
        self, requests: Sequence[HttpRequest], options: TransportOptions | None = None
    ) -> list[Outcome]:
        raise NotImplementedError

    def tokens(
        self,
        profile: Profile,
        grants: Sequence[Grant],
        *,
        options: TransportOptions | None = QUICK,
        retry: RetryPolicy = ONE_TRY,
        between: Callable[[], object] = lambda: None,
    ) -> Result:
        raise NotImplementedError


class SyncHarness(Harness):
    def __init__(self, name: str, transport: type[tw_httpcore.HttpcoreTransport]) -> None:
        self.name = name  # type: ignore[misc]
        self.transport = transport

    def exchange(
        self, requests: Sequence[HttpRequest], options: TransportOptions | None = None
    ) -> list[Outcome]:
        out: list[Outcome] = []
        with self.transport(options) as transport:
            for request in requests:
                try:
                    out.append(transport.send(request))
                except TokenwireError as exc:
                    out.append(exc)
        return out

    def tokens(
        self,
        profile: Profile,
        grants: Sequence[Grant],
        *,
        options: TransportOptions | None = QUICK,
        retry: RetryPolicy = ONE_TRY,
        between: Callable[[], object] = lambda: None,
    ) -> Result:
        inner = self.transport(options)
        counting = CountingTransport(inner)
        out: list[Outcome] = []
        with TokenClient(profile, CLIENT, counting, retry=retry) as client:
            for i, grant in enumerate(grants):
                if i:
                    between()
                try:
                    out.append(client.request(grant))
                except TokenwireError as exc:
                    out.append(exc)
        inner.close()
        return Result(out, counting.attempts)


class AsyncHarness(Harness):
    def __init__(self, name: str, run: Callable[[Callable[[], Awaitable[Any]]], Any]) -> None:
        self.name = name  # type: ignore[misc]
        self._run = run

    def run(self, fn: Callable[[], Awaitable[T]]) -> T:
        result: T = self._run(fn)
        return result

    def exchange(
        self, requests: Sequence[HttpRequest], options: TransportOptions | None = None
    ) -> list[Outcome]:
        async def go() -> list[Outcome]:
            out: list[Outcome] = []
            async with tw_httpcore.AsyncHttpcoreTransport(options) as transport:
                for request in requests:
                    try:
                        out.append(await transport.send(request))
                    except TokenwireError as exc:
                        out.append(exc)
            return out

        return self.run(go)

    def tokens(
        self,
        profile: Profile,
        grants: Sequence[Grant],
        *,
        options: TransportOptions | None = QUICK,
        retry: RetryPolicy = ONE_TRY,
        between: Callable[[], object] = lambda: None,
    ) -> Result:
        async def go() -> Result:
            inner = tw_httpcore.AsyncHttpcoreTransport(options)
            counting = AsyncCountingTransport(inner)
            out: list[Outcome] = []
            # The default sleep: it must work on whichever loop runs this.
            async with AsyncTokenClient(profile, CLIENT, counting, retry=retry) as client:
                for i, grant in enumerate(grants):
                    if i:
                        between()
                    try:
                        out.append(await client.request(grant))
                    except TokenwireError as exc:
                        out.append(exc)
            await inner.aclose()
            return Result(out, counting.attempts)

        return self.run(go)


HARNESSES: list[Harness] = [
    SyncHarness("httpcore-sync", tw_httpcore.HttpcoreTransport),
    AsyncHarness("httpcore-asyncio", lambda fn: asyncio.run(fn())),  # type: ignore[arg-type]
    AsyncHarness("httpcore-trio", trio.run),
    SyncHarness("stdlib", tw_stdlib.StdlibTransport),  # type: ignore[arg-type]
]


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def harness(request: pytest.FixtureRequest) -> Harness:
    chosen: Harness = request.param
    return chosen


def post(url: str, headers: tuple[tuple[str, str], ...] = ()) -> HttpRequest:
    return HttpRequest(
        method="POST",
        url=url,
        headers=(("Content-Type", "application/x-www-form-urlencoded"), *headers),
        body=b"grant_type=client_credentials",
    )


def assert_no_secret(error: BaseException) -> None:
    """Neither the error nor anything in its cause chain shows a secret."""
    seen: BaseException | None = error
    while seen is not None:
        for text in (str(seen), repr(seen), str(seen.args)):
            for secret in SECRETS:
                assert secret not in text, f"{type(seen).__name__} leaks a secret: {text}"
        seen = seen.__cause__ or seen.__context__


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


@dataclass(frozen=True)
class Pem:
    cert: Path
    key: Path


def _self_signed(directory: Path, name: str) -> Pem:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = Pem(directory / f"{name}.crt", directory / f"{name}.key")
    pem.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pem


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pem]:
    directory = tmp_path_factory.mktemp("tls")
    return {name: _self_signed(directory, name) for name in ("server", "client")}


def _server_context(pem: Pem, client_ca: Pem | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem.cert, pem.key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca.cert)
    return context


def _trusting(pem: Pem) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pem.cert))


def test_self_signed_certificate_fails_verification_by_default(
    harness: Harness, serve: Callable[..., Server], certs: dict[str, Pem]
) -> None:
    server = serve(Handler, _server_context(certs["server"]))
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
    server = serve(Handler, _server_context(certs["server"]))
    options = TransportOptions(ssl_context=_trusting(certs["server"]))
    result = harness.tokens(generic(server.url), [ClientCredentials()] * 2, options=options)

    assert [type(o) for o in result.outcomes] == [Token, Token]
    assert server.connections == 1


def test_verify_false_accepts_any_certificate(
    harness: Harness, serve: Callable[..., Server], certs: dict[str, Pem]
) -> None:
    server = serve(Handler, _server_context(certs["server"]))
    [response] = harness.exchange([post(server.url)], TransportOptions(verify=False))

    assert isinstance(response, HttpResponse)
    assert response.status == 200


def test_client_certificate_for_mutual_tls(
    harness: Harness, serve: Callable[..., Server], certs: dict[str, Pem]
) -> None:
    server = serve(Handler, _server_context(certs["server"], client_ca=certs["client"]))
    client = certs["client"]
    options = TransportOptions(
        ssl_context=_trusting(certs["server"]), client_cert=(str(client.cert), str(client.key))
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
