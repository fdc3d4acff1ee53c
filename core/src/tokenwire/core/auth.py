"""Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2, RFC 8705 §2).

Credentials go in exactly one place: the form body (``client_secret_post``), the Authorization
header (``client_secret_basic``), a signed assertion in the body (``client_secret_jwt``,
``private_key_jwt``: :mod:`tokenwire.core.assertion`), the TLS connection's client certificate
(``tls_client_auth``, ``self_signed_tls_client_auth``: the transport holds the certificate, the
body names the client), or nowhere but ``client_id`` (``none``, public clients).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from functools import cached_property
from typing import Literal, get_args

from typing_extensions import override

from tokenwire.core.assertion import (
    ASSERTION_METHODS,
    CLIENT_ASSERTION_TYPE,
    AssertionSigner,
    hmac_signer,
    key_signer,
)
from tokenwire.core.errors import ConfigurationError
from tokenwire.core.form import encode_form, form_escape
from tokenwire.core.redact import RedactedStruct, hidden

__all__ = [
    "AUTH_METHODS",
    "TLS_AUTH_METHODS",
    "AuthMethod",
    "ClientAuth",
    "basic_authorization",
]

#: The client authentication methods core implements (RFC 6749 §2.3, RFC 7591 §2 names).
AuthMethod = Literal[
    "client_secret_post",
    "client_secret_basic",
    "none",
    "client_secret_jwt",
    "private_key_jwt",
    "tls_client_auth",
    "self_signed_tls_client_auth",
]
#: The same, at run time: the one list every other table of methods is built from.
AUTH_METHODS: tuple[AuthMethod, ...] = get_args(AuthMethod)
#: The mutual-TLS methods (RFC 8705 §2.1, §2.2): the transport must present a client certificate.
TLS_AUTH_METHODS: frozenset[str] = frozenset({"tls_client_auth", "self_signed_tls_client_auth"})
#: Methods whose form fields name the client and nothing else.
_ID_ONLY = TLS_AUTH_METHODS | {"none"}
#: Methods that prove themselves with the client secret.
_SECRET_METHODS = frozenset({"client_secret_post", "client_secret_basic", "client_secret_jwt"})


class ClientAuth(RedactedStruct, frozen=True, dict=True):
    """A client's identity and how it proves it. ``repr`` never shows the secret.

    The encoded credentials (form fields or Basic header) are computed once per client and kept
    on the instance (``dict=True`` gives the frozen struct room for them): a client makes many
    requests, and encoding its id and secret again each time is wasted work on every one of them
    (``docs/performance.md`` has the figures). So is a ``*_jwt`` client's signing key, loaded at
    construction (a bad key or a missing ``oidc`` extra fails here, not at the first request).

    ``private_key`` (``private_key_jwt``) is a PEM private key or a private JWK as JSON text;
    ``signing_alg`` picks the JWS algorithm (default: HS256 for ``client_secret_jwt``, else by the
    key's type); ``key_id`` is sent as the header's ``kid`` (default: the JWK's own ``kid``).
    """

    client_id: str
    client_secret: str | None = None
    method: AuthMethod = "client_secret_post"
    private_key: str | None = None
    signing_alg: str | None = None
    key_id: str | None = None

    def __post_init__(self) -> None:
        if self.method not in AUTH_METHODS:
            raise ConfigurationError(
                f"unknown client authentication method {self.method!r}; "
                f"expected one of {', '.join(AUTH_METHODS)}"
            )
        if not self.client_id:
            raise ConfigurationError("client_id must not be empty")
        method = self.method
        if method in _SECRET_METHODS and not self.client_secret:
            raise ConfigurationError(f"{method} needs a client_secret")
        if method not in _SECRET_METHODS and self.client_secret:
            raise ConfigurationError(
                f"method {method!r} sends no secret; drop client_secret or pick another method"
            )
        if (method == "private_key_jwt") != (self.private_key is not None):
            raise ConfigurationError(
                "private_key_jwt needs a private_key"
                if method == "private_key_jwt"
                else f"method {method!r} signs nothing; drop private_key or use private_key_jwt"
            )
        if method not in ASSERTION_METHODS and (self.signing_alg or self.key_id):
            raise ConfigurationError(f"method {method!r} signs nothing; drop signing_alg/key_id")
        if method in ASSERTION_METHODS:
            _ = self.signer  # load the key now: a bad one fails at construction

    @cached_property
    def signer(self) -> AssertionSigner:
        """The loaded signing key of a ``*_jwt`` client (built once; ConfigurationError else)."""
        if self.method == "client_secret_jwt":
            return hmac_signer(self.secret, self.signing_alg, self.key_id)
        if self.private_key is None:
            raise ConfigurationError(f"method {self.method!r} signs no client assertion")
        return key_signer(self.private_key, self.signing_alg, self.key_id)

    @cached_property
    def form_credentials(self) -> bytes:
        """The client's form fields, encoded: id and secret for ``client_secret_post``, the id
        alone for ``none`` and mTLS, nothing for ``client_secret_basic`` (the header carries
        them); for the ``*_jwt`` methods the id and assertion type, ending in
        ``client_assertion=``, to which each request appends its own assertion."""
        if self.method == "client_secret_post":
            return encode_form([("client_id", self.client_id), ("client_secret", self.secret)])
        if self.method in _ID_ONLY:
            return encode_form([("client_id", self.client_id)])
        if self.method in ASSERTION_METHODS:
            fields = [
                ("client_id", self.client_id),
                ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ]
            return encode_form(fields) + b"&client_assertion="
        return b""

    @cached_property
    def _basic(self) -> dict[bool, str]:
        return {}

    def authorization(self, *, urlencode: bool = True) -> str | None:
        """The ``Authorization`` value for ``client_secret_basic`` (else ``None``), built once."""
        if self.method != "client_secret_basic":
            return None
        cache = self._basic
        value = cache.get(urlencode)
        if value is None:
            value = cache[urlencode] = basic_authorization(
                self.client_id, self.secret, urlencode=urlencode
            )
        return value

    @property
    def secret(self) -> str:
        return self.client_secret or ""

    def secret_values(self) -> tuple[str, ...]:
        """The client secret (if any), for redaction of anything shown from an answer."""
        return (self.client_secret,) if self.client_secret else ()

    @override
    def _shown(self) -> Iterator[tuple[str, object]]:
        yield "client_id", self.client_id
        yield "client_secret", hidden(self.client_secret)
        yield "method", self.method
        if self.private_key is not None:
            yield "private_key", hidden(self.private_key)
        if self.signing_alg is not None:
            yield "signing_alg", self.signing_alg
        if self.key_id is not None:
            yield "key_id", self.key_id


def basic_authorization(client_id: str, client_secret: str, *, urlencode: bool = True) -> str:
    """Build the ``Authorization: Basic`` value for a client.

    RFC 6749 §2.3.1 says id and secret are form-urlencoded *before* base64, so a secret with
    ``:``, ``+`` or ``%`` survives; ``urlencode=False`` is for providers that do not decode.
    """
    if urlencode:
        client_id, client_secret = form_escape(client_id), form_escape(client_secret)
    elif ":" in client_id:
        raise ConfigurationError("a client_id with ':' cannot be sent in Basic auth unencoded")
    try:
        raw = f"{client_id}:{client_secret}".encode()
    except UnicodeEncodeError:  # a lone surrogate, only reachable with urlencode=False
        raw = None
    if raw is None:  # raised outside the handler, whose error holds the secret
        raise ConfigurationError("client_id or client_secret is not valid Unicode text")
    return "Basic " + base64.b64encode(raw).decode("ascii")
