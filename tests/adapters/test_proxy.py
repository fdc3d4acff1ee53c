"""Every built-in transport through a real HTTP proxy on loopback: env, ``proxy=``, NO_PROXY.

The token URL names ``tokens.test``, a host only the test proxy (``tests/proxy_server.py``) maps
to 127.0.0.1, served over TLS with a certificate for that name from a CA made for the test. The
process's resolver is fenced for these tests (:class:`Resolver`): a name it is not told about
fails to resolve, so nothing can leave the machine, and a test sees whether the client looked up
``tokens.test`` itself (going direct) or left that to the proxy.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.error_chain import shown
from tests.proxy_endpoint import (
    HOSTS,
    NAME,
    PlainEndpoint,
    TokensTestEndpoint,
    plain_endpoint,
    tokens_test_endpoint,
)
from tests.proxy_server import RunningProxy, running_proxy
from tests.raw_server import Answer, raw_server
from tests.transport_harness import HARNESSES, QUICK, Harness
from tokenwire.adapters.transport import TransportOptions
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.core import (
    ClientCredentials,
    ConfigurationError,
    Profile,
    Token,
    TransportError,
    TransportTimeout,
)

PASSWORD = "ProxyPassw0rd-9c1e7"
PROXY_VARIABLES = (
    "https_proxy",
    "http_proxy",
    "all_proxy",
    "no_proxy",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUEST_METHOD",
)

each_transport = pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)


@dataclass
class Resolver:
    """``socket.getaddrinfo`` fenced to loopback: ``names`` resolve to their address, literal
    addresses and ``localhost`` resolve as usual, any other name fails without a DNS query."""

    names: dict[str, str] = field(default_factory=dict)
    #: Every name (not a literal address) looked up, in order.
    looked_up: list[str] = field(default_factory=list)


@pytest.fixture(autouse=True)
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    fenced = Resolver()
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
        except (OSError, TypeError):
            pass
        else:
            return real(host, port, *args, **kwargs)  # a literal address: no lookup
        fenced.looked_up.append(name)
        if name == "localhost":
            return real(host, port, *args, **kwargs)
        if name in fenced.names:
            return real(fenced.names[name], port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"{name} is not resolved in these tests")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return fenced


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[TokensTestEndpoint]:
    with tokens_test_endpoint(tmp_path) as running:
        yield running


@pytest.fixture
def plain() -> Iterator[PlainEndpoint]:
    with plain_endpoint() as running:
        yield running


@pytest.fixture
def proxy() -> Iterator[RunningProxy]:
    with running_proxy(HOSTS) as running:
        yield running


@pytest.fixture
def guarded() -> Iterator[RunningProxy]:
    """A proxy that wants ``alice`` and :data:`PASSWORD`."""
    with running_proxy(HOSTS, credentials=("alice", PASSWORD)) as running:
        yield running


def options(endpoint: TokensTestEndpoint | None = None, **extra: Any) -> TransportOptions:
    """Quick timeouts, trusting the test CA (for ``tokens.test``), plus ``extra``."""
    context = None if endpoint is None else endpoint.ca_context()
    return TransportOptions(
        connect_timeout=QUICK.connect_timeout,
        read_timeout=QUICK.read_timeout,
        total_timeout=QUICK.total_timeout,
        ssl_context=context,
        **extra,
    )


def two_tokens(harness: Harness, url: str, transport_options: TransportOptions) -> list[Any]:
    """Two client_credentials requests on one transport: their outcomes."""
    grants = [ClientCredentials(), ClientCredentials()]
    return harness.tokens(Profile(token_url=url), grants, options=transport_options).outcomes


def one_failure(harness: Harness, url: str, transport_options: TransportOptions) -> TransportError:
    """The error one request ends with (the test fails if it gets a token)."""
    [outcome] = harness.tokens(
        Profile(token_url=url), [ClientCredentials()], options=transport_options
    ).outcomes
    assert isinstance(outcome, TransportError), outcome
    return outcome


def tunnels(proxy: RunningProxy) -> list[tuple[str, str, int]]:
    return [(seen.method, seen.target, seen.status) for seen in proxy.log]


@each_transport
def test_https_proxy_from_the_environment_tunnels_the_token_request(
    harness: Harness,
    endpoint: TokensTestEndpoint,
    proxy: RunningProxy,
    resolver: Resolver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    outcomes = two_tokens(harness, endpoint.url, options(endpoint))
    assert all(isinstance(outcome, Token) for outcome in outcomes), outcomes
    # One tunnel, kept alive for both requests; the client never looked the name up itself.
    assert tunnels(proxy) == [("CONNECT", f"{NAME}:{endpoint.port}", 200)]
    assert len(endpoint.server.requests) == 2
    assert NAME not in resolver.looked_up


@each_transport
def test_lower_case_https_proxy_and_all_proxy_are_read_too(
    harness: Harness,
    endpoint: TokensTestEndpoint,
    proxy: RunningProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    assert isinstance(two_tokens(harness, endpoint.url, options(endpoint))[0], Token)
    monkeypatch.setenv("https_proxy", proxy.url)
    monkeypatch.setenv("ALL_PROXY", f"http://{HOST}:{free_port()}")  # would fail if used
    assert isinstance(two_tokens(harness, endpoint.url, options(endpoint))[0], Token)
    assert [method for method, _, _ in tunnels(proxy)] == ["CONNECT", "CONNECT"]


@each_transport
def test_the_proxy_option_with_credentials_authenticates_to_the_proxy(
    harness: Harness,
    endpoint: TokensTestEndpoint,
    guarded: RunningProxy,
    resolver: Resolver,
) -> None:
    asked = options(endpoint, proxy=guarded.url_with("alice", PASSWORD))
    outcomes = two_tokens(harness, endpoint.url, asked)
    assert all(isinstance(outcome, Token) for outcome in outcomes), outcomes
    assert tunnels(guarded) == [("CONNECT", f"{NAME}:{endpoint.port}", 200)]
    assert guarded.log[0].proxy_authorization is not None
    # The proxy's credentials went to the proxy only, never to the token endpoint.
    for seen in endpoint.server.requests:
        assert "proxy-authorization" not in {name.lower() for name, _ in seen.headers}
    assert NAME not in resolver.looked_up


@each_transport
def test_a_proxy_that_refuses_the_credentials_fails_before_anything_is_sent(
    harness: Harness, endpoint: TokensTestEndpoint, guarded: RunningProxy
) -> None:
    wrong = options(endpoint, proxy=guarded.url_with("alice", PASSWORD + "-wrong"))
    error = one_failure(harness, endpoint.url, wrong)
    assert error.sent is False
    assert "407" in str(error)
    assert f"{NAME}:{endpoint.port} via proxy {HOST}:{guarded.port}" in str(error)
    assert PASSWORD not in shown(error)
    assert "alice" not in shown(error)
    assert tunnels(guarded) == [("CONNECT", f"{NAME}:{endpoint.port}", 407)]
    assert endpoint.server.requests == []


@each_transport
def test_a_proxy_that_cannot_reach_the_host_fails_before_anything_is_sent(
    harness: Harness, proxy: RunningProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    error = one_failure(harness, f"https://elsewhere.test:{free_port()}/token", options())
    assert error.sent is False
    assert "502" in str(error)
    assert proxy.dialed == []


@each_transport
def test_an_unreachable_proxy_fails_before_anything_is_sent(
    harness: Harness, endpoint: TokensTestEndpoint
) -> None:
    closed = f"http://alice:{PASSWORD}@{HOST}:{free_port()}"
    error = one_failure(harness, endpoint.url, options(endpoint, proxy=closed))
    assert error.sent is False
    assert "via proxy" in str(error)
    assert PASSWORD not in shown(error)


@each_transport
def test_no_proxy_sends_the_named_host_direct(
    harness: Harness,
    endpoint: TokensTestEndpoint,
    proxy: RunningProxy,
    resolver: Resolver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", f"localhost, .{NAME}")
    resolver.names[NAME] = HOST  # going direct, the client resolves the name itself
    outcomes = two_tokens(harness, endpoint.url, options(endpoint))
    assert all(isinstance(outcome, Token) for outcome in outcomes), outcomes
    assert proxy.log == []
    assert NAME in resolver.looked_up


@each_transport
def test_trust_env_false_ignores_https_proxy(
    harness: Harness,
    endpoint: TokensTestEndpoint,
    proxy: RunningProxy,
    resolver: Resolver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    resolver.names[NAME] = HOST
    outcomes = two_tokens(harness, endpoint.url, options(endpoint, trust_env=False))
    assert all(isinstance(outcome, Token) for outcome in outcomes), outcomes
    assert proxy.log == []


@each_transport
def test_plain_http_through_a_proxy_is_sent_in_absolute_form(
    harness: Harness, plain: PlainEndpoint, guarded: RunningProxy
) -> None:
    asked = options(proxy=guarded.url_with("alice", PASSWORD))
    outcomes = two_tokens(harness, plain.url, asked)
    assert all(isinstance(outcome, Token) for outcome in outcomes), outcomes
    assert tunnels(guarded) == [("POST", plain.url, 200), ("POST", plain.url, 200)]
    assert all(seen.proxy_authorization is not None for seen in guarded.log)
    for seen in plain.server.requests:
        assert seen.path == "/token"
        assert "proxy-authorization" not in {name.lower() for name, _ in seen.headers}


@each_transport
def test_loopback_is_never_proxied_from_the_environment(
    harness: Harness, plain: PlainEndpoint, proxy: RunningProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(name, proxy.url)
    outcomes = two_tokens(harness, plain.url, options())
    assert all(isinstance(outcome, Token) for outcome in outcomes), outcomes
    assert proxy.log == []
    assert len(plain.server.requests) == 2


@pytest.fixture
def silent_proxy() -> Iterator[str]:
    """A proxy that takes the connection and never answers: a listening socket nobody reads.

    The kernel completes the TCP handshake from its backlog, so connecting and writing the
    ``CONNECT`` succeed, and the client waits for an answer that never comes.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((HOST, 0))
        listener.listen(8)
        yield f"http://{HOST}:{listener.getsockname()[1]}"


