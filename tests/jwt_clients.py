"""The JWT-authenticated clients registered in ``tests/oidc_provider/server.mjs`` (RFC 7523 §2.2).

``tw-secret-jwt`` signs with its client secret (HS256); ``tw-private-key-jwt`` has three key pairs
made by the provider at start-up (RS256, ES256, EdDSA), whose private halves the test peer hands
out on ``GET /__tokenwire/client-keys`` so that the tests sign with keys the provider trusts.
"""

from __future__ import annotations

import msgspec

from tests.oidc_peer import (
    SECRET_JWT_CLIENT_ID,
    SECRET_JWT_CLIENT_SECRET,
    OidcProviderPeer,
    PeerError,
    send,
)
from tokenwire.core import ClientAuth, HttpRequest

SECRET_JWT_ID = SECRET_JWT_CLIENT_ID
PRIVATE_KEY_JWT_ID = "tw-private-key-jwt"
#: The algorithms of the private_key_jwt client's keys, in ``server.mjs``'s order.
KEY_ALGS = ("RS256", "ES256", "EdDSA")


def secret_jwt_client() -> ClientAuth:
    """The ``client_secret_jwt`` client."""
    return ClientAuth(SECRET_JWT_ID, SECRET_JWT_CLIENT_SECRET, "client_secret_jwt")


def private_key_jwt_clients(peer: OidcProviderPeer) -> dict[str, ClientAuth]:
    """A ``private_key_jwt`` client for each of the peer's client keys, by algorithm.

    Each key goes in as the JWK JSON text the provider made (its ``kid`` is sent).
    """
    reply = send(
        HttpRequest(method="GET", url=f"{peer.issuer}/__tokenwire/client-keys", headers=())
    )
    if reply.status != 200:
        raise PeerError(f"the client keys answered HTTP {reply.status}")
    keys = msgspec.json.decode(reply.body)["keys"]
    return {
        key["alg"]: ClientAuth(
            PRIVATE_KEY_JWT_ID,
            method="private_key_jwt",
            private_key=msgspec.json.encode(key).decode(),
            signing_alg=key["alg"],
        )
        for key in keys
    }
