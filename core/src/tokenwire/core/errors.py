"""The typed errors of tokenwire, all under :class:`TokenwireError`.

Which class tells the caller what to do next:

* :class:`OAuthError` and its subclasses: the server answered with an OAuth error (RFC 6749 §5.2);
  its ``error`` code is kept exactly as sent.
* :class:`ProtocolError`: the server broke the protocol (not JSON, no ``access_token``, wrong
  types, unexpected status). Carries the status and a short excerpt with secrets redacted.
* :class:`TransportError`: the exchange itself failed (connect, TLS, timeout, reset, too large).
* :class:`ConfigurationError`: the caller's input is wrong; raised before anything is sent.

No message ever contains a token, secret, code or verifier: messages are built from error codes,
status codes, member names and :func:`tokenwire.core.redact.scrub`-ed excerpts only.

Over 300 lines: one class per RFC 6749, 7009 and 8628 error code, each with the docstring a
caller's ``except`` clause needs; one module is the one place to find them all.
"""

from __future__ import annotations

from typing import ClassVar

from typing_extensions import override

from tokenwire.core.redact import scrub

__all__ = [
    "ERROR_CLASSES",
    "AccessDenied",
    "CertificateError",
    "ConfigurationError",
    "InvalidClient",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidScope",
    "IssuerMismatch",
    "OAuthError",
    "ProtocolError",
    "ReauthorizationRequired",
    "ResponseTooLarge",
    "ServerError",
    "StateMismatch",
    "TemporarilyUnavailable",
    "TokenwireError",
    "TransportError",
    "TransportTimeout",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
    "oauth_error",
]


class TokenwireError(Exception):
    """Base of every error tokenwire raises on purpose."""

    @override
    def __reduce__(self) -> tuple[object, ...]:
        # Pickle (multiprocessing, executors) keeps every attribute (status, excerpt, sent,
        # error code), not just the message that Exception's default reduce would keep.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(
    cls: type[TokenwireError], args: tuple[object, ...], state: dict[str, object]
) -> TokenwireError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigurationError(TokenwireError, ValueError):
    """The caller's input is wrong (raised before any request is sent)."""


class ProtocolError(TokenwireError):
    """The server's answer does not follow the protocol.

    ``excerpt`` is a short, redacted view of what was received, safe to log.
    """

    def __init__(self, message: str, *, status: int | None = None, excerpt: str = "") -> None:
        self.message = message
        self.status = status
        self.excerpt = excerpt
        text = message if status is None else f"{message} (HTTP {status})"
        if excerpt:
            text = f"{text}: {excerpt}"
        super().__init__(text)


class StateMismatch(ProtocolError):
    """The authorization callback's ``state`` is not the one sent (possible CSRF)."""


class IssuerMismatch(ProtocolError):
    """The authorization callback's ``iss`` (RFC 9207) is not the expected issuer."""


class TransportError(TokenwireError):
    """The HTTP exchange failed: connect, TLS, timeout, reset, or a response over the size cap.

    ``sent`` is ``False`` only when the request certainly did not reach the server (a failed
    connect), which is what makes a retry safe for any grant.
    """

    def __init__(self, message: str, *, sent: bool = True) -> None:
        self.sent = sent
        super().__init__(message)


class ResponseTooLarge(TransportError):
    """The response body exceeded the transport's size cap; the rest was not read."""


class CertificateError(TransportError):
    """The server's TLS certificate was not trusted (or did not match its name).

    Nothing was sent, but trying again would meet the same certificate, so it is never retried.
    """


class TransportTimeout(TransportError):
    """A connect, read or total timeout expired."""


class OAuthError(TokenwireError):
    """An OAuth 2.0 error response (RFC 6749 §5.2), or an error in an authorization callback.

    ``error`` is the code exactly as sent; a code with no class of its own (a provider's
    extension) raises this class itself. ``status`` is the HTTP status it came with.
    """

    #: The RFC 6749 error code this class stands for (``None``: any code without a class).
    code: ClassVar[str | None] = None
    #: ``True`` when the error blames the request itself, so asking again cannot help: the token
    #: flow gives up whatever status the error came with (a 503 carrying ``invalid_client`` will
    #: not get better). ``False``: the flow follows the rules of the status.
    ends_retries: ClassVar[bool] = False

    def __init__(
        self,
        error: str,
        description: str | None = None,
        uri: str | None = None,
        *,
        status: int | None = None,
    ) -> None:
        self.error = error
        self.description = description
        self.uri = uri
        self.status = status
        text = scrub(error, 80)
        if description:
            text = f"{text}: {scrub(description, 200)}"
        if status is not None:
            text = f"{text} (HTTP {status})"
        super().__init__(text)


class InvalidRequest(OAuthError):
    """The server found the request malformed (``invalid_request``, RFC 6749 §5.2).

    Sent for a missing or repeated parameter, an unsupported value, or more than one way of
    authenticating. Asking again with the same request gets the same answer: it ends retries.
    Usually the profile or the grant's arguments are wrong for this provider; fix them.
    """

    code = "invalid_request"
    ends_retries = True


