"""A provider profile: where a provider's endpoints are and what it does differently.

Quirks are data here, never branches on a provider's name in the core: the parser and request
builder read these flags, and :mod:`tokenwire.adapters.profiles` fills them in per provider.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from tokenwire.core.urls import check_endpoint_url

__all__ = [
    "Profile",
]


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """Endpoints and quirk settings of one OAuth 2.0 provider. Pure data."""

    name: str = "generic"
    token_url: str
    authorization_url: str | None = None
    #: Token revocation endpoint (RFC 7009).
    revocation_url: str | None = None
    #: Token introspection endpoint (RFC 7662).
    introspection_url: str | None = None
    #: Device authorization endpoint (RFC 8628 §3.1).
    device_authorization_url: str | None = None
    userinfo_url: str | None = None
    jwks_url: str | None = None
    discovery_url: str | None = None
    #: Expected ``iss`` in authorization callbacks (RFC 9207) and ID tokens.
    issuer: str | None = None

    # --- quirks -------------------------------------------------------------------------------
    #: A 401 with an empty body means ``invalid_client`` (Tencent CIAM answers a missing or
    #: wrong client_id so); otherwise such a reply is a ProtocolError.
    bodiless_401_is_invalid_client: bool = False
    #: Form-urlencode id and secret before base64 in Basic auth (RFC 6749 §2.3.1). Switch off only
    #: for a provider that does not decode them.
    basic_auth_urlencode: bool = True
    #: Accept ``expires_in`` sent as a string of digits (``"3600"``).
    allow_string_expires_in: bool = True
    #: Accept ``scope`` sent as a JSON array instead of a space-delimited string.
    allow_scope_list: bool = True
    #: ``token_type`` is REQUIRED (RFC 6749 §5.1); a profile may relax that for a provider that
    #: omits it, and then the token is taken as Bearer.
    require_token_type: bool = True
    #: Extra form fields this provider wants on every token request (e.g. ``audience``).
    extra_token_params: tuple[tuple[str, str], ...] = ()
    #: The ``aud`` of a client assertion (``client_secret_jwt``, ``private_key_jwt``): the token
    #: endpoint, as OIDC Core §9 says, or the issuer, which RFC 7523 §3 also allows and some
    #: providers insist on (those that check ``aud`` against their issuer identifier alone).
    client_assertion_audience: Literal["token_endpoint", "issuer"] = "token_endpoint"
    #: The client authentication method the provider's documents use.
    default_auth_method: str = "client_secret_post"

    def __post_init__(self) -> None:
        check_endpoint_url(self.token_url, "token endpoint")
        for what in (
            "authorization",
            "revocation",
            "introspection",
            "device_authorization",
            "userinfo",
            "jwks",
        ):
            url = getattr(self, f"{what}_url")
            if url is not None:
                check_endpoint_url(url, f"{what.replace('_', ' ')} endpoint")
