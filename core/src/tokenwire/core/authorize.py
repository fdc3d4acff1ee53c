"""The front half of the authorization code flow: the authorization URL and its callback.

``authorization_url`` makes the ``state``, the OpenID Connect ``nonce`` and the PKCE verifier
(RFC 7636, S256) from a CSPRNG; the randomness source is an argument so that tests and exotic
runtimes can supply their own. ``parse_callback`` checks ``state`` in constant time, honours the
``iss`` parameter of RFC 9207, and turns ``error=`` callbacks into typed errors.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit

from typing_extensions import override

from tokenwire.core.errors import (
    ConfigurationError,
    IssuerMismatch,
    OAuthError,
    ProtocolError,
    StateMismatch,
    oauth_error,
)
from tokenwire.core.form import encode_form, form_value
from tokenwire.core.grants import AuthorizationCode, scope_string
from tokenwire.core.profile import Profile
from tokenwire.core.redact import REDACTED, RedactedStruct, hidden, scrub

__all__ = [
    "AuthorizationRequest",
    "Callback",
    "RandBytes",
    "authorization_url",
    "code_challenge",
    "new_code_verifier",
    "parse_callback",
]

#: A source of ``n`` random bytes (``secrets.token_bytes`` by default).
RandBytes = Callable[[int], bytes]

_VERIFIER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _default_randbytes() -> RandBytes:
    """The CSPRNG used when the caller injects none (imported on first use: ``secrets`` pulls in
    ``random`` and ``hashlib``, import time that callers of the token functions never need)."""
    import secrets

    return secrets.token_bytes


def new_code_verifier(randbytes: RandBytes | None = None, nbytes: int = 32) -> str:
    """A PKCE code verifier: ``nbytes`` of CSPRNG output, base64url (43 chars for 32 bytes)."""
    if not 32 <= nbytes <= 96:
        raise ConfigurationError("a PKCE verifier needs 32 to 96 random bytes (43-128 chars)")
    return _b64url((randbytes or _default_randbytes())(nbytes))


def code_challenge(verifier: str) -> str:
    """The S256 challenge of ``verifier`` (RFC 7636 §4.2)."""
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= _VERIFIER_CHARS:
        raise ConfigurationError("a PKCE verifier must be 43-128 unreserved characters")
    import hashlib  # only here: most users of the core never build an authorization request

    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class AuthorizationRequest(RedactedStruct, frozen=True, kw_only=True):
    """What to send the user to, and what to keep until the callback comes back."""

    url: str
    state: str
    redirect_uri: str
    nonce: str | None = None
    code_verifier: str | None = None

    def grant(self, code: str) -> AuthorizationCode:
        """The grant that trades ``code`` from this request's callback for a token."""
        return AuthorizationCode(code, self.redirect_uri, self.code_verifier)

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        # The URL carries the state as a query parameter: hidden there too.
        url = self.url
        if self.state:
            url = url.replace(form_value(self.state).decode("ascii"), REDACTED)
            url = url.replace(self.state, REDACTED)
        yield "url", url
        yield "state", REDACTED
        yield "redirect_uri", self.redirect_uri
        yield "nonce", self.nonce
        yield "code_verifier", hidden(self.code_verifier)


def authorization_url(
    profile: Profile,
    client_id: str,
    redirect_uri: str,
    *,
    scope: str | Sequence[str] | None = None,
    pkce: bool = True,
    nonce: bool = False,
    extra: Sequence[tuple[str, str]] = (),
    randbytes: RandBytes | None = None,
) -> AuthorizationRequest:
    """Build an authorization request (RFC 6749 §4.1.1): state, PKCE S256, optional nonce."""
    if profile.authorization_url is None:
        raise ConfigurationError(f"profile {profile.name!r} has no authorization endpoint")
    randbytes = randbytes or _default_randbytes()
    state = _b64url(randbytes(24))
    fields = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
    ]
    joined = scope_string(
        list(scope) if scope is not None and not isinstance(scope, str) else scope
    )
    if joined:
        fields.append(("scope", joined))
    fields.append(("state", state))
    nonce_value = _b64url(randbytes(24)) if nonce else None
    if nonce_value:
        fields.append(("nonce", nonce_value))
    verifier = new_code_verifier(randbytes) if pkce else None
    if verifier:
        fields += [("code_challenge", code_challenge(verifier)), ("code_challenge_method", "S256")]
    fields += extra
    sep = "&" if urlsplit(profile.authorization_url).query else "?"
    url = profile.authorization_url + sep + encode_form(fields).decode("ascii")
    return AuthorizationRequest(
        url=url, state=state, redirect_uri=redirect_uri, nonce=nonce_value, code_verifier=verifier
    )


