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
"""

from __future__ import annotations

from typing import ClassVar

from tokenwire.core.redact import scrub


class TokenwireError(Exception):
    """Base of every error tokenwire raises on purpose."""

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
    """An OAuth 2.0 error response (RFC 6749 §5.2), or an error in an authorization callback."""

    code: ClassVar[str | None] = None

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
    code = "invalid_request"


class InvalidClient(OAuthError):
    code = "invalid_client"


class InvalidGrant(OAuthError):
    code = "invalid_grant"


class ReauthorizationRequired(InvalidGrant):
    """The refresh token was refused: the user must authorize again to get a new one."""


class UnauthorizedClient(OAuthError):
    code = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"


class InvalidScope(OAuthError):
    code = "invalid_scope"


class ServerError(OAuthError):
    code = "server_error"


class TemporarilyUnavailable(OAuthError):
    code = "temporarily_unavailable"


class AccessDenied(OAuthError):
    """The resource owner or the server refused the authorization request (callback error)."""

    code = "access_denied"


class UnsupportedResponseType(OAuthError):
    code = "unsupported_response_type"


class AuthorizationPending(OAuthError):
    """The user has not yet approved the device authorization (RFC 8628 §3.5): poll again later.

    The device polling flow handles it (waits ``interval``, polls again); it reaches a caller only
    from a single poll sent by hand. Ends retries: the token flow must hand it to the device flow
    at once, not back off and resend.
    """

    code = "authorization_pending"


class SlowDown(OAuthError):
    """The device is polling too fast (RFC 8628 §3.5): every later poll waits 5 seconds more.

    Handled by the device polling flow like :class:`AuthorizationPending`. Ends retries.
    """

    code = "slow_down"


class ExpiredToken(OAuthError):
    """The device code expired before the user approved it (RFC 8628 §3.5).

    Raised for the server's ``expired_token``, and by the device polling flow itself (with no
    ``status``) when the device code's ``expires_in`` would pass before the next poll. Start a
    new device authorization. Ends retries.
    """

    code = "expired_token"


class UnsupportedTokenType(OAuthError):
    """The server cannot revoke tokens of this type (RFC 7009 §2.2.1). Ends retries."""

    code = "unsupported_token_type"


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
