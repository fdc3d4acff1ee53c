"""Providers that misbehave: each fault ends in its typed error, the same through every transport.

Discovery and key-set replies that are unusable, a userinfo endpoint that refuses or answers about
someone else, a signed userinfo answer, and a provider that is not there at all.
"""

from __future__ import annotations

import json

import pytest

from tests.oidc_cases import CLIENT
from tests.oidc_harness import TRANSPORTS, discover, userinfo, verify
from tokenwire.conformance.loopback import HOST, free_port
from tokenwire.conformance.reference.oidc_provider import OidcReferenceProvider
from tokenwire.core import DiscoveryError, JwksError, TransportError, UserinfoError


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "reply",
    [(404, b"not found"), (200, b"<html>maintenance</html>"), (200, b'{"issuer": 7}')],
    ids=["404", "html", "issuer-not-a-string"],
)
def test_an_unusable_discovery_document_is_a_discovery_error(
    op: OidcReferenceProvider, transport: str, reply: tuple[int, bytes]
) -> None:
    op.discovery_override = reply
    with pytest.raises(DiscoveryError):
        discover(transport, op.issuer)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "reply",
    [
        (500, b"oops"),
        (200, b"not json"),
        (200, json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}).encode()),
    ],
    ids=["500", "not-json", "symmetric-key-published"],
)
def test_an_unusable_key_set_on_first_fetch_is_a_jwks_error(
    op: OidcReferenceProvider, transport: str, reply: tuple[int, bytes]
) -> None:
    op.jwks_override = reply
    with pytest.raises(JwksError):
        verify(transport, op.issuer, op.id_token(), **CLIENT)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_refused_userinfo_request_is_an_error_status(
    op: OidcReferenceProvider, transport: str
) -> None:
    with pytest.raises(UserinfoError) as caught:
        userinfo(transport, op.issuer, "an-access-token-the-provider-never-issued")
    assert (caught.value.reason, caught.value.status) == ("error_status", 401)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_signed_userinfo_answer_is_verified_and_matched(
    op: OidcReferenceProvider, transport: str
) -> None:
    op.userinfo_signed = True
    info = userinfo(transport, op.issuer, op.access_token(), expected_sub="tw-oidc-user", **CLIENT)
    assert (info.sub, info.signed, info.claims["name"]) == ("tw-oidc-user", True, "Test User")
    op.userinfo_sub = "someone-else"
    with pytest.raises(UserinfoError) as caught:
        userinfo(transport, op.issuer, op.access_token(), expected_sub="tw-oidc-user", **CLIENT)
    assert caught.value.reason == "sub_mismatch"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_provider_that_is_not_there_is_a_transport_error(transport: str) -> None:
    with pytest.raises(TransportError):
        discover(transport, f"http://{HOST}:{free_port()}")
