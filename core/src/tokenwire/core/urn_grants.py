"""Grants named by URN: device code (RFC 8628), token exchange (RFC 8693), JWT bearer (RFC 7523).

They follow the shape of :mod:`tokenwire.core.grants` (a frozen struct that knows its
``grant_type``, encodes its own form fields and says whether a resend is safe) and join its
``Grant`` union there. They are kept apart because each comes with its own RFC's vocabulary (the
token type URIs of RFC 8693 are here as :class:`TokenTypes`) and none of them is on the hot path
of a refresh, so they encode through :func:`~tokenwire.core.form.encode_form` plainly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from typing_extensions import override

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.form import encode_form, form_value
from tokenwire.core.params import Params, check_request_params, params_form, shown_params
from tokenwire.core.redact import REDACTED, RedactedStruct, hidden

__all__ = ["DeviceCode", "JwtBearer", "TokenExchange", "TokenTypes"]


class TokenTypes:
    """Token type identifiers of RFC 8693 §3 (``subject_token_type``, ``issued_token_type``...)."""

    ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
    REFRESH_TOKEN = "urn:ietf:params:oauth:token-type:refresh_token"
    ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
    SAML1 = "urn:ietf:params:oauth:token-type:saml1"
    SAML2 = "urn:ietf:params:oauth:token-type:saml2"
    #: A JWT (RFC 7519), as registered by RFC 8693 §3.
    JWT = "urn:ietf:params:oauth:token-type:jwt"


class DeviceCode(RedactedStruct, frozen=True):
    """Poll the token endpoint with a device code (RFC 8628 §3.4).

    Usually built by :func:`tokenwire.core.device.device_flow` from a
    :class:`~tokenwire.core.device.DeviceAuthorization`, not by hand.
    """

    grant_type: ClassVar[str] = "urn:ietf:params:oauth:grant-type:device_code"
    #: Sending the same device code again and again is the protocol itself (RFC 8628 §3.4: the
    #: client polls until the user decides). A resend after a lost answer is one more poll: at
    #: worst it meets a code already exchanged, which losing the answer had cost anyway.
    repeatable: ClassVar[bool] = True

    device_code: str
    resource: tuple[str, ...] = ()
    extra: Params = ()

    def __post_init__(self) -> None:
        if not self.device_code:
            raise ConfigurationError("device_code must not be empty")
        if self.resource or self.extra:
            check_request_params(self.resource, self.extra)

    def form(self) -> bytes:
        return (
            _DEVICE_CODE_PREFIX
            + form_value(self.device_code)
            + params_form(self.resource, self.extra)
        )

    def secret_values(self) -> tuple[str, ...]:
        """The device code, for redaction of anything shown from the answer."""
        return (self.device_code,)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "device_code", REDACTED
        yield from shown_params(self.resource, self.extra)


_DEVICE_CODE_PREFIX = b"grant_type=" + form_value(DeviceCode.grant_type) + b"&device_code="


class TokenExchange(RedactedStruct, frozen=True, kw_only=True):
    """Exchange a token for another one (RFC 8693 §2.1), e.g. for a downstream service.

    ``actor_token_type`` is required with ``actor_token`` and forbidden without it (§2.1).
    ``audience`` and ``resource`` may name several targets.
    """

    grant_type: ClassVar[str] = "urn:ietf:params:oauth:grant-type:token-exchange"
    #: RFC 8693 consumes nothing: the subject token stays valid, so a resend only mints a
    #: second token, as a resent client_credentials request would.
    repeatable: ClassVar[bool] = True

    subject_token: str
    subject_token_type: str
    actor_token: str | None = None
    actor_token_type: str | None = None
    requested_token_type: str | None = None
    audience: tuple[str, ...] = ()
    scope: str | None = None
    resource: tuple[str, ...] = ()
    extra: Params = ()

    def __post_init__(self) -> None:
        if not self.subject_token or not self.subject_token_type:
            raise ConfigurationError("subject_token and subject_token_type must not be empty")
        if (self.actor_token is None) != (self.actor_token_type is None):
            raise ConfigurationError(
                "actor_token_type is required with actor_token and forbidden without it"
            )
        if isinstance(self.audience, str):  # type: ignore[unreachable]  # a caller's slip
            raise ConfigurationError("audience must be a tuple of names, not a single string")
        if self.resource or self.extra:
            check_request_params(self.resource, self.extra)

    def form(self) -> bytes:
        fields = [("grant_type", self.grant_type)]
        fields += [("resource", uri) for uri in self.resource]
        fields += [("audience", name) for name in self.audience]
        if self.scope:
            fields.append(("scope", self.scope))
        if self.requested_token_type is not None:
            fields.append(("requested_token_type", self.requested_token_type))
        fields += [
            ("subject_token", self.subject_token),
            ("subject_token_type", self.subject_token_type),
        ]
        if self.actor_token is not None and self.actor_token_type is not None:
            fields += [
                ("actor_token", self.actor_token),
                ("actor_token_type", self.actor_token_type),
            ]
        return encode_form([*fields, *self.extra])

    def secret_values(self) -> tuple[str, ...]:
        """The subject and actor tokens, for redaction of anything shown from the answer."""
        return tuple(v for v in (self.subject_token, self.actor_token) if v)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "subject_token", REDACTED
        yield "subject_token_type", self.subject_token_type
        yield "actor_token", hidden(self.actor_token)
        yield "actor_token_type", self.actor_token_type
        yield "requested_token_type", self.requested_token_type
        yield "audience", self.audience
        yield "scope", self.scope
        yield from shown_params(self.resource, self.extra)


class JwtBearer(RedactedStruct, frozen=True):
    """Trade a signed JWT assertion for a token (RFC 7523 §2.1)."""

    grant_type: ClassVar[str] = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    #: The server may refuse a replayed ``jti`` (RFC 7523 §3, item 7): a resend after the first
    #: may have arrived would turn a transport error into a misleading ``invalid_grant``. A fresh
    #: assertion is the caller's to make.
    repeatable: ClassVar[bool] = False

    assertion: str
    scope: str | None = None
    resource: tuple[str, ...] = ()
    extra: Params = ()

    def __post_init__(self) -> None:
        if not self.assertion:
            raise ConfigurationError("assertion must not be empty")
        if self.resource or self.extra:
            check_request_params(self.resource, self.extra)

    def form(self) -> bytes:
        body = _JWT_BEARER_PREFIX + form_value(self.assertion)
        if self.scope:
            body += b"&scope=" + form_value(self.scope)
        return body + params_form(self.resource, self.extra)

    def secret_values(self) -> tuple[str, ...]:
        """The assertion, for redaction of anything shown from the answer."""
        return (self.assertion,)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "assertion", REDACTED
        yield "scope", self.scope
        yield from shown_params(self.resource, self.extra)


_JWT_BEARER_PREFIX = b"grant_type=" + form_value(JwtBearer.grant_type) + b"&assertion="
