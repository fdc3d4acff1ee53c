"""Endpoint URL rules: where credentials may be sent at all.

Checked once, when a :class:`~tokenwire.core.Profile` is built, so a bad URL fails before
anything is sent and the per-request path pays nothing.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from tokenwire.core.errors import ConfigurationError


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses, where plain ``http://`` is acceptable."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str, what: str = "token endpoint") -> None:
    """Refuse URLs that would leak credentials: not http(s), userinfo, or plain http off-loopback.

    Raises :class:`ConfigurationError` before anything is sent.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise ConfigurationError(f"{what} URL is not a valid URL") from exc
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{what} URL must be an absolute https:// URL, got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(f"{what} URL must not carry credentials")
    if parts.fragment:
        raise ConfigurationError(f"{what} URL must not have a fragment (RFC 6749 §3.2)")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigurationError(
            f"{what} URL uses plain http:// for non-loopback host {host!r}; "
            "credentials must travel over TLS (RFC 6749 §3.2)"
        )
