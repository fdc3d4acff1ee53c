"""Grants: what the client trades at the token endpoint for a token.

Each grant is a frozen struct that knows its ``grant_type``, encodes its own form fields
(``form()``: the fields are fixed per grant type, so they are written out as bytes rather than
listed and encoded generically, which cost more than parsing a whole token response), and says
whether a request carrying it is safe to send twice (the retry rules in
:mod:`tokenwire.core.flow` ask). Every grant also takes per-request ``resource`` indicators
(RFC 8707) and ``extra`` fields (:mod:`tokenwire.core.params`); the grants named by URN (device
code, token exchange, JWT bearer) live in :mod:`tokenwire.core.urn_grants`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from typing_extensions import override

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.form import encode_form, form_value
from tokenwire.core.params import (
    Params,
    check_params,
    check_request_params,
    params_form,
    shown_params,
)
from tokenwire.core.redact import REDACTED, RedactedStruct, Shown, hidden
from tokenwire.core.urn_grants import DeviceCode, JwtBearer, TokenExchange

__all__ = [
    "AuthorizationCode",
    "ClientCredentials",
    "ExtensionGrant",
    "Grant",
    "RefreshToken",
    "scope_string",
]


class AuthorizationCode(RedactedStruct, frozen=True):
    """Trade an authorization code (RFC 6749 §4.1.3), with its PKCE verifier (RFC 7636)."""

    grant_type: ClassVar[str] = "authorization_code"
    #: A code is single-use: a second send after the first may have arrived is never safe.
    repeatable: ClassVar[bool] = False

    code: str
    redirect_uri: str
    code_verifier: str | None = None
    #: Resource indicators (RFC 8707), one ``resource`` field each.
    resource: tuple[str, ...] = ()
    #: Extra form fields for this request only (e.g. Auth0's ``audience``).
    extra: Params = ()

    def __post_init__(self) -> None:
        if not self.code:
            raise ConfigurationError("authorization code must not be empty")
        if self.resource or self.extra:
            check_request_params(self.resource, self.extra)

    def form(self) -> bytes:
        body = (
            b"grant_type=authorization_code&code="
            + form_value(self.code)
            + b"&redirect_uri="
            + form_value(self.redirect_uri)
        )
        if self.code_verifier is not None:
            body += b"&code_verifier=" + form_value(self.code_verifier)
        if self.resource or self.extra:
            body += params_form(self.resource, self.extra)
        return body

    def secret_values(self) -> tuple[str, ...]:
        """The secrets this grant sends, for redaction of anything shown from the answer."""
        return tuple(v for v in (self.code, self.code_verifier) if v)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "code", REDACTED
        yield "redirect_uri", self.redirect_uri
        yield "code_verifier", hidden(self.code_verifier)
        yield from shown_params(self.resource, self.extra)


class RefreshToken(RedactedStruct, frozen=True):
    """Trade a refresh token for a new access token (RFC 6749 §6)."""

    grant_type: ClassVar[str] = "refresh_token"
    #: The server may rotate the refresh token on receipt: a resend could burn it.
    repeatable: ClassVar[bool] = False

    refresh_token: str
    scope: str | None = None
    resource: tuple[str, ...] = ()
    extra: Params = ()

    def __post_init__(self) -> None:
        if not self.refresh_token:
            raise ConfigurationError("refresh_token must not be empty")
        if self.resource or self.extra:
            check_request_params(self.resource, self.extra)

    def form(self) -> bytes:
        body = b"grant_type=refresh_token&refresh_token=" + form_value(self.refresh_token)
        if self.scope:
            body += b"&scope=" + form_value(self.scope)
        if self.resource or self.extra:
            body += params_form(self.resource, self.extra)
        return body

    def secret_values(self) -> tuple[str, ...]:
        """The secrets this grant sends, for redaction of anything shown from the answer."""
        return (self.refresh_token,)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "refresh_token", REDACTED
        yield "scope", self.scope
        yield from shown_params(self.resource, self.extra)


class ClientCredentials(RedactedStruct, frozen=True):
    """Get a token for the client itself (RFC 6749 §4.4)."""

    grant_type: ClassVar[str] = "client_credentials"
    #: Nothing is consumed by the request, so sending it twice is harmless.
    repeatable: ClassVar[bool] = True

    scope: str | None = None
    resource: tuple[str, ...] = ()
    extra: Params = ()

    def __post_init__(self) -> None:
        if self.resource or self.extra:
            check_request_params(self.resource, self.extra)

    def form(self) -> bytes:
        body = b"grant_type=client_credentials"
        if self.scope:
            body += b"&scope=" + form_value(self.scope)
        if self.resource or self.extra:
            body += params_form(self.resource, self.extra)
        return body

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "scope", self.scope
        yield from shown_params(self.resource, self.extra)

    def secret_values(self) -> tuple[str, ...]:
        """None: the client's own secret is :meth:`ClientAuth.secret_values`."""
        return ()


class ExtensionGrant(RedactedStruct, frozen=True):
    """Any other grant type (RFC 6749 §4.5): ``grant_type`` plus its own parameters.

    Also how a conformance probe sends a deliberately unknown grant type. Not repeatable unless
    the caller says so, because tokenwire cannot know what the server consumes.
    """

    grant_type: str
    params: Params = ()
    repeatable: bool = False
    resource: tuple[str, ...] = ()
    extra: Params = ()

    def __post_init__(self) -> None:
        if not self.grant_type:
            raise ConfigurationError("grant_type must not be empty")
        check_params(self.params)
        if self.resource or self.extra:
            check_request_params(self.resource, self.extra)

    def form(self) -> bytes:
        return encode_form([("grant_type", self.grant_type), *self.params]) + params_form(
            self.resource, self.extra
        )

    def secret_values(self) -> tuple[str, ...]:
        """Every parameter value that may be a credential (an assertion, a token, a code).

        All values but the ``*_type`` ones and ``scope``: tokenwire cannot know what an
        extension's parameters mean, and hiding a harmless value costs only readability.
        """
        return tuple(
            value
            for name, value in self.params
            if value and not name.endswith("_type") and name not in ("scope", "audience")
        )

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        # Parameter values may be assertions or tokens; only their names are shown.
        yield "grant_type", self.grant_type
        yield "params", Shown(f"<{[name for name, _ in self.params]!r}>")
        yield from shown_params(self.resource, self.extra)


#: Any grant core can request a token with.
Grant = (
    AuthorizationCode
    | RefreshToken
    | ClientCredentials
    | ExtensionGrant
    | DeviceCode
    | TokenExchange
    | JwtBearer
)


def scope_string(scope: str | tuple[str, ...] | list[str] | None) -> str | None:
    """Join a scope given as a list into the space-delimited form of RFC 6749 §3.3."""
    if scope is None:
        return None
    return scope if isinstance(scope, str) else " ".join(scope)
