"""The reference provider's revocation (RFC 7009) and introspection (RFC 7662) endpoints.

authlib's endpoints, over the provider's store. Both require client authentication (RFC 7009
§2.1, RFC 7662 §2.1) by the client's registered method, so a public client cannot use them. A
revoked token is forgotten at once; introspection says ``active: false`` for a token that is
unknown, revoked, expired, or issued to another client (§2.2: "not for this caller").
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from typing_extensions import override

from tokenwire.conformance.reference.grants import CONFIDENTIAL_AUTH_METHODS
from tokenwire.conformance.reference.models import ClientModel, IssuedRefreshToken
from tokenwire.conformance.reference.records import IssuedAccessToken

__all__ = ["INTROSPECTION_PATH", "REVOCATION_PATH", "Introspection", "Revocation"]

REVOCATION_PATH = "/revoke"
INTROSPECTION_PATH = "/introspect"

Issued = IssuedAccessToken | IssuedRefreshToken


def _query(server: Any, token: str, hint: str | None) -> Issued | None:
    """The live record of ``token``; the hint only says where to look first (RFC 7009 §2.1)."""
    store = server.store
    lookups = [store.access_token, store.refresh_token]
    if hint == "refresh_token":
        lookups.reverse()
    for lookup in lookups:
        found: Issued | None = lookup(token)
        if found is not None:
            return found
    return None


class Revocation(RevocationEndpoint):  # type: ignore[misc]  # authlib is untyped
    """authlib's revocation endpoint: the token found (access or refresh) is forgotten."""

    CLIENT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    @override
    def query_token(self, token_string: str, token_type_hint: str | None) -> Issued | None:
        return _query(self.server, token_string, token_type_hint)

    @override
    def revoke_token(self, token: Issued, request: Any) -> None:
        value = token.access_token if isinstance(token, IssuedAccessToken) else token.refresh_token
        self.server.store.revoke(value)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]  # authlib is untyped
    """authlib's introspection endpoint: a live token of the asking client is described."""

    CLIENT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    @override
    def query_token(self, token_string: str, token_type_hint: str | None) -> Issued | None:
        return _query(self.server, token_string, token_type_hint)

    @override
    def check_permission(self, token: Issued, client: ClientModel, request: Any) -> bool:
        return token.client_id == client.get_client_id()

    @override
    def create_introspection_payload(self, token: Issued | None) -> dict[str, Any]:
        """authlib's, without its ``is_revoked`` call: a revoked token is simply not found."""
        if token is None:
            return {"active": False}
        return self.introspect_token(token)

    @override
    def introspect_token(self, token: Issued) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "active": True,
            "client_id": token.client_id,
            "scope": token.scope,
            "iss": self.server.issuer(),
        }
        if token.user is not None:
            payload.update(sub=token.user.sub, username=token.user.sub)
        if isinstance(token, IssuedAccessToken):
            payload.update(token_type="Bearer", iat=token.issued_at)
            if token.expires_at is not None:
                payload["exp"] = token.expires_at
        else:
            payload["token_type"] = "refresh_token"
        return payload
