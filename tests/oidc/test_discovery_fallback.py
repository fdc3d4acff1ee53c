"""``Provider.discover`` reads RFC 8414 metadata when the OpenID path answers 404, and only then.

Against a loopback metadata server that publishes at a path the test chooses (and records every
path asked for), sync and async.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tokenwire.adapters.oidc import AsyncProvider, Provider
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.loopback import HOST, LoopbackHTTPServer, serving
from tokenwire.core import DiscoveryError

OPENID = "/.well-known/openid-configuration"
OAUTH = "/.well-known/oauth-authorization-server"


class MetadataServer(LoopbackHTTPServer):
    """Answers ``documents[path]`` (status, JSON) to a GET of ``path``, 404 to any other."""

    def __init__(self) -> None:
        super().__init__((HOST, 0), _Handler)
        self.documents: dict[str, tuple[int, dict[str, Any]]] = {}
        self.asked: list[str] = []
        self.lock = threading.Lock()

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: MetadataServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.asked.append(self.path)
        status, document = self.server.documents.get(self.path, (404, {"error": "not_found"}))
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[MetadataServer]:
    metadata = MetadataServer()
    with serving(metadata):
        yield metadata


def oauth_only(issuer: str) -> dict[str, Any]:
    """RFC 8414 §2 metadata of an OAuth server that issues no ID tokens (no jwks_uri)."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
    }


def discover(issuer: str, mode: str) -> Any:
    if mode == "sync":
        provider = Provider.discover(issuer, transport=StdlibTransport())
        return provider.metadata

    async def go() -> Any:
        provider = await AsyncProvider.discover(issuer)
        try:
            return provider.metadata
        finally:
            await provider.aclose()

    return asyncio.run(go())


MODES = ["sync", "asyncio"]


@pytest.mark.parametrize("mode", MODES)
def test_an_oauth_only_server_is_discovered_from_its_rfc8414_metadata(
    server: MetadataServer, mode: str
) -> None:
    server.documents[OAUTH] = (200, oauth_only(server.issuer))
    metadata = discover(server.issuer, mode)
    assert metadata.token_endpoint == f"{server.issuer}/token"
    assert metadata.jwks_uri is None
    assert server.asked == [OPENID, OAUTH]


@pytest.mark.parametrize("mode", MODES)
def test_the_openid_document_is_used_when_it_exists(server: MetadataServer, mode: str) -> None:
    document = {**oauth_only(server.issuer), "jwks_uri": f"{server.issuer}/jwks"}
    server.documents[OPENID] = (200, document)
    server.documents[OAUTH] = (200, oauth_only(server.issuer))
    assert discover(server.issuer, mode).jwks_uri == f"{server.issuer}/jwks"
    assert server.asked == [OPENID]


def test_a_failing_openid_path_is_final_not_a_reason_to_look_elsewhere(
    server: MetadataServer,
) -> None:
    server.documents[OPENID] = (500, {"error": "server_error"})
    server.documents[OAUTH] = (200, oauth_only(server.issuer))
    with pytest.raises(DiscoveryError, match="did not answer 200"):
        discover(server.issuer, "sync")
    assert server.asked == [OPENID]


def test_the_rfc8414_document_must_name_the_issuer_too(server: MetadataServer) -> None:
    server.documents[OAUTH] = (200, oauth_only("https://elsewhere.example"))
    with pytest.raises(DiscoveryError, match="not the one asked for"):
        discover(server.issuer, "sync")


def test_nothing_published_at_either_path_names_both(server: MetadataServer) -> None:
    with pytest.raises(DiscoveryError, match="neither") as caught:
        discover(server.issuer, "sync")
    assert OAUTH in str(caught.value)
    assert server.asked == [OPENID, OAUTH]
