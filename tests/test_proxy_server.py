"""The test proxy itself (issue 12, item 4), spoken to with raw sockets and ``http.client``.

The transports' proxy tests rely on it: it must tunnel to ``tokens.test`` without anyone
resolving that name, refuse wrong credentials and unknown names before dialing anything, forward
absolute-form requests in origin form over a kept-alive client connection, and leave no thread or
socket behind.
"""

from __future__ import annotations

import base64
import socket
import ssl
import threading
from collections.abc import Iterator
from http.client import HTTPResponse
from pathlib import Path

import pytest

from tests.proxy_endpoint import (
    HOSTS,
    NAME,
    TokensTestEndpoint,
    UntilClose,
    plain_endpoint,
    tokens_test_endpoint,
)
from tests.proxy_server import THREAD, ProxiedRequest, RunningProxy, running_proxy
from tests.transport_servers import TOKEN_BODY
from tokenwire.conformance.loopback import HOST, free_port

USER, PASSWORD = "proxy user", "pa:ss/wörd"
RIGHT = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
WRONG = "Basic " + base64.b64encode(f"{USER}:nope".encode()).decode()
FORM = b"grant_type=client_credentials"


@pytest.fixture
def no_resolver(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Patch the resolver to fail loudly; the list holds every name anyone tried to resolve."""
    asked: list[object] = []

    def refuse(host: object, *args: object, **kwargs: object) -> None:
        asked.append(host)
        raise AssertionError(f"{host!r} was resolved")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return asked


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[TokensTestEndpoint]:
    with tokens_test_endpoint(tmp_path) as running:
        yield running


def connect(proxy: RunningProxy) -> socket.socket:
    """A raw connection to the proxy, by its numeric address (no resolver involved)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect((proxy.host, proxy.port))
    return sock


def ask(sock: socket.socket, head: str, body: bytes = b"", method: str = "POST") -> HTTPResponse:
    """Send one request (``head`` without its blank line) and read the answer's head."""
    sock.sendall(head.encode() + b"\r\n\r\n" + body)
    response = HTTPResponse(sock, method=method)
    response.begin()
    return response


def post(target: str, host: str, *extra: str) -> str:
    """The head of a token POST carrying :data:`FORM` (without its blank line)."""
    length = f"Content-Length: {len(FORM)}"
    return "\r\n".join([f"POST {target} HTTP/1.1", f"Host: {host}", *extra, length])


def test_a_connect_tunnel_reaches_tokens_test_which_only_the_proxy_can_resolve(
    endpoint: TokensTestEndpoint, no_resolver: list[object]
) -> None:
    target = f"{NAME}:{endpoint.port}"
    with running_proxy(HOSTS) as proxy, connect(proxy) as sock:
        opened = ask(sock, f"CONNECT {target} HTTP/1.1\r\nHost: {target}", method="CONNECT")
        assert opened.status == 200
        with endpoint.ca_context().wrap_socket(sock, server_hostname=NAME) as tls:
            answer = ask(tls, post("/token", target), FORM)
            assert (answer.status, answer.read()) == (200, TOKEN_BODY)

    assert proxy.log == [ProxiedRequest("CONNECT", target, None, 200)]
    assert proxy.dialed == [(HOST, endpoint.port)]
    assert [(seen.path, seen.body) for seen in endpoint.server.requests] == [("/token", FORM)]
    assert no_resolver == []


@pytest.mark.parametrize("server_hostname", [HOST, "localhost"])
def test_the_tokens_test_certificate_fails_a_client_that_checks_another_name(
    endpoint: TokensTestEndpoint, server_hostname: str
) -> None:
    target = f"{NAME}:{endpoint.port}"
    with running_proxy(HOSTS) as proxy, connect(proxy) as sock:
        assert ask(sock, f"CONNECT {target} HTTP/1.1", method="CONNECT").status == 200
        with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
            endpoint.ca_context().wrap_socket(sock, server_hostname=server_hostname)

    assert endpoint.server.requests == []


@pytest.mark.parametrize(
    "authorization", [None, WRONG, RIGHT.lower(), RIGHT.replace("Basic", "Bearer")]
)
def test_a_connect_without_the_exact_credentials_is_answered_407_and_closed(
    endpoint: TokensTestEndpoint, authorization: str | None
) -> None:
    target = f"{NAME}:{endpoint.port}"
    header = "" if authorization is None else f"\r\nProxy-Authorization: {authorization}"
    with running_proxy(HOSTS, credentials=(USER, PASSWORD)) as proxy, connect(proxy) as sock:
        refused = ask(sock, f"CONNECT {target} HTTP/1.1{header}", method="CONNECT")
        assert refused.status == 407
        assert refused.getheader("Proxy-Authenticate") == 'Basic realm="tokenwire-test"'
        assert refused.getheader("Content-Length") == "0"
        assert sock.recv(1) == b""  # closed

    assert proxy.log == [ProxiedRequest("CONNECT", target, authorization, 407)]
    assert proxy.dialed == []


def test_a_connect_with_the_right_credentials_opens_the_tunnel(
    endpoint: TokensTestEndpoint,
) -> None:
    target = f"{NAME}:{endpoint.port}"
    with running_proxy(HOSTS, credentials=(USER, PASSWORD)) as proxy, connect(proxy) as sock:
        head = f"CONNECT {target} HTTP/1.1\r\nProxy-Authorization: {RIGHT}"
        assert ask(sock, head, method="CONNECT").status == 200
        with endpoint.ca_context().wrap_socket(sock, server_hostname=NAME) as tls:
            assert ask(tls, post("/token", target), FORM).read() == TOKEN_BODY

    assert proxy.log == [ProxiedRequest("CONNECT", target, RIGHT, 200)]


def test_the_proxy_url_carries_percent_encoded_credentials() -> None:
    with running_proxy(HOSTS) as proxy:
        assert proxy.url == f"http://{HOST}:{proxy.port}"
        assert proxy.url_with(USER, PASSWORD) == (
            f"http://proxy%20user:pa%3Ass%2Fw%C3%B6rd@{HOST}:{proxy.port}"
        )


@pytest.mark.parametrize(
    "head",
    [
        "CONNECT elsewhere.example:443 HTTP/1.1",
        "CONNECT 10.1.2.3:443 HTTP/1.1",
        "CONNECT [2001:db8::1]:443 HTTP/1.1",
        "POST http://elsewhere.example/token HTTP/1.1\r\nContent-Length: 0",
        "POST http://192.0.2.7:8080/token HTTP/1.1\r\nContent-Length: 0",
    ],
)
def test_a_name_outside_the_mapping_or_an_address_off_loopback_is_answered_502_undialed(
    head: str, no_resolver: list[object]
) -> None:
    method, target, _ = head.split("\r\n", maxsplit=1)[0].split(" ")
    with running_proxy(HOSTS) as proxy, connect(proxy) as sock:
        assert ask(sock, head, method=method).status == 502
        assert sock.recv(1) == b""

    assert proxy.log == [ProxiedRequest(method, target, None, 502)]
    assert proxy.dialed == []
    assert no_resolver == []


def test_absolute_form_posts_are_forwarded_in_origin_form_on_one_kept_alive_connection() -> None:
    with (
        plain_endpoint() as upstream,
        running_proxy(HOSTS, credentials=(USER, PASSWORD)) as proxy,
        connect(proxy) as sock,
    ):
        head = post(
            upstream.url,
            f"{HOST}:{upstream.server.port}",
            f"Proxy-Authorization: {RIGHT}",
            "Proxy-Connection: keep-alive",
        )
        answers = []
        for _ in range(2):  # each answer read whole before the next request, on the same socket
            answer = ask(sock, head, FORM)
            answers.append((answer.status, answer.read()))
        assert answers == [(200, TOKEN_BODY)] * 2

    assert proxy.log == [ProxiedRequest("POST", upstream.url, RIGHT, 200)] * 2
    seen = upstream.server.requests
    assert [(request.method, request.path, request.body) for request in seen] == [
        ("POST", "/token", FORM)
    ] * 2
    for request in seen:
        names = {name.lower() for name, _ in request.headers}
        assert "proxy-authorization" not in names
        assert "proxy-connection" not in names
        assert ("Host", f"{HOST}:{upstream.server.port}") in request.headers


@pytest.mark.parametrize(
    "head",
    [
        "POST https://tokens.test:443/token HTTP/1.1\r\nContent-Length: 0",
        "POST /token HTTP/1.1\r\nHost: tokens.test\r\nContent-Length: 0",
        "GARBAGE",
        "CONNECT tokens.test:443",
        "CONNECT tokens.test:443 HTTP/1.1 extra",
        "CONNECT tokens.test HTTP/1.1",
        "CONNECT tokens.test:99999 HTTP/1.1",
        "CONNECT tokens.test:443 HTTP/1.1\r\nno colon here",
        "POST http://tokens.test/token HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4",
        "POST http://tokens.test/token HTTP/1.1\r\nTransfer-Encoding: chunked",
    ],
)
def test_what_is_not_a_well_formed_proxy_request_is_answered_400_and_closed(head: str) -> None:
    with running_proxy(HOSTS) as proxy, connect(proxy) as sock:
        refused = ask(sock, head)
        assert (refused.status, refused.getheader("Content-Length")) == (400, "0")
        assert sock.recv(1) == b""

    [logged] = proxy.log
    assert logged.status == 400
    assert proxy.dialed == []


def test_bytes_sent_right_behind_a_connect_go_through_the_tunnel() -> None:
    with plain_endpoint() as upstream, running_proxy({}) as proxy, connect(proxy) as sock:
        target = f"{HOST}:{upstream.server.port}"  # a loopback literal needs no mapping
        sock.sendall(f"CONNECT {target} HTTP/1.1\r\n\r\n{post('/token', target)}\r\n\r\n".encode())
        sock.sendall(FORM)
        received = b""
        while not received.endswith(TOKEN_BODY):
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk

    assert received.startswith(b"HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 ")
    assert proxy.log == [ProxiedRequest("CONNECT", target, None, 200)]
    assert [seen.body for seen in upstream.server.requests] == [FORM]


def test_an_upstream_that_refuses_the_connection_is_answered_502() -> None:
    target = f"{HOST}:{free_port()}"
    with running_proxy({}) as proxy, connect(proxy) as sock:
        assert ask(sock, f"CONNECT {target} HTTP/1.1", method="CONNECT").status == 502

    assert proxy.log == [ProxiedRequest("CONNECT", target, None, 502)]


def test_an_answer_without_a_length_is_relayed_until_the_upstream_closes_then_closed() -> None:
    with plain_endpoint(UntilClose) as upstream, running_proxy({}) as proxy, connect(proxy) as sock:
        answer = ask(sock, post(upstream.url, f"{HOST}:{upstream.server.port}"), FORM)
        assert (answer.status, answer.getheader("Content-Length")) == (200, None)
        assert answer.read() == TOKEN_BODY
        assert sock.recv(1) == b""

    assert proxy.log == [ProxiedRequest("POST", upstream.url, None, 200)]


def test_leaving_the_block_closes_open_tunnels_and_idle_connections_and_ends_every_thread(
    endpoint: TokensTestEndpoint,
) -> None:
    target = f"{NAME}:{endpoint.port}"
    with plain_endpoint() as upstream, running_proxy(HOSTS) as proxy:
        tunnel, idle = connect(proxy), connect(proxy)
        assert ask(tunnel, f"CONNECT {target} HTTP/1.1", method="CONNECT").status == 200
        # One answered request: the proxy holds this connection open, waiting for the next one.
        assert ask(idle, post(upstream.url, HOST), FORM).read() == TOKEN_BODY
        assert [thread.name for thread in threading.enumerate()].count(THREAD) == 3

    with tunnel, idle:
        assert (tunnel.recv(1), idle.recv(1)) == (b"", b"")
    assert THREAD not in [thread.name for thread in threading.enumerate()]
