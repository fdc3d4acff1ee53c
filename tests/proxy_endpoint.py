"""Token endpoints for the proxy tests: one over TLS named ``tokens.test``, one plain on loopback.

``tokens.test`` exists nowhere but in the test proxy's ``hosts`` mapping (:data:`HOSTS`), so a
request that reaches :func:`tokens_test_endpoint` went through the proxy. Its certificate, from a
CA made for the test, names ``tokens.test`` only (no IP address): a client that connects by IP,
or wraps the tunnel without sending that name, fails verification instead of passing by luck.

The plain endpoint serves the absolute-form case (``http://`` through a proxy), which stays on
127.0.0.1 because a plain-http token URL off loopback is refused by the transports themselves.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.mtls_endpoint import LocalCa
from tests.transport_servers import TOKEN_BODY, Handler, Server
from tests.transport_tls import server_context
from tokenwire.conformance.loopback import HOST, serving

__all__ = [
    "HOSTS",
    "NAME",
    "PlainEndpoint",
    "TokensTestEndpoint",
    "UntilClose",
    "plain_endpoint",
    "tokens_test_endpoint",
]

#: The name only the test proxy knows.
NAME = "tokens.test"
#: The ``hosts`` mapping to give :func:`tests.proxy_server.running_proxy`.
HOSTS = {NAME: HOST}


@dataclass(frozen=True)
class TokensTestEndpoint:
    """A running TLS token endpoint for ``tokens.test`` and the CA that signed its certificate."""

    server: Server
    ca: LocalCa

    @property
    def port(self) -> int:
        """The port on 127.0.0.1 (and so on ``tokens.test``, through the proxy)."""
        return self.server.port

    @property
    def url(self) -> str:
        """``https://tokens.test:PORT/token``."""
        return f"https://{NAME}:{self.port}/token"

    def ca_context(self) -> ssl.SSLContext:
        """A fresh client context that trusts the test CA only."""
        return self.ca.trusting()


@dataclass(frozen=True)
class PlainEndpoint:
    """A running plain-http token endpoint on 127.0.0.1."""

    server: Server

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/token``."""
        return self.server.url


class UntilClose(Handler):
    """Answers a token with no ``Content-Length`` and closes: the body ends where the stream
    does, so a proxy must relay until the close."""

    def answer(self) -> None:
        self.reply(200, TOKEN_BODY, [("Content-Type", "application/json")], length=False)
        self.close_connection = True


@contextmanager
def _running(server: Server) -> Iterator[Server]:
    with serving(server):
        try:
            yield server
        finally:
            server.release.set()


@contextmanager
def tokens_test_endpoint(directory: Path) -> Iterator[TokensTestEndpoint]:
    """Serve tokens over TLS, certified for ``tokens.test`` only (PEM files in ``directory``)."""
    ca = LocalCa(directory)
    pem = ca.issue(NAME, dns_names=[NAME])
    with _running(Server(Handler, server_context(pem))) as server:
        yield TokensTestEndpoint(server, ca)


@contextmanager
def plain_endpoint(
    handler: type[BaseHTTPRequestHandler] = Handler,
) -> Iterator[PlainEndpoint]:
    """Serve tokens over plain http on 127.0.0.1 (``handler`` picks the answer)."""
    with _running(Server(handler)) as server:
        yield PlainEndpoint(server)
