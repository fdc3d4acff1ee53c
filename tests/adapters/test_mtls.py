"""Mutual-TLS client authentication (RFC 8705) through every built-in transport.

Against a loopback TLS token endpoint that requires a client certificate and maps it to a client
(``tests/mtls_endpoint.py``): the right certificate gets a token; a certificate from the same CA
registered to another client gets ``invalid_client``; a client whose transport has no certificate
fails at construction, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from tests.mtls_endpoint import ALPHA, BETA, SELF_SIGNED, TOKEN_PREFIX, MtlsEndpoint, mtls_endpoint
from tests.transport_harness import EVENT_LOOPS, HARNESSES, QUICK, Harness
from tokenwire.adapters.client import AsyncTokenClient, TokenClient
from tokenwire.adapters.stdlib import TokenClient as StdlibTokenClient
from tokenwire.adapters.transport import (
    BUILTIN_TRANSPORTS,
    AsyncTransport,
    BuiltinTransport,
    Transport,
    TransportOptions,
)
from tokenwire.core import (
    ClientAuth,
    ClientCredentials,
    ConfigurationError,
    DiscoveryError,
    InvalidClient,
    Profile,
    ProviderMetadata,
    Token,
    profile_from_metadata,
)
from tokenwire.core.auth import AuthMethod

#: Each client's method: two certificates from the test CA, one self-signed.
METHODS: dict[str, AuthMethod] = {
    ALPHA: "tls_client_auth",
    BETA: "tls_client_auth",
    SELF_SIGNED: "self_signed_tls_client_auth",
}


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[MtlsEndpoint]:
    with mtls_endpoint(tmp_path) as running:
        yield running


def presenting(endpoint: MtlsEndpoint, cert_of: str) -> TransportOptions:
    """Transport options trusting the test CA and presenting ``cert_of``'s certificate."""
    pem = endpoint.certs[cert_of]
    return TransportOptions(
        connect_timeout=QUICK.connect_timeout,
        read_timeout=QUICK.read_timeout,
        total_timeout=QUICK.total_timeout,
        ssl_context=endpoint.ca.trusting(),
        client_cert=(str(pem.cert), str(pem.key)),
    )


def auth(client_id: str) -> ClientAuth:
    return ClientAuth(client_id, method=METHODS[client_id])


@pytest.mark.parametrize("client_id", [ALPHA, SELF_SIGNED])
@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
def test_the_registered_certificate_gets_a_token_through_every_transport(
    endpoint: MtlsEndpoint, harness: Harness, client_id: str
) -> None:
    profile = Profile(token_url=endpoint.url)
    result = harness.tokens(
        profile,
        [ClientCredentials()],
        options=presenting(endpoint, client_id),
        auth=auth(client_id),
    )
    [token] = result.outcomes
    assert isinstance(token, Token), token
    assert token.access_token == TOKEN_PREFIX + client_id
    assert endpoint.server.peer_certs == [True]


@pytest.mark.parametrize("harness", HARNESSES, ids=lambda h: h.name)
def test_a_certificate_from_the_same_ca_registered_to_another_client_is_invalid_client(
    endpoint: MtlsEndpoint, harness: Harness
) -> None:
    profile = Profile(token_url=endpoint.url)
    result = harness.tokens(
        profile, [ClientCredentials()], options=presenting(endpoint, BETA), auth=auth(ALPHA)
    )
    [error] = result.outcomes
    assert isinstance(error, InvalidClient)
    assert result.attempts == 1  # invalid_client is final


def _client_over(entry: BuiltinTransport, profile: Profile, client: ClientAuth) -> None:
    """Build a client of ``entry``'s kind over a transport without a client certificate."""
    transport = entry.build(TransportOptions())
    try:
        if entry.mode == "sync":
            TokenClient(profile, client, cast("Transport", transport))
        else:
            AsyncTokenClient(profile, client, cast("AsyncTransport", transport))
    finally:
        if entry.mode == "sync":
            transport.close()  # type: ignore[union-attr]
        else:
            aclose = transport.aclose  # type: ignore[union-attr]
            EVENT_LOOPS[entry.mode](aclose)


@pytest.mark.parametrize("method", ["tls_client_auth", "self_signed_tls_client_auth"])
@pytest.mark.parametrize("entry", BUILTIN_TRANSPORTS, ids=lambda e: e.name)
def test_an_mtls_client_without_a_certificate_fails_before_anything_is_sent(
    endpoint: MtlsEndpoint, entry: BuiltinTransport, method: AuthMethod
) -> None:
    profile = Profile(token_url=endpoint.url)
    client = ClientAuth(ALPHA, method=method)
    with pytest.raises(ConfigurationError, match="client certificate"):
        _client_over(entry, profile, client)
    with pytest.raises(ConfigurationError, match="client_cert"):
        StdlibTokenClient(profile, client, options=TransportOptions(total_timeout=5.0))
    assert endpoint.server.connections == 0


def test_an_mtls_client_uses_the_metadatas_mtls_endpoint_alias(endpoint: MtlsEndpoint) -> None:
    # The plain token endpoint is a port nothing listens on: only the alias can answer.
    metadata = ProviderMetadata(
        issuer="https://127.0.0.1",
        token_endpoint="https://127.0.0.1:9/token",
        revocation_endpoint="https://127.0.0.1:9/revoke",
        mtls_endpoint_aliases={
            "token_endpoint": endpoint.url,
            "revocation_endpoint": "https://127.0.0.1:8443/revoke",
        },
    )
    plain = profile_from_metadata(metadata)
    assert plain.token_url == "https://127.0.0.1:9/token"
    profile = profile_from_metadata(metadata, mtls=True)
    assert profile.token_url == endpoint.url
    assert profile.revocation_url == "https://127.0.0.1:8443/revoke"
    with StdlibTokenClient(profile, auth(ALPHA), options=presenting(endpoint, ALPHA)) as client:
        assert client.client_credentials().access_token == TOKEN_PREFIX + ALPHA


def test_a_bad_mtls_alias_is_the_providers_fault_and_unused_without_mtls() -> None:
    metadata = ProviderMetadata(
        issuer="https://op.example.com",
        token_endpoint="https://op.example.com/token",
        mtls_endpoint_aliases={"token_endpoint": "ftp://mtls.example.com/token"},
    )
    assert profile_from_metadata(metadata).token_url == "https://op.example.com/token"
    with pytest.raises(DiscoveryError, match="mTLS alias of the token_endpoint"):
        profile_from_metadata(metadata, mtls=True)
