"""A retried request of a ``*_jwt`` client passes a provider that refuses a replayed ``jti``.

Through every built-in transport, against :class:`tests.jti_guard.JtiGuard` on loopback: the
first attempt is answered ``503`` with ``Retry-After: 0``, the retry carries a newly signed
assertion and gets its answer, and no ``jti`` ever reaches the server twice. Token requests and
revocation (the other endpoints' flow) alike; the flow's own steps are in
``tests/core/test_flow_assertions.py``.
"""

from __future__ import annotations

import pytest

from tests.endpoint_harness import SPECS, call
from tests.jti_guard import JtiGuard, private_key_jwt_client
from tests.raw_server import raw_server
from tests.transport_harness import THREE_QUICK_TRIES, Harness
from tokenwire.conformance.suite import TransportSpec
from tokenwire.core import ClientAuth, ClientCredentials, Profile, Token

CLIENTS = {
    "private_key_jwt": private_key_jwt_client,
    "client_secret_jwt": lambda: ClientAuth(
        "svc", "a-client-secret-of-thirty-two-bytes-or-more", "client_secret_jwt"
    ),
}


@pytest.mark.parametrize("method", sorted(CLIENTS))
def test_a_throttled_jwt_client_credentials_request_succeeds_on_its_retry(
    harness: Harness, method: str
) -> None:
    guard = JtiGuard()
    with raw_server(guard) as server:
        result = harness.tokens(
            Profile(token_url=server.url),
            [ClientCredentials()],
            retry=THREE_QUICK_TRIES,
            auth=CLIENTS[method](),
        )
    assert isinstance(result.outcomes[0], Token), result.outcomes[0]
    assert result.attempts == 2
    assert len(guard.jtis) == 2
    assert guard.replayed == []


@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_a_throttled_private_key_jwt_revocation_succeeds_on_its_retry(spec: TransportSpec) -> None:
    guard = JtiGuard(ok=b"")
    with raw_server(guard) as server:
        profile = Profile(token_url=server.url, revocation_url=server.url + "/revoke")
        call(spec, profile, private_key_jwt_client(), "revoke", "the-token")
        attempts = len(server.received)
    assert attempts == 2
    assert len(guard.jtis) == 2
    assert guard.replayed == []
