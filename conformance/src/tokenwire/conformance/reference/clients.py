"""The clients a reference provider knows, and the fixed set every provider starts with.

The fixed clients cover the three client authentication methods tokenwire speaks. The Basic client
has ``:``, ``%``, ``+`` and a space in both its id and its secret: RFC 6749 §2.3.1 has them
form-urlencoded before base64, and a client that skips that step fails against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tokenwire.core import ClientAuth
from tokenwire.core.auth import AuthMethod

#: The one redirect URI the fixed clients register. Nothing listens there: tests read the code
#: from the ``302``'s ``Location`` instead of following it.
REDIRECT_URI = "http://127.0.0.1/callback"

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
CONFIDENTIAL_GRANTS = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    DEVICE_CODE,
    TOKEN_EXCHANGE,
)
PUBLIC_GRANTS = ("authorization_code", "refresh_token", DEVICE_CODE)


@dataclass(frozen=True, kw_only=True)
class RegisteredClient:
    """A client registration. ``repr`` never shows the secret.

    ``scopes`` ``None`` means every scope the provider's flavor supports.
    """

    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    auth_method: AuthMethod = "client_secret_post"
    redirect_uris: tuple[str, ...] = (REDIRECT_URI,)
    grant_types: tuple[str, ...] = CONFIDENTIAL_GRANTS
    scopes: tuple[str, ...] | None = None

    @property
    def is_public(self) -> bool:
        return self.auth_method == "none"

    def auth(self) -> ClientAuth:
        """The tokenwire :class:`~tokenwire.core.ClientAuth` that authenticates as this client."""
        return ClientAuth(self.client_id, self.client_secret, self.auth_method)


POST_CLIENT = RegisteredClient(
    client_id="post-client",
    client_secret="post-client-secret-0123456789",
    auth_method="client_secret_post",
)
BASIC_CLIENT = RegisteredClient(
    client_id="basic:client %41+id",
    client_secret="s3cr:et %25+plus sp/ce=",
    auth_method="client_secret_basic",
)
PUBLIC_CLIENT = RegisteredClient(
    client_id="public-pkce-client",
    auth_method="none",
    grant_types=PUBLIC_GRANTS,
)

#: Registered on every reference provider when it is created.
DEFAULT_CLIENTS = (POST_CLIENT, BASIC_CLIENT, PUBLIC_CLIENT)
