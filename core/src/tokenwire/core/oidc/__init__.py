"""OpenID Connect, sans-IO: discovery, key sets, ID token validation and userinfo.

Requests are built and answers validated from data alone; the adapters fetch and cache
(:mod:`tokenwire.adapters.oidc`). Signature checks need the ``oidc`` extra
(``pip install "tokenwire-core[oidc]"``, which brings ``cryptography``); everything else,
``import tokenwire.core`` included, works without it.
"""

from tokenwire.core.oidc.errors import (
    ID_TOKEN_REASONS,
    DiscoveryError,
    IdTokenError,
    IdTokenReason,
    JwksError,
    UserinfoError,
)
from tokenwire.core.oidc.idtoken import DEFAULT_LEEWAY, IdTokenClaims, half_hash, validate_id_token
from tokenwire.core.oidc.jwk import Jwk, JwkSet, parse_jwks, parse_jwks_json
from tokenwire.core.oidc.jws import DEFAULT_ALGS, SUPPORTED_ALGS, JoseHeader, verify_jws
from tokenwire.core.oidc.metadata import (
    ProviderMetadata,
    discovery_request,
    discovery_url,
    parse_provider_metadata,
    profile_from_metadata,
)
from tokenwire.core.oidc.userinfo import Userinfo, parse_userinfo, userinfo_request

__all__ = [
    "DEFAULT_ALGS",
    "DEFAULT_LEEWAY",
    "ID_TOKEN_REASONS",
    "SUPPORTED_ALGS",
    "DiscoveryError",
    "IdTokenClaims",
    "IdTokenError",
    "IdTokenReason",
    "JoseHeader",
    "Jwk",
    "JwkSet",
    "JwksError",
    "ProviderMetadata",
    "Userinfo",
    "UserinfoError",
    "discovery_request",
    "discovery_url",
    "half_hash",
    "parse_jwks",
    "parse_jwks_json",
    "parse_provider_metadata",
    "parse_userinfo",
    "profile_from_metadata",
    "userinfo_request",
    "validate_id_token",
    "verify_jws",
]
