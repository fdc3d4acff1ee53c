"""Every built-in transport against django-oauth-toolkit: code with PKCE, refresh with rotation,
client_credentials, for a confidential client (two applications) and a public one."""

from __future__ import annotations

import pytest

from tests.dot_peer import CODE_CLIENT, PUBLIC_CLIENT, SERVICE_CLIENT, DotClient, DotPeer
from tests.dot_provider.seed import REDIRECT_URI
from tests.transport_flows import TRANSPORTS, token_request
from tokenwire.core import (
    AuthorizationCode,
    ClientCredentials,
    InvalidGrant,
    RefreshToken,
    Token,
    code_challenge,
    new_code_verifier,
)


def code_token(peer: DotPeer, client: DotClient, transport: str) -> Token:
    verifier = new_code_verifier()
    code = peer.obtain_code(client, "openid read", code_challenge(verifier))
    grant = AuthorizationCode(code, REDIRECT_URI, verifier)
    return token_request(transport, peer.profile(), client.auth, grant)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_client_credentials(dot_provider: DotPeer, transport: str) -> None:
    token = token_request(
        transport, dot_provider.profile(), SERVICE_CLIENT.auth, ClientCredentials("read")
    )

    assert token.access_token
    assert token.token_type == "Bearer"
    assert token.scope == "read"
    assert token.refresh_token is None


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("client", [CODE_CLIENT, PUBLIC_CLIENT], ids=lambda c: c.client_id)
def test_code_then_refresh_with_rotation(
    dot_provider: DotPeer, transport: str, client: DotClient
) -> None:
    token = code_token(dot_provider, client, transport)
    assert token.id_token
    assert token.refresh_token

    refreshed = token_request(
        transport, dot_provider.profile(), client.auth, RefreshToken(token.refresh_token)
    )

    assert refreshed.access_token != token.access_token
    assert refreshed.refresh_token not in (None, token.refresh_token)
    with pytest.raises(InvalidGrant):
        token_request(
            transport, dot_provider.profile(), client.auth, RefreshToken(token.refresh_token)
        )