class Callback(RedactedStruct, frozen=True, kw_only=True):
    """A successful authorization callback. ``repr`` hides the code."""

    code: str
    state: str
    iss: str | None = None

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "code", REDACTED
        yield "state", REDACTED
        yield "iss", self.iss


def parse_callback(
    callback: str | Mapping[str, str],
    *,
    expected_state: str,
    issuer: str | None = None,
    require_iss: bool = False,
) -> Callback:
    """Check an authorization callback and return its code.

    ``callback`` is the full redirect URL (query or fragment) or its parameters. The ``state`` is
    compared in constant time. If the server sent ``iss`` it must equal ``issuer`` (RFC 9207 §2.4);
    with ``require_iss`` (the provider's metadata says
    ``authorization_response_iss_parameter_supported``) a callback without ``iss`` is refused too,
    since a mix-up attacker's callback would lack it (RFC 9207 §2.4). An ``error`` callback
    becomes the matching :class:`OAuthError` subclass.
    """
    if not isinstance(expected_state, str):
        raise ConfigurationError(
            f"expected_state must be a str, not {type(expected_state).__name__}"
        )
    if require_iss and issuer is None:
        raise ConfigurationError("require_iss needs the expected issuer")
    params = _callback_params(callback)
    iss = params.get("iss")
    if iss is None and require_iss:
        raise IssuerMismatch(
            "authorization callback has no iss, though the provider advertises "
            "authorization_response_iss_parameter_supported (RFC 9207 §2.4)"
        )
    if iss is not None and issuer is not None and iss != issuer:
        raise IssuerMismatch("authorization callback came from an unexpected issuer (RFC 9207)")
    state = params.get("state")
    import hmac  # only here, like hashlib above: it costs import time every user would pay

    # ``surrogatepass``: a lone surrogate (from a %ED%A0%80 in the URL) is a mismatch, not a crash.
    if state is None or not hmac.compare_digest(
        state.encode("utf-8", "surrogatepass"), expected_state.encode("utf-8", "surrogatepass")
    ):
        raise StateMismatch("authorization callback state does not match the request's")
    if "error" in params:
        raise _callback_error(params)
    code = params.get("code")
    if not code:
        raise ProtocolError("authorization callback has neither code nor error")
    return Callback(code=code, state=state, iss=iss)


def _callback_error(params: Mapping[str, str]) -> OAuthError:
    return oauth_error(params["error"], params.get("error_description"), params.get("error_uri"))


def _callback_params(callback: str | Mapping[str, str]) -> dict[str, str]:
    if not isinstance(callback, str):
        if not isinstance(callback, Mapping):
            raise ConfigurationError(
                "callback must be the redirect URL (str) or its parameters (a mapping of str), "
                f"not {type(callback).__name__}"
            )
        given = dict(callback)
        for key, value in given.items():
            if not isinstance(key, str) or not isinstance(value, str):
                # parse_qs gives lists: the caller wants parse_qsl, or the URL itself.
                raise ConfigurationError(
                    "callback parameters must map str to str "
                    f"(got a {type(value).__name__} value; use the URL or parse_qsl)"
                )
        return given
    parts = urlsplit(callback)
    raws: tuple[str, ...]
    if parts.scheme or parts.netloc or callback.startswith("/"):
        # A URL, absolute or as a web framework hands it over ("/cb?code=..."). The parameters
        # are in the query, or in the fragment with response_mode=fragment while the redirect
        # URI keeps a query of its own: both are read.
        raws = (parts.query, parts.fragment)
    else:
        raws = (callback.lstrip("?#"),)
    params: dict[str, str] = {}
    for raw in raws:
        for key, value in parse_qsl(raw, keep_blank_values=True):
            if key in params:
                raise ProtocolError(
                    f"authorization callback repeats the parameter {scrub(key, 40)!r}"
                )
            params[key] = value
    return params