@each_transport
def test_a_proxy_that_never_answers_the_tunnel_times_out_as_a_connect_failure(
    harness: Harness, endpoint: TokensTestEndpoint, silent_proxy: str
) -> None:
    """The deadline covers the ``CONNECT``, and nothing reached the endpoint: ``sent=False``,
    so a flow may retry even a refresh token."""
    stalled = TransportOptions(
        connect_timeout=0.3,
        read_timeout=0.3,
        total_timeout=0.6,
        ssl_context=endpoint.ca_context(),
        proxy=silent_proxy,
    )
    error = one_failure(harness, endpoint.url, stalled)
    assert isinstance(error, TransportTimeout)
    assert error.sent is False
    assert "via proxy" in str(error)
    assert endpoint.server.requests == []


@each_transport
def test_a_proxy_that_hangs_up_before_answering_the_tunnel_sent_nothing(
    harness: Harness, endpoint: TokensTestEndpoint
) -> None:
    with raw_server(lambda received: Answer(b"", close=True)) as hangs_up:
        asked = options(endpoint, proxy=f"http://{HOST}:{hangs_up.server_address[1]}")
        error = one_failure(harness, endpoint.url, asked)
    assert error.sent is False
    assert "via proxy" in str(error)
    assert endpoint.server.requests == []


@each_transport
def test_an_unusable_https_proxy_in_the_environment_stops_only_what_would_use_it(
    harness: Harness,
    plain: PlainEndpoint,
    endpoint: TokensTestEndpoint,
    resolver: Resolver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``HTTPS_PROXY=https://...`` (TLS to the proxy, which tokenwire does not speak) does not
    stop a loopback endpoint; an endpoint that would need it is refused before anything is sent."""
    monkeypatch.setenv("HTTPS_PROXY", f"https://alice:{PASSWORD}@{HOST}:{free_port()}")
    monkeypatch.setenv("HTTP_PROXY", f"https://alice:{PASSWORD}@{HOST}:{free_port()}")
    outcomes = two_tokens(harness, plain.url, options())
    assert all(isinstance(outcome, Token) for outcome in outcomes), outcomes
    [refused] = harness.tokens(
        Profile(token_url=endpoint.url), [ClientCredentials()], options=options(endpoint)
    ).outcomes
    assert isinstance(refused, ConfigurationError), refused
    assert "HTTPS_PROXY" in str(refused)
    assert PASSWORD not in shown(refused)
    assert endpoint.server.requests == []
    assert NAME not in resolver.looked_up
