"""OpenID Connect for applications: discover a provider, verify its ID tokens, ask userinfo.

``Provider.discover(issuer)`` (or ``await AsyncProvider.discover(issuer)``) reads and validates
the metadata once; ``verify_id_token`` fetches the key set on first use, caches it, and refetches
it (rate-limited, single-flight) when a token names a key it lacks. See ``docs/oidc.md``.
"""

from tokenwire.adapters.oidc.aio import AsyncProvider
from tokenwire.adapters.oidc.keys import JwksPolicy, JwksSnapshot, cache_lifetime, jwks_flow
from tokenwire.adapters.oidc.sync import Provider

__all__ = ["AsyncProvider", "JwksPolicy", "JwksSnapshot", "Provider", "cache_lifetime", "jwks_flow"]
