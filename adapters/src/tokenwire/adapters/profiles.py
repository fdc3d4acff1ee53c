"""Provider profiles: each provider's endpoints and quirks, as data for the core.

A profile is where a provider's differences live (paths, a bodiless 401, token lifetimes); the
core reads its flags and never branches on a provider's name.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from tokenwire.core import ConfigurationError, Profile

__all__ = ["BY_NAME", "api_v1", "generic", "tencent_ciam"]


def _base(domain: str) -> str:
    """``https://domain`` from a bare domain or a URL; loopback may use ``http://``."""
    domain = domain.strip().rstrip("/")
    if not domain:
        raise ConfigurationError("a provider domain is required")
    if "://" in domain:
        parts = urlsplit(domain)
        # The domain is never echoed: it may carry a password (https://admin:PW@host).
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ConfigurationError(
                "domain must be a host name or a scheme://host URL (no path, query or fragment)"
            )
        if "@" in parts.netloc:
            raise ConfigurationError("domain must not carry credentials")
        return f"{parts.scheme}://{parts.netloc}"
    if "@" in domain:
        raise ConfigurationError("domain must not carry credentials")
    if "/" in domain or "?" in domain or "#" in domain:
        raise ConfigurationError("domain must be a bare host name (no path, query or fragment)")
    return f"https://{domain}"


def tencent_ciam(domain: str) -> Profile:
    """Tencent Cloud CIAM (``https://<tenant>.portal.tencentciam.com``).

    Quirks: a missing or wrong ``client_id`` is answered ``401`` with no body, which means
    ``invalid_client``; errors carry ``error_uri``; access tokens live 299 s; credentials go in the
    form body.
    """
    base = _base(domain)
    return Profile(
        name="tencent-ciam",
        token_url=f"{base}/oauth2/token",
        authorization_url=f"{base}/oauth2/authorize",
        revocation_url=f"{base}/oauth2/revoke",
        jwks_url=f"{base}/oauth2/jwks",
        userinfo_url=f"{base}/userinfo",
        discovery_url=f"{base}/.well-known/openid-configuration",
        issuer=base,
        bodiless_401_is_invalid_client=True,
        default_auth_method="client_secret_post",
    )


def api_v1(domain: str) -> Profile:
    """The ``/api/v1`` variant (Huawei Cloud OneAccess style).

    Endpoints live under ``/api/v1/oauth2/``; tokens are opaque, ``expires_in`` is a long
    integer (7200), scopes are custom (``get_user_info``); credentials go in the form body.
    """
    base = _base(domain)
    return Profile(
        name="api-v1",
        token_url=f"{base}/api/v1/oauth2/token",
        authorization_url=f"{base}/api/v1/oauth2/authorize",
        userinfo_url=f"{base}/api/v1/oauth2/userinfo",
        default_auth_method="client_secret_post",
    )


def generic(
    token_url: str,
    *,
    authorization_url: str | None = None,
    revocation_url: str | None = None,
    introspection_url: str | None = None,
    userinfo_url: str | None = None,
    jwks_url: str | None = None,
    issuer: str | None = None,
    name: str = "generic",
) -> Profile:
    """A plain RFC 6749 provider at ``token_url``, with no quirks."""
    return Profile(
        name=name,
        token_url=token_url,
        authorization_url=authorization_url,
        revocation_url=revocation_url,
        introspection_url=introspection_url,
        userinfo_url=userinfo_url,
        jwks_url=jwks_url,
        issuer=issuer,
    )


#: The built-in profiles built from a domain, by their ``Profile.name`` (what the CLI's
#: ``--profile`` and the conformance vectors call them). Each name is written once, in its
#: profile; the registry reads it from there.
BY_NAME: dict[str, Callable[[str], Profile]] = {
    build("example.com").name: build for build in (tencent_ciam, api_v1)
}
