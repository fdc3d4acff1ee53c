"""The objects authlib's grants ask the server for: clients, users, codes and refresh tokens.

They implement authlib's model mixins over plain immutable data; the
:class:`~tokenwire.conformance.reference.store.Store` owns them and guards them with its lock.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from typing_extensions import override

from tokenwire.conformance.reference.clients import RegisteredClient
from tokenwire.conformance.reference.flavors import Flavor


@dataclass(frozen=True)
class User:
    """The resource owner; the reference provider approves every request as this one user."""

    sub: str


#: The user ``GET /authorize`` signs in without a login page.
TEST_USER = User("test-user")


class ClientModel(ClientMixin):  # type: ignore[misc]  # authlib is untyped
    """A :class:`RegisteredClient` as authlib sees it, with the flavor's scope rules."""

    def __init__(self, client: RegisteredClient, flavor: Flavor) -> None:
        self.client = client
        self.client_id = client.client_id
        self.flavor = flavor

    @override
    def get_client_id(self) -> str:
        return self.client.client_id

    @override
    def get_default_redirect_uri(self) -> str | None:
        return self.client.redirect_uris[0] if self.client.redirect_uris else None

    @override
    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scope, or the flavor's default; ``None`` (invalid_scope) if not allowed."""
        if not scope:
            return self.flavor.default_scope
        allowed = set(self.client.scopes if self.client.scopes is not None else self.flavor.scopes)
        return scope if set(scope.split()) <= allowed else None

    @override
    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.client.redirect_uris

    @override
    def check_client_secret(self, client_secret: str) -> bool:
        expected = self.client.client_secret
        return expected is not None and hmac.compare_digest(
            expected.encode(), client_secret.encode()
        )

    @override
    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.client.auth_method

    @override
    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.client.grant_types

    @override
    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.client.grant_types


@dataclass(frozen=True, kw_only=True)
class IssuedCode(AuthorizationCodeMixin):  # type: ignore[misc]  # authlib is untyped
    """An authorization code, bound to its client, redirect URI and PKCE challenge."""

    code: str = field(repr=False)
    client_id: str
    redirect_uri: str | None
    scope: str
    user: User
    code_challenge: str | None = field(default=None, repr=False)
    code_challenge_method: str | None = None
    #: ``time.monotonic()`` after which the code is refused.
    expires_at: float

    @override
    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    @override
    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True, kw_only=True)
class IssuedRefreshToken(TokenMixin):  # type: ignore[misc]  # authlib is untyped
    """A live refresh token and what it was granted for."""

    refresh_token: str = field(repr=False)
    client_id: str
    scope: str
    user: User

    @override
    def check_client(self, client: ClientModel) -> bool:
        return self.client_id == client.get_client_id()

    @override
    def get_scope(self) -> str:
        return self.scope