class InvalidClient(OAuthError):
    """The server did not authenticate the client (``invalid_client``, RFC 6749 §5.2).

    Sent for an unknown ``client_id``, a wrong secret, or an authentication method the client is
    not registered for (often with HTTP 401). It ends retries. Check the client credentials and
    ``ClientAuth.method``; a rotated secret is the usual cause.
    """

    code = "invalid_client"
    ends_retries = True


class InvalidGrant(OAuthError):
    """The grant was refused (``invalid_grant``, RFC 6749 §5.2).

    Sent when an authorization code or refresh token is invalid, expired, revoked, already used,
    or was issued to another client (or the redirect URI does not match). It ends retries. For a
    refresh token this usually means the user must authorize again (see
    :class:`ReauthorizationRequired`); for a code, start a new authorization.
    """

    code = "invalid_grant"
    ends_retries = True


class ReauthorizationRequired(InvalidGrant):
    """The refresh token was refused: the user must authorize again to get a new one."""


class UnauthorizedClient(OAuthError):
    """The client may not use this grant type (``unauthorized_client``, RFC 6749 §5.2).

    Sent when the client is authenticated but not registered for the grant it asked for. It ends
    retries. Enable the grant for the client at the provider, or use another grant.
    """

    code = "unauthorized_client"
    ends_retries = True


class UnsupportedGrantType(OAuthError):
    """The server does not support this grant type (``unsupported_grant_type``, RFC 6749 §5.2).

    It ends retries. The provider (or this endpoint of it) offers no such grant: use a grant it
    supports, or check that the token URL is the right one.
    """

    code = "unsupported_grant_type"
    ends_retries = True


class InvalidScope(OAuthError):
    """The requested scope was refused (``invalid_scope``, RFC 6749 §5.2).

    Sent for an unknown or malformed scope, or one wider than the client or the original grant
    allows. It ends retries. Ask for fewer or other scopes.
    """

    code = "invalid_scope"
    ends_retries = True


class ServerError(OAuthError):
    """The server failed while handling the request (``server_error``, RFC 6749 §4.1.2.1).

    Sent in place of a 500 response. The request may have been processed, so the token flow
    retries it only for grants that are safe to repeat; when it reaches the caller, try again
    later (a refresh token may have rotated: re-read the stored token first).
    """

    code = "server_error"


class TemporarilyUnavailable(OAuthError):
    """The server is overloaded or down for maintenance (``temporarily_unavailable``).

    Sent in place of a 503 response (RFC 6749 §4.1.2.1). The token flow retries it like
    :class:`ServerError`; when it reaches the caller, the retries were used up: try again later.
    """

    code = "temporarily_unavailable"


class AccessDenied(OAuthError):
    """The resource owner or the server refused the authorization request (callback error)."""

    code = "access_denied"


class UnsupportedResponseType(OAuthError):
    """The authorization server does not support this ``response_type``.

    Met only in an authorization callback (``unsupported_response_type``, RFC 6749 §4.1.2.1),
    never from the token endpoint. Check the ``response_type`` the authorization URL asks for.
    """

    code = "unsupported_response_type"


class AuthorizationPending(OAuthError):
    """The user has not yet approved the device authorization (RFC 8628 §3.5): poll again later.

    The device polling flow handles it (waits ``interval``, polls again); it reaches a caller only
    from a single poll sent by hand. Ends retries: the token flow must hand it to the device flow
    at once, not back off and resend.
    """

    code = "authorization_pending"
    ends_retries = True


class SlowDown(OAuthError):
    """The device is polling too fast (RFC 8628 §3.5): every later poll waits 5 seconds more.

    Handled by the device polling flow like :class:`AuthorizationPending`. Ends retries.
    """

    code = "slow_down"
    ends_retries = True


class ExpiredToken(OAuthError):
    """The device code expired before the user approved it (RFC 8628 §3.5).

    Raised for the server's ``expired_token``, and by the device polling flow itself (with no
    ``status``) when the device code's ``expires_in`` would pass before the next poll. Start a
    new device authorization. Ends retries.
    """

    code = "expired_token"
    ends_retries = True


class UnsupportedTokenType(OAuthError):
    """The server cannot revoke tokens of this type (RFC 7009 §2.2.1). Ends retries."""

    code = "unsupported_token_type"
    ends_retries = True


#: The class for each RFC 6749 error code; :func:`oauth_error` picks from it.
ERROR_CLASSES: dict[str, type[OAuthError]] = {
    cls.code: cls
    for cls in (
        InvalidRequest,
        InvalidClient,
        InvalidGrant,
        UnauthorizedClient,
        UnsupportedGrantType,
        InvalidScope,
        ServerError,
        TemporarilyUnavailable,
        AccessDenied,
        UnsupportedResponseType,
        AuthorizationPending,
        SlowDown,
        ExpiredToken,
        UnsupportedTokenType,
    )
    if cls.code is not None
}


def oauth_error(
    error: str, description: str | None = None, uri: str | None = None, *, status: int | None = None
) -> OAuthError:
    """Build the most specific :class:`OAuthError` for ``error``; unknown codes stay generic."""
    cls = ERROR_CLASSES.get(error, OAuthError)
    return cls(error, description, uri, status=status)
