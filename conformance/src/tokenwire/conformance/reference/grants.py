"""authlib's grants and client authentication, wired to the reference provider's store.

Where authlib's defaults differ from what the reference provider must show, the difference is
made here and says why:

* Basic credentials are form-decoded (``unquote_plus``) as RFC 6749 §2.3.1 asks; authlib's own
  decoder uses ``unquote`` and so turns a ``+`` sent for a space into a literal ``+``.
* PKCE accepts only S256, and a public client must use it.
* Codes and rotated refresh tokens are taken from the store in one step (see ``store``).
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any, ClassVar
from urllib.parse import unquote_plus

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from typing_extensions import override

from tokenwire.conformance.reference.models import ClientModel, IssuedCode, IssuedRefreshToken, User
from tokenwire.core.auth import AUTH_METHODS

#: Authorization codes live this long (RFC 6749 §4.1.2 recommends at most ten minutes).
CODE_LIFETIME = 600.0

#: The methods the reference provider checks (authlib's server has no JWT or mTLS client
#: authentication: those are tested against oidc-provider and a loopback mTLS endpoint); a
#: confidential client may use any but ``none``.
REFERENCE_AUTH_METHODS = frozenset({"client_secret_post", "client_secret_basic", "none"})
ALL_AUTH_METHODS: list[str] = [
    method for method in AUTH_METHODS if method in REFERENCE_AUTH_METHODS
]
CONFIDENTIAL_AUTH_METHODS = [method for method in ALL_AUTH_METHODS if method != "none"]


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an ``Authorization: Basic`` value, form-decoded.

    ``None`` if the header is absent, not Basic, or not decodable.
    """
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, client_secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(client_secret)


def authenticate_client_secret_basic(query_client: Any, request: OAuth2Request) -> Any:
    """authlib client-auth method ``client_secret_basic`` with RFC 6749 §2.3.1 decoding."""
    credentials = basic_credentials(request.headers.get("Authorization"))
    if credentials is None:
        return None
    client = query_client(credentials[0])
    if client is None or not client.check_client_secret(credentials[1]):
        return None
    return client


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]  # authlib is untyped
    """PKCE with S256 only; public clients must send a challenge (RFC 9700 §2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    @override
    def validate_code_challenge(self, grant: Any, redirect_uri: str | None) -> None:
        request = grant.request
        data = request.payload.data
        if not data.get("code_challenge"):
            if request.client.client.is_public:
                raise InvalidRequestError("Public clients must send a PKCE 'code_challenge'.")
        elif data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only 'code_challenge_method=S256' is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    @override
    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.store.save_code(
            IssuedCode(
                code=code,
                client_id=request.client.get_client_id(),
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope or "",
                user=request.user,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                expires_at=time.monotonic() + CODE_LIFETIME,
            )
        )

    @override
    def query_authorization_code(self, code: str, client: ClientModel) -> IssuedCode | None:
        issued: IssuedCode | None = self.server.store.take_code(code, client.get_client_id())
        return issued

    @override
    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Nothing to do: ``query_authorization_code`` already took the code out of the store."""

    @override
    def authenticate_user(self, authorization_code: IssuedCode) -> User:
        return authorization_code.user


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    @property
    @override
    def INCLUDE_NEW_REFRESH_TOKEN(self) -> bool:  # authlib's name
        """A new refresh token is issued exactly when the provider rotates them."""
        rotate: bool = self.server.rotate_refresh_tokens
        return rotate

    @override
    def authenticate_refresh_token(self, refresh_token: str) -> IssuedRefreshToken | None:
        issued: IssuedRefreshToken | None = self.server.store.claim_refresh_token(
            refresh_token,
            self.request.client.get_client_id(),
            consume=self.server.rotate_refresh_tokens,
        )
        return issued

    @override
    def authenticate_user(self, refresh_token: IssuedRefreshToken) -> User:
        return refresh_token.user

    @override
    def revoke_old_credential(self, refresh_token: IssuedRefreshToken) -> None:
        """Nothing to do: a rotated refresh token was consumed when it was claimed."""


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS
