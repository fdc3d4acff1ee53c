"""A small token exchange grant (RFC 8693) for the reference provider; authlib has none.

Enough to test a client against: the subject token must be a live access token this provider
issued (``subject_token_type`` the access-token URI), the requested scope a subset of its scope
(its whole scope when none is asked for), and the issued token is an access token
(``issued_token_type`` says so), for the subject's user, without a refresh token. Actor tokens,
audiences and other token types are refused with ``invalid_request``.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.grants import BaseGrant, TokenEndpointMixin
from typing_extensions import override

from tokenwire.conformance.reference.clients import TOKEN_EXCHANGE
from tokenwire.conformance.reference.grants import CONFIDENTIAL_AUTH_METHODS
from tokenwire.conformance.reference.records import IssuedAccessToken
from tokenwire.core import TokenTypes

__all__ = ["TOKEN_EXCHANGE", "TokenExchangeGrant"]


class TokenExchangeGrant(BaseGrant, TokenEndpointMixin):  # type: ignore[misc]
    """The token exchange grant by the rules in the module docstring."""

    GRANT_TYPE = TOKEN_EXCHANGE
    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    @override
    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError("The client may not use token exchange.")
        data = self.request.payload.data
        if not data.get("subject_token") or not data.get("subject_token_type"):
            raise InvalidRequestError("Missing 'subject_token' or 'subject_token_type'.")
        if data["subject_token_type"] != TokenTypes.ACCESS_TOKEN:
            raise InvalidRequestError("Only access tokens can be exchanged here.")
        if data.get("requested_token_type") not in (None, TokenTypes.ACCESS_TOKEN):
            raise InvalidRequestError("Only access tokens are issued here.")
        if data.get("actor_token") or data.get("audience"):
            raise InvalidRequestError("Actor tokens and audiences are not supported here.")
        subject: IssuedAccessToken | None = self.server.store.access_token(data["subject_token"])
        if subject is None:
            raise InvalidGrantError("The subject token is not active.")
        scope = self.request.payload.scope or subject.scope
        if not set(scope.split()) <= set(subject.scope.split()):
            raise InvalidScopeError()
        self.request.client = client
        self.request.user = subject.user
        self.exchange_scope = scope

    @override
    def create_token_response(self) -> Any:
        token = self.generate_token(
            user=self.request.user, scope=self.exchange_scope, include_refresh_token=False
        )
        token["issued_token_type"] = TokenTypes.ACCESS_TOKEN
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER
