"""Endpoint URL rules: where credentials may be sent at all.

Checked once, when a :class:`~tokenwire.core.Profile` is built, so a bad URL fails before
anything is sent and the per-request path pays nothing.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from tokenwire.core.errors import ConfigurationError

__all__ = [
    "check_endpoint_url",
    "is_loopback_host",
]


def is_loopback_host(host: str) -> bool:
    """True for exactly ``localhost`` and literal loopback addresses (127.0.0.0/8, ``::1``),
    where plain ``http://`` is acceptable.

    Other names under ``.localhost`` are not: RFC 6761 asks resolvers to keep them on loopback,
    but many resolve them through DNS like any other name, so credentials could leave the machine.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str, what: str = "token endpoint") -> None:
    """Refuse URLs that would leak credentials: not http(s), userinfo, or plain http off-loopback.

    Raises :class:`ConfigurationError` before anything is sent.
    """
    # urlsplit silently drops tabs and CR/LF, but the request would still carry them.
    if not url.isprintable() or any(ch.isspace() for ch in url):
        raise ConfigurationError(f"{what} URL must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError for a port that is not 0-65535
    except ValueError:
        valid = False
    else:
        valid = True
    if not valid:
        # Raised outside the handler, so that the parser's error (whose message may quote what
        # follows a ':', a password say) is not kept as the context.
        raise ConfigurationError(f"{what} URL is not a valid URL")
    if parts.scheme not in ("https", "http") or not host:
        # The URL itself is not echoed: it may carry credentials (checked below).
        raise ConfigurationError(
            f"{what} URL must be an absolute https:// URL (scheme {parts.scheme or 'missing'!r})"
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(f"{what} URL must not carry credentials")
    if parts.fragment:
        raise ConfigurationError(f"{what} URL must not have a fragment (RFC 6749 §3.2)")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ConfigurationError(
            f"{what} URL uses plain http:// for non-loopback host {host!r}; "
            "credentials must travel over TLS (RFC 6749 §3.2)"
        )
