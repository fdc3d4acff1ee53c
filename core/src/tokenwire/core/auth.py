"""Client authentication at the token endpoint (RFC 6749 §2.3).

Credentials go in exactly one place: the form body (``client_secret_post``), the Authorization
header (``client_secret_basic``), or nowhere but ``client_id`` (``none``, public clients).
"""

from __future__ import annotations

import base64
from typing import Literal

import msgspec

from tokenwire.core._redact import REDACTED
from tokenwire.core.errors import ConfigurationError
from tokenwire.core.form import form_escape

AuthMethod = Literal["client_secret_post", "client_secret_basic", "none"]
AUTH_METHODS: tuple[str, ...] = ("client_secret_post", "client_secret_basic", "none")


class ClientAuth(msgspec.Struct, frozen=True):
    """A client's identity and how it proves it. ``repr`` never shows the secret."""

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

    def __repr__(self) -> str:
        secret = None if self.client_secret is None else REDACTED
        return (
            f"ClientAuth(client_id={self.client_id!r}, client_secret={secret!r}, "
            f"method={self.method!r})"
        )

    __str__ = __repr__


def basic_authorization(client_id: str, client_secret: str, *, urlencode: bool = True) -> str:
    """Build the ``Authorization: Basic`` value for a client.

    RFC 6749 §2.3.1 says id and secret are form-urlencoded *before* base64, so a secret with
    ``:``, ``+`` or ``%`` survives; ``urlencode=False`` is for providers that do not decode.
    """
    if urlencode:
        client_id, client_secret = form_escape(client_id), form_escape(client_secret)
    elif ":" in client_id:
        raise ConfigurationError("a client_id with ':' cannot be sent in Basic auth unencoded")
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")
