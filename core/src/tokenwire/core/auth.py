"""Client authentication at the token endpoint (RFC 6749 §2.3).

Credentials go in exactly one place: the form body (``client_secret_post``), the Authorization
header (``client_secret_basic``), or nowhere but ``client_id`` (``none``, public clients).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from functools import cached_property
from typing import Literal, get_args

from typing_extensions import override

from tokenwire.core.errors import ConfigurationError
from tokenwire.core.form import encode_form, form_escape
from tokenwire.core.redact import RedactedStruct, hidden

__all__ = ["AUTH_METHODS", "AuthMethod", "ClientAuth", "basic_authorization"]

#: The client authentication methods core implements (RFC 6749 §2.3, RFC 7591 §2 names).
AuthMethod = Literal["client_secret_post", "client_secret_basic", "none"]
#: The same, at run time: the one list every other table of methods is built from.
AUTH_METHODS: tuple[AuthMethod, ...] = get_args(AuthMethod)


class ClientAuth(RedactedStruct, frozen=True, dict=True):
    """A client's identity and how it proves it. ``repr`` never shows the secret.

    The encoded credentials (form fields or Basic header) are computed once per client and kept
    on the instance (``dict=True`` gives the frozen struct room for them): a client makes many
    requests, and encoding its id and secret again each time is wasted work on every one of them
    (``docs/performance.md`` has the figures).
    """

    client_id: str
    client_secret: str | None = None
    method: AuthMethod = "client_secret_post"

    def __post_init__(self) -> None:
        if self.method not in AUTH_METHODS:
            raise ConfigurationError(
                f"unknown client authentication method {self.method!r}; "
                f"expected one of {', '.join(AUTH_METHODS)}"
            )
        if not self.client_id:
            raise ConfigurationError("client_id must not be empty")
        if self.method != "none" and not self.client_secret:
            raise ConfigurationError(f"{self.method} needs a client_secret")
        if self.method == "none" and self.client_secret:
            raise ConfigurationError(
                "method 'none' sends no secret; drop client_secret or pick another method"
            )

    @cached_property
    def form_credentials(self) -> bytes:
        """The client's form fields, encoded: id and secret for ``client_secret_post``, the id
        alone for ``none``, nothing for ``client_secret_basic`` (the header carries them)."""
        if self.method == "client_secret_post":
            return encode_form([("client_id", self.client_id), ("client_secret", self.secret)])
        if self.method == "none":
            return encode_form([("client_id", self.client_id)])
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
