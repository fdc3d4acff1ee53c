"""The OIDC reference provider's revocation endpoint (RFC 7009) and its client authentication.

A client revokes its refresh token and can no longer refresh; a request that does not
authenticate the client is refused with 401 ``invalid_client`` and a Basic challenge, and revokes
nothing; a token the provider never issued is answered 200 (§2.2) unless the provider is broken.
"""

from __future__ import annotations

import json

import pytest

from tests.oidc.test_login import AUTH, front_channel
from tests.oidc_harness import OPTIONS
from tests.oidc_peer import send
from tokenwire.adapters.client import TokenClient
from tokenwire.adapters.oidc import Provider
from tokenwire.adapters.stdlib import StdlibTransport
from tokenwire.conformance.reference.oidc_provider import (
    OIDC_CLIENT_ID,
    OidcReferenceProvider,
)
from tokenwire.core import ClientAuth, InvalidGrant, Profile, Token, revocation_request


def login(op: OidcReferenceProvider) -> tuple[Profile, Token]:
    with Provider.discover(op.issuer, transport=StdlibTransport(OPTIONS)) as provider:
        request, code = front_channel(provider.profile)
        with TokenClient(provider.profile, AUTH, StdlibTransport(OPTIONS)) as tokens:
            return provider.profile, tokens.request(request.grant(code))


def test_a_revoked_refresh_token_no_longer_refreshes(op: OidcReferenceProvider) -> None:
    profile, token = login(op)
    assert token.refresh_token is not None
    assert profile.revocation_url == f"{op.issuer}/revoke"

    with TokenClient(profile, AUTH, StdlibTransport(OPTIONS)) as tokens:
        tokens.revoke(token.refresh_token, "refresh_token")
        with pytest.raises(InvalidGrant):
            tokens.refresh(token.refresh_token)


@pytest.mark.parametrize(
    "auth",
    [ClientAuth(OIDC_CLIENT_ID, None, "none"), ClientAuth(OIDC_CLIENT_ID, "not-the-secret")],
    ids=["no-secret", "wrong-secret"],
)
def test_a_revocation_that_does_not_authenticate_the_client_is_refused_and_revokes_nothing(
    op: OidcReferenceProvider, auth: ClientAuth
) -> None:
    profile, token = login(op)
    assert token.refresh_token is not None

    reply = send(revocation_request(profile, auth, token.refresh_token, "refresh_token"))

    assert reply.status == 401
    assert json.loads(reply.body)["error"] == "invalid_client"
    assert (reply.header("www-authenticate") or "").startswith("Basic ")
    with TokenClient(profile, AUTH, StdlibTransport(OPTIONS)) as tokens:
        assert tokens.refresh(token.refresh_token).access_token


@pytest.mark.parametrize(("broken", "status"), [(set(), 200), ({"revocation-400"}, 400)])
def test_an_unknown_token_is_revoked_without_error_unless_the_provider_is_broken(
    op: OidcReferenceProvider, broken: set[str], status: int
) -> None:
    op.broken = broken
    profile, token = login(op)

    unknown = send(revocation_request(profile, AUTH, "never-issued"))
    known = send(revocation_request(profile, AUTH, token.access_token, "access_token"))

    assert unknown.status == status
    assert known.status == 200
