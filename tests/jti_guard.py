"""A provider that refuses a replayed client assertion, for :class:`tests.raw_server.RawServer`.

RFC 7523 §3 lets an authorization server refuse a ``jti`` it has seen before (Okta does, and
Keycloak with replay protection); a client that resends one signed assertion after a retryable
answer then fails for good. :class:`JtiGuard` is that server, made busy at first: it answers the
first ``busy`` assertions ``503`` with ``Retry-After: 0``, and a repeated ``jti``, an expired
assertion or none at all ``401 invalid_client``; what it saw stays on it for the test to check.
It reads the claims without checking the signature: the signing is tested elsewhere
(``tests/oidc/test_client_assertion.py``, and against oidc-provider in ``tests/peers_oidc``).

:func:`private_key_jwt_client` makes a ``private_key_jwt`` client with a fresh EC key.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.raw_server import Answer, Received, response, token_body
from tokenwire.core import ClientAuth


def private_key_jwt_client(client_id: str = "svc") -> ClientAuth:
    """A ``private_key_jwt`` client signing ES256 with a key made for it."""
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    return ClientAuth(client_id, method="private_key_jwt", private_key=pem, signing_alg="ES256")


def _claims(assertion: str) -> dict[str, object]:
    """The claims of a compact JWS, or ``{}`` if it is not one."""
    parts = assertion.split(".")
    if len(parts) != 3:
        return {}
    try:
        decoded = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _refused(description: str) -> Answer:
    body = json.dumps({"error": "invalid_client", "error_description": description}).encode()
    return Answer(response(401, body))


@dataclass
class JtiGuard:
    """Answers a request by its client assertion (see the module doc); ``ok`` is the body of
    success. ``jtis`` lists each ``jti`` it accepted, ``replayed`` each it refused as seen."""

    busy: int = 1
    ok: bytes = field(default_factory=lambda: token_body("AT"))
    jtis: list[str] = field(default_factory=list)
    replayed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, received: Received) -> Answer:
        claims = _claims(received.form.get("client_assertion", ""))
        jti, exp = claims.get("jti"), claims.get("exp")
        if not isinstance(jti, str) or not isinstance(exp, int):
            return _refused("no client assertion with a jti and an exp")
        with self.lock:
            if jti in self.jtis:
                self.replayed.append(jti)
                return _refused("this jti was used before")
            self.jtis.append(jti)
            busy = len(self.jtis) <= self.busy
        if exp < time.time():
            return _refused("the assertion has expired")
        if busy:
            return Answer(response(503, b"", (("Retry-After", "0"),)))
        return Answer(response(200, self.ok))
