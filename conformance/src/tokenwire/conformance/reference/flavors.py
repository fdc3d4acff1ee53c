"""What each emulated provider does differently, as data the reference server reads.

The reference server is one authlib authorization server; a :class:`Flavor` decides its paths,
token shapes and lifetimes, and how it words errors, following the providers' own documents (the
seeds). Keeping the quirks here, and nowhere else, is what lets one server stand in for three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tokenwire.adapters.profiles import BY_NAME, generic
from tokenwire.core import ConfigurationError, Profile

FlavorName = Literal["rfc6749", "tencent-ciam", "api-v1"]

#: The ``error_uri`` Tencent CIAM attaches to its errors (seed 001).
TENCENT_ERROR_URI = "https://datatracker.ietf.org/doc/html/rfc6749#section-5.2"


@dataclass(frozen=True, kw_only=True)
class Flavor:
    """One provider's observable behaviour at its token and authorization endpoints."""

    name: FlavorName
    token_path: str
    authorize_path: str
    #: ``expires_in`` of access tokens unless the provider is told otherwise.
    access_token_lifetime: int
    #: Scopes a client may ask for, and what it gets when it asks for none.
    scopes: tuple[str, ...]
    default_scope: str
    content_type: str = "application/json"
    #: Access and ID tokens shaped as JWTs (Tencent) rather than opaque strings.
    jwt_tokens: bool = False
    error_uri: str | None = None
    #: A missing or unknown ``client_id`` gets ``401`` and no body at all (Tencent).
    bodiless_401_is_invalid_client: bool = False
    #: Status of an ``invalid_client`` error; ``None`` means RFC 6749 §5.2: 401 with
    #: ``WWW-Authenticate`` when the client tried Basic, 400 otherwise.
    invalid_client_status: int | None = None

    def profile(self, base_url: str) -> Profile:
        """The tokenwire profile that talks to this flavor served at ``base_url``."""
        if self.name in BY_NAME:
            return BY_NAME[self.name](base_url)
        return generic(base_url + self.token_path, authorization_url=base_url + self.authorize_path)


FLAVORS: dict[str, Flavor] = {
    "rfc6749": Flavor(
        name="rfc6749",
        token_path="/token",
        authorize_path="/authorize",
        access_token_lifetime=3600,
        scopes=("read", "write", "openid", "offline_access"),
        default_scope="",
    ),
    "tencent-ciam": Flavor(
        name="tencent-ciam",
        token_path="/oauth2/token",
        authorize_path="/oauth2/authorize",
        access_token_lifetime=299,
        scopes=("openid", "profile", "email", "phone"),
        default_scope="openid",
        content_type="application/json;charset=UTF-8",
        jwt_tokens=True,
        error_uri=TENCENT_ERROR_URI,
        bodiless_401_is_invalid_client=True,
        invalid_client_status=401,
    ),
    "api-v1": Flavor(
        name="api-v1",
        token_path="/api/v1/oauth2/token",
        authorize_path="/api/v1/oauth2/authorize",
        access_token_lifetime=7200,
        scopes=("get_user_info",),
        default_scope="get_user_info",
    ),
}


def flavor_named(name: str) -> Flavor:
    """The flavor called ``name``; a :class:`ConfigurationError` names the known ones."""
    try:
        return FLAVORS[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown reference flavor {name!r}; expected one of {', '.join(FLAVORS)}"
        ) from None
